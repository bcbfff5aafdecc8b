//! Monitoring of the gateway in `/admin/bridge/monitoring`: for a provider's or consumer's administrator
//! the calls that touch their organization's systems, for a platform administrator all of them — calls and
//! errors over the last hour or day as a server-rendered SVG chart, a table per service and client with
//! error counts by type and latency percentiles, and the message log searchable by message id, client,
//! service, user id and time. Read from the store's log, so every node's calls are seen.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_store::{LogLeaf, LogQuery};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::admin_orgs;
use crate::AppState;
use crate::accounts::SignedInUser;
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::no_store;

/// Most calls read for one chart; beyond this the page says the window was cut.
const MAX_CALLS: u32 = 100_000;

#[derive(Deserialize, Default)]
pub(crate) struct Params {
    range: Option<String>,
    message_id: Option<String>,
    client: Option<String>,
    service: Option<String>,
    user_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// Per service and client: calls, errors, errors by type, durations (µs).
type Tally = (u64, u64, BTreeMap<String, u64>, Vec<i64>);

#[derive(Serialize)]
struct Row {
    service: String,
    client: String,
    calls: u64,
    errors: u64,
    by_type: String,
    p50_ms: String,
    p95_ms: String,
}

#[derive(Serialize)]
struct Found {
    at: String,
    message_id: String,
    client: String,
    service: String,
    status: u16,
    error: String,
    ms: String,
}

fn percentile(sorted: &[i64], p: f64) -> String {
    if sorted.is_empty() {
        return "—".into();
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    format!("{:.1}", sorted[i.min(sorted.len() - 1)] as f64 / 1000.0)
}

/// Bars of calls (and, darker, errors) per bucket, with axis labels; readable without colour (errors are
/// also hatched) and described for screen readers by the table that follows it.
fn chart(buckets: &[(u64, u64)], label_every: usize, labels: &[String], title: &str) -> String {
    let (w, h, pad) = (720.0_f64, 200.0_f64, 30.0_f64);
    let max = buckets.iter().map(|b| b.0).max().unwrap_or(0).max(1) as f64;
    let bw = (w - pad) / buckets.len().max(1) as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\"><path d=\"M0,4 l4,-4\" stroke=\"#fff\" stroke-width=\"1\"/></pattern></defs>",
        h + 24.0,
        crate::feeds::xml_escape(title)
    );
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"12\" font-size=\"11\">{}</text>",
        max as u64
    );
    let _ = write!(
        svg,
        "<line x1=\"{pad}\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\" stroke=\"#333\"/>"
    );
    for (i, (calls, errors)) in buckets.iter().enumerate() {
        let x = pad + i as f64 * bw;
        let ch = *calls as f64 / max * (h - 16.0);
        let eh = *errors as f64 / max * (h - 16.0);
        if *calls > 0 {
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{ch:.1}\" fill=\"#1f5fa8\"><title>{calls}</title></rect>",
                h - ch,
                (bw - 1.0).max(1.0)
            );
        }
        if *errors > 0 {
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{eh:.1}\" fill=\"#b3261e\"/><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{eh:.1}\" fill=\"url(#hatch)\"><title>{errors}</title></rect>",
                h - eh,
                (bw - 1.0).max(1.0),
                h - eh,
                (bw - 1.0).max(1.0)
            );
        }
        if i % label_every == 0
            && let Some(l) = labels.get(i)
        {
            let _ = write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{}\" font-size=\"11\">{}</text>",
                h + 16.0,
                crate::feeds::xml_escape(l)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn hhmm(m: Millis) -> String {
    let secs = m.0.div_euclid(1000);
    format!(
        "{:02}:{:02}",
        secs.div_euclid(3600).rem_euclid(24),
        secs.div_euclid(60).rem_euclid(60)
    )
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(200).collect())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    user: SignedInUser,
    chrome: Chrome,
    Query(p): Query<Params>,
) -> Result<Response, PageError> {
    let everyone = user.is_platform_admin();
    let mine = admin_orgs(&user);
    if !everyone && mine.is_empty() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    // The ids of the user's systems: a call is theirs when its client or its service is one of them.
    let mut prefixes = Vec::new();
    for org in &mine {
        for s in state.store().subsystems(Some(*org)).await? {
            if let Some(id) = state.store().client_id(s.id).await? {
                prefixes.push(id.to_string());
            }
        }
    }
    let visible = |l: &LogLeaf| {
        everyone
            || prefixes.iter().any(|p| {
                l.client == *p
                    || l.service
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
    };
    let day = p.range.as_deref() == Some("day");
    let (span, bucket_ms) = if day {
        (86_400_000, 3_600_000)
    } else {
        (3_600_000, 300_000)
    };
    let now = Millis::now();
    let start = Millis(now.0 - span);
    let leaves = state.store().log_since(start, MAX_CALLS).await?;
    let cut = leaves.len() as u32 >= MAX_CALLS;
    let n = (span / bucket_ms) as usize;
    let mut buckets = vec![(0u64, 0u64); n];
    let mut per: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for l in leaves.iter().filter(|l| visible(l)) {
        let i = (((l.at.0 - start.0) / bucket_ms) as usize).min(n - 1);
        buckets[i].0 += 1;
        let e = per
            .entry((l.service.clone(), l.client.clone()))
            .or_default();
        e.0 += 1;
        e.3.push(l.duration_us);
        if let Some(err) = &l.error {
            buckets[i].1 += 1;
            e.1 += 1;
            *e.2.entry(err.clone()).or_default() += 1;
        }
    }
    let labels: Vec<String> = (0..n)
        .map(|i| hhmm(Millis(start.0 + i as i64 * bucket_ms)))
        .collect();
    let title = state.messages().get(
        chrome.lang,
        if day { "gw-chart-day" } else { "gw-chart-hour" },
        &[],
    );
    let svg = chart(&buckets, if day { 3 } else { 2 }, &labels, &title);
    let rows: Vec<Row> = per
        .into_iter()
        .map(|((service, client), (calls, errors, types, mut d))| {
            d.sort_unstable();
            Row {
                service,
                client,
                calls,
                errors,
                by_type: types
                    .iter()
                    .map(|(t, c)| format!("{t}: {c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                p50_ms: percentile(&d, 0.5),
                p95_ms: percentile(&d, 0.95),
            }
        })
        .collect();
    // The search, over the whole log (not only the chart's window).
    let q = LogQuery {
        message_id: text(&p.message_id),
        client: text(&p.client),
        service: text(&p.service),
        user_id: text(&p.user_id),
        from: p.from.as_deref().and_then(Millis::parse_ymd),
        parties: (!everyone).then(|| prefixes.clone()),
        to: p
            .to
            .as_deref()
            .and_then(Millis::parse_ymd)
            .map(|m| m.plus_secs(86_400)),
        limit: 200,
    };
    let searched = q.message_id.is_some()
        || q.client.is_some()
        || q.service.is_some()
        || q.user_id.is_some()
        || q.from.is_some()
        || q.to.is_some();
    let found: Vec<Found> = if searched {
        state
            .store()
            .search_log(&q)
            .await?
            .into_iter()
            .filter(|l| visible(l))
            .take(100)
            .map(|l| Found {
                at: l.at.rfc3339(),
                message_id: l.message_id,
                client: l.client,
                service: l.service,
                status: l.status,
                error: l.error.unwrap_or_default(),
                ms: format!("{:.1}", l.duration_us as f64 / 1000.0),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = chrome.render(
        &state,
        "bridge_monitoring.html",
        context! {
            day => day,
            chart => minijinja::Value::from_safe_string(svg),
            total => buckets.iter().map(|b| b.0).sum::<u64>(),
            failed => buckets.iter().map(|b| b.1).sum::<u64>(),
            rows => crate::view::value(&rows),
            cut => cut,
            searched => searched,
            found => crate::view::value(&found),
            q => context! { message_id => p.message_id, client => p.client, service => p.service, user_id => p.user_id, from => p.from, to => p.to },
        },
    )?;
    Ok(no_store(page).into_response())
}
