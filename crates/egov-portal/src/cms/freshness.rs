//! `/admin/freshness`: the platform administrator's board of agencies whose sites have gone stale — news
//! older than the deployment's rule (default: a day) or other sections unchanged for longer than theirs
//! (default: three working days) — so a quiet site is noticed before citizens notice it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_core::grants::add_working_days;
use minijinja::context;
use serde::Serialize;

use super::org_names;
use crate::AppState;
use crate::accounts::PlatformAdmin;
use crate::errors::PageError;
use crate::render::Chrome;

#[derive(Serialize)]
struct Row {
    slug: String,
    name: String,
    last_news: Option<String>,
    last_other: Option<String>,
    news_stale: bool,
    other_stale: bool,
}

/// Whether something last changed at `last` is stale at `now` under a rule of `days` (working days when
/// `working`).
pub(crate) fn stale(last: Option<Millis>, now: Millis, days: u32, working: bool) -> bool {
    match last {
        None => true,
        Some(t) if working => add_working_days(t, days) < now,
        Some(t) => t.plus_secs(i64::from(days) * 86_400) < now,
    }
}

pub(crate) async fn board(
    State(state): State<AppState>,
    PlatformAdmin(_): PlatformAdmin,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let names = org_names(&state, chrome.lang).await?;
    let cfg = state.config();
    let now = Millis::now();
    let gov: std::collections::HashSet<_> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .filter(|o| o.member_class.as_str() == "GOV")
        .map(|o| o.id)
        .collect();
    let mut rows: Vec<Row> = state
        .store()
        .freshness()
        .await?
        .into_iter()
        .filter(|f| gov.contains(&f.org))
        .map(|f| {
            let (slug, name) = names.get(&f.org).cloned().unwrap_or_default();
            Row {
                slug,
                name,
                news_stale: stale(f.last_news, now, cfg.fresh_news_days, false),
                other_stale: stale(f.last_other, now, cfg.fresh_section_working_days, true),
                last_news: f.last_news.map(Millis::rfc3339),
                last_other: f.last_other.map(Millis::rfc3339),
            }
        })
        .collect();
    // Stale sites first, then by name.
    rows.sort_by(|a, b| {
        (b.news_stale || b.other_stale)
            .cmp(&(a.news_stale || a.other_stale))
            .then_with(|| a.name.cmp(&b.name))
    });
    let stale_count = rows
        .iter()
        .filter(|r| r.news_stale || r.other_stale)
        .count();
    let page = chrome.render(
        &state,
        "cms_freshness.html",
        context! {
            rows => super::value(&rows), stale_count,
            news_days => cfg.fresh_news_days, section_days => cfg.fresh_section_working_days,
        },
    )?;
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_count_days_and_working_days() {
        // Friday 2026-11-20 12:00 UTC.
        let fri = Millis::parse_ymd("2026-11-20")
            .unwrap()
            .plus_secs(12 * 3600);
        let tue_noon = Millis::parse_ymd("2026-11-24")
            .unwrap()
            .plus_secs(12 * 3600);
        let thu = Millis::parse_ymd("2026-11-26")
            .unwrap()
            .plus_secs(13 * 3600);
        assert!(
            !stale(Some(fri), tue_noon, 3, true),
            "Mon, Tue are two working days"
        );
        assert!(stale(Some(fri), thu, 3, true));
        assert!(stale(Some(fri), tue_noon, 1, false));
        assert!(stale(None, fri, 3, true));
    }
}
