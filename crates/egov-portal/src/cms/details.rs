//! The fields only some kinds have, kept in an item's `meta`: a legal act's number, signatory and files,
//! an event's place, a leader's position. The edit form shows them for the item's kind; a form that does
//! not carry a field leaves it as it was.

use egov_core::{ContentKind, Localized};
use egov_store::Media;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Fields, field, plain};
use crate::AppState;

/// One field of a kind: its key in `meta` and whether it has a text per language.
struct Spec {
    key: &'static str,
    localized: bool,
    max: usize,
}

fn specs(kind: ContentKind) -> &'static [Spec] {
    match kind {
        ContentKind::Document => &[
            Spec {
                key: "number",
                localized: false,
                max: 60,
            },
            Spec {
                key: "signatory",
                localized: true,
                max: 200,
            },
        ],
        ContentKind::Event => &[Spec {
            key: "place",
            localized: true,
            max: 200,
        }],
        ContentKind::Leader => &[Spec {
            key: "position",
            localized: true,
            max: 200,
        }],
        _ => &[],
    }
}

#[derive(Serialize)]
pub(crate) struct LangValue {
    code: String,
    name: &'static str,
    value: String,
}

/// A field as the form shows it.
#[derive(Serialize)]
pub(crate) struct DetailField {
    key: &'static str,
    localized: bool,
    max: usize,
    value: String,
    values: Vec<LangValue>,
}

/// A library file that may be one of a legal act's files.
#[derive(Serialize)]
pub(crate) struct FileChoice {
    id: i64,
    name: String,
    media_type: String,
    size_kib: i64,
    checked: bool,
}

/// The kind's fields with their values in `meta`.
pub(crate) fn fields(state: &AppState, kind: ContentKind, meta: &Value) -> Vec<DetailField> {
    specs(kind)
        .iter()
        .map(|s| {
            let v = meta.get(s.key);
            let loc: Localized = v
                .filter(|_| s.localized)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            DetailField {
                key: s.key,
                localized: s.localized,
                max: s.max,
                value: v.and_then(Value::as_str).unwrap_or_default().to_owned(),
                values: state
                    .languages()
                    .all()
                    .iter()
                    .map(|l| LangValue {
                        code: l.to_string(),
                        name: l.endonym(),
                        value: loc.get(*l).unwrap_or_default().to_owned(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// For a legal act: the agency's files that are not images, those in `meta.files` checked.
pub(crate) fn file_choices(kind: ContentKind, meta: &Value, library: &[Media]) -> Vec<FileChoice> {
    if kind != ContentKind::Document {
        return Vec::new();
    }
    let chosen: Vec<&str> = meta
        .get("files")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.get("sha256").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    library
        .iter()
        .filter(|m| !m.is_image())
        .map(|m| FileChoice {
            id: m.id,
            name: m.filename.to_string(),
            media_type: m.media_type.clone(),
            size_kib: (m.size + 1023) / 1024,
            checked: chosen.contains(&m.sha256.as_str()),
        })
        .collect()
}

/// `meta` with the form's values of the kind's fields (and, for a legal act, its chosen files) put in.
pub(crate) fn apply(
    state: &AppState,
    kind: ContentKind,
    mut meta: Value,
    f: &Fields,
    library: &[Media],
) -> Result<Value, String> {
    if !meta.is_object() {
        meta = Value::Object(Map::new());
    }
    let Some(map) = meta.as_object_mut() else {
        return Ok(meta);
    };
    for s in specs(kind) {
        if s.localized {
            let names: Vec<String> = state
                .languages()
                .all()
                .iter()
                .map(|l| format!("meta_{}_{l}", s.key))
                .collect();
            if !names.iter().any(|n| f.contains_key(n)) {
                continue;
            }
            let mut l = Localized::new();
            for (lang, name) in state.languages().all().iter().zip(&names) {
                l.set(
                    *lang,
                    plain(field(f, name), s.max).map_err(|e| format!("{} ({lang}): {e}", s.key))?,
                );
            }
            if l.is_empty() {
                map.remove(s.key);
            } else {
                map.insert(
                    s.key.to_owned(),
                    serde_json::to_value(&l).unwrap_or(Value::Null),
                );
            }
        } else if let Some(raw) = f.get(&format!("meta_{}", s.key)) {
            let v = plain(raw, s.max).map_err(|e| format!("{}: {e}", s.key))?;
            if v.is_empty() {
                map.remove(s.key);
            } else {
                map.insert(s.key.to_owned(), Value::String(v));
            }
        }
    }
    if kind == ContentKind::Document && f.contains_key("meta_files_shown") {
        // Files chosen earlier that the form could not list (older than the library page) stay chosen.
        let kept: Vec<Value> = map
            .get("files")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|v| {
                        let sha = v.get("sha256").and_then(Value::as_str);
                        !library.iter().any(|m| Some(m.sha256.as_str()) == sha)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let files: Vec<Value> = kept.into_iter().chain(library
            .iter()
            .filter(|m| !m.is_image() && f.contains_key(&format!("meta_file_{}", m.id)))
            .map(|m| {
                serde_json::json!({
                    "sha256": m.sha256, "name": m.filename.as_str(), "size": m.size, "media_type": m.media_type,
                })
            }))
            .collect();
        if files.is_empty() {
            map.remove("files");
        } else {
            map.insert("files".into(), Value::Array(files));
        }
    }
    Ok(meta)
}

/// The kind's fields of `meta` as `(field, language or "", text)` lines a person reads: for the review
/// page and the diff between revisions. Files are listed by name.
pub(crate) fn readable(
    state: &AppState,
    kind: ContentKind,
    meta: &Value,
) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for s in specs(kind) {
        let Some(v) = meta.get(s.key) else { continue };
        if s.localized {
            let l: Localized = serde_json::from_value(v.clone()).unwrap_or_default();
            for lang in state.languages().all() {
                if let Some(t) = l.get(*lang) {
                    out.push((s.key, lang.to_string(), t.to_owned()));
                }
            }
        } else if let Some(t) = v.as_str() {
            out.push((s.key, String::new(), t.to_owned()));
        }
    }
    if kind == ContentKind::Document {
        let names: Vec<&str> = meta
            .get("files")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.get("name").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        if !names.is_empty() {
            out.push(("files", String::new(), names.join("\n")));
        }
    }
    out
}
