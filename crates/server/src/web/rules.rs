//! The loaded rules with their hits since start, and the refused ones.

use axum::extract::{Extension, State};
use maud::{Markup, html};

use super::layout::{page as shell, severity};
use crate::AppState;
use crate::auth::Principal;

pub async fn page(State(state): State<AppState>, Extension(principal): Extension<Principal>) -> Markup {
    let rules = state.detection.rules();
    let hits = state.detection.hits();
    let mut list: Vec<_> = rules.rules().collect();
    list.sort_by(|a, b| hits.get(&b.id).cmp(&hits.get(&a.id)).then_with(|| a.title.cmp(&b.title)));
    let content = html! {
        p { (rules.summary()) }
        table.rules {
            caption { "Rules, most hits first" }
            thead { tr { th scope="col" { "Rule" } th scope="col" { "Kind" } th scope="col" { "Level" } th scope="col" { "Threat" } th scope="col" { "Tags" } th scope="col" { "Hits" } } }
            tbody {
                @for rule in list {
                    tr {
                        td { (rule.title) br; small { (rule.name.as_deref().unwrap_or(&rule.id)) } }
                        td { (format!("{:?}", rule.kind).to_lowercase()) }
                        td { (severity(rule.severity)) }
                        td { (rule.threat.as_deref().unwrap_or("")) }
                        td { (rule.tags.join(", ")) }
                        td { (hits.get(&rule.id).copied().unwrap_or(0)) }
                    }
                }
            }
        }
        @if !rules.refused().is_empty() {
            h2 { "Refused rules" }
            ul {
                @for refusal in rules.refused() {
                    li { (refusal.path.display()) ": " (refusal.reason) }
                }
            }
        }
    };
    shell("Rules", &principal, "/rules", content)
}
