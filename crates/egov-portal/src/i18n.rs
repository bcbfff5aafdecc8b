//! Interface strings in Fluent catalogs, one per language, embedded in the binary.
//!
//! Templates never hold words; they ask for a message id. A message missing in one language falls back to
//! the next language of the deployment, then to English, and at worst shows its id, so a gap is visible in
//! review and never a blank.

use std::collections::HashMap;

use egov_core::{Lang, Languages};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The catalogs that ship with the platform.
const CATALOGS: &[(Lang, &str)] = &[
    (Lang::TG, include_str!("../locales/tg.ftl")),
    (Lang::KK, include_str!("../locales/kk.ftl")),
    (Lang::RU, include_str!("../locales/ru.ftl")),
    (Lang::EN, include_str!("../locales/en.ftl")),
];

pub struct Messages {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
    /// Lookup order after the asked language: the deployment's languages, then English.
    fallback: Vec<Lang>,
}

#[derive(Debug, thiserror::Error)]
#[error("message catalog {lang}: {detail}")]
pub struct CatalogError {
    pub lang: Lang,
    pub detail: String,
}

impl Messages {
    pub fn load(langs: &Languages) -> Result<Self, CatalogError> {
        let mut bundles = HashMap::new();
        for (lang, source) in CATALOGS {
            let err = |detail: String| CatalogError {
                lang: *lang,
                detail,
            };
            let resource = FluentResource::try_new((*source).to_owned()).map_err(|(_, errs)| {
                err(format!(
                    "{} syntax errors, first: {:?}",
                    errs.len(),
                    errs.first()
                ))
            })?;
            let id = lang
                .as_str()
                .parse()
                .map_err(|e| err(format!("language id: {e}")))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Unicode isolation marks would end up inside HTML attributes and URLs.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errs| err(format!("duplicate or bad messages: {errs:?}")))?;
            bundles.insert(*lang, bundle);
        }
        let mut fallback: Vec<Lang> = langs.all().to_vec();
        if !fallback.contains(&Lang::EN) {
            fallback.push(Lang::EN);
        }
        Ok(Messages { bundles, fallback })
    }

    /// Whether a catalog exists for the language.
    pub fn has(&self, lang: Lang) -> bool {
        self.bundles.contains_key(&lang)
    }

    /// The message `id` in `lang` (or the first fallback that has it), with named arguments.
    pub fn get(&self, lang: Lang, id: &str, args: &[(&str, String)]) -> String {
        let fargs = (!args.is_empty()).then(|| {
            let mut a = FluentArgs::new();
            for (k, v) in args {
                // Numbers go in as numbers, so plural rules (Russian 1 / 2–4 / 5+) can pick their form.
                match v.parse::<i64>() {
                    Ok(n) => a.set(*k, FluentValue::from(n)),
                    Err(_) => a.set(*k, FluentValue::from(v.clone())),
                }
            }
            a
        });
        std::iter::once(lang)
            .chain(self.fallback.iter().copied())
            .find_map(|l| {
                let bundle = self.bundles.get(&l)?;
                let pattern = bundle.get_message(id)?.value()?;
                let mut errors = vec![];
                Some(
                    bundle
                        .format_pattern(pattern, fargs.as_ref(), &mut errors)
                        .into_owned(),
                )
            })
            .unwrap_or_else(|| id.to_owned())
    }

    /// Message ids present in the English catalog but missing in `lang`.
    pub fn missing_ids(&self, lang: Lang) -> Vec<String> {
        let Some(en) = self.bundles.get(&Lang::EN) else {
            return vec![];
        };
        let Some(other) = self.bundles.get(&lang) else {
            return vec!["<no catalog>".into()];
        };
        let src = CATALOGS
            .iter()
            .find(|(l, _)| *l == Lang::EN)
            .map_or("", |(_, s)| s);
        src.lines()
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim()))
            .filter(|id| !id.is_empty() && !id.starts_with('#') && !id.starts_with(' '))
            .filter(|id| en.has_message(id) && !other.has_message(id))
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages() -> Messages {
        Messages::load(&Languages::new(vec![Lang::TG, Lang::RU, Lang::EN]).unwrap()).unwrap()
    }

    #[test]
    fn every_catalog_has_every_message() {
        let m = messages();
        for (lang, _) in CATALOGS {
            assert_eq!(m.missing_ids(*lang), Vec::<String>::new(), "catalog {lang}");
        }
    }

    #[test]
    fn plural_forms_follow_the_language() {
        let m = messages();
        let n = |lang, count: i64| m.get(lang, "results-found", &[("count", count.to_string())]);
        assert_eq!(n(Lang::RU, 1), "Найден 1 результат");
        assert_eq!(n(Lang::RU, 3), "Найдено 3 результата");
        assert_eq!(n(Lang::RU, 6), "Найдено 6 результатов");
        assert_eq!(n(Lang::EN, 1), "1 result");
        assert_eq!(n(Lang::EN, 6), "6 results");
    }

    #[test]
    fn arguments_and_fallback() {
        let m = messages();
        let s = m.get(Lang::EN, "signed-in-as", &[("name", "Admin".into())]);
        assert!(s.contains("Admin"), "{s}");
        assert_eq!(m.get(Lang::TG, "no-such-message", &[]), "no-such-message");
        assert_ne!(
            m.get(Lang::TG, "sign-in", &[]),
            m.get(Lang::EN, "sign-in", &[])
        );
    }
}
