//! Agencies answer citizens' appeals in `/admin/appeals`: everyone holding a role in an agency sees and
//! answers that agency's appeals; platform administrators see all of them.

use axum::extract::{Path, Query, State};

use axum::response::{IntoResponse, Redirect, Response};
use egov_core::{AppealStatus, OrgId};
use egov_store::{Actor, Appeal, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::{VerifiedForm, no_store};
use crate::view;

/// The organizations whose appeals the user handles; `None` means all (a platform administrator).
fn scope(user: &SignedInUser) -> Option<Vec<OrgId>> {
    if user.is_platform_admin() {
        return None;
    }
    let mut orgs: Vec<OrgId> = user.roles.iter().filter_map(|r| r.org).collect();
    orgs.sort_unstable_by_key(|o| o.0);
    orgs.dedup();
    Some(orgs)
}

fn may_handle(user: &SignedInUser, appeal: &Appeal) -> bool {
    scope(user).is_none_or(|orgs| orgs.contains(&appeal.org))
}

#[derive(Serialize)]
struct Row {
    id: i64,
    number: String,
    agency: String,
    sent: String,
    status: String,
    new: bool,
    excerpt: String,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    status: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedInUser,
    Query(q): Query<ListQuery>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let lang = chrome.lang;
    let status =
        match q.status.as_deref() {
            None | Some("") => None,
            Some(s) => Some(AppealStatus::parse(s).map_err(|_| {
                PageError::new(ErrorCode::BadRequest).detail_msg("detail-form-fields")
            })?),
        };
    let orgs = state.store().organizations().await?;
    let mut appeals = Vec::new();
    match scope(&user) {
        None => appeals = state.store().appeals(None, status, 500).await?,
        Some(mine) if mine.is_empty() => return Err(PageError::new(ErrorCode::Forbidden)),
        Some(mine) => {
            for org in mine {
                appeals.extend(state.store().appeals(Some(org), status, 500).await?);
            }
            appeals.sort_by_key(|a| std::cmp::Reverse((a.created_at, a.id)));
        }
    }
    let m = state.messages();
    let rows: Vec<Row> = appeals
        .iter()
        .map(|a| Row {
            id: a.id,
            number: a.number.to_string(),
            agency: orgs
                .iter()
                .find(|o| o.id == a.org)
                .map(|o| view::agency_view(o, lang, state.languages()).name.text)
                .unwrap_or_default(),
            sent: view::display_date(a.created_at),
            status: m.get(lang, &format!("appeal-state-{}", a.status), &[]),
            new: a.status == AppealStatus::New,
            excerpt: a.question.chars().take(120).collect(),
        })
        .collect();
    let page = chrome.render(
        &state,
        "admin_appeals.html",
        context! {
            rows => view::value(&rows),
            filter => status.map(|s| s.to_string()),
        },
    )?;
    Ok(no_store(page))
}

async fn load(state: &AppState, user: &SignedInUser, id: &str) -> Result<Appeal, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(ErrorCode::NotFound))?;
    let appeal = state
        .store()
        .appeal(id)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    if !may_handle(user, &appeal) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    Ok(appeal)
}

async fn render_one(
    state: &AppState,
    chrome: &Chrome,
    appeal: &Appeal,
    error: Option<String>,
    draft: &str,
) -> Result<Response, PageError> {
    let lang = chrome.lang;
    let m = state.messages();
    let org = state.store().organization(appeal.org).await?;
    let answered_by = match appeal.answered_by {
        Some(id) => state.store().user(id).await?.map(|u| u.display_name),
        None => None,
    };
    let page = chrome.render(
        state,
        "admin_appeal.html",
        context! {
            id => appeal.id,
            number => appeal.number.to_string(),
            agency => org.map(|o| view::agency_view(&o, lang, state.languages()).name.text),
            status => m.get(lang, &format!("appeal-state-{}", appeal.status), &[]),
            new => appeal.status == AppealStatus::New,
            sent => egov_core::clock::Millis::rfc3339(appeal.created_at),
            name => &appeal.name,
            contact => &appeal.contact,
            question => &appeal.question,
            question_lang => appeal.lang.to_string(),
            answer => &appeal.answer,
            answered_by => answered_by,
            answered_at => appeal.answered_at.map(egov_core::clock::Millis::rfc3339),
            error => error,
            draft => draft,
            form_csrf => chrome.csrf(),
        },
    )?;
    Ok(no_store(page))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let appeal = load(&state, &user, &id).await?;
    render_one(&state, &chrome, &appeal, None, "").await
}

#[derive(Deserialize)]
pub(crate) struct AnswerForm {
    #[serde(default)]
    answer: String,
}

pub(crate) async fn answer(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(form): VerifiedForm<AnswerForm>,
) -> Result<Response, PageError> {
    let appeal = load(&state, &user, &id).await?;
    let m = state.messages();
    let text = form.answer.trim();
    let limit = egov_store::appeals::MAX_APPEAL_TEXT;
    if text.is_empty() || text.chars().count() > limit {
        let err = m.get(chrome.lang, "appeal-error-answer", &[]);
        let mut resp = render_one(&state, &chrome, &appeal, Some(err), text).await?;
        *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(resp);
    }
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state
        .store()
        .answer_appeal(appeal.id, text, user.user.id, &actor)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/appeals/{}", appeal.id)).into_response()),
        Err(StoreError::Conflict(_)) => {
            let err = m.get(chrome.lang, "appeal-error-answered", &[]);
            let fresh = load(&state, &user, &id).await?;
            let mut resp = render_one(&state, &chrome, &fresh, Some(err), "").await?;
            *resp.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
