//! One full-text index over everything the platform publishes, good in Tajik, Kazakh, Russian and English.
//!
//! Owns the index (tantivy), its analyzers ([`analysis`], [`stemming`]), and query answering: relevance with
//! recency as the tie-breaker, one hit per item (in the reader's language when it matched), highlighted
//! snippets, facets, typo tolerance for longer words and a "did you mean" when nothing is found.
//!
//! It knows nothing of the store or of HTTP: callers hand it [`SearchDoc`]s (the binary feeds it from the
//! store) and [`SearchRequest`]s (the portal asks). Each node keeps its own index in its data folder; it can
//! always be rebuilt from the store.

pub mod analysis;
mod query;
pub mod stemming;
mod text;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use egov_core::{Lang, Languages};
use serde::Serialize;
use tantivy::directory::MmapDirectory;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use analysis::{Analyzer, Tokens};
pub use text::plain_text;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index folder: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("query: {0}")]
    Query(#[from] tantivy::query::QueryParserError),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// One language version of one published item.
#[derive(Debug, Clone)]
pub struct SearchDoc {
    /// Identifies the item across its language versions: `news:mfa:2024-08-22-treaty`.
    pub key: String,
    pub agency: String,
    pub kind: String,
    pub lang: Lang,
    pub title: String,
    /// Plain text (see [`plain_text`]).
    pub body: String,
    /// Where the item is read, in this language.
    pub url: String,
    /// UTC milliseconds of the item's date, if it has one.
    pub date: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    /// The reader's language: preferred version of each item, and the language of snippets.
    pub lang: Option<Lang>,
    pub agency: Option<String>,
    pub kind: Option<String>,
    pub year: Option<i32>,
    pub doc_lang: Option<Lang>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub key: String,
    pub agency: String,
    pub kind: String,
    pub lang: String,
    pub title: String,
    /// HTML: escaped text with the matched words in `<mark>`.
    pub snippet: String,
    pub url: String,
    pub date: Option<i64>,
    pub score: f32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub agency: Vec<(String, usize)>,
    pub kind: Vec<(String, usize)>,
    pub year: Vec<(String, usize)>,
    pub lang: Vec<(String, usize)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Items found (each counted once, whatever its languages), among the best [`query::CANDIDATES`].
    pub total: usize,
    pub facets: Facets,
    /// No item had every word: these results match some of them.
    pub partial: bool,
    /// Nothing matched; a spelling that would.
    pub suggestion: Option<String>,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    key: Field,
    agency: Field,
    kind: Field,
    lang: Field,
    year: Field,
    date: Field,
    url: Field,
    title: [Field; 5],
    body: [Field; 5],
}

impl Fields {
    fn title_of(&self, a: Analyzer) -> Field {
        self.title[Analyzer::ALL.iter().position(|x| *x == a).unwrap_or(4)]
    }
    fn body_of(&self, a: Analyzer) -> Field {
        self.body[Analyzer::ALL.iter().position(|x| *x == a).unwrap_or(4)]
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |a: Analyzer| {
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(a.name())
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored()
    };
    let key = b.add_text_field("key", STRING | STORED);
    let agency = b.add_text_field("agency", STRING | STORED);
    let kind = b.add_text_field("kind", STRING | STORED);
    let lang = b.add_text_field("lang", STRING | STORED);
    let year = b.add_u64_field("year", INDEXED | STORED);
    let date = b.add_i64_field("date", STORED | FAST);
    let url = b.add_text_field("url", STORED);
    let title = Analyzer::ALL.map(|a| b.add_text_field(&format!("title_{}", a.name()), text(a)));
    let body = Analyzer::ALL.map(|a| b.add_text_field(&format!("body_{}", a.name()), text(a)));
    (
        b.build(),
        Fields {
            key,
            agency,
            kind,
            lang,
            year,
            date,
            url,
            title,
            body,
        },
    )
}

/// The index and the one writer of this process.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    languages: Languages,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if absent. A corrupt or incompatible index is moved aside and a
    /// new empty one created (the caller then rebuilds it from the store); `.1` says whether that happened.
    pub fn open(dir: &Path, languages: &Languages) -> Result<(Self, bool)> {
        std::fs::create_dir_all(dir)?;
        match Self::open_existing(dir, languages) {
            Ok(ix) => Ok((ix, false)),
            // Another process (a running server, or a second node on the same folder) holds the index: that
            // is not damage, and it must not be swept aside.
            Err(e @ SearchError::Index(tantivy::TantivyError::LockFailure(..))) => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, dir = %dir.display(), "search index unusable; starting a new one");
                let aside = dir.with_extension(format!("broken-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&aside);
                std::fs::rename(dir, &aside)?;
                std::fs::create_dir_all(dir)?;
                let ix = Self::open_existing(dir, languages)?;
                let _ = std::fs::remove_dir_all(&aside);
                Ok((ix, true))
            }
        }
    }

    fn open_existing(dir: &Path, languages: &Languages) -> Result<Self> {
        let (schema, fields) = schema();
        let index = Index::open_or_create(MmapDirectory::open(dir)?, schema.clone())?;
        if index.schema() != schema {
            return Err(tantivy::TantivyError::SchemaError(
                "the index was made by another version".into(),
            )
            .into());
        }
        Self::wrap(index, fields, languages)
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_memory(languages: &Languages) -> Result<Self> {
        let (schema, fields) = schema();
        Self::wrap(Index::create_in_ram(schema), fields, languages)
    }

    fn wrap(index: Index, fields: Fields, languages: &Languages) -> Result<Self> {
        for a in Analyzer::ALL {
            index.tokenizers().register(a.name(), a.build());
        }
        let writer = index.writer(64 * 1024 * 1024)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        // Reading the stored metadata also proves the files are sound.
        index.load_metas()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            languages: languages.clone(),
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces every language version of the item `key` with `docs` (none: the item leaves the index).
    /// Visible after [`SearchIndex::commit`].
    pub fn replace(&self, key: &str, docs: &[SearchDoc]) -> Result<()> {
        let w = self.writer();
        w.delete_term(Term::from_field_text(self.fields.key, key));
        for d in docs {
            w.add_document(self.to_document(d))?;
        }
        Ok(())
    }

    /// Removes everything (before a rebuild).
    pub fn clear(&self) -> Result<()> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes the changes so far durable and searchable, remembering `watermark` (the caller's position in
    /// its source, e.g. the latest change time it has indexed).
    pub fn commit(&self, watermark: &str) -> Result<()> {
        let mut w = self.writer();
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(watermark);
        prepared.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// The watermark of the last commit, if any.
    pub fn watermark(&self) -> Option<String> {
        self.index.load_metas().ok().and_then(|m| m.payload)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn to_document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.fields;
        let a = Analyzer::for_lang(d.lang);
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, &d.key);
        doc.add_text(f.agency, &d.agency);
        doc.add_text(f.kind, &d.kind);
        doc.add_text(f.lang, d.lang.as_str());
        doc.add_text(f.url, &d.url);
        doc.add_text(f.title_of(a), &d.title);
        doc.add_text(f.body_of(a), &d.body);
        if let Some(ms) = d.date {
            doc.add_i64(f.date, ms);
            let (y, _, _) = egov_core::clock::Millis(ms).date();
            doc.add_u64(f.year, u64::try_from(y).unwrap_or(0));
        }
        doc
    }

    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        query::run(self, req)
    }
}

pub(crate) fn stored_str(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

pub(crate) type Counts = HashMap<String, usize>;

#[cfg(test)]
mod tests {
    use super::*;

    fn langs() -> Languages {
        Languages::new(vec![Lang::TG, Lang::RU, Lang::EN]).unwrap()
    }

    #[test]
    fn an_index_in_use_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (first, fresh) = SearchIndex::open(dir.path(), &langs()).unwrap();
        assert!(!fresh);
        let doc = SearchDoc {
            key: "news:mfa:x".into(),
            agency: "mfa".into(),
            kind: "news".into(),
            lang: Lang::EN,
            title: "Treaty".into(),
            body: String::new(),
            url: "/en/mfa/news/x".into(),
            date: None,
        };
        first.replace(&doc.key, std::slice::from_ref(&doc)).unwrap();
        first.commit("1").unwrap();
        let second = SearchIndex::open(dir.path(), &langs());
        assert!(matches!(
            second,
            Err(SearchError::Index(tantivy::TantivyError::LockFailure(..)))
        ));
        let req = SearchRequest {
            text: "treaty".into(),
            page: 1,
            per_page: 10,
            ..SearchRequest::default()
        };
        assert_eq!(
            first.search(&req).unwrap().total,
            1,
            "the first holder's index is intact"
        );
    }

    #[test]
    fn a_corrupt_index_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), "not json").unwrap();
        let (ix, fresh) = SearchIndex::open(dir.path(), &langs()).unwrap();
        assert!(fresh);
        assert_eq!(ix.num_docs(), 0);
    }
}
