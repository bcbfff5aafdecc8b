//! The citizens' assistant: a question in plain words in, a short answer out, every sentence quoting a
//! published source (title, agency, date, link) — or a plain "I could not find this" and the offer of a
//! person, never a guess.
//!
//! Retrieval is lexical, over passages rather than whole pages ([`index`]): the platform's own analyzers
//! (Tajik and Kazakh folding and suffix stripping, Snowball for Russian and English), stop words dropped,
//! synonym groups of everyday words ([`lexicon`]), BM25. The built-in composer ([`compose`]) quotes the
//! best sentences; an optional generative composer ([`generative`]) may reword them through an
//! OpenAI-compatible endpoint, and is kept only when it stays grounded.
//!
//! The assistant holds its passages in memory; the binary feeds it from the store ([`Assistant::replace`])
//! as content changes. It stores no question: the portal creates an appeal only when the citizen asks for a
//! person.

mod compose;
pub mod eval;
pub mod generative;
mod index;
mod lexicon;
pub mod passages;
mod retrieve;

use std::future::Future;
use std::pin::Pin;
use std::sync::RwLock;
use std::time::Instant;

use egov_core::assist::{Answer, MAX_QUESTION_CHARS, Outcome, Question};
use egov_core::{Lang, Languages};

pub use compose::MIN_COVERAGE;
pub use generative::{GenerativeConfig, GenerativeError};
pub use index::SourceDoc;

use crate::generative::Generative;
use crate::index::{PassageIndex, TokenCache};
use crate::retrieve::Synonyms;

/// How the assistant decides and composes.
#[derive(Debug, Clone)]
pub struct AssistantConfig {
    /// See [`MIN_COVERAGE`].
    pub min_coverage: f32,
    /// The generative composer, when the operator turns it on.
    pub generative: Option<GenerativeConfig>,
}

impl Default for AssistantConfig {
    fn default() -> Self {
        AssistantConfig {
            min_coverage: MIN_COVERAGE,
            generative: None,
        }
    }
}

pub struct Assistant {
    languages: Languages,
    config: AssistantConfig,
    index: RwLock<PassageIndex>,
    synonyms: Synonyms,
    generative: Option<Generative>,
}

impl Assistant {
    pub fn new(languages: &Languages, config: AssistantConfig) -> Result<Self, GenerativeError> {
        let synonyms = Synonyms::build(languages.all(), &mut TokenCache::default());
        let generative = config.generative.clone().map(Generative::new).transpose()?;
        Ok(Assistant {
            languages: languages.clone(),
            config,
            index: RwLock::new(PassageIndex::default()),
            synonyms,
            generative,
        })
    }

    /// Replaces every language version of the item `key` with `docs` (empty: it is no longer published).
    pub fn replace(&self, key: &str, docs: Vec<SourceDoc>) {
        let mut tokens = TokenCache::default();
        self.write().replace(key, docs, &mut tokens);
    }

    /// Replaces many items at once (a start, or a batch of changes).
    pub fn replace_all(&self, items: Vec<(String, Vec<SourceDoc>)>) {
        let mut tokens = TokenCache::default();
        let mut index = self.write();
        for (key, docs) in items {
            index.replace(&key, docs, &mut tokens);
        }
    }

    /// How many items (across their languages) the assistant can quote.
    pub fn item_count(&self) -> usize {
        self.read().item_count()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, PassageIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, PassageIndex> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The language to answer in: the question's own when its words clearly say so, else the page's.
    fn answer_lang(&self, q: &Question) -> Lang {
        lexicon::detect_lang(&q.text, self.languages.all()).unwrap_or(q.lang)
    }

    /// The extractive answer, and what it was drawn from.
    fn answer_now(&self, q: &Question) -> (Answer, Option<compose::Evidence>) {
        let text = q.text.trim();
        if text.is_empty() {
            return (Answer::bare(Outcome::Empty, q.lang), None);
        }
        if text.chars().count() > MAX_QUESTION_CHARS {
            return (Answer::bare(Outcome::TooLong, q.lang), None);
        }
        let lang = self.answer_lang(q);
        if lexicon::is_abusive(&text.to_lowercase()) {
            return (Answer::bare(Outcome::Refused, lang), None);
        }
        let index = self.read();
        let mut tokens = TokenCache::default();
        let concepts = retrieve::concepts(text, &index.languages(), &mut tokens, &self.synonyms);
        if concepts.is_empty() {
            return (Answer::bare(Outcome::NotFound, lang), None);
        }
        let ranked = retrieve::rank(&index, &concepts, lang);
        compose::compose(&index, &ranked, &concepts, lang, self.config.min_coverage)
    }

    /// The best-ranked items for a question with their scores, for explaining a decision (`egov assistant
    /// eval --explain`): key, score, and the share of the question's weight covered.
    pub fn candidates(&self, q: &Question, n: usize) -> Vec<(String, f32, f32)> {
        let lang = self.answer_lang(q);
        let index = self.read();
        let mut tokens = TokenCache::default();
        let concepts = retrieve::concepts(
            q.text.trim(),
            &index.languages(),
            &mut tokens,
            &self.synonyms,
        );
        retrieve::rank(&index, &concepts, lang)
            .into_iter()
            .take(n)
            .filter_map(|s| {
                let item = index.items[s.item].as_ref()?;
                Some((item.doc.key.clone(), s.score, s.coverage))
            })
            .collect()
    }

    /// Answers a question (the extractive composer, then the generative one when configured).
    pub async fn answer(&self, q: &Question) -> Answer {
        let started = Instant::now();
        let (mut answer, evidence) = self.answer_now(q);
        if let (Some(g), Some(evidence)) = (&self.generative, evidence)
            && answer.outcome == Outcome::Answered
        {
            match g.compose(q.text.trim(), answer.lang, &evidence).await {
                Ok(sentences) => {
                    answer.sentences = sentences;
                    answer.composer = "generative";
                }
                Err(e) => {
                    tracing::info!(error = %e, "generative reply not used; answering extractively")
                }
            }
        }
        answer.took_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        answer
    }
}

impl egov_core::assist::Assistant for Assistant {
    fn ask<'a>(&'a self, q: &'a Question) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(self.answer(q))
    }
}
