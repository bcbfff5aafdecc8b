//! Identifiers the way X-Road names things, so information systems built for X-Road call the gateway
//! unchanged and another country's platform can name our services (federation).
//!
//! - a member: `TJ/GOV/020000101` (instance, member class, member code = the national legal id);
//! - a subsystem — an information system of a member, and the only kind of client: `TJ/GOV/020000101/civil-registry`;
//! - a service of a subsystem: `TJ/GOV/020000101/civil-registry/person-lookup`.
//!
//! Two string forms. The *header form* (`X-Road-Client`, `X-Road-Service`, logs, our APIs) joins the raw
//! parts with `/`. The *path form* (`/r1/…` URLs) percent-encodes each part on its own (PR-REST §4.2) and
//! joins them with unencoded `/`. A part may hold letters, digits and ``'()+,-.=?_`` (PR-REST §4.8, plus the
//! underscore that many X-Road deployments use); never `/`, `%`, `:`, `;`, `\`, spaces or control
//! characters, so both forms always parse back to the same id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ParseError;
use crate::ids::MemberClass;

const MAX_PART: usize = 255;

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "'()+,-.=?_".contains(c)
}

fn check_part(what: &'static str, s: &str) -> Result<(), ParseError> {
    if s.is_empty() {
        return Err(ParseError::new(what, "is empty"));
    }
    if s.len() > MAX_PART {
        return Err(ParseError::new(
            what,
            format!("is longer than {MAX_PART} characters"),
        ));
    }
    if let Some(bad) = s.chars().find(|c| !allowed(*c)) {
        return Err(ParseError::new(
            what,
            format!(
                "contains {:?}; use letters, digits and ' ( ) + , - . = ? _",
                bad.escape_debug().to_string()
            ),
        ));
    }
    Ok(())
}

macro_rules! code {
    ($(#[$m:meta])* $name:ident, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                check_part($what, s)?;
                Ok($name(s.to_owned()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code!(
    /// The deployment's X-Road instance: `TJ`, `KZ-TEST`.
    InstanceCode, "instance code"
);
code!(
    /// A member's code within its class: its national legal id (INN in Tajikistan, BIN in Kazakhstan), or
    /// whatever another instance uses.
    MemberCode, "member code"
);
code!(
    /// An information system of a member: `civil-registry`.
    SubsystemCode, "subsystem code"
);
code!(
    /// A service of a subsystem: `person-lookup`.
    ServiceCode, "service code"
);

/// A member of an instance: `TJ/GOV/020000101`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberId {
    pub instance: InstanceCode,
    pub class: MemberClass,
    pub code: MemberCode,
}

/// A subsystem of a member: `TJ/GOV/020000101/civil-registry`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubsystemId {
    pub member: MemberId,
    pub code: SubsystemCode,
}

/// Who calls through the gateway: always a subsystem (a member alone is refused, so every call names the
/// information system that made it).
pub type ClientId = SubsystemId;

/// A service: `TJ/GOV/020000101/civil-registry/person-lookup`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId {
    pub subsystem: SubsystemId,
    pub code: ServiceCode,
}

/// Splits `s` into exactly `n` parts at `/`, naming the expected shape when the count is wrong.
fn parts<'a>(
    s: &'a str,
    n: usize,
    shape: &'static str,
    what: &'static str,
) -> Result<Vec<&'a str>, ParseError> {
    let p: Vec<&str> = s.split('/').collect();
    if p.len() != n {
        return Err(ParseError::new(
            what,
            format!("has {} part(s); expected {n}: {shape}", p.len()),
        ));
    }
    Ok(p)
}

fn class(s: &str) -> Result<MemberClass, ParseError> {
    MemberClass::parse(s).map_err(|e| ParseError::new("member class", e.why))
}

impl MemberId {
    pub fn new(instance: InstanceCode, class: MemberClass, code: MemberCode) -> Self {
        MemberId {
            instance,
            class,
            code,
        }
    }

    fn from_parts(p: &[&str]) -> Result<Self, ParseError> {
        Ok(MemberId {
            instance: InstanceCode::parse(p[0])?,
            class: class(p[1])?,
            code: MemberCode::parse(p[2])?,
        })
    }

    /// Header form: `TJ/GOV/020000101`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::from_parts(&parts(s, 3, "INSTANCE/CLASS/MEMBER", "member id")?)
    }
}

impl SubsystemId {
    pub fn new(member: MemberId, code: SubsystemCode) -> Self {
        SubsystemId { member, code }
    }

    fn from_parts(p: &[&str]) -> Result<Self, ParseError> {
        Ok(SubsystemId {
            member: MemberId::from_parts(&p[..3])?,
            code: SubsystemCode::parse(p[3])?,
        })
    }

    /// Header form: `TJ/GOV/020000101/civil-registry` (as in `X-Road-Client`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let p: Vec<&str> = s.split('/').collect();
        if p.len() == 3 {
            return Err(ParseError::new(
                "client id",
                "names a member without a subsystem; a client is a subsystem: INSTANCE/CLASS/MEMBER/SUBSYSTEM",
            ));
        }
        Self::from_parts(&parts(
            s,
            4,
            "INSTANCE/CLASS/MEMBER/SUBSYSTEM",
            "subsystem id",
        )?)
    }

    /// The service `code` of this subsystem.
    pub fn service(&self, code: ServiceCode) -> ServiceId {
        ServiceId {
            subsystem: self.clone(),
            code,
        }
    }

    /// Path form: each part percent-encoded, joined by `/`.
    pub fn to_path(&self) -> String {
        [
            self.member.instance.as_str(),
            self.member.class.as_str(),
            self.member.code.as_str(),
            self.code.as_str(),
        ]
        .map(encode)
        .join("/")
    }

    /// From the four percent-encoded path segments of `/r1/{instance}/{class}/{member}/{subsystem}`.
    pub fn from_path_segments(segments: &[&str]) -> Result<Self, ParseError> {
        if segments.len() != 4 {
            return Err(ParseError::new(
                "subsystem id",
                "a path names INSTANCE/CLASS/MEMBER/SUBSYSTEM",
            ));
        }
        let decoded = segments
            .iter()
            .map(|s| decode(s))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&str> = decoded.iter().map(String::as_str).collect();
        Self::from_parts(&refs)
    }
}

impl ServiceId {
    /// Header form: `TJ/GOV/020000101/civil-registry/person-lookup` (as in `X-Road-Service`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let p = parts(
            s,
            5,
            "INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE",
            "service id",
        )?;
        Ok(ServiceId {
            subsystem: SubsystemId::from_parts(&p[..4])?,
            code: ServiceCode::parse(p[4])?,
        })
    }

    /// Path form: `TJ/GOV/020000101/civil-registry/person-lookup`, each part percent-encoded.
    pub fn to_path(&self) -> String {
        format!(
            "{}/{}",
            self.subsystem.to_path(),
            encode(self.code.as_str())
        )
    }

    /// From the five percent-encoded path segments after `/r1/`.
    pub fn from_path_segments(segments: &[&str]) -> Result<Self, ParseError> {
        if segments.len() != 5 {
            return Err(ParseError::new(
                "service id",
                "a path names INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE",
            ));
        }
        Ok(ServiceId {
            subsystem: SubsystemId::from_path_segments(&segments[..4])?,
            code: ServiceCode::parse(&decode(segments[4])?)?,
        })
    }
}

/// Percent-encodes every byte outside RFC 3986's unreserved set.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes one path segment; malformed escapes and non-UTF-8 results are refused.
fn decode(s: &str) -> Result<String, ParseError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| ParseError::new("path segment", "has a malformed %-escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ParseError::new("path segment", "is not UTF-8 once decoded"))
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.instance, self.class.as_str(), self.code)
    }
}

impl fmt::Display for SubsystemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.member, self.code)
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.subsystem, self.code)
    }
}

macro_rules! string_forms {
    ($($t:ty),*) => {$(
        impl FromStr for $t {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Self::parse(s)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    )*};
}
string_forms!(
    InstanceCode,
    MemberCode,
    SubsystemCode,
    ServiceCode,
    MemberId,
    SubsystemId,
    ServiceId
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_design_examples_round_trip() {
        let c = SubsystemId::parse("TJ/GOV/020000123/civil-registry").unwrap();
        assert_eq!(c.member.code.as_str(), "020000123");
        assert_eq!(c.to_string(), "TJ/GOV/020000123/civil-registry");
        assert_eq!(c.to_path(), "TJ/GOV/020000123/civil-registry");
        let s = ServiceId::parse("TJ/GOV/020000123/civil-registry/person-lookup").unwrap();
        assert_eq!(s.subsystem, c);
        assert_eq!(s.code.as_str(), "person-lookup");
        assert_eq!(c.service(ServiceCode::parse("person-lookup").unwrap()), s);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"TJ/GOV/020000123/civil-registry/person-lookup\"");
        assert_eq!(serde_json::from_str::<ServiceId>(&json).unwrap(), s);
    }

    #[test]
    fn path_form_percent_encodes_each_part() {
        let s = ServiceId::parse("KZ-TEST/COM/(BIN)=1,2/sub.sys_1/get'it+?").unwrap();
        let path = s.to_path();
        assert_eq!(
            path,
            "KZ-TEST/COM/%28BIN%29%3D1%2C2/sub.sys_1/get%27it%2B%3F"
        );
        let segs: Vec<&str> = path.split('/').collect();
        assert_eq!(ServiceId::from_path_segments(&segs).unwrap(), s);
        // Lower-case escapes decode the same.
        let lower = path.replace("%2C", "%2c").replace("%3D", "%3d");
        let segs: Vec<&str> = lower.split('/').collect();
        assert_eq!(ServiceId::from_path_segments(&segs).unwrap(), s);
    }

    #[test]
    fn malformed_ids_are_refused_with_the_reason() {
        let why = |s: &str| SubsystemId::parse(s).unwrap_err().to_string();
        assert!(why("TJ/GOV/020000123").contains("without a subsystem"));
        assert!(why("TJ/GOV/020000123/a/b").contains("expected 4"));
        assert!(why("TJ/gov/020000123/a").contains("member class"));
        assert!(why("TJ/GOV//a").contains("member code: is empty"));
        assert!(why("TJ/GOV/0200 123/a").contains("contains"));
        assert!(why("TJ/GOV/020000123/a%2Fb").contains("contains"));
        assert!(why(&format!("TJ/GOV/1/{}", "x".repeat(300))).contains("longer"));
        for bad in [
            "",
            "/",
            "TJ/GOV/1/sys/",
            "TJ/GOV/1/sys/svc/extra",
            "TJ/GOV/1/sys/sv c",
            "TJ/GOV/1/sys/\u{200b}",
        ] {
            assert!(ServiceId::parse(bad).is_err(), "{bad:?}");
        }
        for segs in [
            vec!["TJ", "GOV", "1", "sys", "%2Fetc"],
            vec!["TJ", "GOV", "1", "sys", "%zz"],
            vec!["TJ", "GOV", "1", "sys", "%"],
            vec!["TJ", "GOV", "1", "sys", "%FF"],
            vec!["TJ", "GOV", "1", "sys"],
        ] {
            assert!(ServiceId::from_path_segments(&segs).is_err(), "{segs:?}");
        }
    }

    fn part() -> impl Strategy<Value = String> {
        "[A-Za-z0-9'()+,\\-.=?_]{1,24}"
    }

    proptest! {
        #[test]
        fn every_valid_id_round_trips_in_both_forms(
            inst in part(), class in "[A-Z]{2,16}", member in part(), sys in part(), svc in part()
        ) {
            let text = format!("{inst}/{class}/{member}/{sys}/{svc}");
            let id = ServiceId::parse(&text).unwrap();
            prop_assert_eq!(id.to_string(), text);
            let path = id.to_path();
            let segs: Vec<&str> = path.split('/').collect();
            prop_assert_eq!(segs.len(), 5);
            prop_assert_eq!(ServiceId::from_path_segments(&segs).unwrap(), id.clone());
            prop_assert_eq!(ServiceId::parse(&id.to_string()).unwrap(), id);
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,80}") {
            let _ = ServiceId::parse(&s);
            let _ = SubsystemId::parse(&s);
            let segs: Vec<&str> = s.split('/').collect();
            let _ = ServiceId::from_path_segments(&segs);
        }
    }
}
