//! What a citizen asks the assistant and what it answers.
//!
//! The assistant composes [`Answer`]s and the portal shows them; both speak these types, so neither needs the
//! other. The portal holds an `Arc<dyn Assistant>` that the binary wires in.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::clock::Millis;
use crate::{ContentKind, Lang};

/// Longest question accepted, in characters; longer ones get [`Outcome::TooLong`].
pub const MAX_QUESTION_CHARS: usize = 1000;

/// A citizen's question, in the language of the page it was asked on (the assistant may detect another).
#[derive(Debug, Clone)]
pub struct Question {
    pub text: String,
    pub lang: Lang,
}

/// How the assistant dealt with a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// An answer composed from published sources, each sentence citing one.
    Answered,
    /// Nothing published answers it well enough; the hand-over to a person is offered instead of a guess.
    NotFound,
    /// Abusive, or not a question for public services: a polite refusal (and the hand-over).
    Refused,
    /// Nothing was asked.
    Empty,
    /// Longer than [`MAX_QUESTION_CHARS`].
    TooLong,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::NotFound => "not-found",
            Outcome::Refused => "refused",
            Outcome::Empty => "empty",
            Outcome::TooLong => "too-long",
        }
    }
}

/// A published item an answer cites.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// 1-based; sentences cite it by this number.
    pub n: u32,
    /// The item across its languages: `news:mfa:2024-08-22-treaty`.
    pub key: String,
    pub title: String,
    pub agency: String,
    pub agency_name: String,
    pub kind: ContentKind,
    /// The language of the cited text (another than the answer's when the item lacks a translation).
    pub lang: Lang,
    pub date: Option<Millis>,
    /// Where it is read on the portal (a path).
    pub url: String,
}

/// One sentence of an answer, quoted from (or, with a generative composer, grounded in) one source.
#[derive(Debug, Clone, Serialize)]
pub struct Sentence {
    pub text: String,
    pub source: u32,
}

/// A public service that fits the question, shown before the answer.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceHint {
    pub source: u32,
    pub title: String,
    pub agency_name: String,
    pub description: String,
    /// The service's page on the portal.
    pub url: String,
    /// Where the service itself is used online, when it has such a link.
    pub link: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub outcome: Outcome,
    /// The language the answer is in: the question's, detected from its words when they are clearly in
    /// another deployment language than the page's.
    pub lang: Lang,
    pub service: Option<ServiceHint>,
    pub sentences: Vec<Sentence>,
    pub sources: Vec<Source>,
    /// The agency the question most likely concerns (its slug): the hand-over's default addressee.
    pub agency: Option<String>,
    /// Which composer wrote the sentences: `extractive` or `generative`.
    pub composer: &'static str,
    /// Time spent answering, in microseconds.
    pub took_us: u64,
}

impl Answer {
    /// An answer without content (for the outcomes other than [`Outcome::Answered`]).
    pub fn bare(outcome: Outcome, lang: Lang) -> Self {
        Answer {
            outcome,
            lang,
            service: None,
            sentences: Vec::new(),
            sources: Vec::new(),
            agency: None,
            composer: "extractive",
            took_us: 0,
        }
    }
}

/// Something that answers citizens' questions.
pub trait Assistant: Send + Sync {
    fn ask<'a>(
        &'a self,
        question: &'a Question,
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;
}
