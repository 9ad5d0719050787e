//! The page shell: header, navigation for the caller's role, main content.

use maud::{DOCTYPE, Markup, html};
use safecare_i18n::Locale;
use safecare_model::{IncidentStatus, Severity};

use crate::auth::{Access, Permission, Principal};

/// The sections of the dashboard, in menu order, with what they require.
/// Labels are message ids of the catalogue.
const NAV: &[(&str, &str, Permission)] = &[
    ("/", "nav-overview", Permission::AlertsRead),
    ("/incidents", "nav-incidents", Permission::IncidentsRead),
    ("/plan", "nav-plan", Permission::AssetsRead),
    ("/events", "nav-events", Permission::EventsRead),
    ("/assets", "nav-assets", Permission::AssetsRead),
    ("/rules", "nav-rules", Permission::RulesRead),
    ("/notifications", "nav-notifications", Permission::IncidentsRead),
    ("/availability", "nav-availability", Permission::AvailabilityRead),
    ("/respond", "nav-respond", Permission::RespondView),
];

/// The document head every page shares; `script` adds the live-update
/// script (pages without a session, like the login, do without it).
pub fn head(title: &str, script: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · SafeCare" }
            link rel="stylesheet" href="/static/app.css";
            link rel="icon" href="/favicon.ico" type="image/svg+xml";
            @if script {
                script src="/static/app.js" defer {}
            }
        }
    }
}

/// A whole page, in the caller's language. `active` is the path of the
/// current section.
pub fn page(title: &str, principal: &Principal, active: &str, content: Markup) -> Markup {
    let locale = &principal.locale;
    html! {
        (DOCTYPE)
        html lang=(locale.language().tag()) {
            (head(title, true))
            body data-csrf=[principal.csrf.as_deref()] data-time-zone=(locale.zone_name()) data-messages=(super::script_text::messages(locale)) {
                a.skip href="#main" { (locale.text("layout-skip")) }
                header.top {
                    span.brand { "SafeCare" }
                    nav aria-label=(locale.text("nav-sections")) {
                        ul {
                            @for (href, label, permission) in NAV {
                                @if Access::Needs(*permission).allows(principal.role) {
                                    li {
                                        a href=(href) aria-current=[(*href == active).then_some("page")] { (locale.text(label)) }
                                    }
                                }
                            }
                        }
                    }
                    a.who href="/me" aria-current=[("/me" == active).then_some("page")] title=(locale.text("me-title")) { (principal.name) " · " (principal.role) }
                    button.logout type="button" data-action="logout" { (locale.text("layout-logout")) }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// A severity as a badge: colour and the word in the reader's language, so
/// colour is never the only signal.
pub fn severity(locale: &Locale, severity: Severity) -> Markup {
    html! { span class={ "sev sev-" (severity.as_str()) } { (locale.text(&format!("severity-{}", severity.as_str()))) } }
}

/// An incident's status in the reader's language.
pub fn status(locale: &Locale, status: IncidentStatus) -> String {
    locale.text(&format!("status-{}", status.as_str().replace('_', "-")))
}
