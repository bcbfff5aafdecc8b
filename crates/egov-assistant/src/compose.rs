//! The built-in extractive composer: decides whether the best passages answer the question, and if they do,
//! quotes the sentences that carry the question's words, each with its source; a fitting public service
//! goes first.

use egov_core::assist::{Answer, Outcome, Sentence, ServiceHint, Source};
use egov_core::{ContentKind, Lang};

use crate::index::PassageIndex;
use crate::retrieve::{Concept, Scored};

/// The share of the question's weight the best passage must cover for an answer; below it, the assistant
/// declines and offers a person instead of guessing.
pub const MIN_COVERAGE: f32 = 0.35;
/// Further sources are cited when they score, and cover, at least this share of the best one.
const FOLLOW: f32 = 0.6;
const MAX_SOURCES: usize = 3;
const MAX_SENTENCES: usize = 3;

/// What the answer was drawn from: the passages behind each source, for a generative composer to reword.
pub(crate) struct Evidence {
    pub passages: Vec<(u32, String)>,
}

pub(crate) fn compose(
    index: &PassageIndex,
    ranked: &[Scored],
    concepts: &[Concept],
    lang: Lang,
    min_coverage: f32,
) -> (Answer, Option<Evidence>) {
    let Some(top) = ranked.first() else {
        return (Answer::bare(Outcome::NotFound, lang), None);
    };
    let agency_of = |s: &Scored| index.items[s.item].as_ref().map(|i| i.doc.agency.clone());
    if top.coverage < min_coverage {
        let mut a = Answer::bare(Outcome::NotFound, lang);
        // A weak match still says which agency the question most likely concerns.
        if top.coverage >= min_coverage * 0.75 {
            a.agency = agency_of(top);
        }
        return (a, None);
    }
    let mut chosen: Vec<&Scored> = ranked
        .iter()
        .filter(|s| s.coverage >= top.coverage * FOLLOW && s.score >= top.score * FOLLOW)
        .take(MAX_SOURCES)
        .collect();
    // A service that fits goes first, even when an article about it ranked higher.
    let is_service = |s: &Scored| {
        index.items[s.item]
            .as_ref()
            .is_some_and(|i| i.doc.kind == ContentKind::Service)
    };
    if let Some(pos) = chosen.iter().position(|s| is_service(s)) {
        let s = chosen.remove(pos);
        chosen.insert(0, s);
    }
    let mut answer = Answer::bare(Outcome::Answered, lang);
    answer.agency = agency_of(top);
    let mut evidence = Evidence { passages: vec![] };
    for (i, s) in chosen.iter().enumerate() {
        let (Some(item), Some(p)) = (
            index.items[s.item].as_ref(),
            index.passages[s.passage].as_ref(),
        ) else {
            continue;
        };
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let doc = &item.doc;
        answer.sources.push(Source {
            n,
            key: doc.key.clone(),
            title: doc.title.clone(),
            agency: doc.agency.clone(),
            agency_name: doc.agency_name.clone(),
            kind: doc.kind,
            lang: doc.lang,
            date: doc.date,
            url: doc.url.clone(),
        });
        evidence.passages.push((n, p.sentences.join(" ")));
        if doc.kind == ContentKind::Service && answer.service.is_none() {
            answer.service = Some(ServiceHint {
                source: n,
                title: doc.title.clone(),
                agency_name: doc.agency_name.clone(),
                description: p.sentences.join(" "),
                url: doc.url.clone(),
                link: doc.link.clone(),
            });
            continue;
        }
        let room = MAX_SENTENCES.saturating_sub(answer.sentences.len());
        let want = if answer.sentences.is_empty() { 2 } else { 1 }.min(room);
        for text in best_sentences(index, s, concepts, want) {
            answer.sentences.push(Sentence { text, source: n });
        }
    }
    if answer.sentences.is_empty() && answer.service.is_none() {
        return (Answer::bare(Outcome::NotFound, lang), None);
    }
    (answer, Some(evidence))
}

/// Up to `want` sentences of the passage that carry the most of the question's weight, in their order in
/// the text; the passage's first sentence when none carries any (the match was in the title).
fn best_sentences(
    index: &PassageIndex,
    s: &Scored,
    concepts: &[Concept],
    want: usize,
) -> Vec<String> {
    let Some(p) = index.passages[s.passage].as_ref() else {
        return vec![];
    };
    let mut scored: Vec<(f32, usize)> = p
        .sentence_terms
        .iter()
        .enumerate()
        .map(|(i, terms)| {
            let weight: f32 = concepts
                .iter()
                .filter_map(|c| c.variants.get(&s.lang))
                .map(|variants| {
                    variants
                        .iter()
                        .filter(|(stem, _)| terms.contains(stem))
                        .map(|(stem, w)| w * index.idf(s.lang, stem))
                        .fold(0.0, f32::max)
                })
                .sum();
            (weight, i)
        })
        .filter(|(w, _)| *w > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut picked: Vec<usize> = scored.into_iter().take(want).map(|(_, i)| i).collect();
    if picked.is_empty() && want > 0 {
        picked.push(0);
    }
    picked.sort_unstable();
    picked
        .into_iter()
        .filter_map(|i| p.sentences.get(i).cloned())
        .collect()
}
