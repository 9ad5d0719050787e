//! The page shell: header, navigation for the caller's role, main content.

use maud::{DOCTYPE, Markup, html};
use safecare_model::Severity;

use crate::auth::{Access, Permission, Principal};

/// The sections of the dashboard, in menu order, with what they require.
const NAV: &[(&str, &str, Permission)] = &[
    ("/", "Overview", Permission::AlertsRead),
    ("/incidents", "Incidents", Permission::IncidentsRead),
    ("/plan", "Floor plan", Permission::AssetsRead),
    ("/events", "Events", Permission::EventsRead),
    ("/assets", "Assets", Permission::AssetsRead),
    ("/rules", "Rules", Permission::RulesRead),
    ("/notifications", "Notifications", Permission::IncidentsRead),
    ("/availability", "Availability", Permission::AvailabilityRead),
    ("/respond", "Respond", Permission::RespondView),
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
            @if script {
                script src="/static/app.js" defer {}
            }
        }
    }
}

/// A whole page. `active` is the path of the current section.
pub fn page(title: &str, principal: &Principal, active: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, true))
            body data-csrf=[principal.csrf.as_deref()] {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "SafeCare" }
                    nav aria-label="Sections" {
                        ul {
                            @for (href, label, permission) in NAV {
                                @if Access::Needs(*permission).allows(principal.role) {
                                    li {
                                        a href=(href) aria-current=[(*href == active).then_some("page")] { (label) }
                                    }
                                }
                            }
                        }
                    }
                    span.who { (principal.name) " · " (principal.role) }
                    button.logout type="button" data-action="logout" { "Log out" }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// A severity as a badge: colour and the word, so colour is never the
/// only signal.
pub fn severity(severity: Severity) -> Markup {
    html! { span class={ "sev sev-" (severity.as_str()) } { (severity.as_str()) } }
}

/// A timestamp as the dashboard shows it (UTC, to the second).
pub fn time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}
