//! The CMS in `/admin/content`, `/admin/media` and `/admin/users`: editors write an agency's items in
//! Markdown (HTML allowed, sanitized like everything stored) with a live preview rendered by the server,
//! reviewers approve them (now or at a set time) or send them back, every save is a revision with a
//! readable diff and restore, translations are edited side by side, and each agency keeps a media library.
//! The store keeps the workflow's rules; this module decides who may act for which agency.

pub(crate) mod details;
pub(crate) mod edit;
pub(crate) mod freshness;
pub(crate) mod list;
pub(crate) mod media;
pub(crate) mod people;
pub(crate) mod review;
pub(crate) mod translate;

use std::collections::HashMap;

use egov_core::{Lang, Localized, OrgId, Role};
use egov_store::{Actor, EditorialItem, StoreError};
use pulldown_cmark::{Options, Parser};

use crate::AppState;
use crate::accounts::SignedInUser;
use crate::errors::{ErrorCode, PageError};
use crate::sanitize::clean_html;

/// What a user wants to do with an agency's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Duty {
    /// Write and save drafts, send them to review, upload media.
    Edit,
    /// Approve, send back, schedule, unpublish, archive.
    Review,
    /// Manage the agency's users.
    Manage,
    /// See the agency's work (history, lists, library).
    See,
}

impl Duty {
    fn roles(self) -> &'static [Role] {
        match self {
            Duty::Edit => &[Role::Editor, Role::AgencyAdmin],
            Duty::Review => &[Role::Reviewer, Role::AgencyAdmin],
            Duty::Manage => &[Role::AgencyAdmin],
            Duty::See => &[Role::Editor, Role::Reviewer, Role::AgencyAdmin],
        }
    }
}

/// Whether `user` may do `duty` in `org` (platform administrators may do everything everywhere).
pub(crate) fn may(user: &SignedInUser, duty: Duty, org: OrgId) -> bool {
    duty.roles().iter().any(|r| user.has_role_in(*r, org))
}

/// The organizations where `user` may do `duty`; `None` means every one (a platform administrator).
pub(crate) fn orgs_for(user: &SignedInUser, duty: Duty) -> Option<Vec<OrgId>> {
    if user.is_platform_admin() {
        return None;
    }
    let mut v: Vec<OrgId> = user
        .roles
        .iter()
        .filter(|r| duty.roles().contains(&r.role))
        .filter_map(|r| r.org)
        .collect();
    v.sort_unstable_by_key(|o| o.0);
    v.dedup();
    Some(v)
}

/// Item `id` if `user` may do `duty` with it: an item of an agency where the user holds no role does not
/// exist for them (404); a role that does not allow the duty is refused (403).
pub(crate) async fn item_for(
    state: &AppState,
    user: &SignedInUser,
    id: i64,
    duty: Duty,
) -> Result<EditorialItem, PageError> {
    let item = state
        .store()
        .editorial_item(id)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    if !may(user, Duty::See, item.item.org) {
        return Err(PageError::new(ErrorCode::NotFound));
    }
    if !may(user, duty, item.item.org) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    Ok(item)
}

/// The signed-in user as the author of a revision.
pub(crate) fn author(user: &SignedInUser) -> egov_store::Author<'_> {
    egov_store::Author {
        id: user.user.id,
        name: &user.user.display_name,
    }
}

/// The audit actor for a request.
pub(crate) fn actor(user: &SignedInUser, addr: Option<std::net::IpAddr>) -> Actor {
    Actor::user(user.user.id, addr.map(|a| a.to_string()))
}

/// Markdown (tables, strikethrough; HTML passes through) → HTML → the portal's allow-list. What the
/// preview shows is exactly what is stored.
pub fn render_markdown(source: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(source, opts));
    clean_html(&html)
}

/// Any serializable value, for a template.
pub(crate) fn value<T: serde::Serialize>(v: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

/// Form fields by name (the last value wins; the anti-forgery token is among them and ignored).
pub(crate) type Fields = HashMap<String, String>;

pub(crate) fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.as_str())
}

/// A plain-text field: trimmed, control characters (but line breaks) dropped, at most `max` characters.
pub(crate) fn plain(raw: &str, max: usize) -> Result<String, String> {
    let t: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    if t.chars().count() > max {
        return Err(format!("at most {max} characters"));
    }
    Ok(t)
}

/// `{name}_{lang}` for every language of the deployment, as one localized text (empty ones left out).
pub(crate) fn localized(
    state: &AppState,
    f: &Fields,
    name: &str,
    max: usize,
) -> Result<Localized, String> {
    let mut l = Localized::new();
    for lang in state.languages().all() {
        let v = plain(field(f, &format!("{name}_{lang}")), max)
            .map_err(|e| format!("{name} ({lang}): {e}"))?;
        if !v.is_empty() {
            l.set(*lang, v);
        }
    }
    Ok(l)
}

/// The words of a store refusal, for the form that caused it.
pub(crate) fn refusal(e: StoreError) -> Result<String, PageError> {
    match e {
        StoreError::Refused(m) => Ok(m),
        StoreError::Conflict(m) => Ok(format!("{m} already exists")),
        other => Err(other.into()),
    }
}

/// Languages of the deployment as `{code, name}` pairs for templates.
pub(crate) fn lang_list(state: &AppState) -> Vec<minijinja::Value> {
    state
        .languages()
        .all()
        .iter()
        .map(|l| minijinja::context! { code => l.as_str(), name => l.endonym() })
        .collect()
}

/// An agency offered in a form or a filter.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Agency {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

impl Agency {
    pub fn org(&self) -> OrgId {
        OrgId(self.id)
    }
}

/// The agencies where `user` may do `duty` (all of them for a platform administrator), by name; `names`
/// is [`org_names`].
pub(crate) fn agencies(
    names: &HashMap<OrgId, (String, String)>,
    user: &SignedInUser,
    duty: Duty,
) -> Vec<Agency> {
    let mine = orgs_for(user, duty);
    let mut v: Vec<Agency> = names
        .iter()
        .filter(|(id, _)| mine.as_ref().is_none_or(|m| m.contains(id)))
        .map(|(id, (slug, name))| Agency {
            id: id.0,
            slug: slug.clone(),
            name: name.clone(),
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// An organization's name in `lang`.
pub(crate) async fn org_names(
    state: &AppState,
    lang: Lang,
) -> Result<HashMap<OrgId, (String, String)>, PageError> {
    Ok(state
        .store()
        .organizations()
        .await?
        .into_iter()
        .map(|o| {
            let name = o
                .name
                .resolve(lang, state.languages())
                .map(|r| r.text.to_owned())
                .unwrap_or_default();
            (o.id, (o.slug.to_string(), name))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn markdown_renders_tables_and_keeps_the_allow_list() {
        let html = render_markdown(
            "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[x](javascript:alert(1)) <script>alert(1)</script>\n\n![alt](/media/ab/c.png)",
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains(r#"<img src="/media/ab/c.png" alt="alt">"#),
            "{html}"
        );
    }
}
