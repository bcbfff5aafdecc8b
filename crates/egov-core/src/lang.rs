//! Languages of a deployment and text that exists in several of them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// An ISO 639-1 language code the platform can speak: `tg`, `kk`, `ru`, `en`…
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lang([u8; 2]);

impl Lang {
    pub const TG: Lang = Lang(*b"tg");
    pub const KK: Lang = Lang(*b"kk");
    pub const RU: Lang = Lang(*b"ru");
    pub const EN: Lang = Lang(*b"en");

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_lowercase() && b.is_ascii_lowercase() => Ok(Lang([*a, *b])),
            _ => Err(ParseError::new(
                "language",
                format!(
                    "{:?} is not a two-letter ISO 639-1 code like tg, kk, ru, en",
                    truncate(s)
                ),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII lowercase letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("en")
    }

    /// The language's name in itself, for language switchers.
    pub fn endonym(self) -> &'static str {
        match &self.0 {
            b"tg" => "Тоҷикӣ",
            b"kk" => "Қазақша",
            b"ru" => "Русский",
            b"en" => "English",
            b"uz" => "Oʻzbekcha",
            b"ky" => "Кыргызча",
            _ => "?",
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(16).collect()
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Lang::parse(s)
    }
}

impl Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Lang::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The deployment's languages in order of preference; the first is the default. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Languages(Vec<Lang>);

impl Languages {
    pub fn new(langs: Vec<Lang>) -> Result<Self, ParseError> {
        if langs.is_empty() {
            return Err(ParseError::new(
                "languages",
                "at least one language is needed",
            ));
        }
        let mut seen = Vec::new();
        for l in &langs {
            if seen.contains(l) {
                return Err(ParseError::new("languages", format!("{l} is listed twice")));
            }
            seen.push(*l);
        }
        Ok(Languages(langs))
    }

    pub fn default_lang(&self) -> Lang {
        self.0[0]
    }

    pub fn all(&self) -> &[Lang] {
        &self.0
    }

    pub fn contains(&self, l: Lang) -> bool {
        self.0.contains(&l)
    }

    /// Parses a URL's language segment, accepting only languages of this deployment.
    pub fn parse_supported(&self, s: &str) -> Option<Lang> {
        Lang::parse(s).ok().filter(|l| self.contains(*l))
    }
}

impl<'de> Deserialize<'de> for Languages {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<Lang>::deserialize(d)?;
        Languages::new(v).map_err(serde::de::Error::custom)
    }
}

/// One text in several languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Localized(BTreeMap<Lang, String>);

/// What a reader gets: the text, the language it is really in, and whether that is a fallback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved<'a> {
    pub text: &'a str,
    pub lang: Lang,
    pub fallback: bool,
}

impl Localized {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, lang: Lang, text: impl Into<String>) -> Self {
        self.set(lang, text);
        self
    }

    /// Sets a translation; blank text removes it, so "missing" has one meaning.
    pub fn set(&mut self, lang: Lang, text: impl Into<String>) {
        let text = text.into();
        if text.trim().is_empty() {
            self.0.remove(&lang);
        } else {
            self.0.insert(lang, text);
        }
    }

    pub fn get(&self, lang: Lang) -> Option<&str> {
        self.0.get(&lang).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn langs(&self) -> impl Iterator<Item = Lang> + '_ {
        self.0.keys().copied()
    }

    /// The text in `want`, else in the deployment's languages in order, else any text there is.
    /// `None` only when there is no text at all.
    pub fn resolve(&self, want: Lang, langs: &Languages) -> Option<Resolved<'_>> {
        if let Some(t) = self.0.get(&want) {
            return Some(Resolved {
                text: t,
                lang: want,
                fallback: false,
            });
        }
        langs
            .all()
            .iter()
            .find_map(|l| self.0.get(l).map(|t| (*l, t)))
            .or_else(|| self.0.iter().next().map(|(l, t)| (*l, t)))
            .map(|(lang, text)| Resolved {
                text,
                lang,
                fallback: true,
            })
    }

    /// Languages of the deployment that have no text here.
    pub fn missing<'l>(&'l self, langs: &'l Languages) -> impl Iterator<Item = Lang> + 'l {
        langs
            .all()
            .iter()
            .copied()
            .filter(|l| !self.0.contains_key(l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tj() -> Languages {
        Languages::new(vec![Lang::TG, Lang::RU, Lang::EN]).unwrap()
    }

    #[test]
    fn parse_lang() {
        assert_eq!(Lang::parse("tg").unwrap(), Lang::TG);
        for bad in ["", "t", "TG", "tgk", "т", "../"] {
            assert!(Lang::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(tj().parse_supported("kk"), None);
        assert_eq!(tj().parse_supported("ru"), Some(Lang::RU));
    }

    #[test]
    fn languages_are_unique_and_non_empty() {
        assert!(Languages::new(vec![]).is_err());
        assert!(Languages::new(vec![Lang::RU, Lang::RU]).is_err());
        let l: Result<Languages, _> = serde_json::from_str(r#"["tg","xx1"]"#);
        assert!(l.is_err());
    }

    #[test]
    fn fallback_follows_the_deployment_order() {
        let t = Localized::new()
            .with(Lang::EN, "Hello")
            .with(Lang::RU, "Привет");
        let r = t.resolve(Lang::RU, &tj()).unwrap();
        assert_eq!((r.text, r.fallback), ("Привет", false));
        let r = t.resolve(Lang::TG, &tj()).unwrap();
        assert_eq!((r.text, r.lang, r.fallback), ("Привет", Lang::RU, true));
        assert_eq!(t.missing(&tj()).collect::<Vec<_>>(), vec![Lang::TG]);
        assert!(Localized::new().resolve(Lang::TG, &tj()).is_none());
        let only_kk = Localized::new().with(Lang::KK, "Сәлем");
        assert_eq!(only_kk.resolve(Lang::TG, &tj()).unwrap().lang, Lang::KK);
    }

    #[test]
    fn blank_means_missing() {
        let mut t = Localized::new().with(Lang::EN, "x");
        t.set(Lang::EN, "   ");
        assert!(t.is_empty());
    }

    #[test]
    fn json_shape() {
        let t: Localized = serde_json::from_str(r#"{"tg":"Салом","en":"Hello"}"#).unwrap();
        assert_eq!(t.get(Lang::TG), Some("Салом"));
        assert!(serde_json::from_str::<Localized>(r#"{"TG":"x"}"#).is_err());
    }
}
