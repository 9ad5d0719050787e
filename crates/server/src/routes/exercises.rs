//! Exercise runs: the mark a sender puts on what it sends
//! (`?exercise=RUN` on the ingest routes), and the removal of everything a
//! run made (`DELETE /api/v1/exercises/{run}`), which is audited.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::Uri;
use safecare_model::{EXERCISE_FIELD, Event};
use safecare_respond::Incidents;
use safecare_store::{ExerciseRemoved, Store};
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::privacy::Privacy;

/// The longest run id taken.
const MAX_RUN_ID: usize = 64;

/// The ingest routes' query: `exercise` marks every event of the request
/// as part of that run.
#[derive(Debug, Default, Deserialize)]
struct ExerciseParam {
    /// The run's id.
    exercise: Option<String>,
}

/// A run id: 1 to 64 letters, digits, `-`, `_` or `.`.
fn check_run(run: &str) -> Result<(), ApiError> {
    let fine = !run.is_empty()
        && run.len() <= MAX_RUN_ID
        && run.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fine {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "exercise run id {run:?}: use 1 to {MAX_RUN_ID} letters, digits, '-', '_' or '.'"
        )))
    }
}

/// The run an ingest request's query marks it with, if any.
pub fn run_of(uri: &Uri) -> Result<Option<String>, ApiError> {
    let Query(param) = Query::<ExerciseParam>::try_from_uri(uri).map_err(|e| ApiError::bad_request(e.body_text()))?;
    if let Some(run) = &param.exercise {
        check_run(run)?;
    }
    Ok(param.exercise)
}

/// Marks `events` as part of `run`.
pub fn mark(events: &mut [Event], run: Option<&str>) {
    if let Some(run) = run {
        for event in events {
            event.fields.insert(EXERCISE_FIELD.into(), run.into());
        }
    }
}

/// Removes the run's events, alerts and incidents; what is not marked
/// with it stays. Held under the grouping lock so that no incident of the
/// run is being saved meanwhile.
pub async fn remove(
    State(store): State<Arc<dyn Store>>,
    State(incidents): State<Incidents>,
    State(privacy): State<Arc<Privacy>>,
    Extension(principal): Extension<Principal>,
    Path(run): Path<String>,
) -> Result<Json<ExerciseRemoved>, ApiError> {
    check_run(&run)?;
    let removed = {
        let _grouping = incidents.lock().await;
        store.delete_exercise(&run).await?
    };
    let detail = format!(
        "{} events, {} alerts, {} incidents, {} messages",
        removed.events, removed.alerts, removed.incidents, removed.messages
    );
    tracing::info!(run, %detail, "exercise removed");
    let _ = privacy.record(&principal.name, "exercise.remove", &run, &detail).await;
    Ok(Json(removed))
}
