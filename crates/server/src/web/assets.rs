//! The asset inventory: a searchable list, and one asset with what it
//! relates to.

use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use maud::{Markup, html};
use safecare_model::Relation;
use safecare_store::Store;
use serde::Deserialize;

use super::impact_graph::{Graph, draw};
use super::layout::page as shell;
use crate::auth::Principal;
use crate::error::ApiError;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    q: Option<String>,
}

pub async fn list(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Query(filter): Query<Filter>,
) -> Result<Markup, ApiError> {
    let needle = filter.q.clone().unwrap_or_default().to_lowercase();
    let assets = store.list_assets().await?;
    let shown: Vec<_> = assets
        .iter()
        .filter(|a| {
            needle.is_empty()
                || a.id.to_lowercase().contains(&needle)
                || a.name.to_lowercase().contains(&needle)
                || a.kind.to_string().contains(&needle)
                || a.location.path().to_lowercase().contains(&needle)
        })
        .collect();
    let content = html! {
        form.search method="get" action="/assets" role="search" {
            label { "Find " input type="search" name="q" value=(filter.q.clone().unwrap_or_default()) placeholder="name, kind or place"; }
            button type="submit" { "Search" }
        }
        table.assets {
            caption { (shown.len()) " of " (assets.len()) " assets" }
            thead { tr { th scope="col" { "Asset" } th scope="col" { "Kind" } th scope="col" { "Location" } } }
            tbody {
                @for a in &shown {
                    tr { td { a href={ "/assets/" (a.id) } { (a.name) } br; small { (a.id) } } td { (a.kind.to_string()) } td { (a.location.path()) } }
                }
            }
        }
    };
    Ok(shell("Assets", &principal, "/assets", content))
}

fn describe(relation: &Relation) -> String {
    let kind = relation.kind.as_str();
    match relation.class {
        Some(class) => format!("{kind} ({})", class.as_str()),
        None => kind.to_owned(),
    }
}

pub async fn one(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Markup, ApiError> {
    let assets = store.list_assets().await?;
    let asset = assets.iter().find(|a| a.id == id).ok_or_else(|| ApiError::not_found(format!("no asset {id}")))?;
    let relations = store.list_relations().await?;
    let name_of = |id: &str| assets.iter().find(|a| a.id == id).map_or(id.to_owned(), |a| a.name.clone());
    let outgoing: Vec<&Relation> = relations.iter().filter(|r| r.from == id).collect();
    let incoming: Vec<&Relation> = relations.iter().filter(|r| r.to == id).collect();
    let content = html! {
        dl.facts {
            dt { "Id" } dd { (asset.id) }
            dt { "Kind" } dd { (asset.kind.to_string()) }
            dt { "Location" } dd { (asset.location.path()) }
            @for (threat, degree) in &asset.protections {
                dt { "Protection against " (threat) } dd { (format!("{degree:.2}")) }
            }
        }
        figure {
            div.graph-box.fit {
                (draw(&Graph::around(asset, &assets, &relations), &format!("{} and the assets it relates to", asset.name)))
            }
            figcaption { "What relates to it (left), the asset (middle) and what it relates to (right); each arrow's relation is named below and shown on hover." }
        }
        div.columns {
            section { h2 { "It relates to" }
                ul { @for r in &outgoing { li { (describe(r)) " → " a href={ "/assets/" (r.to) } { (name_of(&r.to)) } } } }
            }
            section { h2 { "Related to it" }
                ul { @for r in &incoming { li { a href={ "/assets/" (r.from) } { (name_of(&r.from)) } " → " (describe(r)) } } }
            }
        }
        p { a href={ "/events?asset=" (asset.id) } { "Events of this asset" } }
    };
    Ok(shell(&asset.name, &principal, "/assets", content))
}
