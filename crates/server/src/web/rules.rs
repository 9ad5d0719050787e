//! The loaded rules with their hits since start, whether each runs (with a
//! switch for those who may change it), and the refused ones.

use axum::extract::{Extension, State};
use maud::{Markup, html};

use super::layout::{page as shell, severity};
use super::links;
use crate::auth::{Access, Permission, Principal};
use crate::pipeline::Detection;

pub async fn page(State(detection): State<Detection>, Extension(principal): Extension<Principal>) -> Markup {
    let catalog = detection.catalog();
    let hits = detection.hits();
    let may_switch = Access::Needs(Permission::RulesWrite).allows(principal.role);
    let mut list: Vec<_> = catalog.all.rules().collect();
    list.sort_by(|a, b| hits.get(&b.id).cmp(&hits.get(&a.id)).then_with(|| a.title.cmp(&b.title)));
    let disabled = list.iter().filter(|r| !catalog.enabled(&r.id)).count();
    let locale = &principal.locale;
    let content = html! {
        p { (catalog.all.summary()) ", " (locale.text_with("rules-disabled-count", &[("count", disabled.into())])) }
        table.rules {
            caption { (locale.text("rules-caption")) }
            thead { tr {
                th scope="col" { (locale.text("rules-rule")) } th scope="col" { (locale.text("rules-kind")) } th scope="col" { (locale.text("rules-level")) } th scope="col" { (locale.text("rules-threat")) }
                th scope="col" { (locale.text("rules-tags")) } th scope="col" { (locale.text("rules-hits")) } th scope="col" { (locale.text("rules-state")) }
            } }
            tbody {
                @for rule in list {
                    @let enabled = catalog.enabled(&rule.id);
                    tr id=(links::rule_anchor(&rule.id)) class=[(!enabled).then_some("disabled")] {
                        td { (rule.title) br; small { (rule.name.as_deref().unwrap_or(&rule.id)) } }
                        td { (format!("{:?}", rule.kind).to_lowercase()) }
                        td { (severity(locale, rule.severity)) }
                        td { (rule.threat.as_deref().unwrap_or("")) }
                        td { (rule.tags.join(", ")) }
                        td { (locale.number(hits.get(&rule.id).copied().unwrap_or(0) as f64, 0)) }
                        td {
                            (if enabled { locale.text("rules-enabled") } else { locale.text("rules-disabled") })
                            @if may_switch {
                                // Sent by app.js as a PUT carrying the
                                // session's CSRF token, like every change
                                // made from the dashboard.
                                form.rule-switch method="post" data-rule=(rule.id) data-enabled=(!enabled) {
                                    @let title = rule.title.as_str();
                                    @let (label, action) = if enabled {
                                        (locale.text_with("rules-disable-one", &[("rule", title.into())]), locale.text("rules-disable"))
                                    } else {
                                        (locale.text_with("rules-enable-one", &[("rule", title.into())]), locale.text("rules-enable"))
                                    };
                                    button type="submit" aria-label=(label) { (action) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !catalog.all.refused().is_empty() {
            h2 { (locale.text("rules-refused")) }
            ul {
                @for refusal in catalog.all.refused() {
                    li { (refusal.path.display()) ": " (refusal.reason) }
                }
            }
        }
    };
    shell(&locale.text("nav-rules"), &principal, "/rules", content)
}
