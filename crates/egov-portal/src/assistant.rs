//! The citizens' assistant on the portal: `/{lang}/assistant` (a form post that works without JavaScript,
//! and better with it), `POST /api/v1/assistant/ask`, and the hand-over to a person: an appeal to an agency
//! with a tracking number (`/{lang}/appeals` shows its status).
//!
//! Questions are not stored or logged; only an appeal, which the citizen creates, keeps their name, contact
//! and text.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use egov_core::assist::{Answer, MAX_QUESTION_CHARS, Outcome, Question};
use egov_core::{AppealNumber, Lang, MemberClass, Slug};
use egov_store::appeals::{MAX_APPEAL_FIELD, MAX_APPEAL_TEXT};
use egov_store::{Actor, NewAppeal, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::accounts::ClientAddr;
use crate::api::ApiError;
use crate::errors::PageError;
use crate::render::Chrome;
use crate::security::{VerifiedForm, no_store};
use crate::view::{self, Crumb};

/// An answer as pages and the API show it: texts resolved for the reader, dates formatted.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AnswerBody {
    /// `answered`, `not-found`, `refused`, `empty` or `too-long`.
    pub outcome: String,
    /// The language of the answer (the question's).
    pub lang: String,
    /// What the outcome means, in the answer's language.
    pub message: String,
    /// A public service that fits the question, shown first.
    pub service: Option<ServiceBody>,
    /// The answer, sentence by sentence; each cites a source by its number.
    pub sentences: Vec<SentenceBody>,
    pub sources: Vec<SourceBody>,
    /// The agency the question most likely concerns (slug): the default addressee of an appeal.
    pub agency: Option<String>,
    /// Where a person can be asked instead.
    pub handover_url: String,
    /// `extractive` or `generative`.
    pub composer: String,
    pub took_ms: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SentenceBody {
    pub text: String,
    pub source: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SourceBody {
    pub n: u32,
    pub key: String,
    pub title: String,
    pub agency: String,
    pub agency_name: String,
    pub kind: String,
    /// The language of the cited text; differs from the answer's when the item is not translated.
    pub lang: String,
    pub other_lang: bool,
    /// `YYYY-MM-DD`, when the item has a date.
    pub date: Option<String>,
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceBody {
    pub source: u32,
    pub title: String,
    pub agency_name: String,
    pub description: String,
    pub url: String,
    /// Where the service is used online.
    pub link: Option<String>,
}

fn answer_body(state: &AppState, a: &Answer, base: &str) -> AnswerBody {
    let m = state.messages();
    AnswerBody {
        outcome: a.outcome.as_str().to_owned(),
        lang: a.lang.to_string(),
        message: m.get(a.lang, &format!("assistant-{}", a.outcome.as_str()), &[]),
        service: a.service.as_ref().map(|s| ServiceBody {
            source: s.source,
            title: s.title.clone(),
            agency_name: s.agency_name.clone(),
            description: s.description.clone(),
            url: format!("{base}{}", s.url),
            link: s.link.clone(),
        }),
        sentences: a
            .sentences
            .iter()
            .map(|s| SentenceBody {
                text: s.text.clone(),
                source: s.source,
            })
            .collect(),
        sources: a
            .sources
            .iter()
            .map(|s| SourceBody {
                n: s.n,
                key: s.key.clone(),
                title: s.title.clone(),
                agency: s.agency.clone(),
                agency_name: s.agency_name.clone(),
                kind: s.kind.to_string(),
                lang: s.lang.to_string(),
                other_lang: s.lang != a.lang,
                date: s.date.map(|d| d.ymd()),
                url: format!("{base}{}", s.url),
            })
            .collect(),
        agency: a.agency.clone(),
        handover_url: format!("{base}/{}/assistant#handover", a.lang),
        composer: a.composer.to_owned(),
        took_ms: a.took_us as f64 / 1000.0,
    }
}

async fn ask_assistant(state: &AppState, text: &str, lang: Lang) -> Answer {
    let Some(assistant) = state.assistant() else {
        return Answer::bare(Outcome::NotFound, lang);
    };
    let q = Question {
        text: text.to_owned(),
        lang,
    };
    let answer = assistant.ask(&q).await;
    metrics::counter!("egov_assistant_questions_total", "outcome" => answer.outcome.as_str())
        .increment(1);
    metrics::histogram!("egov_assistant_answer_seconds").record(answer.took_us as f64 / 1e6);
    answer
}

#[derive(Serialize)]
struct AgencyOption {
    slug: String,
    name: String,
    selected: bool,
}

/// The state bodies an appeal can go to, in the reader's alphabet.
async fn agency_options(
    state: &AppState,
    lang: Lang,
    selected: Option<&str>,
) -> Result<Vec<AgencyOption>, PageError> {
    let gov = MemberClass::parse("GOV").ok();
    let mut out: Vec<AgencyOption> = state
        .store()
        .organizations()
        .await?
        .iter()
        .filter(|o| Some(&o.member_class) == gov.as_ref())
        .map(|o| AgencyOption {
            slug: o.slug.to_string(),
            name: view::agency_view(o, lang, state.languages()).name.text,
            selected: selected == Some(o.slug.as_str()),
        })
        .collect();
    out.sort_by_cached_key(|a| view::collation_key(lang, &a.name));
    Ok(out)
}

/// What the hand-over form shows again after a refusal.
#[derive(Serialize, Default)]
struct AppealDraft {
    name: String,
    contact: String,
    text: String,
    errors: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    state: &AppState,
    chrome: &Chrome,
    lang: Lang,
    status: StatusCode,
    question: &str,
    answer: Option<&Answer>,
    draft: AppealDraft,
    agency: Option<&str>,
    sent: Option<(AppealNumber, String)>,
) -> Result<Response, PageError> {
    let m = state.messages();
    let body = answer.map(|a| answer_body(state, a, ""));
    let crumbs = vec![
        Crumb::link(m.get(lang, "crumb-home", &[]), format!("/{lang}/")),
        Crumb::here(m.get(lang, "assistant-title", &[])),
    ];
    let suggested = agency.or(answer.and_then(|a| a.agency.as_deref()));
    let page = chrome.render(
        state,
        "assistant.html",
        context! {
            question => question,
            answer => body.as_ref().map(view::value),
            agencies => view::value(&agency_options(state, lang, suggested).await?),
            draft => view::value(&draft),
            handover_open => answer.is_some_and(|a| a.outcome != Outcome::Answered) || !draft.errors.is_empty(),
            sent => sent.map(|(n, agency)| context! { number => n.to_string(), agency => agency }),
            form_csrf => chrome.csrf(),
            max_question => MAX_QUESTION_CHARS,
            max_text => MAX_APPEAL_TEXT,
            max_field => MAX_APPEAL_FIELD,
            crumbs => view::value(&crumbs),
        },
    )?;
    // Pages with a form carry this reader's anti-forgery token: never shared from a cache.
    Ok(no_store((status, page)))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let lang = state.page_lang(&lang)?;
    render_page(
        &state,
        &chrome,
        lang,
        StatusCode::OK,
        "",
        None,
        AppealDraft::default(),
        None,
        None,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct AskForm {
    #[serde(default)]
    question: String,
}

pub(crate) async fn ask(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    chrome: Chrome,
    VerifiedForm(form): VerifiedForm<AskForm>,
) -> Result<Response, PageError> {
    let lang = state.page_lang(&lang)?;
    let answer = ask_assistant(&state, &form.question, lang).await;
    // The question is kept only in the page, to prefill the hand-over.
    let shown: String = form.question.chars().take(MAX_QUESTION_CHARS).collect();
    let draft = AppealDraft {
        text: shown.clone(),
        ..AppealDraft::default()
    };
    render_page(
        &state,
        &chrome,
        lang,
        StatusCode::OK,
        &shown,
        Some(&answer),
        draft,
        None,
        None,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct AppealForm {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    text: String,
}

/// A contact a person can answer: an e-mail address or a phone number.
fn reachable(contact: &str) -> bool {
    let c = contact.trim();
    let digits = c.chars().filter(char::is_ascii_digit).count();
    egov_core::Email::parse(c).is_ok()
        || (digits >= 7
            && c.chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, '+' | ' ' | '-' | '(' | ')')))
}

pub(crate) async fn create_appeal(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(form): VerifiedForm<AppealForm>,
) -> Result<Response, PageError> {
    let lang = state.page_lang(&lang)?;
    let m = state.messages();
    let mut errors = Vec::new();
    let org = match Slug::parse(form.agency.trim()) {
        Ok(slug) => state.store().organization_by_slug(&slug).await?,
        Err(_) => None,
    }
    .filter(|o| o.member_class.as_str() == "GOV");
    if org.is_none() {
        errors.push(m.get(lang, "appeal-error-agency", &[]));
    }
    let len = |s: &str| s.trim().chars().count();
    if len(&form.name) == 0 || len(&form.name) > MAX_APPEAL_FIELD {
        errors.push(m.get(lang, "appeal-error-name", &[]));
    }
    if !reachable(&form.contact) || len(&form.contact) > MAX_APPEAL_FIELD {
        errors.push(m.get(lang, "appeal-error-contact", &[]));
    }
    if len(&form.text) == 0 || len(&form.text) > MAX_APPEAL_TEXT {
        errors.push(m.get(lang, "appeal-error-text", &[]));
    }
    let mut throttled = false;
    if errors.is_empty()
        && let Err(wait) = state.appeal_throttle().attempt(addr)
    {
        throttled = true;
        errors.push(m.get(
            lang,
            "appeal-error-throttled",
            &[("seconds", wait.to_string())],
        ));
    }
    let draft = AppealDraft {
        name: form.name.chars().take(MAX_APPEAL_FIELD).collect(),
        contact: form.contact.chars().take(MAX_APPEAL_FIELD).collect(),
        text: form.text.chars().take(MAX_APPEAL_TEXT).collect(),
        errors,
    };
    let Some(org) = org.filter(|_| draft.errors.is_empty()) else {
        let status = if throttled {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::BAD_REQUEST
        };
        return render_page(
            &state,
            &chrome,
            lang,
            status,
            "",
            None,
            draft,
            Some(form.agency.trim()),
            None,
        )
        .await;
    };
    let actor = Actor::Public {
        ip: addr.map(|a| a.to_string()),
    };
    let mut created = None;
    // A clash of 60-bit numbers is all but impossible; draw again if it happens.
    for _ in 0..3 {
        let number = AppealNumber::from_random(rand::random::<u64>() >> 4);
        let new = NewAppeal {
            number,
            org: org.id,
            lang,
            name: draft.name.clone(),
            contact: draft.contact.clone(),
            question: draft.text.clone(),
        };
        match state.store().create_appeal(&new, &actor).await {
            Ok(a) => {
                created = Some(a);
                break;
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    let appeal = created.ok_or_else(|| PageError::internal("no free appeal number"))?;
    metrics::counter!("egov_appeals_created_total").increment(1);
    let agency = view::agency_view(&org, lang, state.languages()).name.text;
    render_page(
        &state,
        &chrome,
        lang,
        StatusCode::OK,
        "",
        None,
        AppealDraft::default(),
        None,
        Some((appeal.number, agency)),
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct StatusQuery {
    number: Option<String>,
}

pub(crate) async fn appeal_status(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(q): Query<StatusQuery>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let lang = state.page_lang(&lang)?;
    let m = state.messages();
    let typed = q.number.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let (status, found, error) = match typed.map(AppealNumber::parse) {
        None => (StatusCode::OK, None, None),
        Some(Err(_)) => (
            StatusCode::BAD_REQUEST,
            None,
            Some(m.get(lang, "appeal-status-malformed", &[])),
        ),
        Some(Ok(n)) => match state.store().appeal_by_number(&n).await? {
            Some(a) => (StatusCode::OK, Some(a), None),
            None => (
                StatusCode::NOT_FOUND,
                None,
                Some(m.get(lang, "appeal-status-unknown", &[])),
            ),
        },
    };
    let appeal = match &found {
        Some(a) => {
            let org = state.store().organization(a.org).await?;
            Some(context! {
                number => a.number.to_string(),
                agency => org.map(|o| view::agency_view(&o, lang, state.languages()).name.text),
                status => m.get(lang, &format!("appeal-state-{}", a.status), &[]),
                answered => a.answer.is_some(),
                sent => view::display_date(a.created_at),
                sent_iso => a.created_at.ymd(),
                question => &a.question,
                question_lang => a.lang.to_string(),
                answer => &a.answer,
                answered_at => a.answered_at.map(view::display_date),
            })
        }
        None => None,
    };
    let crumbs = vec![
        Crumb::link(m.get(lang, "crumb-home", &[]), format!("/{lang}/")),
        Crumb::link(
            m.get(lang, "assistant-title", &[]),
            format!("/{lang}/assistant"),
        ),
        Crumb::here(m.get(lang, "appeal-status-title", &[])),
    ];
    let page = chrome.render(
        &state,
        "appeal_status.html",
        context! {
            number => typed.unwrap_or(""),
            appeal => appeal,
            error => error,
            crumbs => view::value(&crumbs),
        },
    )?;
    let mut resp = no_store((status, page));
    resp.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    Ok(resp)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AskBody {
    /// The question, in the citizen's own words (at most 1000 characters).
    pub question: String,
    /// The language of the page asking (tg, kk, ru, en…); the answer follows the question's own language
    /// when its words clearly say so. Default: the deployment's first language.
    pub lang: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/assistant/ask", tag = "assistant", request_body = AskBody,
    responses((status = 200, description = "An answer citing its sources, or a plain refusal with the hand-over", body = AnswerBody),
              (status = 400, body = crate::api::ErrorBody), (status = 413, body = crate::api::ErrorBody),
              (status = 415, body = crate::api::ErrorBody)))]
pub(crate) async fn api_ask(
    State(state): State<AppState>,
    Json(body): Json<AskBody>,
) -> Result<Json<AnswerBody>, ApiError> {
    let lang = state.api_lang(body.lang.as_deref())?;
    let answer = ask_assistant(&state, &body.question, lang).await;
    let base = state.config().public_url.trim_end_matches('/').to_owned();
    Ok(Json(answer_body(&state, &answer, &base)))
}

/// Appeals allowed from one address: a few per hour, enough for a family, too few for a flood.
pub struct AppealThrottle(governor::DefaultKeyedRateLimiter<IpAddr>);

impl AppealThrottle {
    pub fn new(per_hour: std::num::NonZeroU32) -> Self {
        AppealThrottle(governor::DefaultKeyedRateLimiter::keyed(
            governor::Quota::per_hour(per_hour),
        ))
    }

    /// Takes one; `Err(seconds to wait)` when the address has used its share.
    fn attempt(&self, addr: Option<IpAddr>) -> Result<(), u64> {
        use governor::clock::Clock;
        let Some(ip) = addr.map(crate::accounts::network_of) else {
            return Ok(());
        };
        let now = governor::clock::DefaultClock::default().now();
        self.0
            .check_key(&ip)
            .map_err(|n| n.wait_time_from(now).as_secs().max(1))
    }

    pub fn forget_idle(&self) {
        self.0.retain_recent();
    }
}
