//! Writing an item: the new-item form, the edit form (every language of the deployment, Markdown with a
//! toolbar, the agency's images to insert, a live preview rendered by the server) and the preview itself.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use egov_core::clock::Millis;
use egov_core::{ContentKind, ItemSlug, Localized, OrgId, Workflow};
use egov_store::{Draft, EditorialItem};
use minijinja::context;
use serde::Serialize;

use super::{
    Duty, Fields, actor, field, item_for, lang_list, localized, may, org_names, orgs_for, plain,
    refusal, render_markdown,
};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::VerifiedForm;

/// Largest form of an item: four languages of long text, form-encoded.
pub(crate) const CONTENT_FORM_BYTES: usize = 2 * 1024 * 1024;
/// Largest body source in one language.
const MAX_BODY_CHARS: usize = 200_000;

#[derive(Serialize)]
struct LangFields {
    code: String,
    name: &'static str,
    title: String,
    summary: String,
    body: String,
}

/// One language of the newest revision, as it will read on the site (the body is stored sanitized).
#[derive(Serialize)]
struct Version {
    code: String,
    name: &'static str,
    title: String,
    summary: String,
    body: String,
}

#[derive(Serialize)]
struct ImageChoice {
    url: String,
    alt: String,
    filename: String,
}

/// The values a form shows: what was stored, or what was just sent back with an error.
struct FormValues {
    subtype: String,
    date: String,
    note: String,
    title: Localized,
    summary: Localized,
    source: Localized,
}

fn lang_fields(state: &AppState, v: &FormValues) -> Vec<LangFields> {
    state
        .languages()
        .all()
        .iter()
        .map(|l| LangFields {
            code: l.to_string(),
            name: l.endonym(),
            title: v.title.get(*l).unwrap_or_default().to_owned(),
            summary: v.summary.get(*l).unwrap_or_default().to_owned(),
            body: v.source.get(*l).unwrap_or_default().to_owned(),
        })
        .collect()
}

async fn images(
    state: &AppState,
    org: OrgId,
    chrome: &Chrome,
) -> Result<Vec<ImageChoice>, PageError> {
    Ok(state
        .store()
        .media_library(org)
        .await?
        .into_iter()
        .filter(|m| m.is_image())
        .take(60)
        .map(|m| ImageChoice {
            url: m.url(),
            alt: m
                .alt
                .resolve(chrome.lang, state.languages())
                .map(|r| r.text.to_owned())
                .unwrap_or_default(),
            filename: m.filename.to_string(),
        })
        .collect())
}

/// Reads the editable fields of a form into a draft; the body is rendered and sanitized here. `meta` (the
/// fields only some kinds have: a legal act's number and signatory, an event's place) is carried over
/// from the revision being edited, since this form does not show them.
fn draft_from(
    state: &AppState,
    f: &Fields,
    kind: ContentKind,
    meta: serde_json::Value,
    library: &[egov_store::Media],
) -> Result<Draft, String> {
    let meta = super::details::apply(state, kind, meta, f, library)?;
    let title = localized(state, f, "title", 300)?;
    if title.is_empty() {
        return Err("a title in at least one language is required".into());
    }
    let summary = localized(state, f, "summary", 1000)?;
    let mut source = Localized::new();
    let mut body = Localized::new();
    for l in state.languages().all() {
        let raw = field(f, &format!("body_{l}")).replace("\r\n", "\n");
        if raw.chars().count() > MAX_BODY_CHARS {
            return Err(format!("text ({l}): at most {MAX_BODY_CHARS} characters"));
        }
        if !raw.trim().is_empty() {
            body.set(*l, render_markdown(&raw));
            source.set(*l, raw);
        }
    }
    let date = match field(f, "date").trim() {
        "" => None,
        d => Some(
            Millis::parse_ymd(d)
                .ok_or_else(|| format!("date: {d:?} is not a date like 2026-11-23"))?,
        ),
    };
    let subtype = plain(field(f, "subtype"), 40)?;
    if !subtype
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("subtype: lowercase letters, digits and hyphens only".into());
    }
    Ok(Draft {
        subtype,
        date,
        title,
        summary,
        body,
        source,
        meta,
        note: plain(field(f, "note"), 300)?,
    })
}

fn values_from_form(state: &AppState, f: &Fields) -> FormValues {
    let mut v = FormValues {
        subtype: field(f, "subtype").to_owned(),
        date: field(f, "date").to_owned(),
        note: field(f, "note").to_owned(),
        title: Localized::new(),
        summary: Localized::new(),
        source: Localized::new(),
    };
    for l in state.languages().all() {
        v.title.set(*l, field(f, &format!("title_{l}")));
        v.summary.set(*l, field(f, &format!("summary_{l}")));
        v.source.set(*l, field(f, &format!("body_{l}")));
    }
    v
}

/// The public address of an item, for kinds that have a page of their own.
pub(crate) fn public_path(
    lang: &str,
    agency: &str,
    kind: ContentKind,
    slug: &ItemSlug,
) -> Option<String> {
    let section = match kind {
        ContentKind::News => "news",
        ContentKind::Document => "documents",
        ContentKind::Page => "pages",
        _ => return None,
    };
    Some(format!("/{lang}/{agency}/{section}/{slug}"))
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    user: SignedInUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    render_new(&state, &chrome, &user, None, None, StatusCode::OK).await
}

async fn render_new(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    sent: Option<&Fields>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let orgs = super::agencies(&org_names(state, chrome.lang).await?, user, Duty::Edit);
    if orgs.is_empty() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let values = match sent {
        Some(f) => values_from_form(state, f),
        None => FormValues {
            subtype: String::new(),
            date: String::new(),
            note: String::new(),
            title: Localized::new(),
            summary: Localized::new(),
            source: Localized::new(),
        },
    };
    let kinds: Vec<&str> = ContentKind::ALL.iter().map(|k| k.as_str()).collect();
    let page = chrome.render(
        state,
        "cms_new.html",
        context! {
            orgs => super::value(&orgs), kinds, error,
            form_csrf => chrome.csrf(),
            fields => super::value(&lang_fields(state, &values)),
            sent_org => sent.map(|f| field(f, "org").to_owned()),
            sent_kind => sent.map(|f| field(f, "kind").to_owned()).unwrap_or_else(|| "news".into()),
            sent_slug => sent.map(|f| field(f, "slug").to_owned()),
            subtype => values.subtype, date => values.date, note => values.note,
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    let org = OrgId(field(&f, "org").parse().unwrap_or(-1));
    if !may(&user, Duty::Edit, org) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let bad = |why: String| async {
        render_new(
            &state,
            &chrome,
            &user,
            Some(&f),
            Some(why),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    };
    let kind = match ContentKind::parse(field(&f, "kind")) {
        Ok(k) => k,
        Err(e) => return bad(e.to_string()).await,
    };
    let slug = match ItemSlug::parse(field(&f, "slug").trim()) {
        Ok(s) => s,
        Err(e) => return bad(e.to_string()).await,
    };
    let library = state.store().media_library(org).await?;
    let draft = match draft_from(&state, &f, kind, serde_json::json!({}), &library) {
        Ok(d) => d,
        Err(why) => return bad(why).await,
    };
    let created = state
        .store()
        .create_draft(
            org,
            kind,
            &slug,
            &draft,
            super::author(&user),
            &actor(&user, addr),
        )
        .await;
    match created {
        Ok(id) => Ok(Redirect::to(&format!("/admin/content/{id}?saved=1")).into_response()),
        Err(e) => bad(refusal(e)?).await,
    }
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let item = item_for(&state, &user, id, Duty::See).await?;
    render_edit(&state, &chrome, &user, &item, None, None, StatusCode::OK).await
}

pub(crate) async fn render_edit(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    e: &EditorialItem,
    sent: Option<&Fields>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let id = e.item.id;
    let head = state.store().revision(id, e.head_rev).await?;
    let (title, summary, body) = match &head {
        Some(r) => (&r.title, &r.summary, &r.body),
        None => (&e.item.title, &e.item.summary, &e.item.body),
    };
    let versions: Vec<Version> = state
        .languages()
        .all()
        .iter()
        .filter_map(|l| {
            Some(Version {
                code: l.to_string(),
                name: l.endonym(),
                title: title.get(*l)?.to_owned(),
                summary: summary.get(*l).unwrap_or_default().to_owned(),
                body: body.get(*l).unwrap_or_default().to_owned(),
            })
        })
        .collect();
    let stored_meta = head
        .as_ref()
        .map_or_else(|| e.item.meta.clone(), |r| r.meta.clone());
    let library = state.store().media_library(e.item.org).await?;
    let meta = match sent {
        Some(f) => super::details::apply(state, e.item.kind, stored_meta.clone(), f, &library)
            .unwrap_or(stored_meta),
        None => stored_meta,
    };
    let details = super::details::fields(state, e.item.kind, &meta);
    let head_details: Vec<_> = super::details::readable(
        state,
        e.item.kind,
        head.as_ref().map_or(&e.item.meta, |r| &r.meta),
    )
    .into_iter()
    .map(|(key, lang, text)| minijinja::context! { key, lang, text })
    .collect();
    let files = (e.item.kind == ContentKind::Document)
        .then(|| super::details::file_choices(e.item.kind, &meta, &library));
    let values = match sent {
        Some(f) => values_from_form(state, f),
        None => match head {
            Some(r) => FormValues {
                subtype: r.subtype,
                date: r.date.map(Millis::ymd).unwrap_or_default(),
                note: String::new(),
                title: r.title,
                summary: r.summary,
                source: r.source,
            },
            None => FormValues {
                subtype: e.item.subtype.clone(),
                date: e.item.date.map(Millis::ymd).unwrap_or_default(),
                note: String::new(),
                title: e.item.title.clone(),
                summary: e.item.summary.clone(),
                source: e.item.body.clone(),
            },
        },
    };
    let names = org_names(state, chrome.lang).await?;
    let (agency, agency_name) = names.get(&e.item.org).cloned().unwrap_or_default();
    let public = (e.live_rev.is_some())
        .then(|| public_path(chrome.lang.as_str(), &agency, e.item.kind, &e.item.slug))
        .flatten();
    let page = chrome.render(
        state,
        "cms_edit.html",
        context! {
            id, error,
            kind => e.item.kind.as_str(),
            slug => e.item.slug.as_str(),
            agency_name, public,
            title => e.item.title.resolve(chrome.lang, state.languages()).map(|r| r.text.to_owned()),
            workflow => e.workflow.as_str(),
            live => e.live_rev,
            head => e.head_rev,
            publish_at => e.publish_at.map(|t| format!("{} ({})", t.local_minute(state.config().utc_offset_minutes), state.config().zone_label())),
            zone => state.config().zone_label(),
            review_note => (!e.review_note.is_empty()).then_some(&e.review_note),
            can_edit => super::may(user, Duty::Edit, e.item.org),
            can_review => super::may(user, Duty::Review, e.item.org),
            in_review => e.workflow == Workflow::InReview,
            is_draft => e.workflow == Workflow::Draft,
            is_live => e.live_rev.is_some(),
            is_archived => e.workflow == Workflow::Archived,
            saved => sent.is_none(),
            form_csrf => chrome.csrf(),
            fields => super::value(&lang_fields(state, &values)),
            images => super::value(&images(state, e.item.org, chrome).await?),
            subtype => values.subtype, date => values.date, note => values.note,
            langs => lang_list(state),
            versions => super::value(&versions),
            details => super::value(&details),
            head_details,
            files => super::value(&files),
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn save(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    let item = item_for(&state, &user, id, Duty::Edit).await?;
    let head: i64 = field(&f, "head").parse().unwrap_or(-1);
    let submit = field(&f, "action") == "submit";
    let meta = match state.store().revision(id, item.head_rev).await? {
        Some(r) => r.meta,
        None => item.item.meta.clone(),
    };
    let library = state.store().media_library(item.item.org).await?;
    let draft = match draft_from(&state, &f, item.item.kind, meta, &library) {
        Ok(d) => d,
        Err(why) => {
            return render_edit(
                &state,
                &chrome,
                &user,
                &item,
                Some(&f),
                Some(why),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let saved = state
        .store()
        .save_revision(
            id,
            head,
            &draft,
            submit,
            super::author(&user),
            &actor(&user, addr),
        )
        .await;
    outcome(
        &state,
        &chrome,
        &user,
        &item,
        Some(&f),
        saved,
        &format!("/admin/content/{id}?saved=1"),
    )
    .await
}

/// The answer to a change of an item: on to `next`, or the item's page again with the store's refusal (and
/// the form as sent, if there was one). Other failures are the error pages they are.
pub(crate) async fn outcome<T>(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    item: &EditorialItem,
    sent: Option<&Fields>,
    done: Result<T, egov_store::StoreError>,
    next: &str,
) -> Result<Response, PageError> {
    match done {
        Ok(_) => Ok(Redirect::to(next).into_response()),
        Err(e) => {
            let why = refusal(e)?;
            render_edit(
                state,
                chrome,
                user,
                item,
                sent,
                Some(why),
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

/// `POST /admin/content/preview`: the HTML a Markdown text becomes, exactly as it would be stored.
pub(crate) async fn preview(
    user: SignedInUser,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    if orgs_for(&user, Duty::Edit).is_some_and(|o| o.is_empty()) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let source = field(&f, "source");
    if source.chars().count() > MAX_BODY_CHARS {
        return Err(PageError::new(ErrorCode::PayloadTooLarge));
    }
    let mut resp = Html(render_markdown(source)).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
