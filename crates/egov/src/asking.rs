//! Feeds the citizens' assistant from the store: everything published when a node starts, then what changes
//! (the same store versions that keep the search index in step).

use std::collections::HashMap;

use egov_assistant::{Assistant, SourceDoc};
use egov_core::clock::Millis;
use egov_core::{ContentKind, Lang, Localized, OrgId, Status};
use egov_search::plain_text;
use egov_store::{ContentItem, Store};

use crate::indexing::{key_of, url_of};

const BATCH: u32 = 20_000;
/// Re-read a few seconds before the last change seen (a writer that committed late is still caught).
const OVERLAP_MS: i64 = 5_000;

/// The documents an item gives the assistant: one per language its title exists in; none unless published.
pub fn source_docs(item: &ContentItem, agency: &str, agency_name: &Localized) -> Vec<SourceDoc> {
    if item.status != Status::Published {
        return vec![];
    }
    let link = (item.kind == ContentKind::Service)
        .then(|| {
            item.meta
                .get("url")
                .and_then(|u| u.as_str())
                .map(str::to_owned)
        })
        .flatten();
    item.title
        .langs()
        .map(|lang: Lang| SourceDoc {
            key: key_of(item, agency),
            agency: agency.to_owned(),
            agency_name: agency_name
                .get(lang)
                .or_else(|| agency_name.langs().next().and_then(|l| agency_name.get(l)))
                .unwrap_or(agency)
                .to_owned(),
            kind: item.kind,
            lang,
            title: item.title.get(lang).unwrap_or_default().to_owned(),
            summary: item.summary.get(lang).map(plain_text).unwrap_or_default(),
            body_html: item.body.get(lang).unwrap_or_default().to_owned(),
            url: url_of(item, agency, lang),
            date: item.date,
            link: link.clone(),
        })
        .collect()
}

/// Reads every item changed since `since` into the assistant; returns the new watermark.
pub async fn catch_up(
    store: &Store,
    assistant: &Assistant,
    since: Millis,
) -> anyhow::Result<Millis> {
    let agencies: HashMap<OrgId, (String, Localized)> = store
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, (o.slug.to_string(), o.name)))
        .collect();
    let mut from = Millis(since.0.saturating_sub(OVERLAP_MS).max(0));
    let mut mark = since;
    loop {
        let items = store.content_changed_since(from, BATCH).await?;
        let full = items.len() == BATCH as usize;
        let Some(last) = items.last().map(|i| i.updated_at) else {
            break;
        };
        let batch = items
            .iter()
            .filter_map(|item| {
                let (slug, name) = agencies.get(&item.org)?;
                Some((key_of(item, slug), source_docs(item, slug, name)))
            })
            .collect();
        assistant.replace_all(batch);
        mark = mark.max(last);
        from = if full && last == from {
            Millis(last.0 + 1)
        } else {
            last
        };
        if !full {
            break;
        }
    }
    Ok(mark)
}

/// The `[assistant]` section of the configuration.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssistant {
    /// Share of the question's weight the best passage must cover to answer (0.05–0.95).
    pub min_coverage: Option<f32>,
    #[serde(default)]
    pub generative: RawGenerative,
}

/// `[assistant.generative]`: an OpenAI-compatible endpoint; off unless `url` is set.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGenerative {
    pub url: Option<String>,
    pub model: Option<String>,
    /// Better given as EGOV_ASSISTANT_API_KEY than written in a file.
    pub api_key: Option<String>,
    pub timeout_ms: Option<u64>,
}

impl RawAssistant {
    pub fn validate(self) -> anyhow::Result<egov_assistant::AssistantConfig> {
        let min_coverage = self.min_coverage.unwrap_or(egov_assistant::MIN_COVERAGE);
        if !(0.05..=0.95).contains(&min_coverage) {
            anyhow::bail!("key `assistant.min_coverage`: {min_coverage} is outside 0.05..=0.95");
        }
        let g = self.generative;
        let generative = match g.url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u)
                if (u.starts_with("http://") || u.starts_with("https://"))
                    && !u.contains(char::is_whitespace) =>
            {
                let timeout_ms = g.timeout_ms.unwrap_or(8000);
                if !(100..=120_000).contains(&timeout_ms) {
                    anyhow::bail!(
                        "key `assistant.generative.timeout_ms`: {timeout_ms} is outside 100..=120000"
                    );
                }
                Some(egov_assistant::GenerativeConfig {
                    url: u.trim_end_matches('/').to_owned(),
                    model: g.model.filter(|m| !m.trim().is_empty()).ok_or_else(|| {
                        anyhow::anyhow!("key `assistant.generative.model`: name the model to ask")
                    })?,
                    api_key: g.api_key.filter(|k| !k.is_empty()),
                    timeout: std::time::Duration::from_millis(timeout_ms),
                })
            }
            Some(u) => anyhow::bail!(
                "key `assistant.generative.url`: {u:?} must be an address like http://127.0.0.1:8000/v1"
            ),
        };
        Ok(egov_assistant::AssistantConfig {
            min_coverage,
            generative,
        })
    }
}

/// The `[assistant]` section as `egov config` prints it (the key masked).
pub fn describe(a: &egov_assistant::AssistantConfig) -> String {
    let mut out = format!("\n[assistant]\nmin_coverage = {}\n", a.min_coverage);
    if let Some(g) = &a.generative {
        out.push_str(&format!(
            "\n[assistant.generative]\nurl = {:?}\nmodel = {:?}\ntimeout_ms = {}\n",
            g.url,
            g.model,
            g.timeout.as_millis()
        ));
        if g.api_key.is_some() {
            out.push_str("api_key = \"***\"\n");
        }
    }
    out
}

/// Runs an evaluation set (`egov assistant eval`) against the published content of `store`.
pub async fn evaluate_file(
    config: &crate::config::Config,
    store: &Store,
    path: &std::path::Path,
    explain: bool,
) -> anyhow::Result<egov_assistant::eval::EvalReport> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the evaluation set {}", path.display()))?;
    let set: egov_assistant::eval::EvalSet = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an evaluation set", path.display()))?;
    let assistant = Assistant::new(&config.deployment.languages, config.assistant.clone())?;
    catch_up(store, &assistant, Millis(0)).await?;
    if assistant.item_count() == 0 {
        anyhow::bail!(
            "nothing is published in this data folder (run `egov demo` once, or point --data at a deployment)"
        );
    }
    if explain {
        for q in &set.questions {
            let question = egov_core::assist::Question {
                text: q.question.clone(),
                lang: q.lang,
            };
            println!("{} {:?} expects {:?}", q.id, q.question, q.expect);
            for (key, score, coverage) in assistant.candidates(&question, 4) {
                let mark = if q.expect.contains(&key) { "*" } else { " " };
                println!("   {mark} {key}  score {score:.1}  covers {coverage:.2}");
            }
        }
    }
    Ok(egov_assistant::eval::evaluate(&assistant, &set).await)
}
