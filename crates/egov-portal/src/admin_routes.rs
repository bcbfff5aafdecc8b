//! Every route under `/admin`, each declared with the guard it must enforce. The router is built from
//! this one list, and [`admin_routes`] hands the same list to tests, which walk every route as an
//! anonymous visitor, as a user of another agency and as the wrong role: a route added here is covered
//! without anyone remembering to add it to a test.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};

use crate::{AppState, admin, appeals, bridge_admin, cms};

/// Who may use a route. Object routes name an agency through their path (an item, an application, a
/// credential…) or through an `org` form or query field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Any signed-in account; the page shows only what the account's roles reach.
    Account,
    /// Platform administrators only.
    Platform,
    /// Anyone holding a role in the agency.
    Member,
    /// Editors and administrators of the agency.
    Edit,
    /// Reviewers and administrators of the agency.
    Review,
    /// The agency's administrators.
    Manage,
}

/// One route: method, path pattern (axum's syntax) and guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub guard: Guard,
}

struct Admin {
    router: Router<AppState>,
    table: Vec<AdminRoute>,
}

impl Admin {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        guard: Guard,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.table.push(AdminRoute {
            method,
            path,
            guard,
        });
        self
    }
}

fn build() -> Admin {
    use Guard::*;
    let content_form = || DefaultBodyLimit::max(cms::edit::CONTENT_FORM_BYTES);
    let a = Admin {
        router: Router::new(),
        table: Vec::new(),
    };
    a.add("GET", "/admin", Account, get(admin::dashboard))
        .add(
            "GET",
            "/admin/password",
            Account,
            get(crate::password_page::page),
        )
        .add(
            "POST",
            "/admin/password",
            Account,
            post(crate::password_page::change),
        )
        .add("GET", "/admin/audit", Platform, get(admin::audit_log))
        .add(
            "GET",
            "/admin/freshness",
            Platform,
            get(cms::freshness::board),
        )
        // Content: lists, writing, workflow, history, translations.
        .add("GET", "/admin/content", Member, get(cms::list::list))
        .add(
            "GET",
            "/admin/content/new",
            Account,
            get(cms::edit::new_page),
        )
        .add(
            "POST",
            "/admin/content/new",
            Edit,
            post(cms::edit::create).layer(content_form()),
        )
        .add(
            "POST",
            "/admin/content/preview",
            Account,
            post(cms::edit::preview).layer(content_form()),
        )
        .add(
            "GET",
            "/admin/content/{item}",
            Member,
            get(cms::edit::edit_page),
        )
        .add(
            "POST",
            "/admin/content/{item}",
            Edit,
            post(cms::edit::save).layer(content_form()),
        )
        .add(
            "POST",
            "/admin/content/{item}/submit",
            Edit,
            post(cms::review::submit),
        )
        .add(
            "POST",
            "/admin/content/{item}/step/{step}",
            Review,
            post(cms::review::step),
        )
        .add(
            "GET",
            "/admin/content/{item}/history",
            Member,
            get(cms::review::history),
        )
        .add(
            "GET",
            "/admin/content/{item}/diff",
            Member,
            get(cms::review::diff),
        )
        .add(
            "POST",
            "/admin/content/{item}/restore",
            Edit,
            post(cms::review::restore),
        )
        .add(
            "GET",
            "/admin/content/{item}/translate",
            Member,
            get(cms::translate::page),
        )
        .add(
            "POST",
            "/admin/content/{item}/translate",
            Edit,
            post(cms::translate::save).layer(content_form()),
        )
        // Media and people.
        .add("GET", "/admin/media", Member, get(cms::media::library))
        .add(
            "POST",
            "/admin/media",
            Edit,
            post(cms::media::upload).layer(DefaultBodyLimit::max(cms::media::UPLOAD_BYTES)),
        )
        .add("GET", "/admin/users", Manage, get(cms::people::list))
        .add("POST", "/admin/users", Manage, post(cms::people::add))
        .add(
            "POST",
            "/admin/users/{user}/remove",
            Manage,
            post(cms::people::remove),
        )
        // Citizens' appeals.
        .add("GET", "/admin/appeals", Account, get(appeals::list))
        .add("GET", "/admin/appeals/{id}", Member, get(appeals::show))
        .add("POST", "/admin/appeals/{id}", Member, post(appeals::answer))
        // The bridge.
        .add(
            "GET",
            "/admin/bridge/applications",
            Account,
            get(bridge_admin::applications),
        )
        .add(
            "GET",
            "/admin/bridge/applications/{id}",
            Manage,
            get(bridge_admin::application),
        )
        .add(
            "POST",
            "/admin/bridge/applications/{id}/comment",
            Manage,
            post(bridge_admin::comment),
        )
        .add(
            "POST",
            "/admin/bridge/applications/{id}/decide",
            Manage,
            post(bridge_admin::decide),
        )
        .add(
            "GET",
            "/admin/bridge/apply/{passport}",
            Account,
            get(bridge_admin::apply_page),
        )
        .add(
            "POST",
            "/admin/bridge/apply/{passport}",
            Manage,
            post(bridge_admin::apply_submit),
        )
        .add(
            "GET",
            "/admin/bridge/grants",
            Account,
            get(bridge_admin::grants),
        )
        .add(
            "GET",
            "/admin/bridge/credentials",
            Account,
            get(bridge_admin::credentials),
        )
        .add(
            "POST",
            "/admin/bridge/credentials",
            Manage,
            post(bridge_admin::issue_credential),
        )
        .add(
            "GET",
            "/admin/bridge/systems",
            Account,
            get(bridge_admin::systems),
        )
        .add(
            "POST",
            "/admin/bridge/systems",
            Manage,
            post(bridge_admin::add_system),
        )
        // A service arrives with its OpenAPI document (up to 1 MiB, more once form-encoded).
        .add(
            "POST",
            "/admin/bridge/services",
            Manage,
            post(bridge_admin::add_service).layer(DefaultBodyLimit::max(crate::OPENAPI_FORM_BYTES)),
        )
        .add(
            "GET",
            "/admin/bridge/monitoring",
            Account,
            get(bridge_admin::monitoring),
        )
        .add(
            "POST",
            "/admin/bridge/services/{passport}/{status}",
            Manage,
            post(bridge_admin::set_service_status),
        )
        .add(
            "POST",
            "/admin/bridge/certificates",
            Manage,
            post(bridge_admin::issue_certificate),
        )
        .add(
            "GET",
            "/admin/bridge/credentials/{id}/certificate",
            Manage,
            get(bridge_admin::download_certificate),
        )
        .add(
            "POST",
            "/admin/bridge/credentials/{id}/revoke",
            Manage,
            post(bridge_admin::revoke_credential),
        )
        .add(
            "POST",
            "/admin/bridge/grants/{id}/revoke",
            Manage,
            post(bridge_admin::revoke),
        )
}

/// The `/admin` routes, ready to merge into the portal's router.
pub(crate) fn router() -> Router<AppState> {
    build().router
}

/// Every `/admin` route with its guard: the list the router is built from.
pub fn admin_routes() -> Vec<AdminRoute> {
    build().table
}
