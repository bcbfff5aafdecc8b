//! Answering a query: every word analyzed in every language of the deployment, all words required (then
//! any word, if that finds nothing), one typo allowed in words of five letters or more, title matches
//! weighing more than body matches, one hit per item, recency breaking ties.

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::analysis::Analyzer;
use crate::{Counts, Facets, Hit, Result, SearchIndex, SearchRequest, SearchResults, stored_str};

/// How many matching language versions are ranked, grouped by item and counted for facets.
pub const CANDIDATES: usize = 200;
const MAX_WORDS: usize = 8;
const MAX_WORD_CHARS: usize = 40;

/// The words of a query: letters and digits only, so quotes, brackets and operators mean nothing.
fn words(text: &str) -> Vec<String> {
    text.chars()
        .take(400)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD_CHARS)
        .map(str::to_lowercase)
        .take(MAX_WORDS)
        .collect()
}

fn analyzers(ix: &SearchIndex) -> Vec<Analyzer> {
    let mut out: Vec<Analyzer> = ix
        .languages
        .all()
        .iter()
        .map(|l| Analyzer::for_lang(*l))
        .collect();
    out.dedup();
    out
}

fn word_query(
    ix: &SearchIndex,
    word: &str,
    analyzers: &[Analyzer],
    distance: u8,
) -> Box<dyn Query> {
    let f = &ix.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let fuzzy = distance > 0 && word.chars().count() >= if distance > 1 { 4 } else { 5 };
    for a in analyzers {
        for token in a.tokens(word) {
            for (field, weight) in [(f.title_of(*a), 3.0), (f.body_of(*a), 1.0)] {
                let term = Term::from_field_text(field, &token);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                        weight,
                    )),
                ));
                if fuzzy {
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new(term, distance, true)),
                            weight * 0.4,
                        )),
                    ));
                }
            }
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

fn filters(ix: &SearchIndex, req: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
    let f = &ix.fields;
    let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut term = |t: Term| {
        out.push((
            Occur::Must,
            Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>,
        ))
    };
    if let Some(a) = &req.agency {
        term(Term::from_field_text(f.agency, a));
    }
    if let Some(k) = &req.kind {
        term(Term::from_field_text(f.kind, k));
    }
    if let Some(l) = req.doc_lang {
        term(Term::from_field_text(f.lang, l.as_str()));
    }
    if let Some(y) = req.year {
        term(Term::from_field_u64(f.year, u64::try_from(y).unwrap_or(0)));
    }
    out
}

fn build(
    ix: &SearchIndex,
    req: &SearchRequest,
    words: &[String],
    each: Occur,
    distance: u8,
) -> Box<dyn Query> {
    let analyzers = analyzers(ix);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .map(|w| (each, word_query(ix, w, &analyzers, distance)))
        .collect();
    if each == Occur::Should {
        // At least one word must match; filters below are Must clauses, which would otherwise let
        // documents without any word through.
        clauses = vec![(
            Occur::Must,
            Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>,
        )];
    }
    clauses.extend(filters(ix, req));
    Box::new(BooleanQuery::new(clauses))
}

struct Candidate {
    score: f32,
    addr: DocAddress,
    doc: TantivyDocument,
}

fn candidates(searcher: &Searcher, query: &dyn Query) -> Result<Vec<Candidate>> {
    let top = searcher.search(query, &TopDocs::with_limit(CANDIDATES).order_by_score())?;
    top.into_iter()
        .map(|(score, addr)| {
            Ok(Candidate {
                score,
                addr,
                doc: searcher.doc(addr)?,
            })
        })
        .collect()
}

pub(crate) fn run(ix: &SearchIndex, req: &SearchRequest) -> Result<SearchResults> {
    let words = words(&req.text);
    if words.is_empty() {
        return Ok(SearchResults::default());
    }
    let searcher = ix.reader.searcher();
    let mut query = build(ix, req, &words, Occur::Must, 1);
    let mut found = candidates(&searcher, &*query)?;
    let mut partial = false;
    if found.is_empty() && words.len() > 1 {
        query = build(ix, req, &words, Occur::Should, 1);
        found = candidates(&searcher, &*query)?;
        partial = !found.is_empty();
    }
    if found.is_empty() {
        return Ok(SearchResults {
            suggestion: suggest(ix, req, &searcher, &words)?,
            ..SearchResults::default()
        });
    }
    let f = ix.fields;
    let date = |c: &Candidate| c.doc.get_first(f.date).and_then(|v| v.as_i64());

    // One hit per item: its best score; shown in the reader's language when that version matched.
    let mut groups: Vec<(String, f32, Candidate)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let want = req.lang.map(|l| l.to_string());
    for c in found {
        let key = stored_str(&c.doc, f.key);
        match index.get(&key) {
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, c.score, c));
            }
            Some(&i) => {
                let g = &mut groups[i];
                g.1 = g.1.max(c.score);
                if want.as_deref() == Some(stored_str(&c.doc, f.lang).as_str()) {
                    g.2 = c;
                }
            }
        }
    }
    groups.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| date(&b.2).cmp(&date(&a.2)))
    });

    let mut counts: [Counts; 4] = Default::default();
    for (_, _, c) in &groups {
        *counts[0].entry(stored_str(&c.doc, f.agency)).or_default() += 1;
        *counts[1].entry(stored_str(&c.doc, f.kind)).or_default() += 1;
        if let Some(y) = c.doc.get_first(f.year).and_then(|v| v.as_u64()) {
            *counts[2].entry(y.to_string()).or_default() += 1;
        }
        *counts[3].entry(stored_str(&c.doc, f.lang)).or_default() += 1;
    }
    let sorted = |c: &Counts| {
        let mut v: Vec<(String, usize)> = c.iter().map(|(k, n)| (k.clone(), *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let facets = Facets {
        agency: sorted(&counts[0]),
        kind: sorted(&counts[1]),
        year: sorted(&counts[2]),
        lang: sorted(&counts[3]),
    };

    let total = groups.len();
    let per_page = req.per_page.clamp(1, 100) as usize;
    let start = (req.page.max(1) as usize - 1) * per_page;
    let mut generators: HashMap<String, SnippetGenerator> = HashMap::new();
    let mut hits = Vec::new();
    for (key, score, c) in groups.into_iter().skip(start).take(per_page) {
        let lang = stored_str(&c.doc, f.lang);
        let analyzer = egov_core::Lang::parse(&lang)
            .map(Analyzer::for_lang)
            .unwrap_or(Analyzer::Generic);
        let body_field = f.body_of(analyzer);
        if !generators.contains_key(&lang) {
            let mut g = SnippetGenerator::create(&searcher, &*query, body_field)?;
            g.set_max_num_chars(220);
            generators.insert(lang.clone(), g);
        }
        let mut snippet = generators[&lang].snippet_from_doc(&c.doc);
        snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        let mut html = snippet.to_html();
        if html.trim().is_empty() {
            let body: String = stored_str(&c.doc, body_field).chars().take(220).collect();
            html = escape(&body);
        }
        let _ = c.addr;
        hits.push(Hit {
            key,
            agency: stored_str(&c.doc, f.agency),
            kind: stored_str(&c.doc, f.kind),
            title: stored_str(&c.doc, f.title_of(analyzer)),
            url: stored_str(&c.doc, f.url),
            date: date(&c),
            lang,
            snippet: html,
            score,
        });
    }
    Ok(SearchResults {
        hits,
        total,
        facets,
        partial,
        suggestion: None,
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// When nothing matched: search again allowing two typos per word, and offer the words of the best match
/// that are closest to the ones typed.
fn suggest(
    ix: &SearchIndex,
    req: &SearchRequest,
    searcher: &Searcher,
    words: &[String],
) -> Result<Option<String>> {
    let query = build(ix, req, words, Occur::Should, 2);
    let top = searcher.search(&*query, &TopDocs::with_limit(3).order_by_score())?;
    let mut vocabulary: Vec<String> = Vec::new();
    for (_, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        for field in ix.fields.title.iter().chain(ix.fields.body.iter()) {
            let text = stored_str(&doc, *field);
            vocabulary.extend(
                text.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.chars().count() >= 3)
                    .map(str::to_lowercase),
            );
        }
    }
    if vocabulary.is_empty() {
        return Ok(None);
    }
    let mut changed = false;
    let fixed: Vec<String> = words
        .iter()
        .map(|w| {
            let best = vocabulary
                .iter()
                .map(|v| (levenshtein(w, v), v))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, v)| (*d, v.len()));
            match best {
                Some((d, v)) if d > 0 => {
                    changed = true;
                    v.clone()
                }
                _ => w.clone(),
            }
        })
        .collect();
    Ok(changed.then(|| fixed.join(" ")))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_syntax_means_nothing() {
        assert_eq!(
            words("\"treaty\" AND (visit) -x +y* title:foo"),
            vec!["treaty", "and", "visit", "x", "y", "title", "foo"]
        );
        assert!(words("\"()[]{}:*?~^").is_empty());
        assert_eq!(words(&"word ".repeat(1000)).len(), MAX_WORDS);
        assert!(words(&"a".repeat(100)).is_empty());
    }

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("договор", "договор"), 0);
        assert_eq!(levenshtein("догвор", "договор"), 1);
        assert_eq!(levenshtein("treaty", "traety"), 2);
        assert!(levenshtein("a", "abcdef") > 2);
    }
}
