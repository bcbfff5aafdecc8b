//! `/admin/content/{item}/translate?from=ru&to=tg`: one language beside another, the second editable;
//! saving makes a new revision that changes only that language.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::Lang;
use egov_store::{Draft, EditorialItem, Revision};
use minijinja::context;
use serde::Deserialize;

use super::{Duty, Fields, actor, field, item_for, lang_list, plain, refusal, render_markdown};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::VerifiedForm;

#[derive(Deserialize)]
pub(crate) struct Pair {
    from: Option<String>,
    to: Option<String>,
}

/// The two languages: `from` defaults to the first the item has, `to` to the first it lacks.
fn pair(
    state: &AppState,
    head: &Revision,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Lang, Lang), PageError> {
    let langs = state.languages();
    let parse = |raw: Option<&str>| -> Result<Option<Lang>, PageError> {
        match raw.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => langs.parse_supported(s).map(Some).ok_or_else(|| {
                PageError::new(ErrorCode::BadRequest).detail("not a language of this platform")
            }),
        }
    };
    let from = parse(from)?
        .or_else(|| head.title.langs().next())
        .unwrap_or_else(|| langs.default_lang());
    let to = parse(to)?
        .or_else(|| head.title.missing(langs).next())
        .or_else(|| langs.all().iter().copied().find(|l| *l != from))
        .unwrap_or(from);
    Ok((from, to))
}

async fn head_of(state: &AppState, e: &EditorialItem) -> Result<Revision, PageError> {
    if let Some(r) = state.store().revision(e.item.id, e.head_rev).await? {
        return Ok(r);
    }
    // An item from before the CMS: its row is its only version.
    let d = Draft::of_item(&e.item, "");
    Ok(Revision {
        number: 0,
        subtype: d.subtype,
        date: d.date,
        title: d.title,
        summary: d.summary,
        body: d.body,
        source: d.source,
        meta: d.meta,
        author_id: None,
        author: String::new(),
        note: String::new(),
        created_at: e.item.updated_at,
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    chrome: &Chrome,
    e: &EditorialItem,
    head: &Revision,
    from: Lang,
    to: Lang,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let get = |l: &egov_core::Localized, lang: Lang| l.get(lang).unwrap_or_default().to_owned();
    let page = chrome.render(
        state,
        "cms_translate.html",
        context! {
            id => e.item.id, head => e.head_rev, error,
            from => from.as_str(), to => to.as_str(),
            from_name => from.endonym(), to_name => to.endonym(),
            langs => lang_list(state),
            src => context! { title => get(&head.title, from), summary => get(&head.summary, from), body => get(&head.source, from) },
            dst => context! { title => get(&head.title, to), summary => get(&head.summary, to), body => get(&head.source, to) },
            form_csrf => chrome.csrf(),
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    Query(q): Query<Pair>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let e = item_for(&state, &user, id, Duty::See).await?;
    let head = head_of(&state, &e).await?;
    let (from, to) = pair(&state, &head, q.from.as_deref(), q.to.as_deref())?;
    render(&state, &chrome, &e, &head, from, to, None, StatusCode::OK).await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    let e = item_for(&state, &user, id, Duty::Edit).await?;
    let head = head_of(&state, &e).await?;
    let (from, to) = pair(
        &state,
        &head,
        Some(field(&f, "from")),
        Some(field(&f, "to")),
    )?;
    let mut draft = Draft {
        subtype: head.subtype.clone(),
        date: head.date,
        title: head.title.clone(),
        summary: head.summary.clone(),
        body: head.body.clone(),
        source: head.source.clone(),
        meta: head.meta.clone(),
        note: format!("translation: {to}"),
    };
    let fail = |why: String| {
        render(
            &state,
            &chrome,
            &e,
            &head,
            from,
            to,
            Some(why),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (title, summary) = match (
        plain(field(&f, "title"), 300),
        plain(field(&f, "summary"), 1000),
    ) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(why), _) | (_, Err(why)) => return fail(why).await,
    };
    let body = field(&f, "body").replace("\r\n", "\n");
    if body.chars().count() > 200_000 {
        return fail("text: at most 200000 characters".into()).await;
    }
    // A blank field removes that language's text.
    draft.title.set(to, title);
    draft.summary.set(to, summary);
    draft.body.set(
        to,
        if body.trim().is_empty() {
            String::new()
        } else {
            render_markdown(&body)
        },
    );
    draft.source.set(to, body);
    if draft.title.is_empty() {
        return fail("a title in at least one language is required".into()).await;
    }
    let expected: i64 = field(&f, "head").parse().unwrap_or(-1);
    match state
        .store()
        .save_revision(
            id,
            expected,
            &draft,
            false,
            super::author(&user),
            &actor(&user, addr),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/content/{id}/translate?from={from}&to={to}&saved=1"
        ))
        .into_response()),
        Err(err) => {
            let why = refusal(err)?;
            render(
                &state,
                &chrome,
                &e,
                &head,
                from,
                to,
                Some(why),
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}
