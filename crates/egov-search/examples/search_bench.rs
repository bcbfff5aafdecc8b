//! Index build time and query latency over N synthetic multilingual documents.
//!
//! `cargo run --release -p egov-search --example search_bench -- [N] [DIR]` (N = 100000 by default; the
//! index is written to DIR, default a temporary folder). Documents are made of words drawn from per-language
//! syllable grammars (Tajik, Russian and English look-alikes, with their inflectional endings), so the
//! analyzers, stemmers and fuzzy matching do real work; the query list mixes one- to three-word queries,
//! inflected forms and typos. Deterministic: the same N gives the same corpus and queries.

use std::time::Instant;

use egov_core::{Lang, Languages};
use egov_search::{SearchDoc, SearchIndex, SearchRequest};

/// A small deterministic generator (xorshift), so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    /// Zipf-like: low indexes much more often, as in real text.
    fn skewed(&mut self, n: usize) -> usize {
        let r = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(r) as usize).saturating_sub(1).min(n - 1)
    }
}

struct Grammar {
    lang: Lang,
    onsets: &'static [&'static str],
    vowels: &'static [&'static str],
    codas: &'static [&'static str],
    endings: &'static [&'static str],
}

const GRAMMARS: [Grammar; 3] = [
    Grammar {
        lang: Lang::TG,
        onsets: &[
            "в", "з", "р", "ҳ", "қ", "ҷ", "м", "н", "с", "т", "д", "ш", "х", "ғ", "б", "к",
        ],
        vowels: &["а", "о", "и", "у", "ӯ", "ӣ", "е"],
        codas: &["", "р", "н", "т", "з", "м", "д", "ш"],
        endings: &["", "", "ҳо", "ро", "и", "ҳои", "он", "ӣ"],
    },
    Grammar {
        lang: Lang::RU,
        onsets: &[
            "в", "з", "р", "п", "м", "н", "с", "т", "д", "л", "к", "г", "б", "пр", "ст",
        ],
        vowels: &["а", "о", "и", "е", "у", "ы"],
        codas: &["", "р", "н", "т", "с", "л", "в", "к"],
        endings: &["", "а", "ы", "ом", "ов", "ами", "ой", "ого", "ение", "ения"],
    },
    Grammar {
        lang: Lang::EN,
        onsets: &[
            "b", "c", "d", "f", "g", "m", "n", "p", "r", "s", "t", "tr", "st", "pl",
        ],
        vowels: &["a", "e", "i", "o", "u", "ea", "ai"],
        codas: &["", "n", "r", "t", "s", "l", "nd", "ct"],
        endings: &["", "", "s", "ed", "ing", "ment", "ion", "ly"],
    },
];

fn vocabulary(g: &Grammar, rng: &mut Rng, size: usize) -> Vec<String> {
    (0..size)
        .map(|_| {
            let syllables = 2 + (rng.next() % 3) as usize;
            (0..syllables)
                .map(|_| {
                    format!(
                        "{}{}{}",
                        rng.pick(g.onsets),
                        rng.pick(g.vowels),
                        rng.pick(g.codas)
                    )
                })
                .collect()
        })
        .collect()
}

fn sentence(words: &[String], g: &Grammar, rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| format!("{}{}", words[rng.skewed(words.len())], rng.pick(g.endings)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir()?;
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("index"));
    let langs = Languages::new(vec![Lang::TG, Lang::RU, Lang::EN])?;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let vocab: Vec<Vec<String>> = GRAMMARS
        .iter()
        .map(|g| vocabulary(g, &mut rng, 20_000))
        .collect();

    let (index, _) = SearchIndex::open(&dir, &langs)?;
    let started = Instant::now();
    for i in 0..n {
        let g = &GRAMMARS[i % 3];
        let words = &vocab[i % 3];
        let title_len = 4 + (rng.next() % 6) as usize;
        let body_len = 60 + (rng.next() % 140) as usize;
        let doc = SearchDoc {
            key: format!("news:agency-{}:item-{i}", i % 50),
            agency: format!("agency-{}", i % 50),
            kind: ["news", "document", "page"][i % 7 % 3].to_owned(),
            lang: g.lang,
            title: sentence(words, g, &mut rng, title_len),
            body: sentence(words, g, &mut rng, body_len),
            url: format!("/{}/agency-{}/news/item-{i}", g.lang, i % 50),
            date: Some(1_672_531_200_000 + (rng.next() % (3 * 365 * 86_400_000)) as i64),
        };
        index.replace(&doc.key.clone(), &[doc])?;
    }
    index.commit(&n.to_string())?;
    let build = started.elapsed();

    // Queries: frequent and rare words, two- and three-word queries, inflected forms, one-letter typos.
    let mut queries = Vec::new();
    for (k, g) in GRAMMARS.iter().enumerate() {
        let words = &vocab[k];
        for j in 0..20 {
            let w = &words[(j * 37) % 400];
            let rare = &words[1000 + j * 13];
            queries.push(w.clone());
            queries.push(format!("{w}{}", g.endings[j % g.endings.len()]));
            queries.push(format!("{} {}", w, words[(j * 11) % 200]));
            queries.push(format!("{} {} {}", rare, w, words[(j * 7) % 300]));
            let mut typo: Vec<char> = rare.chars().collect();
            if typo.len() > 5 {
                typo.swap(2, 3);
            }
            queries.push(typo.into_iter().collect());
        }
    }
    let mut times = Vec::new();
    let mut found = 0usize;
    for round in 0..5 {
        for q in &queries {
            let req = SearchRequest {
                text: q.clone(),
                lang: Some(Lang::RU),
                page: 1,
                per_page: 10,
                ..SearchRequest::default()
            };
            let t = Instant::now();
            let r = index.search(&req)?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if round > 0 {
                times.push(ms);
                found += usize::from(r.total > 0);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    println!("documents: {n}");
    println!(
        "index build: {:.1} s ({:.0} documents/s)",
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64()
    );
    println!(
        "queries: {} distinct, {} timed runs, {:.0}% with results",
        queries.len(),
        times.len(),
        100.0 * found as f64 / times.len() as f64
    );
    println!(
        "latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0)
    );
    Ok(())
}
