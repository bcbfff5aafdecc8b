//! The workflow's buttons (send to review, approve now or at a time, send back with a comment, unpublish,
//! archive), the history of revisions, the diff between any two, and restoring an old one.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_store::Revision;
use minijinja::context;
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

use super::{Duty, Fields, actor, field, item_for, plain, value};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::VerifiedForm;

/// `POST /admin/content/{item}/submit`: an editor sends the newest draft to review.
pub(crate) async fn submit(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(_): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    let item = item_for(&state, &user, id, Duty::Edit).await?;
    let done = state
        .store()
        .submit_for_review(id, &actor(&user, addr))
        .await;
    let next = format!("/admin/content/{id}?done=submit");
    super::edit::outcome(&state, &chrome, &user, &item, None, done, &next).await
}

/// `POST /admin/content/{item}/step/{step}`: a reviewer's step of the workflow.
pub(crate) async fn step(
    State(state): State<AppState>,
    user: SignedInUser,
    Path((id, step)): Path<(i64, String)>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    if !matches!(
        step.as_str(),
        "approve" | "send-back" | "unpublish" | "archive"
    ) {
        return Err(PageError::new(ErrorCode::NotFound));
    }
    let item = item_for(&state, &user, id, Duty::Review).await?;
    let who = actor(&user, addr);
    let store = state.store();
    let done = match step.as_str() {
        "approve" => {
            let at = match parse_moment(field(&f, "publish_at"), state.config().utc_offset_minutes)
            {
                Ok(at) => at,
                Err(why) => {
                    return super::edit::render_edit(
                        &state,
                        &chrome,
                        &user,
                        &item,
                        None,
                        Some(why),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
            };
            // The revision the reviewer read: a newer one must be read before it can be approved.
            let reviewed = field(&f, "head").parse().unwrap_or(-1);
            store.approve(id, reviewed, user.user.id, at, &who).await
        }
        "send-back" => {
            let note = plain(field(&f, "comment"), 2000).unwrap_or_default();
            store.send_back(id, &note, &who).await
        }
        "unpublish" => store.unpublish(id, &who).await,
        _ => store.archive(id, &who).await,
    };
    let next = format!("/admin/content/{id}?done={step}");
    super::edit::outcome(&state, &chrome, &user, &item, None, done, &next).await
}

/// `2026-11-24T09:00` (a `datetime-local` field, on the deployment's clock, `offset` minutes east of UTC)
/// or nothing.
fn parse_moment(raw: &str, offset: i32) -> Result<Option<Millis>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{raw:?} is not a moment like 2026-11-24T09:00");
    let (day, time) = raw.split_once('T').ok_or_else(bad)?;
    let d = Millis::parse_ymd(day).ok_or_else(bad)?;
    let (h, m) = time.split_once(':').ok_or_else(bad)?;
    let h: i64 = h
        .parse()
        .ok()
        .filter(|h| (0..24).contains(h))
        .ok_or_else(bad)?;
    let m: i64 = m
        .get(..2)
        .unwrap_or(m)
        .parse()
        .ok()
        .filter(|m| (0..60).contains(m))
        .ok_or_else(bad)?;
    Ok(Some(
        d.plus_secs(h * 3600 + m * 60 - i64::from(offset) * 60),
    ))
}

#[derive(Serialize)]
struct RevisionRow {
    number: i64,
    author: String,
    at: String,
    local: String,
    note: String,
    title: String,
    live: bool,
}

pub(crate) async fn history(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let item = item_for(&state, &user, id, Duty::See).await?;
    let rows: Vec<RevisionRow> = state
        .store()
        .revisions(id)
        .await?
        .into_iter()
        .map(|r| RevisionRow {
            live: item.live_rev == Some(r.number),
            title: r
                .title
                .resolve(chrome.lang, state.languages())
                .map(|t| t.text.to_owned())
                .unwrap_or_default(),
            number: r.number,
            author: r.author,
            local: r.created_at.local_minute(state.config().utc_offset_minutes),
            at: Millis::rfc3339(r.created_at),
            note: r.note,
        })
        .collect();
    let page = chrome.render(
        &state,
        "cms_history.html",
        context! {
            id, rows => value(&rows), head => item.head_rev, zone => state.config().zone_label(),
            title => item.item.title.resolve(chrome.lang, state.languages()).map(|r| r.text.to_owned()),
            can_edit => super::may(&user, Duty::Edit, item.item.org),
            form_csrf => chrome.csrf(),
        },
    )?;
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub(crate) struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Serialize)]
struct Piece {
    /// `same`, `added` or `removed`.
    tag: &'static str,
    text: String,
}

#[derive(Serialize)]
struct FieldDiff {
    label: String,
    lang: String,
    pieces: Vec<Piece>,
}

fn pieces(old: &str, new: &str, by_lines: bool) -> Vec<Piece> {
    let diff = if by_lines {
        TextDiff::from_lines(old, new)
    } else {
        TextDiff::from_words(old, new)
    };
    let mut out: Vec<Piece> = Vec::new();
    for c in diff.iter_all_changes() {
        let tag = match c.tag() {
            ChangeTag::Equal => "same",
            ChangeTag::Insert => "added",
            ChangeTag::Delete => "removed",
        };
        match out.last_mut() {
            Some(p) if p.tag == tag => p.text.push_str(c.value()),
            _ => out.push(Piece {
                tag,
                text: c.value().to_owned(),
            }),
        }
    }
    out
}

fn field_diffs(state: &AppState, kind: &str, a: &Revision, b: &Revision) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    for l in state.languages().all() {
        for (label, old, new, lines) in [
            ("title", a.title.get(*l), b.title.get(*l), false),
            ("summary", a.summary.get(*l), b.summary.get(*l), false),
            ("body", a.source.get(*l), b.source.get(*l), true),
        ] {
            let (old, new) = (old.unwrap_or_default(), new.unwrap_or_default());
            if old != new {
                out.push(FieldDiff {
                    label: label.to_owned(),
                    lang: l.to_string(),
                    pieces: pieces(old, new, lines),
                });
            }
        }
    }
    // A kind's own fields (a legal act's number, signatory and files…) are reviewed like the text.
    let kind = egov_core::ContentKind::parse(kind).unwrap_or(egov_core::ContentKind::Page);
    let (old, new) = (
        super::details::readable(state, kind, &a.meta),
        super::details::readable(state, kind, &b.meta),
    );
    let mut keys: Vec<(&str, String)> = old
        .iter()
        .chain(&new)
        .map(|(k, l, _)| (*k, l.clone()))
        .collect();
    keys.dedup();
    let mut seen = std::collections::HashSet::new();
    for (key, lang) in keys {
        if !seen.insert((key, lang.clone())) {
            continue;
        }
        let find = |v: &[(&'static str, String, String)]| {
            v.iter()
                .find(|(k, l, _)| *k == key && *l == lang)
                .map(|(_, _, t)| t.clone())
                .unwrap_or_default()
        };
        let (x, y) = (find(&old), find(&new));
        if x != y {
            out.push(FieldDiff {
                label: key.to_owned(),
                lang,
                pieces: pieces(&x, &y, key == "files"),
            });
        }
    }
    if a.date != b.date {
        out.push(FieldDiff {
            label: "date".into(),
            lang: String::new(),
            pieces: pieces(
                &a.date.map(Millis::ymd).unwrap_or_default(),
                &b.date.map(Millis::ymd).unwrap_or_default(),
                false,
            ),
        });
    }
    out
}

/// `GET /admin/content/{item}/diff?from=N&to=M`: what changed between two revisions, field by field.
pub(crate) async fn diff(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let item = item_for(&state, &user, id, Duty::See).await?;
    let to = q.to.unwrap_or(item.head_rev);
    let from = q.from.unwrap_or(to - 1);
    let store = state.store();
    let (Some(a), Some(b)) = (
        store.revision(id, from).await?,
        store.revision(id, to).await?,
    ) else {
        return Err(PageError::new(ErrorCode::NotFound).detail("no such revision"));
    };
    let page = chrome.render(
        &state,
        "cms_diff.html",
        context! {
            id, from, to,
            from_author => a.author.clone(), to_author => b.author.clone(),
            title => item.item.title.resolve(chrome.lang, state.languages()).map(|r| r.text.to_owned()),
            fields => super::value(&field_diffs(&state, item.item.kind.as_str(), &a, &b)),
        },
    )?;
    Ok(page.into_response())
}

/// `POST /admin/content/{item}/restore`: revision `number` saved again as the newest draft.
pub(crate) async fn restore(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    let item = item_for(&state, &user, id, Duty::Edit).await?;
    let number: i64 = field(&f, "number").parse().unwrap_or(-1);
    let head: i64 = field(&f, "head").parse().unwrap_or(-1);
    let done = state
        .store()
        .restore_revision(id, number, head, super::author(&user), &actor(&user, addr))
        .await;
    let next = format!("/admin/content/{id}?saved=1");
    super::edit::outcome(&state, &chrome, &user, &item, None, done, &next).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_read_on_the_deployments_clock() {
        assert_eq!(parse_moment("", 0).unwrap(), None);
        let m = parse_moment("2026-11-24T09:30", 0).unwrap().unwrap();
        assert_eq!(m.rfc3339(), "2026-11-24T09:30:00Z");
        // 14:00 in Dushanbe (UTC+5) is 09:00 UTC, and reads back the same.
        let d = parse_moment("2026-11-24T14:00", 300).unwrap().unwrap();
        assert_eq!(d.rfc3339(), "2026-11-24T09:00:00Z");
        assert_eq!(d.local_minute(300), "2026-11-24 14:00");
        assert!(parse_moment("2026-11-24 09:30", 0).is_err());
        assert!(parse_moment("2026-11-24T25:00", 0).is_err());
    }

    #[test]
    fn diffs_group_runs() {
        let p = pieces("a\nb\nc\n", "a\nB\nc\n", true);
        let tags: Vec<_> = p.iter().map(|p| p.tag).collect();
        assert_eq!(tags, ["same", "removed", "added", "same"]);
    }
}
