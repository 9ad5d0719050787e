//! Event search: time range, domain, asset, location, text, with paging.

use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use maud::{Markup, html};
use safecare_model::Domain;
use safecare_store::{Cursor, EventQuery, Store};
use serde::Deserialize;

use super::layout::{page as shell, severity, time};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::routes::params::parse;

#[derive(Debug, Default, Deserialize)]
pub struct Search {
    from: Option<String>,
    to: Option<String>,
    domain: Option<String>,
    asset: Option<String>,
    location: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

const PAGE: usize = 50;

pub async fn page(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Query(search): Query<Search>,
) -> Result<Markup, ApiError> {
    let query = EventQuery {
        from: parse("from", search.from.clone())?,
        to: parse("to", search.to.clone())?,
        domain: parse::<Domain>("domain", search.domain.clone())?,
        asset: search.asset.clone().filter(|a| !a.is_empty()),
        location: search.location.clone().filter(|l| !l.is_empty()),
        text: search.q.clone().filter(|q| !q.trim().is_empty()),
        after: parse::<Cursor>("after", search.after.clone())?,
        limit: PAGE,
        ..Default::default()
    };
    let page = store.query_events(query).await?;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let next_link = page.next.map(|next| {
        let mut params = url_params(&search);
        params.push(("after", next.to_string()));
        format!("/events?{}", serde_urlencoded::to_string(params).unwrap_or_default())
    });
    let content = html! {
        form.search method="get" action="/events" role="search" {
            label { "From " input type="text" name="from" placeholder="2026-11-28T00:00:00Z" value=(value(&search.from)); }
            label { "To " input type="text" name="to" value=(value(&search.to)); }
            label { "Domain "
                select name="domain" {
                    option value="" { "any" }
                    @for d in Domain::ALL {
                        option value=(d.as_str()) selected[search.domain.as_deref() == Some(d.as_str())] { (d.as_str()) }
                    }
                }
            }
            label { "Asset " input type="text" name="asset" value=(value(&search.asset)); }
            label { "Location " input type="text" name="location" placeholder="hq/main/2" value=(value(&search.location)); }
            label { "Text " input type="search" name="q" value=(value(&search.q)); }
            button type="submit" { "Search" }
        }
        table.events {
            caption { (page.events.len()) " events, newest first" }
            thead { tr { th scope="col" { "Time" } th scope="col" { "Domain" } th scope="col" { "Severity" } th scope="col" { "Source" } th scope="col" { "Asset" } th scope="col" { "Location" } th scope="col" { "Message" } } }
            tbody {
                @for e in &page.events {
                    tr {
                        td { (time(e.time)) }
                        td { (e.domain.as_str()) }
                        td { (severity(e.severity)) }
                        td { (e.source) }
                        td { @if let Some(asset) = &e.asset { a href={ "/assets/" (asset) } { (asset) } } }
                        td { (e.location.path()) }
                        td { (e.message) }
                    }
                }
            }
        }
        @if let Some(link) = next_link {
            p { a rel="next" href=(link) { "Older events →" } }
        }
    };
    Ok(shell("Events", &principal, "/events", content))
}

fn url_params(search: &Search) -> Vec<(&'static str, String)> {
    [
        ("from", &search.from),
        ("to", &search.to),
        ("domain", &search.domain),
        ("asset", &search.asset),
        ("location", &search.location),
        ("q", &search.q),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect()
}
