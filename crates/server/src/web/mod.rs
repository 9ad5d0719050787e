//! The web dashboard: server-rendered pages (maud) and one small script of
//! our own for live updates over Server-Sent Events. Everything it needs is
//! served by SafeCare itself; the pages make no external request.

mod assets;
mod availability;
mod events;
mod impact_graph;
mod incident;
mod incident_cap;
mod incidents;
mod layout;
mod login;
mod notifications;
mod overview;
mod plan;
mod responder;
mod rules;
mod svg;

use axum::http::{Method, header};
use axum::response::IntoResponse;

use crate::auth::{Access, Permission};
use crate::routes::Api;

const APP_CSS: &str = include_str!("static/app.css");
const APP_JS: &str = include_str!("static/app.js");

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], APP_CSS)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], APP_JS)
}

impl Api {
    /// The dashboard's pages and static files.
    pub(crate) fn pages(self) -> Self {
        use Access::{Needs, Public};
        use Permission::*;
        self.page(Method::GET, "/static/app.css", Public, css)
            .page(Method::GET, "/static/app.js", Public, js)
            .page(Method::GET, "/login", Public, login::form)
            .page(Method::POST, "/login", Public, login::submit)
            .page(Method::GET, "/", Needs(AlertsRead), overview::page)
            .page(Method::GET, "/incidents", Needs(IncidentsRead), incidents::list)
            .page(Method::GET, "/incidents/{id}", Needs(IncidentsRead), incident::page)
            .page(Method::GET, "/events", Needs(EventsRead), events::page)
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
