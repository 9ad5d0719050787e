//! The web dashboard: server-rendered pages (maud) and one small script of
//! our own for live updates over Server-Sent Events. Everything it needs is
//! served by SafeCare itself; the pages make no external request.

mod alert;
mod assets;
mod availability;
mod doors;
mod error_page;
mod event;
mod events;
mod evidence_fields;
mod impact_graph;
mod incident;
mod incident_cap;
mod incident_clocks;
mod incident_edit;
mod incident_impact;
mod incident_report;
mod incident_tasks;
mod incident_timeline;
mod incidents;
mod layout;
pub(crate) mod links;
mod login;
mod notifications;
mod overview;
mod overview_guard;
mod plan;
mod plan_drawing;
mod preferences;
mod related;
mod responder;
mod rules;
mod script_text;
mod situation;
mod svg;

pub(crate) use incident_report::report_document;

use axum::http::{Method, header};
use axum::response::IntoResponse;

use crate::auth::{Access, Permission};
use crate::routes::Api;

const APP_CSS: &str = include_str!("static/app.css");
const APP_JS: &str = include_str!("static/app.js");
const FAVICON: &str = include_str!("static/favicon.svg");

pub(crate) use error_page::{answers_as, html_errors, not_found, reason_of};

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], APP_CSS)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], APP_JS)
}

/// Our own icon, so browsers asking for `/favicon.ico` find one.
async fn favicon() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=86400")], FAVICON)
}

impl Api {
    /// The dashboard's pages and static files.
    pub(crate) fn pages(self) -> Self {
        use Access::{Needs, Public, SignedIn};
        use Permission::*;
        self.page(Method::GET, "/static/app.css", Public, css)
            .page(Method::GET, "/static/app.js", Public, js)
            .page(Method::GET, "/favicon.ico", Public, favicon)
            .page(Method::GET, "/login", Public, login::form)
            .page(Method::POST, "/login", Public, login::submit)
            .page(Method::GET, "/me", SignedIn, preferences::page)
            .page(Method::GET, "/", Needs(AlertsRead), overview::page)
            .page(Method::GET, "/incidents", Needs(IncidentsRead), incidents::list)
            .page(Method::GET, "/incidents/{id}", Needs(IncidentsRead), incident::page)
            .page(Method::GET, "/incidents/{id}/reports/{kind}", Needs(IncidentsDeclare), incident_report::page)
            .page(Method::GET, "/alerts/{id}", Needs(AlertsRead), alert::page)
            .page(Method::GET, "/events", Needs(EventsRead), events::page)
            .page(Method::GET, "/events/{id}", Needs(EventsRead), event::page)
            .page(Method::GET, "/plan", Needs(AssetsRead), plan::page)
            .page(Method::GET, "/assets", Needs(AssetsRead), assets::list)
            .page(Method::GET, "/assets/{id}", Needs(AssetsRead), assets::one)
            .page(Method::GET, "/rules", Needs(RulesRead), rules::page)
            .page(Method::GET, "/notifications", Needs(IncidentsRead), notifications::page)
            .page(Method::GET, "/availability", Needs(AvailabilityRead), availability::page)
            .page(Method::GET, "/respond", Needs(RespondView), responder::list)
            .page(Method::GET, "/respond/{id}", Needs(RespondView), responder::page)
    }
}
