//! The HTTP API: one file per resource, and the one table that says which
//! access every route needs.

mod accounts;
mod alerts;
mod availability;
pub(crate) mod cap;
pub(crate) mod events;
mod exercises;
mod health;
mod impact;
pub(crate) mod incidents;
mod inventory;
mod notifications;
pub(crate) mod params;
mod preferences;
mod privacy;
mod rejections;
mod rules;
mod searches;
pub(crate) mod session;
mod source_ingest;
pub(crate) mod stream;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::{MethodFilter, on};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::auth::{
    Access, Permission, audit_refused_reidentification, authenticate, authorize, authorize_page, limit_rate,
};

/// One route and what it requires (for `docs/security.md` and the test that
/// walks every route).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteInfo {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern, as routed.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// An HTML page (strangers are redirected to the login page) rather
    /// than an API route (strangers get 401).
    pub page: bool,
}

pub(crate) struct Api {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Api {
    /// Adds a route guarded by `access`; a route cannot be added without
    /// saying who may call it.
    pub(crate) fn add<H, T>(mut self, method: Method, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        let guarded =
            on(filter, handler).route_layer(axum::middleware::from_fn(move |req, next| authorize(access, req, next)));
        self.router = self.router.route(path, guarded);
        self.table.push(RouteInfo { method, path, access, page: false });
        self
    }

    /// Adds an HTML page guarded by `access`.
    pub(crate) fn page<H, T>(mut self, method: Method, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        let guarded = on(filter, handler)
            .route_layer(axum::middleware::from_fn(move |req, next| authorize_page(access, req, next)))
            .route_layer(axum::middleware::from_fn(crate::web::html_errors));
        self.router = self.router.route(path, guarded);
        self.table.push(RouteInfo { method, path, access, page: true });
        self
    }
}

fn api() -> Api {
    use Access::{Needs, Public, SignedIn};
    use Permission::*;
    Api { router: Router::new(), table: Vec::new() }
        .add(Method::GET, "/healthz", Public, health::healthz)
        .add(Method::GET, "/metrics", Needs(MetricsRead), health::metrics)
        .add(Method::POST, "/api/v1/auth/login", Public, session::login)
        .add(Method::POST, "/api/v1/auth/logout", SignedIn, session::logout)
        .add(Method::GET, "/api/v1/auth/me", SignedIn, session::me)
        .add(Method::GET, "/api/v1/me/preferences", SignedIn, preferences::get)
        .add(Method::PUT, "/api/v1/me/preferences", SignedIn, preferences::put)
        .add(Method::POST, "/api/v1/events", Needs(EventsIngest), events::ingest)
        .add(Method::GET, "/api/v1/events", Needs(EventsRead), events::list)
        .add(Method::GET, "/api/v1/events/export", Needs(EventsRead), events::export)
        .add(Method::GET, "/api/v1/events/{id}", Needs(EventsRead), events::get_one)
        .add(Method::GET, "/api/v1/sources", Needs(EventsRead), events::sources)
        .add(Method::GET, "/api/v1/searches", Needs(EventsRead), searches::list)
        .add(Method::POST, "/api/v1/searches", Needs(EventsRead), searches::save)
        .add(Method::DELETE, "/api/v1/searches/{name}", Needs(EventsRead), searches::delete)
        .add(Method::POST, "/api/v1/sources/{name}/events", Needs(EventsIngest), source_ingest::ingest)
        .add(Method::GET, "/api/v1/alerts", Needs(AlertsRead), alerts::list)
        .add(Method::GET, "/api/v1/alerts/{id}", Needs(AlertsRead), alerts::get_one)
        .add(Method::GET, "/api/v1/rules", Needs(RulesRead), rules::list)
        .add(Method::PUT, "/api/v1/rules/{id}", Needs(RulesWrite), rules::update)
        .add(Method::GET, "/api/v1/assets", Needs(AssetsRead), inventory::list_assets)
        .add(Method::POST, "/api/v1/assets/import", Needs(AssetsWrite), inventory::import)
        .add(Method::GET, "/api/v1/assets/export", Needs(AssetsRead), inventory::export)
        .add(Method::GET, "/api/v1/assets/{id}", Needs(AssetsRead), inventory::get_asset)
        .add(Method::PUT, "/api/v1/assets/{id}", Needs(AssetsWrite), inventory::put_asset)
        .add(Method::DELETE, "/api/v1/assets/{id}", Needs(AssetsWrite), inventory::delete_asset)
        .add(Method::GET, "/api/v1/relations", Needs(AssetsRead), inventory::list_relations)
        .add(Method::POST, "/api/v1/impact/assess", Needs(AssetsRead), impact::assess)
        .add(Method::GET, "/api/v1/incidents", Needs(IncidentsRead), incidents::list)
        .add(Method::GET, "/api/v1/incidents/{id}", Needs(IncidentsRead), incidents::get_one)
        .add(Method::PATCH, "/api/v1/incidents/{id}", Needs(IncidentsWrite), incidents::update)
        .add(Method::GET, "/api/v1/incidents/{id}/export", Needs(IncidentsRead), incidents::export)
        .add(Method::POST, "/api/v1/incidents/{id}/transition", Needs(IncidentsWrite), incidents::transition)
        .add(Method::POST, "/api/v1/incidents/{id}/comments", Needs(IncidentsWrite), incidents::comment)
        .add(Method::POST, "/api/v1/incidents/{id}/playbooks", Needs(IncidentsWrite), incidents::attach)
        .add(Method::POST, "/api/v1/incidents/{id}/tasks/{playbook}/{task}", Needs(IncidentsWrite), incidents::task)
        .add(Method::POST, "/api/v1/incidents/{id}/tasks/skip", Needs(IncidentsWrite), incidents::skip_rest)
        .add(Method::POST, "/api/v1/incidents/{id}/close", Needs(IncidentsWrite), incidents::close)
        .add(Method::POST, "/api/v1/incidents/{id}/merge", Needs(IncidentsWrite), incidents::merge)
        .add(Method::POST, "/api/v1/incidents/{id}/split", Needs(IncidentsWrite), incidents::split)
        .add(Method::POST, "/api/v1/incidents/{id}/assess", Needs(IncidentsWrite), incidents::reassess)
        .add(Method::POST, "/api/v1/incidents/{id}/markings", Needs(IncidentsDeclare), incidents::mark)
        .add(Method::GET, "/api/v1/incidents/{id}/reports/{kind}", Needs(IncidentsDeclare), incidents::report_draft)
        .add(
            Method::POST,
            "/api/v1/incidents/{id}/reports/{kind}",
            Needs(IncidentsDeclare),
            incidents::report_submitted,
        )
        .add(Method::PUT, "/api/v1/incidents/{id}/exercise", Needs(IncidentsWrite), incidents::set_exercise_mark)
        .add(Method::GET, "/api/v1/incidents/{id}/notifications", Needs(IncidentsRead), notifications::of_incident)
        .add(Method::GET, "/api/v1/notifications", Needs(IncidentsRead), notifications::list)
        .add(Method::GET, "/api/v1/notify/routes", Needs(IncidentsRead), notifications::routes)
        .add(Method::POST, "/api/v1/notify/routes/{name}/test", Needs(NotifyTest), notifications::test_send)
        .add(Method::GET, "/api/v1/incidents/{id}/cap", Needs(IncidentsRead), cap::list)
        .add(Method::POST, "/api/v1/incidents/{id}/cap", Needs(CapDraft), cap::draft)
        .add(Method::POST, "/api/v1/incidents/{id}/cap/{identifier}/approve", Needs(CapApprove), cap::approve)
        .add(Method::POST, "/api/v1/incidents/{id}/cap/{identifier}/discard", Needs(CapDraft), cap::discard)
        .add(Method::GET, "/api/v1/cap/feed", Needs(CapRead), cap::feed)
        .add(Method::GET, "/api/v1/availability", Needs(AvailabilityRead), availability::board)
        .add(Method::GET, "/api/v1/availability/edxl-have", Needs(AvailabilityRead), availability::edxl_have)
        .add(
            Method::PUT,
            "/api/v1/availability/services/{id}",
            Needs(AvailabilityWrite),
            availability::override_service,
        )
        .add(Method::DELETE, "/api/v1/availability/services/{id}", Needs(AvailabilityWrite), availability::end_override)
        .add(Method::GET, "/api/v1/playbooks", Needs(IncidentsRead), incidents::playbooks)
        .add(Method::GET, "/api/v1/users", Needs(UsersManage), accounts::list_users)
        .add(Method::POST, "/api/v1/users", Needs(UsersManage), accounts::create_user)
        .add(Method::PUT, "/api/v1/users/{name}", Needs(UsersManage), accounts::update_user)
        .add(Method::GET, "/api/v1/tokens", Needs(TokensManage), accounts::list_tokens)
        .add(Method::POST, "/api/v1/tokens", Needs(TokensManage), accounts::create_token)
        .add(Method::DELETE, "/api/v1/tokens/{id}", Needs(TokensManage), accounts::revoke_token)
        .add(Method::GET, "/api/v1/stream", Needs(AlertsRead), stream::stream)
        .add(Method::POST, "/api/v1/reidentify", Needs(Reidentify), privacy::reidentify)
        .add(Method::GET, "/api/v1/audit", Needs(AuditRead), privacy::audit_log)
        .add(Method::GET, "/api/v1/audit/verify", Needs(AuditRead), privacy::audit_verify)
        .add(Method::GET, "/api/v1/retention", Needs(AuditRead), privacy::retention_plan)
        .add(Method::DELETE, "/api/v1/exercises/{run}", Needs(ExercisesManage), exercises::remove)
        .pages()
}

/// Every route with the access it requires.
pub fn route_table() -> Vec<RouteInfo> {
    api().table
}

/// The route table as a Markdown table with one column per role (✓ where
/// the role may call the route), as published in `docs/security.md`.
pub fn access_matrix_markdown() -> String {
    use safecare_model::Role;
    let mut out = String::from("| method | path | requires |");
    for role in Role::ALL {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push('\n');
    for route in route_table() {
        out.push_str(&format!("| {} | `{}` | {} |", route.method, route.path, route.access.label()));
        for role in Role::ALL {
            out.push_str(if route.access.allows(role) { " ✓ |" } else { " |" });
        }
        out.push('\n');
    }
    out
}

/// Headers on every answer: no sniffing, no framing, scripts and styles
/// only from SafeCare itself, no referrer leaving the hospital.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

/// The service's router.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    // Layers run outermost last-added first: the caller is authenticated
    // before its bucket is chosen.
    let mut router = api()
        .router
        .fallback(crate::web::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_rate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), audit_refused_reidentification))
        .layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.config.connections.body_timeout(),
            crate::connections::body_deadline,
        ))
        .layer(axum::middleware::from_fn(rejections::json_errors))
        .layer(TraceLayer::new_for_http().make_span_with(crate::log_safety::request_span));
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    if state.config.tls.is_some() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    router.with_state(state)
}
