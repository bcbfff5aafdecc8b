//! Templates and the frame every page shares (language, switcher, account, accessibility mode).
//!
//! Templates are embedded in the binary and autoescaped; they get words from the Fluent catalogs through
//! `t("message-id", name=value)` and never hold text of their own.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Html;
use egov_core::{Lang, Languages};
use minijinja::value::Kwargs;
use minijinja::{Environment, State, Value, context};
use serde::Serialize;

use crate::AppState;
use crate::accounts::SignedInUser;
use crate::errors::PageError;
use crate::i18n::Messages;
use crate::security::{CsrfToken, cookie};

pub(crate) const LANG_COOKIE: &str = "egov_lang";
pub(crate) const VI_COOKIE: &str = "egov_vi";

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("admin.html", include_str!("../templates/admin.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    (
        "assistant.html",
        include_str!("../templates/assistant.html"),
    ),
    ("showcase.html", include_str!("../templates/showcase.html")),
    ("passport.html", include_str!("../templates/passport.html")),
    (
        "bridge_applications.html",
        include_str!("../templates/bridge_applications.html"),
    ),
    (
        "bridge_apply.html",
        include_str!("../templates/bridge_apply.html"),
    ),
    (
        "bridge_application.html",
        include_str!("../templates/bridge_application.html"),
    ),
    (
        "bridge_grants.html",
        include_str!("../templates/bridge_grants.html"),
    ),
    (
        "bridge_monitoring.html",
        include_str!("../templates/bridge_monitoring.html"),
    ),
    (
        "bridge_systems.html",
        include_str!("../templates/bridge_systems.html"),
    ),
    (
        "bridge_credentials.html",
        include_str!("../templates/bridge_credentials.html"),
    ),
    (
        "appeal_status.html",
        include_str!("../templates/appeal_status.html"),
    ),
    (
        "admin_appeals.html",
        include_str!("../templates/admin_appeals.html"),
    ),
    (
        "admin_appeal.html",
        include_str!("../templates/admin_appeal.html"),
    ),
    (
        "_news_card.html",
        include_str!("../templates/_news_card.html"),
    ),
    ("_pager.html", include_str!("../templates/_pager.html")),
    (
        "agency_base.html",
        include_str!("../templates/agency_base.html"),
    ),
    (
        "agency_home.html",
        include_str!("../templates/agency_home.html"),
    ),
    ("section.html", include_str!("../templates/section.html")),
    ("item.html", include_str!("../templates/item.html")),
    (
        "news_list.html",
        include_str!("../templates/news_list.html"),
    ),
    (
        "documents_list.html",
        include_str!("../templates/documents_list.html"),
    ),
    ("document.html", include_str!("../templates/document.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("cms_list.html", include_str!("../templates/cms_list.html")),
    (
        "_cms_fields.html",
        include_str!("../templates/_cms_fields.html"),
    ),
    ("cms_new.html", include_str!("../templates/cms_new.html")),
    ("cms_edit.html", include_str!("../templates/cms_edit.html")),
    (
        "cms_history.html",
        include_str!("../templates/cms_history.html"),
    ),
    ("cms_diff.html", include_str!("../templates/cms_diff.html")),
    (
        "cms_translate.html",
        include_str!("../templates/cms_translate.html"),
    ),
    (
        "cms_media.html",
        include_str!("../templates/cms_media.html"),
    ),
    (
        "cms_users.html",
        include_str!("../templates/cms_users.html"),
    ),
    (
        "cms_freshness.html",
        include_str!("../templates/cms_freshness.html"),
    ),
    ("password.html", include_str!("../templates/password.html")),
];

pub(crate) fn environment(
    messages: Arc<Messages>,
) -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // The default HTML escaping also rewrites `/` as `&#x2f;`; URLs read better (and compare in tests)
    // without that, and `/` is harmless in text and quoted attributes.
    env.set_formatter(|out, state, value| {
        if *state.auto_escape() == minijinja::AutoEscape::Html
            && value.kind() == minijinja::value::ValueKind::String
            && !value.is_safe()
        {
            let s = value.as_str().unwrap_or_default();
            let mut escaped = String::with_capacity(s.len() + 8);
            for c in s.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped)
                .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write"))
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.add_global("asset_v", crate::css_version());
    // A language code as the language's own name ("ru" → "Русский").
    env.add_filter("endonym", |code: String| {
        Lang::parse(&code).map_or(code, |l| l.endonym().to_owned())
    });
    for (name, src) in TEMPLATES {
        env.add_template(name, src)?;
    }
    env.add_function(
        "t",
        move |state: &State, id: &str, kwargs: Kwargs| -> Result<String, minijinja::Error> {
            let lang = state
                .lookup("lang")
                .and_then(|v| v.as_str().and_then(|s| Lang::parse(s).ok()))
                .unwrap_or(Lang::EN);
            let mut args = Vec::new();
            for key in kwargs.args() {
                let v: Value = kwargs.get(key)?;
                args.push((key, v.to_string()));
            }
            Ok(messages.get(lang, id, &args))
        },
    );
    Ok(env)
}

/// One entry of the language switcher, also used for `hreflang` alternates.
#[derive(Debug, Clone, Serialize)]
pub struct LangLink {
    pub code: String,
    pub name: &'static str,
    pub url: String,
    pub current: bool,
}

/// The page frame of one request: who reads, in which language, in which mode.
pub struct Chrome {
    pub lang: Lang,
    pub path: String,
    pub user: Option<SignedInUser>,
    pub visually_impaired: bool,
    csrf: CsrfToken,
    languages: Languages,
}

impl FromRequestParts<AppState> for Chrome {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let languages = state.languages().clone();
        let path = parts.uri.path().to_owned();
        let lang = request_lang(&path, parts.uri.query(), &parts.headers, &languages);
        let user = SignedInUser::from_request_parts(parts, state).await.ok();
        let csrf = CsrfToken::from_request_parts(parts, state).await?;
        Ok(Chrome {
            lang,
            visually_impaired: cookie(&parts.headers, VI_COOKIE) == Some("1"),
            path,
            user,
            csrf,
            languages,
        })
    }
}

impl Chrome {
    /// The anti-forgery token for a form on this page.
    pub fn csrf(&self) -> &str {
        self.csrf.value()
    }

    /// Links to this page in every language of the deployment.
    pub fn lang_links(&self) -> Vec<LangLink> {
        let langs = &self.languages;
        let mut segs = self.path.trim_start_matches('/').splitn(2, '/');
        let first = segs.next().unwrap_or("");
        let rest = segs.next();
        let in_path = langs.parse_supported(first).is_some();
        langs
            .all()
            .iter()
            .map(|l| LangLink {
                code: l.to_string(),
                name: l.endonym(),
                url: if in_path {
                    match rest {
                        Some(r) => format!("/{l}/{r}"),
                        None => format!("/{l}/"),
                    }
                } else {
                    format!("{}?lang={l}", self.path)
                },
                current: *l == self.lang,
            })
            .collect()
    }

    pub fn render(
        &self,
        state: &AppState,
        template: &str,
        ctx: Value,
    ) -> Result<Html<String>, PageError> {
        let frame = context! {
            lang => self.lang.as_str(),
            langs => Value::from(minijinja::value::Serde(self.lang_links())),
            path => &self.path,
            user => self.user.as_ref().map(|u| context! { name => &u.user.display_name, email => u.user.email.as_str() }),
            csrf => self.user.as_ref().map(|_| self.csrf()),
            vi => self.visually_impaired,
            site_name => state.site_name(self.lang),
        };
        state
            .templates()
            .get_template(template)
            .and_then(|t| t.render(context! { ..ctx, ..frame }))
            .map(Html)
            .map_err(|e| PageError::internal(format!("template {template}: {e:#}")))
    }
}

impl AppState {
    /// Renders a template with only the language and the site name (error pages); never fails.
    pub(crate) fn render_bare(&self, template: &str, lang: Lang, ctx: Value) -> Html<String> {
        let frame = context! { lang => lang.as_str(), site_name => self.site_name(lang) };
        let out = self
            .templates()
            .get_template(template)
            .and_then(|t| t.render(context! { ..ctx, ..frame }));
        match out {
            Ok(s) => Html(s),
            Err(e) => {
                tracing::error!(template, error = %e, "error page failed to render");
                Html("<!doctype html><title>Error</title><h1>Error</h1>".to_owned())
            }
        }
    }
}

/// The reader's language: the URL's first segment, then `?lang=`, then their cookie, then their browser's
/// `Accept-Language`, then the deployment's default.
pub(crate) fn request_lang(
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    langs: &Languages,
) -> Lang {
    let from_path = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .and_then(|s| langs.parse_supported(s));
    let from_query = query.and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| langs.parse_supported(v))
    });
    let from_cookie = cookie(headers, LANG_COOKIE).and_then(|v| langs.parse_supported(v));
    let from_accept = || {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .filter_map(|part| part.split(';').next())
                    .filter_map(|tag| tag.trim().get(..2))
                    .find_map(|code| langs.parse_supported(&code.to_ascii_lowercase()))
            })
    };
    from_path
        .or(from_query)
        .or(from_cookie)
        .or_else(from_accept)
        .unwrap_or_else(|| langs.default_lang())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn language_negotiation_order() {
        let langs = Languages::new(vec![Lang::TG, Lang::RU, Lang::EN]).unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(request_lang("/", None, &h, &langs), Lang::TG);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE, en-US;q=0.8, ru;q=0.5"),
        );
        assert_eq!(request_lang("/login", None, &h, &langs), Lang::EN);
        h.insert(header::COOKIE, HeaderValue::from_static("egov_lang=ru"));
        assert_eq!(request_lang("/login", None, &h, &langs), Lang::RU);
        assert_eq!(
            request_lang("/login", Some("lang=tg"), &h, &langs),
            Lang::TG
        );
        assert_eq!(
            request_lang("/en/mfa/", Some("lang=tg"), &h, &langs),
            Lang::EN
        );
        assert_eq!(
            request_lang("/kk/", None, &HeaderMap::new(), &langs),
            Lang::TG
        );
    }
}
