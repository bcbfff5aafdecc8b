//! Turning stored content into what a template shows: texts resolved to the reader's language (with the
//! fallback marked), dates formatted, breadcrumbs, paging.

use egov_core::clock::Millis;
use egov_core::{Lang, Languages, Localized};
use egov_store::{ContentItem, Organization};
use serde::Serialize;

use crate::errors::{ErrorCode, PageError};

/// A sort key that follows the language's own alphabet, so Tajik "Ҳукумат" sorts after "Хазина" and Kazakh
/// "Әділет" right after words in "А", where code-point order would send them to the end.
pub fn collation_key(lang: Lang, s: &str) -> Vec<u32> {
    let alphabet = match lang.as_str() {
        "tg" => "абвгғдеёжзиӣйкқлмнопрстуӯфхҳчҷшъэюя",
        "kk" => "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
        _ => "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    };
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match alphabet.chars().position(|a| a == c) {
            // Cyrillic letters of the language first, in its order; then everything else by code point.
            Some(i) => 1_000 + u32::try_from(i).unwrap_or(0),
            None if c.is_whitespace() => 0,
            None => 2_000 + u32::from(c),
        })
        .collect()
}

/// Any serializable value as a template value.
pub fn value<T: Serialize>(v: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

/// A text as the reader gets it.
#[derive(Debug, Clone, Serialize)]
pub struct Text {
    pub text: String,
    /// The language the text is really in (for `lang=` when it is a fallback).
    pub lang: String,
    pub fallback: bool,
}

pub fn text(l: &Localized, lang: Lang, langs: &Languages) -> Option<Text> {
    l.resolve(lang, langs).map(|r| Text {
        text: r.text.to_owned(),
        lang: r.lang.to_string(),
        fallback: r.fallback,
    })
}

/// `22.08.2024`: the form read the same way in every language of the region.
pub fn display_date(d: Millis) -> String {
    let (y, m, day) = d.date();
    format!("{day:02}.{m:02}.{y}")
}

/// Replaces every object in `meta` whose keys are all language codes by its text in `lang`.
pub fn resolve_meta(meta: &serde_json::Value, lang: Lang, langs: &Languages) -> serde_json::Value {
    use serde_json::Value;
    match meta {
        Value::Object(map) => {
            let localized = !map.is_empty() && map.keys().all(|k| Lang::parse(k).is_ok());
            if localized {
                match serde_json::from_value::<Localized>(meta.clone()) {
                    Ok(l) => serde_json::to_value(text(&l, lang, langs)).unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                }
            } else {
                Value::Object(
                    map.iter()
                        .map(|(k, v)| (k.clone(), resolve_meta(v, lang, langs)))
                        .collect(),
                )
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolve_meta(v, lang, langs)).collect())
        }
        other => other.clone(),
    }
}

/// One content item ready for a template.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub slug: String,
    pub kind: String,
    pub subtype: String,
    pub url: String,
    pub date: Option<String>,
    pub date_iso: Option<String>,
    pub title: Text,
    pub summary: Option<Text>,
    /// Sanitized HTML (sanitized when saved), shown as is.
    pub body: Option<Text>,
    pub meta: serde_json::Value,
}

pub fn item_view(item: &ContentItem, agency: &str, lang: Lang, langs: &Languages) -> ItemView {
    let section = section_of(item.kind);
    ItemView {
        slug: item.slug.to_string(),
        kind: item.kind.to_string(),
        subtype: item.subtype.clone(),
        url: format!("/{lang}/{agency}/{section}/{}", item.slug),
        date: item.date.map(display_date),
        date_iso: item.date.map(Millis::ymd),
        title: text(&item.title, lang, langs).unwrap_or(Text {
            text: item.slug.to_string(),
            lang: lang.to_string(),
            fallback: true,
        }),
        summary: text(&item.summary, lang, langs),
        body: text(&item.body, lang, langs),
        meta: resolve_meta(&item.meta, lang, langs),
    }
}

/// The URL segment of each kind's section.
pub fn section_of(kind: egov_core::ContentKind) -> &'static str {
    use egov_core::ContentKind::*;
    match kind {
        News => "news",
        Document => "documents",
        Page => "pages",
        Leader => "leadership",
        Unit => "structure",
        Vacancy => "vacancies",
        Event => "events",
        Service => "services",
    }
}

/// An agency as shown in lists and headers.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyView {
    pub slug: String,
    pub kind: String,
    pub name: Text,
    pub short_name: Option<Text>,
    pub description: Option<Text>,
    pub url: String,
}

pub fn agency_view(o: &Organization, lang: Lang, langs: &Languages) -> AgencyView {
    AgencyView {
        slug: o.slug.to_string(),
        kind: o.kind.clone(),
        name: text(&o.name, lang, langs).unwrap_or(Text {
            text: o.slug.to_string(),
            lang: lang.to_string(),
            fallback: true,
        }),
        short_name: text(&o.short_name, lang, langs),
        description: text(&o.description, lang, langs),
        url: format!("/{lang}/{}/", o.slug),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    pub label: String,
    pub url: Option<String>,
    /// Set when the label is a fallback in another language, for its `lang` attribute.
    pub lang: Option<String>,
}

impl Crumb {
    pub fn link(label: impl Into<String>, url: impl Into<String>) -> Self {
        Crumb {
            label: label.into(),
            url: Some(url.into()),
            lang: None,
        }
    }
    pub fn here(label: impl Into<String>) -> Self {
        Crumb {
            label: label.into(),
            url: None,
            lang: None,
        }
    }
    /// A crumb for a resolved text, carrying its language when it is a fallback.
    pub fn text(t: &Text, url: Option<String>) -> Self {
        Crumb {
            label: t.text.clone(),
            url,
            lang: t.fallback.then(|| t.lang.clone()),
        }
    }
}

/// The years a reader can filter by: this year back to 1991 (independence; the oldest acts in force).
pub fn recent_years() -> Vec<i32> {
    let (now, _, _) = Millis::now().date();
    (1991..=now).rev().collect()
}

/// Paging links for a list page.
#[derive(Debug, Clone, Serialize)]
pub struct Paging {
    pub page: u32,
    pub pages: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
}

pub const PAGE_SIZE: u32 = 10;

/// Parses `?page=` (1-based, at most 10 000); anything else is a 400 page, never a 500.
pub fn parse_page(raw: Option<&str>, lang: Lang) -> Result<u32, PageError> {
    match raw {
        None | Some("") => Ok(1),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .ok_or_else(|| {
                PageError::new(ErrorCode::BadRequest)
                    .in_lang(lang)
                    .detail_msg("detail-page")
            }),
    }
}

pub fn paging(base: &str, extra_query: &str, page: u32, total: i64) -> Paging {
    let pages = u32::try_from(total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(PAGE_SIZE)
        .max(1);
    let link = |p: u32| {
        if extra_query.is_empty() {
            format!("{base}?page={p}")
        } else {
            format!("{base}?{extra_query}&page={p}")
        }
    };
    Paging {
        page,
        pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs() -> Languages {
        Languages::new(vec![Lang::TG, Lang::RU, Lang::EN]).unwrap()
    }

    #[test]
    fn meta_texts_are_resolved() {
        let meta = serde_json::json!({"number": "17", "signatory": {"tg": "Вазир", "en": "Minister"}, "list": [{"ru": "Москва"}]});
        let r = resolve_meta(&meta, Lang::EN, &langs());
        assert_eq!(r["number"], "17");
        assert_eq!(r["signatory"]["text"], "Minister");
        assert_eq!(r["list"][0]["text"], "Москва");
        assert_eq!(r["list"][0]["fallback"], true);
    }

    #[test]
    fn names_sort_in_each_alphabet() {
        let mut tg = vec![
            "Ҳукумати шаҳри Душанбе",
            "Хазинаи марказӣ",
            "Вазорати адлия",
            "Агентии инноватсия",
        ];
        tg.sort_by_key(|s| collation_key(Lang::TG, s));
        assert_eq!(
            tg,
            [
                "Агентии инноватсия",
                "Вазорати адлия",
                "Хазинаи марказӣ",
                "Ҳукумати шаҳри Душанбе"
            ]
        );
        let mut kk = vec![
            "Экология министрлігі",
            "Әділет министрлігі",
            "Ауыл шаруашылығы министрлігі",
        ];
        kk.sort_by_key(|s| collation_key(Lang::KK, s));
        assert_eq!(
            kk,
            [
                "Ауыл шаруашылығы министрлігі",
                "Әділет министрлігі",
                "Экология министрлігі"
            ]
        );
    }

    #[test]
    fn pages_are_checked() {
        assert_eq!(parse_page(None, Lang::EN).unwrap(), 1);
        assert_eq!(parse_page(Some("3"), Lang::EN).unwrap(), 3);
        for bad in ["0", "-1", "x", "99999", "1.5"] {
            assert!(parse_page(Some(bad), Lang::EN).is_err(), "{bad}");
        }
        let p = paging("/en/mfa/news", "", 2, 25);
        assert_eq!(
            (p.pages, p.prev.as_deref(), p.next.as_deref()),
            (3, Some("/en/mfa/news?page=1"), Some("/en/mfa/news?page=3"))
        );
        assert_eq!(paging("/x", "year=2024", 1, 0).pages, 1);
        assert_eq!(
            display_date(Millis::parse_ymd("2024-08-22").unwrap()),
            "22.08.2024"
        );
    }
}
