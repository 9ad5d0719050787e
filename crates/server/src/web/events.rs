//! The events page: the search form (the search language of
//! `crate::search`, a range typed, picked or preset, in the reader's time
//! zone), the matching events over the range as a histogram, the newest
//! of them with paging, and the reader's saved searches. A search that
//! cannot run says why inside the form.

use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_store::{Cursor, EventPage, EventQuery, SavedSearch, SearchStore, Store};
use serde::Deserialize;

use super::layout::{page as shell, severity};
use super::links;
use super::svg;
use crate::Config;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::privacy::Privacy;
use crate::routes::events::{audit_personal, personal};
use crate::search::{Saved, SearchError, bucket_for};

/// The page's query string.
#[derive(Debug, Default, Deserialize)]
pub struct Form {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The date-time pickers, used where the typed time is empty.
    from_at: Option<String>,
    to_at: Option<String>,
    /// A preset button: the range from then to now.
    preset: Option<String>,
    after: Option<String>,
    // Links from the asset and plan pages and older bookmarks; shown as
    // conditions of the search.
    asset: Option<String>,
    location: Option<String>,
    domain: Option<String>,
}

const PAGE: usize = 50;

/// The range a first visit shows.
const DEFAULT_FROM: &str = "-24h";

/// The preset buttons: the start they set, and their label.
const PRESETS: [(&str, &str); 5] = [
    ("-15m", "search-preset-15m"),
    ("-1h", "search-preset-1h"),
    ("-24h", "search-preset-24h"),
    ("-7d", "search-preset-7d"),
    ("-30d", "search-preset-30d"),
];

/// How far back the histogram reaches when the range has no start.
const OPEN_HISTOGRAM: SignedDuration = SignedDuration::from_hours(30 * 24);

fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl Form {
    /// The search the form stands for, as it is shown and saved.
    fn search(&self) -> Saved {
        let mut q = filled(&self.q).unwrap_or_default().to_owned();
        for (key, value) in [("location", &self.location), ("asset", &self.asset), ("domain", &self.domain)] {
            if let Some(value) = filled(value) {
                let value = if value.contains(char::is_whitespace) { format!("\"{value}\"") } else { value.to_owned() };
                q = format!("{key}:{value} {q}").trim().to_owned();
            }
        }
        let typed_or_picked = |typed, picked| filled(typed).or(filled(picked)).unwrap_or_default().to_owned();
        let (from, to) = match filled(&self.preset) {
            Some(preset) => (preset.to_owned(), String::new()),
            None => (typed_or_picked(&self.from, &self.from_at), typed_or_picked(&self.to, &self.to_at)),
        };
        let first_visit = [&self.from, &self.to, &self.from_at, &self.to_at, &self.preset].iter().all(|v| v.is_none());
        let from = if first_visit { DEFAULT_FROM.to_owned() } else { from };
        Saved { q, from, to }
    }
}

/// Why the page shows no results.
enum Problem {
    Search(SearchError),
    Cursor(String),
    Audit,
}

/// What a search found.
struct Found {
    page: EventPage,
    query: EventQuery,
    bars: Vec<(Timestamp, u64)>,
    bucket: SignedDuration,
    range: (Timestamp, Timestamp),
}

/// Everything the page's handler reads.
#[derive(Clone)]
pub struct Io {
    store: Arc<dyn Store>,
    searches: Arc<dyn SearchStore>,
    config: Arc<Config>,
    privacy: Arc<Privacy>,
}

impl axum::extract::FromRef<crate::AppState> for Io {
    fn from_ref(state: &crate::AppState) -> Self {
        Io {
            store: state.store.clone(),
            searches: state.searches.clone(),
            config: state.config.clone(),
            privacy: state.privacy.clone(),
        }
    }
}

pub async fn page(
    State(io): State<Io>,
    Extension(principal): Extension<Principal>,
    Query(form): Query<Form>,
) -> Result<Markup, ApiError> {
    let shown = form.search();
    let saved = io.searches.list_searches(&principal.name).await?;
    let outcome = find(&io, &principal, &shown, form.after.as_deref()).await?;
    let locale = &principal.locale;
    let content = html! {
        (search_form(locale, &shown, outcome.as_ref().err()))
        @if let Ok(found) = &outcome {
            (histogram(locale, found))
            (results(locale, found, &shown))
        }
        (saved_searches(locale, &saved, &shown))
    };
    Ok(shell(&locale.text("search-title"), &principal, "/events", content))
}

/// Runs the search; a search that cannot run is a [`Problem`] shown in the
/// page, a failing store an error page.
async fn find(
    io: &Io,
    principal: &Principal,
    shown: &Saved,
    after: Option<&str>,
) -> Result<Result<Found, Problem>, ApiError> {
    let now = Timestamp::now();
    let personal = personal(&io.config, &io.privacy);
    let search = match crate::search::build(&shown.inputs(), principal.locale.zone(), now, &personal) {
        Ok(search) => search,
        Err(err) => return Ok(Err(Problem::Search(err))),
    };
    let after = match after.map(str::parse::<Cursor>).transpose() {
        Ok(after) => after,
        Err(err) => return Ok(Err(Problem::Cursor(err.to_string()))),
    };
    if audit_personal(&io.privacy, &principal.name, &search).await.is_err() {
        return Ok(Err(Problem::Audit));
    }
    let query = search.query;
    let end = query.to.unwrap_or(now);
    let start = query.from.unwrap_or(end - OPEN_HISTOGRAM);
    let bucket = bucket_for(end.duration_since(start));
    let over_range = EventQuery { from: Some(start), to: Some(end), after: None, ..query.clone() };
    let bars = io.store.event_histogram(over_range, bucket).await?;
    let page = io.store.query_events(EventQuery { limit: PAGE, after, ..query.clone() }).await?;
    Ok(Ok(Found { page, query, bars, bucket, range: (start, end) }))
}

fn search_form(locale: &Locale, shown: &Saved, problem: Option<&Problem>) -> Markup {
    html! {
        form.search id="search" method="get" action="/events" role="search" {
            label.wide { (locale.text("search-query"))
                input type="search" name="q" id="q" value=(shown.q) placeholder="user:alice host:ws-12 EventID:4625 shadow";
            }
            label { (locale.text("search-from"))
                input type="text" name="from" id="from" value=(shown.from) placeholder=(DEFAULT_FROM);
            }
            label { (locale.text("search-pick-from")) input type="datetime-local" name="from_at" id="from-at"; }
            label { (locale.text("search-to"))
                input type="text" name="to" id="to" value=(shown.to) placeholder="now";
            }
            label { (locale.text("search-pick-to")) input type="datetime-local" name="to_at" id="to-at"; }
            button type="submit" id="search-submit" { (locale.text("search-submit")) }
            div.presets role="group" aria-label=(locale.text("search-presets")) {
                (locale.text("search-presets"))
                @for (start, label) in PRESETS {
                    button type="submit" name="preset" value=(start) data-preset=(start) { (locale.text(label)) }
                }
            }
            @if let Some(problem) = problem {
                p.error id="search-error" role="alert" { (problem_text(locale, problem)) }
            }
            p.hint { (locale.text("search-query-hint")) " " (locale.text_with("search-zone", &[("zone", locale.zone_name().into())])) }
        }
    }
}

fn problem_text(locale: &Locale, problem: &Problem) -> String {
    match problem {
        Problem::Search(SearchError::BadTime { field, value }) => {
            let field = if *field == "from" { locale.text("search-from") } else { locale.text("search-to") };
            locale.text_with("search-error-bad-time", &[("field", field.into()), ("value", value.as_str().into())])
        }
        Problem::Search(SearchError::EmptyRange { .. }) => locale.text("search-error-empty-range"),
        Problem::Search(SearchError::EmptyValue { field }) => {
            locale.text_with("search-error-empty-value", &[("field", field.as_str().into())])
        }
        Problem::Search(SearchError::UnknownDomain { value }) => {
            locale.text_with("search-error-unknown-domain", &[("value", value.as_str().into())])
        }
        Problem::Search(SearchError::UnknownSeverity { value }) => {
            locale.text_with("search-error-unknown-severity", &[("value", value.as_str().into())])
        }
        Problem::Search(SearchError::UnclosedQuote) => locale.text("search-error-unclosed-quote"),
        Problem::Search(SearchError::BadQueryString { reason }) | Problem::Cursor(reason) => {
            locale.text_with("search-error-bad-query", &[("reason", reason.as_str().into())])
        }
        Problem::Audit => locale.text("search-error-audit"),
    }
}

fn saved_searches(locale: &Locale, saved: &[SavedSearch], shown: &Saved) -> Markup {
    html! {
        section.saved-searches aria-labelledby="saved-title" {
            h2 id="saved-title" { (locale.text("search-saved")) }
            @if saved.is_empty() {
                p { (locale.text("search-saved-none")) }
            } @else {
                ul id="saved-list" {
                    @for s in saved {
                        li {
                            a href={ "/events?" (s.query) } { (s.name) }
                            // Sent by app.js as a DELETE carrying the session's CSRF token.
                            form.search-delete method="post" data-name=(s.name) {
                                button type="submit" aria-label=(locale.text_with("search-delete-label", &[("name", s.name.as_str().into())])) {
                                    (locale.text("search-delete"))
                                }
                            }
                        }
                    }
                }
            }
            form.search-save method="post" data-query=(shown.query_string()) {
                label { (locale.text("search-save-name")) input type="text" name="name" id="save-name" required maxlength="100"; }
                button type="submit" { (locale.text("search-save")) }
                p.error role="alert" hidden {}
            }
        }
    }
}

fn histogram(locale: &Locale, found: &Found) -> Markup {
    let bucket = found.bucket.as_secs();
    let unit = match bucket {
        60 => locale.text("search-bucket-minute"),
        3600 => locale.text("search-bucket-hour"),
        86_400 => locale.text("search-bucket-day"),
        _ => locale.text_with("search-bucket-days", &[("days", usize::try_from(bucket / 86_400).unwrap_or(0).into())]),
    };
    let (start, end) = found.range;
    let label = locale.text_with(
        "search-histogram",
        &[("bucket", unit.into()), ("from", locale.time(start).into()), ("to", locale.time(end).into())],
    );
    let bars: Vec<(String, u64)> = found.bars.iter().map(|(t, n)| (locale.time(*t), *n)).collect();
    html! {
        figure.histogram {
            (svg::histogram(&bars, 800, 80, &label))
            figcaption { (label) }
        }
    }
}

fn results(locale: &Locale, found: &Found, shown: &Saved) -> Markup {
    let events = &found.page.events;
    // With a start, the histogram counted every match of the range.
    let caption = if found.query.from.is_some() {
        let total: u64 = found.bars.iter().map(|(_, n)| n).sum();
        let mut caption = format!(
            "{}, {}",
            locale.text_with("count-events", &[("count", usize::try_from(total).unwrap_or(usize::MAX).into())]),
            locale.text("search-newest-first")
        );
        if total > events.len() as u64 {
            caption = format!("{caption}, {}", locale.text_with("search-showing", &[("shown", events.len().into())]));
        }
        caption
    } else {
        format!(
            "{}, {}",
            locale.text_with("count-events", &[("count", events.len().into())]),
            locale.text("search-newest-first")
        )
    };
    let next_link = found.page.next.map(|next| {
        let mut params: Vec<(&str, String)> = [("q", &shown.q), ("from", &shown.from), ("to", &shown.to)]
            .into_iter()
            .map(|(k, v)| (k, v.clone()))
            .collect();
        params.push(("after", next.to_string()));
        format!("/events?{}", serde_urlencoded::to_string(params).unwrap_or_default())
    });
    html! {
        table.events id="events" {
            caption { (caption) }
            thead { tr {
                th scope="col" { (locale.text("search-col-time")) }
                th scope="col" { (locale.text("search-col-domain")) }
                th scope="col" { (locale.text("search-col-severity")) }
                th scope="col" { (locale.text("search-col-source")) }
                th scope="col" { (locale.text("search-col-asset")) }
                th scope="col" { (locale.text("search-col-location")) }
                th scope="col" { (locale.text("search-col-message")) }
            } }
            tbody {
                @for e in events {
                    tr {
                        // The event's own page.
                        td { a href={ "/events/" (e.id) } { (locale.time(e.time)) } }
                        td { (e.domain.as_str()) }
                        td { (severity(locale, e.severity)) }
                        td { (e.source) }
                        td { @if let Some(asset) = &e.asset { a href={ "/assets/" (asset) } { (asset) } } }
                        td { (e.location.path()) }
                        td { (links::event_link(e)) }
                    }
                }
            }
        }
        @if let Some(link) = next_link {
            p { a rel="next" href=(link) { (locale.text("search-older")) } }
        }
    }
}
