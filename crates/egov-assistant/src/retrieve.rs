//! From a question to ranked passages: the question's subject words (stop words dropped), each stemmed in
//! every language the index holds and widened by its synonym group; BM25 over passages; and how much of the
//! question's weight a passage covers, which is what decides between answering and declining.

use std::collections::{HashMap, HashSet};

use egov_core::Lang;

use crate::index::{PassageIndex, TokenCache};
use crate::lexicon::{is_stop_word, synonym_groups};

const K1: f32 = 1.2;
const B: f32 = 0.5;
/// A synonym counts this much of the word the citizen typed.
const SYNONYM_WEIGHT: f32 = 0.6;
/// A passage in another language than the answer's ranks this much lower.
const OTHER_LANGUAGE: f32 = 0.7;

/// The synonym groups of each language, stemmed, and by stem.
#[derive(Default)]
pub(crate) struct Synonyms {
    groups: HashMap<Lang, Vec<Vec<String>>>,
    by_stem: HashMap<(Lang, String), Vec<usize>>,
}

impl Synonyms {
    pub fn build(langs: &[Lang], tokens: &mut TokenCache) -> Self {
        let mut s = Synonyms::default();
        for &lang in langs {
            let groups: Vec<Vec<String>> = synonym_groups(lang)
                .iter()
                .map(|g| {
                    let mut stems: Vec<String> =
                        g.iter().flat_map(|w| tokens.get(lang).tokens(w)).collect();
                    stems.sort();
                    stems.dedup();
                    stems
                })
                .collect();
            for (i, g) in groups.iter().enumerate() {
                for stem in g {
                    s.by_stem.entry((lang, stem.clone())).or_default().push(i);
                }
            }
            s.groups.insert(lang, groups);
        }
        s
    }

    fn of(&self, lang: Lang, stem: &str) -> Vec<&str> {
        let Some(groups) = self.groups.get(&lang) else {
            return vec![];
        };
        let mut out: Vec<&str> = self
            .by_stem
            .get(&(lang, stem.to_owned()))
            .into_iter()
            .flatten()
            .flat_map(|&g| groups[g].iter().map(String::as_str))
            .filter(|s| *s != stem)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// One subject word of the question, as each language's analyzer sees it.
pub(crate) struct Concept {
    /// Per language: the word's own stems (weight 1) and its synonyms' (lower).
    pub variants: HashMap<Lang, Vec<(String, f32)>>,
}

/// The question's subject words.
pub(crate) fn concepts(
    question: &str,
    langs: &[Lang],
    tokens: &mut TokenCache,
    synonyms: &Synonyms,
) -> Vec<Concept> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for word in question
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty())
    {
        if is_stop_word(&word)
            || (word.chars().count() < 2 && !word.chars().all(|c| c.is_ascii_digit()))
            || !seen.insert(word.clone())
        {
            continue;
        }
        let mut variants = HashMap::new();
        for &lang in langs {
            let mut own = tokens.get(lang).tokens(&word);
            // Russian builds many words with the prefix не- ("несудимость"); the published text may use
            // the plain word ("отсутствие судимости").
            if lang.as_str() == "ru"
                && let Some(rest) = word.strip_prefix("не").filter(|r| r.chars().count() >= 5)
            {
                own.extend(tokens.get(lang).tokens(rest));
            }
            let mut v: Vec<(String, f32)> = Vec::new();
            for stem in &own {
                v.push((stem.clone(), 1.0));
                for syn in synonyms.of(lang, stem) {
                    if !v.iter().any(|(s, _)| s == syn) {
                        v.push((syn.to_owned(), SYNONYM_WEIGHT));
                    }
                }
            }
            if !v.is_empty() {
                variants.insert(lang, v);
            }
        }
        if !variants.is_empty() {
            out.push(Concept { variants });
        }
    }
    out
}

/// A passage as it scored against the question.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub passage: usize,
    pub item: usize,
    pub lang: Lang,
    /// BM25 with synonyms, scaled down for another language than the answer's.
    pub score: f32,
    /// The share of the question's weight (idf of each subject word) the passage covers, 0–1.
    pub coverage: f32,
}

/// The best passage of each item (by key, in whatever language scored best), best first.
pub(crate) fn rank(index: &PassageIndex, concepts: &[Concept], answer_lang: Lang) -> Vec<Scored> {
    let mut best: HashMap<String, Scored> = HashMap::new();
    for lang in index.languages() {
        let avg = index.average_len(lang);
        // The weight of each concept in this language: the idf of the word itself (an unknown word weighs
        // the most, so a question about something never published is not mistaken for one that was).
        let weights: Vec<f32> = concepts
            .iter()
            .map(|c| {
                c.variants.get(&lang).map_or(0.0, |v| {
                    v.iter()
                        .filter(|(_, w)| *w >= 1.0)
                        .map(|(s, _)| index.idf(lang, s))
                        .fold(0.0, f32::max)
                })
            })
            .collect();
        let total: f32 = weights.iter().sum();
        if total <= 0.0 {
            continue;
        }
        let mut candidates: HashSet<usize> = HashSet::new();
        for c in concepts {
            for (stem, _) in c.variants.get(&lang).into_iter().flatten() {
                candidates.extend(index.postings(lang, stem));
            }
        }
        for id in candidates {
            let Some(p) = index.passages[id].as_ref() else {
                continue;
            };
            let Some(item) = index.items[p.item].as_ref() else {
                continue;
            };
            let norm = K1 * (1.0 - B + B * p.len / avg);
            let mut score = 0.0;
            let mut covered = 0.0;
            for (ci, c) in concepts.iter().enumerate() {
                let mut best_term = 0.0f32;
                let mut best_weight = 0.0f32;
                let mut hit = false;
                for (stem, w) in c.variants.get(&lang).into_iter().flatten() {
                    let Some(&tf) = p.terms.get(stem) else {
                        continue;
                    };
                    let s = w * index.idf(lang, stem) * tf * (K1 + 1.0) / (tf + norm);
                    best_term = best_term.max(s);
                    best_weight = best_weight.max(*w);
                    hit = true;
                }
                if hit {
                    score += best_term;
                    covered += weights[ci] * best_weight;
                }
            }
            let factor = if lang == answer_lang {
                1.0
            } else {
                OTHER_LANGUAGE
            };
            let s = Scored {
                passage: id,
                item: p.item,
                lang,
                score: score * factor,
                coverage: covered / total,
            };
            let better = |old: &Scored| (s.score, s.coverage) > (old.score, old.coverage);
            match best.get(&item.doc.key) {
                Some(old) if !better(old) => {}
                _ => {
                    best.insert(item.doc.key.clone(), s);
                }
            }
        }
    }
    let mut out: Vec<Scored> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.coverage.total_cmp(&a.coverage))
            .then(a.passage.cmp(&b.passage))
    });
    out
}
