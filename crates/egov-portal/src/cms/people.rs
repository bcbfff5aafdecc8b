//! `/admin/users`: an agency's administrator sees who works on its site and with which role, gives a role
//! to a colleague of the agency or to a new account (whose initial password is shown once, to be changed at
//! `/admin/password`) and takes roles away. Platform administrators do the same for every agency and may
//! add people of one agency to another; nobody hands out the platform administrator's role here.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::{Email, OrgId, Role, UserId};
use egov_store::{NewUser, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Duty, Fields, actor, agencies, field, may, org_names, plain, refusal};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::VerifiedForm;

/// Roles an agency's administrator may give within the agency.
const AGENCY_ROLES: [Role; 3] = [Role::AgencyAdmin, Role::Editor, Role::Reviewer];

#[derive(Deserialize)]
pub(crate) struct OrgQuery {
    org: Option<String>,
}

#[derive(Serialize)]
struct Person {
    id: i64,
    name: String,
    email: String,
    roles: Vec<&'static str>,
}

async fn render(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    org_slug: Option<&str>,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let names = org_names(state, chrome.lang).await?;
    let choices = agencies(&names, user, Duty::Manage);
    let org = match org_slug.filter(|s| !s.is_empty()) {
        Some(s) => match choices.iter().find(|c| c.slug == s) {
            Some(c) => c,
            None if names.values().any(|(slug, _)| slug == s) => {
                return Err(PageError::new(ErrorCode::Forbidden));
            }
            None => return Err(PageError::new(ErrorCode::NotFound)),
        },
        None => choices
            .first()
            .ok_or_else(|| PageError::new(ErrorCode::Forbidden))?,
    };
    let mut people = Vec::new();
    for u in state.store().users(Some(org.org())).await? {
        let roles = state
            .store()
            .roles(u.id)
            .await?
            .into_iter()
            .filter(|r| r.org == Some(org.org()))
            .map(|r| r.role.as_str())
            .collect();
        people.push(Person {
            id: u.id.0,
            name: u.display_name,
            email: u.email.to_string(),
            roles,
        });
    }
    let page = chrome.render(
        state,
        "cms_users.html",
        context! {
            people => super::value(&people),
            orgs => super::value(&choices),
            org_id => org.id, org_slug => &org.slug, org_name => &org.name,
            roles => AGENCY_ROLES.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            notice, error, form_csrf => chrome.csrf(),
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedInUser,
    Query(q): Query<OrgQuery>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    render(
        &state,
        &chrome,
        &user,
        q.org.as_deref(),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// The agency and role a form names, if the user may manage that agency.
async fn org_and_role(
    state: &AppState,
    user: &SignedInUser,
    f: &Fields,
) -> Result<(OrgId, String, Role), PageError> {
    let org = OrgId(field(f, "org").parse().unwrap_or(-1));
    if !may(user, Duty::Manage, org) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let slug = state
        .store()
        .organization(org)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?
        .slug
        .to_string();
    let role = field(f, "role")
        .parse::<Role>()
        .ok()
        .filter(|r| AGENCY_ROLES.contains(r))
        .ok_or_else(|| {
            PageError::new(ErrorCode::BadRequest).detail("role: agency-admin, editor or reviewer")
        })?;
    Ok((org, slug, role))
}

/// `POST /admin/users`: gives a role in the agency to an account, making the account if it is new.
pub(crate) async fn add(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    let (org, slug, role) = org_and_role(&state, &user, &f).await?;
    let fail = |why: String| {
        render(
            &state,
            &chrome,
            &user,
            Some(&slug),
            None,
            Some(why),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let email = match Email::parse(field(&f, "email")) {
        Ok(e) => e,
        Err(e) => return fail(e.to_string()).await,
    };
    let who = actor(&user, addr);
    let store = state.store();
    let notice = match store.user_by_email(&email).await? {
        // An agency's administrator changes the roles of its own people only: an account that already
        // works for another agency (or for none any more) is given a role here by a platform administrator,
        // so nobody can reach into another agency's accounts or reuse an account they once made.
        Some(existing)
            if !user.is_platform_admin()
                && !store
                    .roles(existing.id)
                    .await?
                    .iter()
                    .any(|r| r.org == Some(org)) =>
        {
            return fail(state.messages().get(chrome.lang, "cms-user-elsewhere", &[])).await;
        }
        Some(existing) => match store.grant_role(existing.id, role, Some(org), &who).await {
            Ok(()) => state.messages().get(
                chrome.lang,
                "cms-user-role-given",
                &[("email", email.to_string())],
            ),
            Err(e) => return fail(refusal(e)?).await,
        },
        None => {
            let name = match plain(field(&f, "name"), 120) {
                Ok(n) if !n.is_empty() => n,
                _ => return fail("a new account needs a name (up to 120 characters)".into()).await,
            };
            let password = crate::security::random_token()[..20].to_owned();
            let hash = egov_core::password::hash(&password).map_err(PageError::internal)?;
            let new = NewUser {
                email: email.clone(),
                display_name: name,
                password_hash: hash,
            };
            match store
                .create_user_with_role(&new, role, Some(org), &who)
                .await
            {
                Ok(_) => state.messages().get(
                    chrome.lang,
                    "cms-user-created",
                    &[("email", email.to_string()), ("password", password)],
                ),
                Err(e) => return fail(refusal(e)?).await,
            }
        }
    };
    let mut resp = render(
        &state,
        &chrome,
        &user,
        Some(&slug),
        Some(notice),
        None,
        StatusCode::OK,
    )
    .await?;
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

/// `POST /admin/users/{user}/remove`: takes one role in the agency away.
pub(crate) async fn remove(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
    VerifiedForm(f): VerifiedForm<Fields>,
) -> Result<Response, PageError> {
    let (org, slug, role) = org_and_role(&state, &user, &f).await?;
    match state
        .store()
        .revoke_role(UserId(id), role, Some(org), &actor(&user, addr))
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users?org={slug}")).into_response()),
        Err(StoreError::NotFound(_)) => Err(PageError::new(ErrorCode::NotFound)),
        Err(e) => Err(PageError::new(ErrorCode::BadRequest).detail(refusal(e)?)),
    }
}
