//! The incident list: filtered by status, severity and assignee, most
//! recently updated first, one page at a time.

use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use maud::{Markup, html};
use safecare_model::{IncidentStatus, Severity};
use safecare_store::{IncidentQuery, Store};
use serde::Deserialize;

use super::layout::{page as shell, severity, status};
use crate::auth::Principal;
use crate::error::ApiError;

/// Incidents per page.
const PAGE: usize = 25;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// A status name, or `open` for every status still to act on.
    status: Option<String>,
    min_severity: Option<String>,
    assignee: Option<String>,
    /// 1-based.
    page: Option<String>,
}

impl Filter {
    fn query(&self) -> Result<(IncidentQuery, usize), ApiError> {
        let mut query = IncidentQuery { limit: PAGE, ..Default::default() };
        match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => {}
            Some("open") => query.open_only = true,
            Some(name) => {
                query.status = Some(
                    IncidentStatus::ALL
                        .into_iter()
                        .find(|s| s.as_str() == name)
                        .ok_or_else(|| ApiError::bad_request(format!("unknown status {name:?}")))?,
                );
            }
        }
        if let Some(name) = self.min_severity.as_deref().filter(|s| !s.is_empty()) {
            query.min_severity = Some(
                Severity::ALL
                    .into_iter()
                    .find(|s| s.as_str() == name)
                    .ok_or_else(|| ApiError::bad_request(format!("unknown severity {name:?}")))?,
            );
        }
        query.assignee = self.assignee.clone().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
        let page = match self.page.as_deref().filter(|p| !p.is_empty()) {
            None => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| ApiError::bad_request(format!("invalid page {p:?}: a number from 1")))?,
        };
        query.offset = (page - 1).saturating_mul(PAGE);
        Ok((query, page))
    }

    /// The query string of this filter on another page.
    fn link(&self, page: usize) -> String {
        let mut parts = Vec::new();
        for (key, value) in
            [("status", &self.status), ("min_severity", &self.min_severity), ("assignee", &self.assignee)]
        {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{key}={}", encode(v)));
            }
        }
        parts.push(format!("page={page}"));
        format!("/incidents?{}", parts.join("&"))
    }
}

/// Whether a stored incident record is marked as an exercise.
fn is_exercise(record: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(record)
        .ok()
        .and_then(|r| r.get("exercise").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

/// Percent-encodes a query value (user names may hold any character).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

pub async fn list(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Query(filter): Query<Filter>,
) -> Result<Markup, ApiError> {
    let (query, page) = filter.query()?;
    let total = store.count_incidents(query.clone()).await?;
    let incidents = store.list_incidents(query).await?;
    let pages = (total as usize).div_ceil(PAGE).max(1);
    let chosen = |value: &Option<String>, option: &str| value.as_deref() == Some(option);
    let locale = &principal.locale;
    let content = html! {
        form.search method="get" action="/incidents" role="search" aria-label=(locale.text("incidents-filter-label")) {
            label { (locale.text("incidents-status")) " "
                select name="status" {
                    option value="" { (locale.text("incidents-any")) }
                    option value="open" selected[chosen(&filter.status, "open")] { (locale.text("incidents-open")) }
                    @for s in IncidentStatus::ALL {
                        option value=(s.as_str()) selected[chosen(&filter.status, s.as_str())] { (status(locale, s)) }
                    }
                }
            }
            label { (locale.text("incidents-min-severity")) " "
                select name="min_severity" {
                    option value="" { (locale.text("incidents-any")) }
                    @for sev in Severity::ALL {
                        option value=(sev.as_str()) selected[chosen(&filter.min_severity, sev.as_str())] { (locale.text(&format!("severity-{}", sev.as_str()))) }
                    }
                }
            }
            label { (locale.text("incidents-assignee")) " "
                input type="search" name="assignee" value=(filter.assignee.clone().unwrap_or_default()) placeholder=(locale.text("incidents-user-name"));
            }
            button type="submit" { (locale.text("incidents-filter")) }
        }
        table.incidents-list {
            caption {
                (locale.text_with("incidents-caption", &[("count", usize::try_from(total).unwrap_or(usize::MAX).into())]))
                @if pages > 1 { " " (locale.text_with("incidents-page-of", &[("page", page.into()), ("pages", pages.into())])) }
            }
            thead { tr {
                th scope="col" { (locale.text("incidents-col-incident")) } th scope="col" { (locale.text("incidents-col-severity")) } th scope="col" { (locale.text("incidents-status")) }
                th scope="col" { (locale.text("incidents-assignee")) } th scope="col" { (locale.text("incidents-col-where")) } th scope="col" { (locale.text("incidents-col-alerts")) } th scope="col" { (locale.text("incidents-col-updated")) }
            } }
            tbody {
                @for stored in &incidents {
                    @let i = &stored.incident;
                    tr {
                        td {
                            a href={ "/incidents/" (i.id) } { (i.title) }
                            @if is_exercise(&stored.record) { span.exercise-tag { (locale.text("incidents-exercise")) } }
                            @if let Some(threat) = &i.threat { br; small { (threat) } }
                        }
                        td { (severity(locale, i.severity)) }
                        td { span class={ "status status-" (i.status.as_str()) } { (status(locale, i.status)) } }
                        td { (i.assignee.clone().unwrap_or_else(|| locale.text("incidents-unassigned"))) }
                        td { (i.location.path()) }
                        td { (i.alerts.len()) }
                        td { (locale.time(i.updated)) }
                    }
                }
            }
        }
        @if incidents.is_empty() {
            p.calm { (locale.text("incidents-none")) }
        }
        @if pages > 1 {
            nav.pager aria-label=(locale.text("incidents-pages")) {
                @if page > 1 { a href=(filter.link(page - 1)) rel="prev" { (locale.text("incidents-newer")) } }
                span { (locale.text_with("incidents-page-of", &[("page", page.into()), ("pages", pages.into())])) }
                @if page < pages { a href=(filter.link(page + 1)) rel="next" { (locale.text("incidents-older")) } }
            }
        }
    };
    Ok(shell(&locale.text("nav-incidents"), &principal, "/incidents", content))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(status: &str, severity: &str, assignee: &str, page: &str) -> Filter {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        Filter { status: some(status), min_severity: some(severity), assignee: some(assignee), page: some(page) }
    }

    #[test]
    fn filters_become_a_store_query() {
        let (query, page) = filter("open", "high", " alice ", "3").query().unwrap();
        assert!(query.open_only);
        assert_eq!(query.min_severity, Some(Severity::High));
        assert_eq!(query.assignee.as_deref(), Some("alice"));
        assert_eq!((page, query.offset, query.limit), (3, 2 * PAGE, PAGE));
        let (query, _) = filter("in_progress", "", "", "").query().unwrap();
        assert_eq!(query.status, Some(IncidentStatus::InProgress));
        assert!(!query.open_only);
    }

    #[test]
    fn bad_filters_are_named() {
        assert_eq!(filter("sleeping", "", "", "").query().unwrap_err().message, "unknown status \"sleeping\"");
        assert_eq!(filter("", "dire", "", "").query().unwrap_err().message, "unknown severity \"dire\"");
        assert!(filter("", "", "", "0").query().unwrap_err().message.starts_with("invalid page \"0\""));
    }

    #[test]
    fn page_links_keep_the_filter() {
        assert_eq!(filter("open", "", "a b&c", "1").link(2), "/incidents?status=open&assignee=a%20b%26c&page=2");
    }
}
