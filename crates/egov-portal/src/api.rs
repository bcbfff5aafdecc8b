//! The read-only JSON content API (`/api/v1/…`) and its OpenAPI document, generated from these very types
//! and handlers so the description cannot drift from the code.
//!
//! Every text comes in every language the item has, as an object `{"tg": …, "ru": …, "en": …}`; HTML bodies
//! are the sanitized HTML the pages show. Errors are `{"error": {"code", "message"}}` with the portal's
//! error codes.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_core::{ContentKind, Localized, Slug};
use egov_store::{ContentItem, ContentQuery, Organization};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::documents::DOCUMENT_TYPES;
use crate::errors::ErrorCode;
use crate::news::NEWS_TYPES;
use crate::view::section_of;

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
    fn bad(message: impl Into<String>) -> Self {
        ApiError {
            code: ErrorCode::BadRequest,
            message: message.into(),
        }
    }
    fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            code: ErrorCode::NotFound,
            message: message.into(),
        }
    }
}

impl From<egov_store::StoreError> for ApiError {
    fn from(e: egov_store::StoreError) -> Self {
        tracing::error!(error = %e, "content API: store error");
        ApiError {
            code: ErrorCode::Unavailable,
            message: "the content store is unavailable; retry shortly".into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `bad-request`, `not-found`, `unavailable`…
    pub code: String,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.name().to_owned(),
                message: self.message,
            },
        };
        (
            self.code.status(),
            [(header::CACHE_CONTROL, "no-store")],
            Json(body),
        )
            .into_response()
    }
}

/// Texts by language code.
type Texts = BTreeMap<String, String>;

fn texts(l: &Localized) -> Texts {
    l.langs()
        .filter_map(|lang| l.get(lang).map(|t| (lang.to_string(), t.to_owned())))
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct Agency {
    /// The portal slug, used in URLs and as the `agency` filter.
    pub slug: String,
    /// `ministry`, `agency`, `committee`, `local`.
    pub kind: String,
    /// X-Road member class and code.
    pub member_class: String,
    pub legal_id: String,
    pub name: Texts,
    pub short_name: Texts,
    pub description: Texts,
    /// The site's home page in the deployment's default language.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct Attachment {
    pub name: String,
    pub url: String,
    pub size: i64,
    pub media_type: String,
    /// The language of the file, when it is in one language only.
    pub lang: Option<String>,
    pub sha256: String,
}

#[derive(Serialize, ToSchema)]
pub struct Item {
    pub agency: String,
    /// `news`, `document` or `page`.
    pub kind: String,
    /// For news: `news`, `press-release`, `appointment`; for documents: `law`, `decree`, `resolution`, `order`.
    #[serde(rename = "type")]
    pub subtype: String,
    pub slug: String,
    /// `YYYY-MM-DD`: publication date of news, adoption date of documents.
    pub date: Option<String>,
    pub title: Texts,
    pub summary: Texts,
    /// Sanitized HTML, per language.
    pub body: Texts,
    /// Kind-specific fields (a document's number and signatory…).
    #[schema(value_type = Object)]
    pub meta: serde_json::Value,
    pub url: String,
    pub updated_at: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Serialize, ToSchema)]
pub struct AgencyList {
    pub items: Vec<Agency>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ItemPage {
    pub items: Vec<Item>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

/// Filters and paging for content lists. Dates are `YYYY-MM-DD`, both ends inclusive.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this agency's items (its slug).
    pub agency: Option<String>,
    /// Only items of this type (see `Item.type`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub subtype: Option<String>,
    /// Items dated on or after this day.
    pub from: Option<String>,
    /// Items dated on or before this day.
    pub to: Option<String>,
    /// Page number, from 1.
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<String>,
}

fn agency_json(o: &Organization, state: &AppState) -> Agency {
    let lang = state.languages().default_lang();
    Agency {
        slug: o.slug.to_string(),
        kind: o.kind.clone(),
        member_class: o.member_class.to_string(),
        legal_id: o.legal_id.to_string(),
        name: texts(&o.name),
        short_name: texts(&o.short_name),
        description: texts(&o.description),
        url: format!(
            "{}/{lang}/{}/",
            state.config().public_url.trim_end_matches('/'),
            o.slug
        ),
    }
}

async fn item_json(state: &AppState, i: &ContentItem, agency: &str) -> Result<Item, ApiError> {
    let base = state.config().public_url.trim_end_matches('/').to_owned();
    let lang = state.languages().default_lang();
    let url = format!("{base}/{lang}/{agency}/{}/{}", section_of(i.kind), i.slug);
    let attachments = if i.kind == ContentKind::Document {
        state
            .store()
            .attachments(i.id)
            .await?
            .into_iter()
            .map(|a| Attachment {
                url: format!("{url}/files/{}", a.filename),
                name: a.filename.to_string(),
                size: a.size,
                media_type: a.media_type,
                lang: a.lang.map(|l| l.to_string()),
                sha256: a.sha256,
            })
            .collect()
    } else {
        vec![]
    };
    Ok(Item {
        agency: agency.to_owned(),
        kind: i.kind.to_string(),
        subtype: i.subtype.clone(),
        slug: i.slug.to_string(),
        date: i.date.map(Millis::ymd),
        title: texts(&i.title),
        summary: texts(&i.summary),
        body: texts(&i.body),
        meta: i.meta.clone(),
        url,
        updated_at: i.updated_at.rfc3339(),
        attachments,
    })
}

#[utoipa::path(get, path = "/api/v1/agencies", tag = "agencies",
    responses((status = 200, description = "Every state body with a site", body = AgencyList)))]
pub(crate) async fn agencies(State(state): State<AppState>) -> Result<Json<AgencyList>, ApiError> {
    let items: Vec<Agency> = state
        .store()
        .organizations()
        .await?
        .iter()
        .filter(|o| o.member_class.as_str() == "GOV")
        .map(|o| agency_json(o, &state))
        .collect();
    Ok(Json(AgencyList {
        total: items.len() as i64,
        items,
    }))
}

#[utoipa::path(get, path = "/api/v1/agencies/{slug}", tag = "agencies",
    params(("slug" = String, Path, description = "The agency's slug")),
    responses((status = 200, body = Agency), (status = 404, body = ErrorBody)))]
pub(crate) async fn agency(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Agency>, ApiError> {
    let org = find_agency(&state, &slug).await?;
    Ok(Json(agency_json(&org, &state)))
}

async fn find_agency(state: &AppState, raw: &str) -> Result<Organization, ApiError> {
    let slug = Slug::parse(raw).map_err(|e| ApiError::bad(format!("agency: {e}")))?;
    state
        .store()
        .organization_by_slug(&slug)
        .await?
        .filter(|o| o.member_class.as_str() == "GOV")
        .ok_or_else(|| ApiError::not_found(format!("no agency {slug}")))
}

fn parse_day(raw: Option<&str>, name: &str) -> Result<Option<Millis>, ApiError> {
    match raw {
        None | Some("") => Ok(None),
        Some(s) => Millis::parse_ymd(s)
            .map(Some)
            .ok_or_else(|| ApiError::bad(format!("{name}: {s:?} is not a date like 2024-08-22"))),
    }
}

fn parse_bounded(raw: Option<&str>, name: &str, default: u32, max: u32) -> Result<u32, ApiError> {
    match raw {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::bad(format!("{name} must be a whole number from 1 to {max}"))),
    }
}

async fn list(
    state: &AppState,
    kind: ContentKind,
    types: &[&str],
    p: &ListParams,
) -> Result<ItemPage, ApiError> {
    let page = parse_bounded(p.page.as_deref(), "page", 1, 10_000)?;
    let per_page = parse_bounded(p.per_page.as_deref(), "per_page", 20, 100)?;
    let from = parse_day(p.from.as_deref(), "from")?;
    let to = parse_day(p.to.as_deref(), "to")?.map(|d| d.plus_secs(86_400));
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(ApiError::bad("from must not be after to"));
    }
    let subtype = match p.subtype.as_deref() {
        None | Some("") => None,
        Some(t) if types.contains(&t) => Some(t.to_owned()),
        Some(t) => {
            return Err(ApiError::bad(format!(
                "type {t:?} is not one of {}",
                types.join(", ")
            )));
        }
    };
    let org = match p.agency.as_deref() {
        None | Some("") => None,
        Some(a) => Some(find_agency(state, a).await?),
    };
    let mut q = ContentQuery::published(kind);
    q.org = org.as_ref().map(|o| o.id);
    q.subtype = subtype;
    q.from = from;
    q.to = to;
    q.limit = per_page;
    q.offset = (page - 1) * per_page;
    let (items, total) = state.store().list_content(&q).await?;
    let slugs: BTreeMap<_, _> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, o.slug.to_string()))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for i in &items {
        if let Some(agency) = slugs.get(&i.org) {
            out.push(item_json(state, i, agency).await?);
        }
    }
    Ok(ItemPage {
        items: out,
        page,
        per_page,
        total,
    })
}

#[utoipa::path(get, path = "/api/v1/news", tag = "content", params(ListParams),
    responses((status = 200, description = "News, newest first", body = ItemPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn news(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<ItemPage>, ApiError> {
    Ok(Json(list(&state, ContentKind::News, NEWS_TYPES, &p).await?))
}

#[utoipa::path(get, path = "/api/v1/documents", tag = "content", params(ListParams),
    responses((status = 200, description = "Legal acts and documents, newest first, with their files", body = ItemPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn documents(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<ItemPage>, ApiError> {
    Ok(Json(
        list(&state, ContentKind::Document, DOCUMENT_TYPES, &p).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/pages", tag = "content", params(ListParams),
    responses((status = 200, description = "Free pages of the agencies", body = ItemPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn pages(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<ItemPage>, ApiError> {
    Ok(Json(list(&state, ContentKind::Page, &[], &p).await?))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Open eGov Platform content API", version = "1",
         description = "Read-only access to the published content of every state body's site: agencies, news, legal documents and pages, in every language."),
    paths(agencies, agency, news, documents, pages, crate::search::api, crate::assistant::api_ask,
        crate::showcase::api_list, crate::showcase::api_one,
        crate::bridge_admin::api::start_session, crate::bridge_admin::api::end_session,
        crate::bridge_admin::api::systems, crate::bridge_admin::api::add_system, crate::bridge_admin::api::add_service,
        crate::bridge_admin::api_access::applications, crate::bridge_admin::api_access::application,
        crate::bridge_admin::api_access::apply, crate::bridge_admin::api_access::decide,
        crate::bridge_admin::api_access::comment, crate::bridge_admin::api_access::grants,
        crate::bridge_admin::api_access::revoke_grant, crate::bridge_admin::api_credentials::credentials,
        crate::bridge_admin::api_credentials::issue, crate::bridge_admin::api_credentials::revoke_credential),
    components(schemas(Agency, AgencyList, Item, ItemPage, Attachment, ErrorBody, ErrorDetail, crate::search::SearchAnswer,
        crate::assistant::AskBody, crate::assistant::AnswerBody, crate::assistant::SentenceBody,
        crate::assistant::SourceBody, crate::assistant::ServiceBody,
        crate::showcase::ServiceItem, crate::showcase::ServiceList,
        crate::bridge_admin::api::SessionRequest, crate::bridge_admin::api::SessionBody,
        crate::bridge_admin::api::SystemBody, crate::bridge_admin::api::SystemList, crate::bridge_admin::api::ServiceSummary,
        crate::bridge_admin::api::NewSystemBody, crate::bridge_admin::api::NewServiceBody,
        crate::bridge_admin::api_access::ApplicationBody, crate::bridge_admin::api_access::ApplicationList,
        crate::bridge_admin::api_access::CommentBody, crate::bridge_admin::api_access::ApplyBody,
        crate::bridge_admin::api_access::DecisionBody, crate::bridge_admin::api_access::NewCommentBody,
        crate::bridge_admin::api_access::GrantBody, crate::bridge_admin::api_access::GrantList,
        crate::bridge_admin::api_credentials::CredentialBody, crate::bridge_admin::api_credentials::CredentialList,
        crate::bridge_admin::api_credentials::IssueBody)),
    modifiers(&SessionAuth),
    tags((name = "agencies", description = "State bodies with a site"), (name = "content", description = "Published content"),
        (name = "registry", description = "Services of state information systems on the bridge"),
        (name = "bridge", description = "For member organizations' administrators: systems, services, access applications, grants and credentials. Authenticate with POST /api/v1/session, then send Authorization: Bearer <token>."),
        (name = "assistant", description = "Answers to citizens' questions from published content, with sources"))
)]
pub struct ApiDoc;

/// The bridge API's authentication: a session token as a bearer token.
struct SessionAuth;

impl utoipa::Modify for SessionAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub(crate) async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => ApiError {
            code: ErrorCode::Internal,
            message: format!("openapi: {e}"),
        }
        .into_response(),
    }
}

/// Unknown paths under `/api/` answer in JSON, not with an HTML page.
pub(crate) async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API endpoint; see /api/v1/openapi.json")
}
