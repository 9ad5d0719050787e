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
    let locale = &principal.locale;
    let content = html! {
        form.search method="get" action="/assets" role="search" {
            label { (locale.text("assets-find")) " " input type="search" name="q" value=(filter.q.clone().unwrap_or_default()) placeholder=(locale.text("assets-find-hint")); }
            button type="submit" { (locale.text("assets-search")) }
        }
        table.assets {
            caption { (locale.text_with("assets-shown", &[("shown", shown.len().into()), ("count", assets.len().into())])) }
            thead { tr { th scope="col" { (locale.text("assets-asset")) } th scope="col" { (locale.text("assets-kind")) } th scope="col" { (locale.text("assets-location")) } } }
            tbody {
                @for a in &shown {
                    tr { td { a href={ "/assets/" (a.id) } { (a.name) } br; small { (a.id) } } td { (a.kind.to_string()) } td { (a.location.path()) } }
                }
            }
        }
    };
    Ok(shell(&locale.text("nav-assets"), &principal, "/assets", content))
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
    let locale = &principal.locale;
    let content = html! {
        dl.facts {
            dt { (locale.text("assets-id")) } dd { (asset.id) }
            dt { (locale.text("assets-kind")) } dd { (asset.kind.to_string()) }
            dt { (locale.text("assets-location")) } dd { (asset.location.path()) }
            @for (threat, degree) in &asset.protections {
                dt { (locale.text_with("assets-protection", &[("threat", threat.as_str().into())])) } dd { (locale.number(*degree, 2)) }
            }
        }
        figure {
            div.graph-box.fit {
                (draw(&Graph::around(asset, &assets, &relations), &locale.text_with("assets-graph-label", &[("asset", asset.name.as_str().into())]), locale))
            }
            figcaption { (locale.text("assets-graph-caption")) }
        }
        div.columns {
            section { h2 { (locale.text("assets-relates-to")) }
                ul { @for r in &outgoing { li { (describe(r)) " → " a href={ "/assets/" (r.to) } { (name_of(&r.to)) } } } }
            }
            section { h2 { (locale.text("assets-related-to-it")) }
                ul { @for r in &incoming { li { a href={ "/assets/" (r.from) } { (name_of(&r.from)) } " → " (describe(r)) } } }
            }
        }
        p { a href={ "/events?asset=" (asset.id) } { (locale.text("assets-events")) } }
    };
    Ok(shell(&asset.name, &principal, "/assets", content))
}
