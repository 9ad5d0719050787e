//! The loaded rules with their hits since start, whether each runs (with a
//! switch for those who may change it), and the refused ones.

use axum::extract::{Extension, State};
use maud::{Markup, html};

use super::layout::{page as shell, severity};
use crate::auth::{Access, Permission, Principal};
use crate::pipeline::Detection;

pub async fn page(State(detection): State<Detection>, Extension(principal): Extension<Principal>) -> Markup {
    let catalog = detection.catalog();
    let hits = detection.hits();
    let may_switch = Access::Needs(Permission::RulesWrite).allows(principal.role);
    let mut list: Vec<_> = catalog.all.rules().collect();
    list.sort_by(|a, b| hits.get(&b.id).cmp(&hits.get(&a.id)).then_with(|| a.title.cmp(&b.title)));
    let disabled = list.iter().filter(|r| !catalog.enabled(&r.id)).count();
    let content = html! {
        p { (catalog.all.summary()) ", " (disabled) " disabled" }
        table.rules {
            caption { "Rules, most hits first" }
            thead { tr {
                th scope="col" { "Rule" } th scope="col" { "Kind" } th scope="col" { "Level" } th scope="col" { "Threat" }
                th scope="col" { "Tags" } th scope="col" { "Hits" } th scope="col" { "State" }
            } }
            tbody {
                @for rule in list {
                    @let enabled = catalog.enabled(&rule.id);
                    tr class=[(!enabled).then_some("disabled")] {
                        td { (rule.title) br; small { (rule.name.as_deref().unwrap_or(&rule.id)) } }
                        td { (format!("{:?}", rule.kind).to_lowercase()) }
                        td { (severity(rule.severity)) }
                        td { (rule.threat.as_deref().unwrap_or("")) }
                        td { (rule.tags.join(", ")) }
                        td { (hits.get(&rule.id).copied().unwrap_or(0)) }
                        td {
                            (if enabled { "enabled" } else { "disabled" })
                            @if may_switch {
                                // Sent by app.js as a PUT carrying the
                                // session's CSRF token, like every change
                                // made from the dashboard.
                                form.rule-switch method="post" data-rule=(rule.id) data-enabled=(!enabled) {
                                    button type="submit" aria-label={ (if enabled { "Disable " } else { "Enable " }) (rule.title) } {
                                        (if enabled { "Disable" } else { "Enable" })
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !catalog.all.refused().is_empty() {
            h2 { "Refused rules" }
            ul {
                @for refusal in catalog.all.refused() {
                    li { (refusal.path.display()) ": " (refusal.reason) }
                }
            }
        }
    };
    shell("Rules", &principal, "/rules", content)
}
