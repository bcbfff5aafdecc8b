//! Identifiers, each parsed once at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

macro_rules! string_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Self::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_newtype!(
    /// A portal slug: `[a-z0-9-]{2,40}`, no leading, trailing or doubled hyphen (`mfa`, `tax-committee`).
    Slug
);
string_newtype!(
    /// The slug of a content item within its agency and kind: like [`Slug`], up to 80 characters
    /// (`2024-08-22-treaty-on-allied-relations`).
    ItemSlug
);
string_newtype!(
    /// The name of an attached file as shown in its URL: `[A-Za-z0-9._-]{1,100}`, not starting with a dot,
    /// no `..` — never a path.
    FileName
);
string_newtype!(
    /// An e-mail address, trimmed and lower-cased; the one form accounts are keyed by.
    Email
);
string_newtype!(
    /// An X-Road member class: `GOV`, `COM`, `NGO`… — `[A-Z]{2,16}`; the deployment decides which exist.
    MemberClass
);
string_newtype!(
    /// A member code: the organization's national legal id (INN, BIN) — `[0-9A-Za-z-]{1,32}`.
    LegalId
);

fn check_slug(s: &str, what: &'static str, max: usize) -> Result<(), ParseError> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !(2..=max).contains(&s.len()) {
        return Err(ParseError::new(
            what,
            format!("must be 2 to {max} characters"),
        ));
    }
    if !ok_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Err(ParseError::new(
            what,
            "only a-z, 0-9 and single inner hyphens are allowed",
        ));
    }
    Ok(())
}

/// Words the portal's own pages use where an agency's slug stands (`/{lang}/search`, `/{lang}/services`…):
/// no organization may take them.
pub const RESERVED_AGENCY_SLUGS: &[&str] = &[
    "admin",
    "api",
    "appeals",
    "assets",
    "assistant",
    "login",
    "logout",
    "search",
    "services",
    "settings",
];

impl Slug {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        check_slug(s, "slug", 40).map(|()| Slug(s.to_owned()))
    }

    /// Whether the portal uses this word for a page of its own (see [`RESERVED_AGENCY_SLUGS`]).
    pub fn is_reserved_for_agencies(&self) -> bool {
        RESERVED_AGENCY_SLUGS.contains(&self.0.as_str())
    }
}

impl ItemSlug {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        check_slug(s, "item slug", 80).map(|()| ItemSlug(s.to_owned()))
    }
}

impl FileName {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let ok = (1..=100).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
            && !s.starts_with('.')
            && !s.contains("..");
        if ok {
            Ok(FileName(s.to_owned()))
        } else {
            Err(ParseError::new(
                "file name",
                "must be 1 to 100 of A-Z, a-z, 0-9, dot, underscore and hyphen, not starting with a dot",
            ))
        }
    }

    /// The extension, lower-cased, if any.
    pub fn extension(&self) -> Option<String> {
        self.0.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
    }
}

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim().to_lowercase();
        let err = |why: &str| Err(ParseError::new("e-mail address", why));
        if s.len() > 254 {
            return err("longer than 254 characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err("must contain @");
        };
        if local.is_empty() || local.len() > 64 {
            return err("the part before @ must be 1 to 64 characters");
        }
        if !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return err("the domain must look like example.tj");
        }
        let allowed = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
        if !local.chars().all(allowed)
            || !domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        {
            return err("contains a character not allowed in an address");
        }
        Ok(Email(s))
    }
}

impl MemberClass {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if (2..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(MemberClass(s.to_owned()))
        } else {
            Err(ParseError::new(
                "member class",
                "must be 2 to 16 capital letters A-Z",
            ))
        }
    }
}

impl LegalId {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            Ok(LegalId(s.to_owned()))
        } else {
            Err(ParseError::new(
                "legal id",
                "must be 1 to 32 characters of A-Z, a-z, 0-9 and hyphen",
            ))
        }
    }
}

/// The store's key of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub i64);

/// The store's key of a user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs() {
        for ok in ["mfa", "tax-committee", "a1", "dushanbe"] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "MFA",
            "-mfa",
            "mfa-",
            "m--fa",
            "../etc",
            "mfa/x",
            "ё",
            &"a".repeat(41),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn item_slugs_and_file_names() {
        assert!(
            ItemSlug::parse("2024-08-22-treaty-on-allied-relations-signed-in-dushanbe").is_ok()
        );
        assert!(ItemSlug::parse(&"a".repeat(81)).is_err());
        for ok in ["order-2024-17.txt", "a", "Report_2025.pdf"] {
            assert!(FileName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".htaccess",
            "../etc/passwd",
            "a/b.txt",
            "a\\b",
            "x..txt",
            "файл.txt",
            "a b.txt",
            "%2e%2e",
        ] {
            assert!(FileName::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            FileName::parse("A.TXT").unwrap().extension().as_deref(),
            Some("txt")
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Admin@AIDT.gov.tj ").unwrap().as_str(),
            "admin@aidt.gov.tj"
        );
        for bad in [
            "", "x", "@a.tj", "a@", "a@tj", "a@.tj", "a b@c.tj", "a@b..tj", "<a>@b.tj",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn classes_and_legal_ids() {
        assert!(MemberClass::parse("GOV").is_ok());
        assert!(MemberClass::parse("gov").is_err());
        assert!(LegalId::parse("020000123").is_ok());
        assert!(LegalId::parse("02 000").is_err());
        assert!(LegalId::parse("").is_err());
    }

    #[test]
    fn deserialize_goes_through_parse() {
        let s: Result<Slug, _> = serde_json::from_str("\"Bad Slug\"");
        assert!(s.is_err());
        let s: Slug = serde_json::from_str("\"mfa\"").unwrap();
        assert_eq!(s.as_str(), "mfa");
    }

    proptest! {
        #[test]
        fn slug_parse_never_panics_and_accepts_only_safe_text(s in "\\PC{0,50}") {
            if let Ok(slug) = Slug::parse(&s) {
                prop_assert!(slug.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(!slug.as_str().contains(".."));
            }
        }

        #[test]
        fn generated_slugs_parse(s in "[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,2}") {
            prop_assume!(s.len() >= 2);
            let slug = Slug::parse(&s).unwrap();
            prop_assert_eq!(slug.as_str(), s.as_str());
        }

        #[test]
        fn file_names_are_never_paths(s in "\\PC{0,40}") {
            if let Ok(f) = FileName::parse(&s) {
                prop_assert!(!f.as_str().contains('/') && !f.as_str().contains('\\') && !f.as_str().starts_with('.'));
            }
        }

        #[test]
        fn email_parse_never_panics(s in "\\PC{0,80}") {
            let _ = Email::parse(&s);
        }
    }
}
