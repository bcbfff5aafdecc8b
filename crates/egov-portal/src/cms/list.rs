//! `GET /admin/content`: the items of the agencies a user works for, filtered by agency, kind, workflow
//! state, or a language they still lack (the translators' to-do list).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_core::{ContentKind, OrgId, Workflow};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Duty, lang_list, org_names, orgs_for};
use crate::AppState;
use crate::accounts::SignedInUser;
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    org: Option<String>,
    kind: Option<String>,
    workflow: Option<String>,
    missing: Option<String>,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    agency: String,
    kind: &'static str,
    title: String,
    title_lang: Option<String>,
    workflow: &'static str,
    live: bool,
    updated: String,
    missing: Vec<String>,
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedInUser,
    Query(q): Query<ListQuery>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let mine = orgs_for(&user, Duty::See);
    if mine.as_ref().is_some_and(|m| m.is_empty()) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let bad = |what: &str| {
        PageError::new(ErrorCode::BadRequest).detail(format!("{what} is not one of the choices"))
    };
    let kind = opt(&q.kind)
        .map(ContentKind::parse)
        .transpose()
        .map_err(|_| bad("kind"))?;
    let workflow = opt(&q.workflow)
        .map(Workflow::parse)
        .transpose()
        .map_err(|_| bad("workflow"))?;
    let missing = opt(&q.missing)
        .map(|l| {
            state
                .languages()
                .parse_supported(l)
                .ok_or_else(|| bad("missing"))
        })
        .transpose()?;
    let names = org_names(&state, chrome.lang).await?;
    let org = match opt(&q.org) {
        Some(slug) => Some(
            names
                .iter()
                .find(|(_, (s, _))| s == slug)
                .map(|(id, _)| *id)
                .ok_or_else(|| bad("org"))?,
        ),
        None => None,
    };
    let scope: Option<Vec<OrgId>> = match (org, &mine) {
        (Some(o), Some(m)) if !m.contains(&o) => return Err(PageError::new(ErrorCode::Forbidden)),
        (Some(o), _) => Some(vec![o]),
        (None, m) => m.clone(),
    };
    let items = state
        .store()
        .editorial_items(scope.as_deref(), kind, workflow, missing)
        .await?;
    let langs = state.languages();
    let rows: Vec<Row> = items
        .into_iter()
        .map(|e| {
            let t = e.item.title.resolve(chrome.lang, langs);
            Row {
                id: e.item.id,
                agency: names
                    .get(&e.item.org)
                    .map(|n| n.1.clone())
                    .unwrap_or_default(),
                kind: e.item.kind.as_str(),
                title_lang: t
                    .as_ref()
                    .filter(|t| t.fallback)
                    .map(|t| t.lang.to_string()),
                title: t.map(|t| t.text.to_owned()).unwrap_or_default(),
                workflow: e.workflow.as_str(),
                live: e.live_rev.is_some(),
                updated: Millis::rfc3339(e.item.updated_at),
                missing: e.item.title.missing(langs).map(|l| l.to_string()).collect(),
            }
        })
        .collect();
    let orgs = super::agencies(&names, &user, Duty::See);
    let page = chrome.render(
        &state,
        "cms_list.html",
        context! {
            rows => super::value(&rows),
            orgs => super::value(&orgs), langs => lang_list(&state),
            kinds => ContentKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            workflows => Workflow::ALL.iter().map(|w| w.as_str()).collect::<Vec<_>>(),
            q_org => opt(&q.org), q_kind => opt(&q.kind), q_workflow => opt(&q.workflow), q_missing => opt(&q.missing),
            can_create => orgs_for(&user, Duty::Edit).is_none_or(|o| !o.is_empty()),
        },
    )?;
    Ok(page.into_response())
}
