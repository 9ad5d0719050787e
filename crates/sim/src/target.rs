//! A running SafeCare reached over its API: records go in through the real
//! ingest routes (`POST /api/v1/sources/{name}/events` with the source's
//! decoder, `POST /api/v1/events` for SafeCare's own event form) or its
//! listeners ([`crate::transport`]), and what it raised is read back
//! (events, alerts, incidents, rules, stage lag).

use std::collections::BTreeMap;

use jiff::Timestamp;
use safecare_model::{Alert, Event, Incident};
use safecare_respond::IncidentRecord;
use safecare_respond::notify::OutboxEntry;
use safecare_respond::notify::routing::Route as NotifyRoute;
use serde::Deserialize;
use serde_json::Value;

use crate::plan::Plan;
use crate::scenario::API_SOURCE;
use crate::transport::{Route, TransportError};

/// The source name events posted to the event API are recorded under.
pub const API_SOURCE_NAME: &str = "sim";

/// Why talking to SafeCare failed.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The request did not complete.
    #[error("{what}: {source}")]
    Http {
        /// The request.
        what: String,
        /// Why.
        source: reqwest::Error,
    },
    /// SafeCare answered with an error.
    #[error("{what}: SafeCare answered {status}: {body}")]
    Refused {
        /// The request.
        what: String,
        /// The status.
        status: u16,
        /// Its body, which names the problem.
        body: String,
    },
    /// SafeCare took the request but refused some records.
    #[error("{what}: SafeCare refused {rejected} record(s): {errors}")]
    Records {
        /// The request.
        what: String,
        /// How many.
        rejected: u64,
        /// The errors it listed.
        errors: String,
    },
    /// A listener did not take the records.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A source the scenario sends through is not configured on the target.
    #[error("the target has no {transport} source named {source_name:?} (its sources: {known})")]
    NoSource {
        /// The source.
        source_name: String,
        /// Its transport in the scenario (`mqtt`, `mllp`…).
        transport: String,
        /// The sources the target has.
        known: String,
    },
    /// Exercise marks travel on the HTTP ingest route only.
    #[error(
        "an exercise run sends over HTTP only: source {source_name:?} is {transport}, which cannot carry the exercise mark"
    )]
    ExerciseTransport {
        /// The source.
        source_name: String,
        /// Its transport.
        transport: String,
    },
}

/// A rule the target runs.
#[derive(Debug, Clone, Deserialize)]
pub struct RuleInfo {
    /// Its id.
    pub id: String,
    /// Its short name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its title.
    pub title: String,
}

/// A SafeCare instance and the tokens to use with it.
#[derive(Debug, Clone)]
pub struct Target {
    base: String,
    client: reqwest::Client,
    token: String,
    source_tokens: BTreeMap<String, String>,
    routes: BTreeMap<String, Route>,
    exercise: Option<String>,
}

#[derive(Deserialize)]
struct IngestReply {
    #[serde(default)]
    rejected: u64,
    #[serde(default)]
    errors: Value,
}

impl Target {
    /// SafeCare at `base` (`http://127.0.0.1:8080`); `token` reads alerts
    /// and incidents and sends for every source without a token of its own.
    pub fn new(base: &str, token: &str) -> Target {
        Target {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            token: token.to_owned(),
            source_tokens: BTreeMap::new(),
            routes: BTreeMap::new(),
            exercise: None,
        }
    }

    /// Marks everything sent as part of exercise run `run`: SafeCare marks
    /// the events, the alerts they raise and the incidents those open, and
    /// [`Target::remove_exercise`] removes them afterwards.
    pub fn exercise(mut self, run: &str) -> Target {
        self.exercise = Some(run.to_owned());
        self
    }

    /// Removes everything exercise run `run` made on the target (an admin
    /// token is needed); returns SafeCare's counts of what it removed.
    pub async fn remove_exercise(&self, run: &str) -> Result<Value, TargetError> {
        let what = format!("removing exercise run {run}");
        let request = self.client.delete(format!("{}/api/v1/exercises/{run}", self.base)).bearer_auth(&self.token);
        let response = answered(request, &what, 200).await?;
        let text = response.text().await.map_err(|source| TargetError::Http { what, source })?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Sends `source`'s records with `token` (a sensor token of that source).
    pub fn with_source_token(mut self, source: &str, token: String) -> Target {
        self.source_tokens.insert(source.to_owned(), token);
        self
    }

    /// Sends the records of every listener source of `plan` to its port
    /// on `host` (its MQTT records to its broker) instead of the HTTP route.
    pub fn with_listeners(mut self, plan: &Plan, host: &str) -> Result<Target, TargetError> {
        for source in &plan.sources {
            if let Some(route) = Route::to(source, host)? {
                self.routes.insert(source.name.clone(), route);
            }
        }
        Ok(self)
    }

    /// The host of the base URL (where its listeners are).
    pub fn host(&self) -> &str {
        let rest = self.base.split_once("://").map_or(self.base.as_str(), |(_, rest)| rest);
        let authority = rest.split('/').next().unwrap_or(rest);
        match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Checks that the target has every source `plan` sends through (each
    /// configured source is listed by `GET /api/v1/sources`), and that an
    /// exercise run sends over HTTP only.
    pub async fn check_sources(&self, plan: &Plan) -> Result<(), TargetError> {
        let health: Value = self.get("/api/v1/sources", &[]).await?;
        let known: Vec<&str> = health["listeners"]
            .as_array()
            .map(|all| all.iter().filter_map(|l| l["source"].as_str()).collect())
            .unwrap_or_default();
        for source in &plan.sources {
            let transport = crate::validate::transport_name(&source.transport).to_owned();
            if !known.contains(&source.name.as_str()) {
                let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                return Err(TargetError::NoSource { source_name: source.name.clone(), transport, known });
            }
            if self.exercise.is_some() && self.routes.contains_key(&source.name) {
                return Err(TargetError::ExerciseTransport { source_name: source.name.clone(), transport });
            }
        }
        Ok(())
    }

    /// How many connections the listener of `source` has made or accepted
    /// (an MQTT subscriber counts its connections to the broker).
    pub async fn connections(&self, source: &str) -> Result<u64, TargetError> {
        let health: Value = self.get("/api/v1/sources", &[]).await?;
        Ok(health["listeners"]
            .as_array()
            .and_then(|all| all.iter().find(|l| l["source"] == source))
            .and_then(|l| l["connections"].as_u64())
            .unwrap_or(0))
    }

    /// Sends one emission's records through `source`: to its listener when
    /// it has one (on `topic` for MQTT), else through its ingest route.
    /// Lines go as `text/plain`, JSON records as NDJSON; event-API records
    /// are recorded under [`API_SOURCE_NAME`] unless they name a source.
    pub async fn send(&self, source: &str, topic: Option<&str>, records: &[Value]) -> Result<(), TargetError> {
        if let Some(route) = self.routes.get(source) {
            return Ok(route.send(source, topic, records).await?);
        }
        let token = self.source_tokens.get(source).unwrap_or(&self.token);
        let (url, what) = if source == API_SOURCE {
            (format!("{}/api/v1/events", self.base), "sending to the event API".to_owned())
        } else {
            (format!("{}/api/v1/sources/{source}/events", self.base), format!("sending to source {source}"))
        };
        let lines: Vec<String> = records.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        let json: Vec<String> = records
            .iter()
            .filter(|r| r.is_object())
            .map(|r| {
                let mut r = r.clone();
                if let (true, Some(map)) = (source == API_SOURCE, r.as_object_mut()) {
                    map.entry("source").or_insert_with(|| Value::from(API_SOURCE_NAME));
                }
                r.to_string()
            })
            .collect();
        for (body, kind) in [(lines, "text/plain"), (json, "application/x-ndjson")] {
            if body.is_empty() {
                continue;
            }
            let mut request = self.client.post(&url);
            if let Some(run) = &self.exercise {
                request = request.query(&[("exercise", run)]);
            }
            let request = request.bearer_auth(token).header("content-type", kind).body(body.join("\n"));
            let response = answered(request, &what, 202).await?;
            let text = response.text().await.map_err(|source| TargetError::Http { what: what.clone(), source })?;
            let reply: IngestReply =
                serde_json::from_str(&text).unwrap_or(IngestReply { rejected: 0, errors: Value::Null });
            if reply.rejected > 0 {
                return Err(TargetError::Records { what, rejected: reply.rejected, errors: reply.errors.to_string() });
            }
        }
        Ok(())
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, TargetError> {
        let what = format!("GET {path}");
        let request = self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.token).query(query);
        let response = answered(request, &what, 200).await?;
        response.json().await.map_err(|source| TargetError::Http { what, source })
    }

    /// The rules the target has loaded.
    pub async fn rules(&self) -> Result<Vec<RuleInfo>, TargetError> {
        #[derive(Deserialize)]
        struct Page {
            rules: Vec<RuleInfo>,
        }
        let page: Page = self.get("/api/v1/rules", &[]).await?;
        Ok(page.rules)
    }

    /// Events of `source` that occurred from `from` on, every page.
    pub async fn events(&self, source: &str, from: Timestamp) -> Result<Vec<Event>, TargetError> {
        #[derive(Deserialize)]
        struct Page {
            events: Vec<Event>,
            next: Option<String>,
        }
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("source", source.to_owned()), ("from", from.to_string()), ("limit", "1000".into())];
            if let Some(cursor) = &after {
                query.push(("after", cursor.clone()));
            }
            let page: Page = self.get("/api/v1/events", &query).await?;
            out.extend(page.events);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Alerts that started from `from` on (the newest thousand).
    pub async fn alerts(&self, from: Timestamp) -> Result<Vec<Alert>, TargetError> {
        self.get("/api/v1/alerts", &[("from", from.to_string()), ("limit", "1000".into())]).await
    }

    /// The newest thousand incidents (summaries).
    pub async fn incidents(&self) -> Result<Vec<Incident>, TargetError> {
        #[derive(Deserialize)]
        struct Page {
            incidents: Vec<Incident>,
        }
        let page: Page = self.get("/api/v1/incidents", &[("limit", "1000".into())]).await?;
        Ok(page.incidents)
    }

    /// One incident's whole record (impact, playbooks, timeline).
    pub async fn incident(&self, id: &str) -> Result<IncidentRecord, TargetError> {
        self.get(&format!("/api/v1/incidents/{id}"), &[]).await
    }

    /// The messages planned about incident `id`, newest first.
    pub async fn notifications(&self, id: &str) -> Result<Vec<OutboxEntry>, TargetError> {
        #[derive(Deserialize)]
        struct Page {
            notifications: Vec<OutboxEntry>,
        }
        let path = format!("/api/v1/incidents/{id}/notifications");
        let page: Page = self.get(&path, &[("limit", "1000".into())]).await?;
        Ok(page.notifications)
    }

    /// The notification routes the target runs.
    pub async fn routes(&self) -> Result<Vec<NotifyRoute>, TargetError> {
        #[derive(Deserialize)]
        struct View {
            routes: Vec<NotifyRoute>,
        }
        let view: View = self.get("/api/v1/notify/routes", &[]).await?;
        Ok(view.routes)
    }

    /// Acknowledges incident `id` as the reading token's user does from the
    /// incident view.
    pub async fn acknowledge(&self, id: &str) -> Result<(), TargetError> {
        let what = format!("acknowledging incident {id}");
        let request = self
            .client
            .post(format!("{}/api/v1/incidents/{id}/transition", self.base))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({"transition": "acknowledge"}));
        answered(request, &what, 200).await.map(drop)
    }

    /// Whether every pipeline stage has handled everything stored.
    pub async fn caught_up(&self) -> Result<bool, TargetError> {
        let sources: Value = self.get("/api/v1/sources", &[]).await?;
        let stages = sources["stages"].as_array().cloned().unwrap_or_default();
        Ok(stages.iter().all(|s| s["behind"].as_u64() == Some(0)))
    }
}

/// Sends `request`; any status but `expected` is SafeCare refusing it, with
/// the body that says why.
async fn answered(
    request: reqwest::RequestBuilder,
    what: &str,
    expected: u16,
) -> Result<reqwest::Response, TargetError> {
    let response = request.send().await.map_err(|source| TargetError::Http { what: what.to_owned(), source })?;
    let status = response.status().as_u16();
    if status != expected {
        let body = response.text().await.unwrap_or_default();
        return Err(TargetError::Refused { what: what.to_owned(), status, body });
    }
    Ok(response)
}
