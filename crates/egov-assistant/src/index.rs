//! The passages of everything published, in memory, with what ranking needs: an inverted index per
//! language and the statistics of BM25 (document frequencies, average passage length).
//!
//! Items come and go as the store changes ([`PassageIndex::replace`]); a replaced item's passages are
//! dropped from the statistics at once and from the postings when enough have piled up.

use std::collections::HashMap;

use egov_core::clock::Millis;
use egov_core::{ContentKind, Lang};
use egov_search::{Analyzer, Tokens};

use crate::lexicon::kind_words;
use crate::passages::{paragraphs, passages};

/// One language version of one published item, as the binary hands it over.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// The item across its languages: `news:mfa:2024-08-22-treaty`.
    pub key: String,
    pub agency: String,
    /// The agency's name in this language.
    pub agency_name: String,
    pub kind: ContentKind,
    pub lang: Lang,
    pub title: String,
    /// Plain text shown before the body (a news lead, a unit's description); may be empty.
    pub summary: String,
    /// The body as stored (sanitized HTML).
    pub body_html: String,
    /// Where it is read on the portal, in this language.
    pub url: String,
    pub date: Option<Millis>,
    /// For services: where the service is used online.
    pub link: Option<String>,
}

/// Weights of a word by where it stands in a passage.
const TITLE_WEIGHT: f32 = 2.0;
const CONTEXT_WEIGHT: f32 = 0.5;

pub(crate) struct Passage {
    pub item: usize,
    pub sentences: Vec<String>,
    /// The stems of each sentence.
    pub sentence_terms: Vec<Vec<String>>,
    /// Weighted term frequencies (title, context and sentences together).
    pub terms: HashMap<String, f32>,
    pub len: f32,
}

pub(crate) struct Item {
    pub doc: SourceDoc,
    pub passages: Vec<usize>,
}

#[derive(Default)]
struct LangStats {
    passages: u32,
    total_len: f64,
    df: HashMap<String, u32>,
    postings: HashMap<String, Vec<u32>>,
}

#[derive(Default)]
pub(crate) struct PassageIndex {
    pub items: Vec<Option<Item>>,
    pub passages: Vec<Option<Passage>>,
    by_key: HashMap<String, Vec<usize>>,
    stats: HashMap<Lang, LangStats>,
    free_items: Vec<usize>,
    dead_passages: usize,
}

impl PassageIndex {
    /// Replaces every language version of `key` with `docs` (none: the item is gone).
    pub fn replace(&mut self, key: &str, docs: Vec<SourceDoc>, tokens: &mut TokenCache) {
        if let Some(slots) = self.by_key.remove(key) {
            for slot in slots {
                self.remove_item(slot);
            }
        }
        let mut slots = Vec::new();
        for doc in docs {
            slots.push(self.add_item(doc, tokens));
        }
        if !slots.is_empty() {
            self.by_key.insert(key.to_owned(), slots);
        }
        let live: usize = self.stats.values().map(|s| s.passages as usize).sum();
        if self.dead_passages > 1000 && self.dead_passages > live {
            self.compact();
        }
    }

    fn add_item(&mut self, doc: SourceDoc, tokens: &mut TokenCache) -> usize {
        let slot = self.free_items.pop().unwrap_or_else(|| {
            self.items.push(None);
            self.items.len() - 1
        });
        let lang = doc.lang;
        let tok = tokens.get(lang);
        let title_terms = tok.tokens(&doc.title);
        let context_terms = tok.tokens(&format!(
            "{} {}",
            doc.agency_name,
            kind_words(doc.kind, lang)
        ));
        let mut paras = Vec::new();
        if !doc.summary.trim().is_empty() {
            paras.push(doc.summary.trim().to_owned());
        }
        paras.extend(paragraphs(&doc.body_html));
        let mut groups = passages(&paras);
        if groups.is_empty() {
            // An item with a title only (a unit without description) still answers by its title.
            groups.push(vec![doc.title.clone()]);
        }
        let stats = self.stats.entry(lang).or_default();
        let mut ids = Vec::new();
        for sentences in groups {
            let sentence_terms: Vec<Vec<String>> =
                sentences.iter().map(|s| tok.tokens(s)).collect();
            let mut terms: HashMap<String, f32> = HashMap::new();
            for t in &title_terms {
                *terms.entry(t.clone()).or_default() += TITLE_WEIGHT;
            }
            for t in &context_terms {
                *terms.entry(t.clone()).or_default() += CONTEXT_WEIGHT;
            }
            for t in sentence_terms.iter().flatten() {
                *terms.entry(t.clone()).or_default() += 1.0;
            }
            let len: f32 = terms.values().sum();
            let id = self.passages.len();
            for t in terms.keys() {
                *stats.df.entry(t.clone()).or_default() += 1;
                stats
                    .postings
                    .entry(t.clone())
                    .or_default()
                    .push(u32::try_from(id).unwrap_or(u32::MAX));
            }
            stats.passages += 1;
            stats.total_len += f64::from(len);
            self.passages.push(Some(Passage {
                item: slot,
                sentences,
                sentence_terms,
                terms,
                len,
            }));
            ids.push(id);
        }
        self.items[slot] = Some(Item { doc, passages: ids });
        slot
    }

    fn remove_item(&mut self, slot: usize) {
        let Some(item) = self.items[slot].take() else {
            return;
        };
        let stats = self.stats.entry(item.doc.lang).or_default();
        for id in item.passages {
            if let Some(p) = self.passages[id].take() {
                for t in p.terms.keys() {
                    if let Some(df) = stats.df.get_mut(t) {
                        *df = df.saturating_sub(1);
                    }
                }
                stats.passages = stats.passages.saturating_sub(1);
                stats.total_len -= f64::from(p.len);
                self.dead_passages += 1;
            }
        }
        self.free_items.push(slot);
    }

    /// Drops the postings of removed passages.
    fn compact(&mut self) {
        for stats in self.stats.values_mut() {
            stats.postings.retain(|_, list| {
                list.retain(|id| self.passages.get(*id as usize).is_some_and(Option::is_some));
                !list.is_empty()
            });
            stats.df.retain(|_, df| *df > 0);
        }
        self.dead_passages = 0;
    }

    pub fn languages(&self) -> Vec<Lang> {
        self.stats.keys().copied().collect()
    }

    pub fn item_count(&self) -> usize {
        self.by_key.len()
    }

    /// Inverse document frequency of a stem among the passages of `lang` (BM25's form, never negative).
    pub fn idf(&self, lang: Lang, stem: &str) -> f32 {
        let Some(s) = self.stats.get(&lang) else {
            return 0.0;
        };
        let n = f64::from(s.passages);
        let df = f64::from(s.df.get(stem).copied().unwrap_or(0));
        ((1.0 + (n - df + 0.5) / (df + 0.5)).ln()) as f32
    }

    pub fn average_len(&self, lang: Lang) -> f32 {
        self.stats
            .get(&lang)
            .filter(|s| s.passages > 0)
            .map_or(1.0, |s| (s.total_len / f64::from(s.passages)) as f32)
    }

    /// Live passages of `lang` holding `stem`.
    pub fn postings(&self, lang: Lang, stem: &str) -> impl Iterator<Item = usize> + '_ {
        self.stats
            .get(&lang)
            .and_then(|s| s.postings.get(stem))
            .into_iter()
            .flatten()
            .map(|id| *id as usize)
            .filter(|id| self.passages.get(*id).is_some_and(Option::is_some))
    }
}

/// One reusable analyzer per language.
#[derive(Default)]
pub struct TokenCache(HashMap<Lang, Tokens>);

impl TokenCache {
    pub fn get(&mut self, lang: Lang) -> &mut Tokens {
        self.0
            .entry(lang)
            .or_insert_with(|| Tokens::new(Analyzer::for_lang(lang)))
    }
}
