//! Event search through the API and the events page: the search language,
//! times in the reader's zone, personal values searched by their tokens
//! (and audited), errors named (JSON for the API, in the page for people),
//! and saved searches.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::config;
use reqwest::StatusCode;
use safecare_model::{Language, Role};
use safecare_server::provision;
use serde_json::{Value, json};

async fn seed(client: &reqwest::Client, base: &str) {
    let events = [
        json!({"domain": "cyber", "message": "vssadmin delete shadows /all /quiet", "asset": "ws-12",
               "fields": {"User": "alice", "EventID": 4688}}),
        json!({"domain": "cyber", "message": "An account failed to log on", "asset": "dc-1",
               "fields": {"TargetUserName": "alice", "EventID": 4625, "WorkstationName": "ws-12"}}),
        json!({"domain": "cyber", "message": "An account failed to log on", "asset": "dc-1",
               "fields": {"TargetUserName": "bob", "EventID": 4625}}),
        json!({"domain": "physical", "message": "door forced", "fields": {"door": "pharmacy-1"}}),
    ];
    common::post_ndjson(client, base, events.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")).await;
}

fn messages(page: &Value) -> Vec<String> {
    page["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_api_takes_the_search_language_and_searches_people_by_their_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(config(dir.path())).await;
    let base = server.url();
    seed(&admin, &base).await;
    let find = |q: &str| {
        let url = format!("{base}/api/v1/events?{}", serde_urlencoded::to_string([("q", q)]).unwrap());
        let admin = admin.clone();
        async move { admin.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(messages(&find("shadow").await), ["vssadmin delete shadows /all /quiet"], "words by their start");
    // alice was pseudonymised on ingest: her clear name finds her events.
    let alice = find("user:alice").await;
    assert_eq!(alice["events"].as_array().unwrap().len(), 2, "{alice}");
    assert!(!alice.to_string().contains("\"alice\""), "the answer holds the token, not the name");
    assert_eq!(messages(&find("user:alice EventID:4625").await), ["An account failed to log on"]);
    assert_eq!(find("user:alice,bob EventID:4625").await["events"].as_array().unwrap().len(), 2);
    assert_eq!(messages(&find("door:pharmacy-1 domain:physical").await), ["door forced"]);
    assert_eq!(find("host:ws-12").await["events"].as_array().unwrap().len(), 2, "asset or workstation field");
    // The search for a person is in the audit chain, by token only.
    let audit = admin.get(format!("{base}/api/v1/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("events.search") && audit.contains("user:usr_"), "{audit}");
    assert!(!audit.contains("user:alice"), "{audit}");

    // Relative and day times are accepted; a bad one is named with the forms.
    let get = |query: &str| admin.get(format!("{base}/api/v1/events?{query}")).send();
    assert_eq!(get("from=yesterday&to=now").await.unwrap().status(), StatusCode::OK);
    assert_eq!(messages(&get("from=-15m&q=door").await.unwrap().json().await.unwrap()), ["door forced"]);
    let bad = get("from=soon").await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let err: Value = bad.json().await.unwrap();
    let text = err["error"].as_str().unwrap();
    assert!(text.contains("from") && text.contains("soon") && text.contains("-24h"), "{text}");
    let err: Value = get("q=severity:loud").await.unwrap().json().await.unwrap();
    assert!(err["error"].as_str().unwrap().contains("loud"), "{err}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn saved_searches_are_checked_listed_and_deleted_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(config(dir.path())).await;
    let base = server.url();
    let analyst = common::client_with(&common::token(&server, Role::SocAnalyst, None).await);
    let save =
        |client: &reqwest::Client, body: Value| client.post(format!("{base}/api/v1/searches")).json(&body).send();

    let saved =
        save(&analyst, json!({"name": "alice's logons", "query": "q=user%3Aalice+EventID%3A4625&from=-7d&after=1.1"}))
            .await
            .unwrap();
    assert_eq!(saved.status(), StatusCode::CREATED);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["query"], "q=user%3Aalice+EventID%3A4625&from=-7d", "only the search and its range");
    for (body, part) in [
        (json!({"name": "x", "query": "from=soon"}), "soon"),
        (json!({"name": "x", "query": "q=user%3A"}), "user"),
        (json!({"name": " ", "query": "q=x"}), "name"),
        (json!({"name": "x"}), "query"),
    ] {
        let refused = save(&analyst, body.clone()).await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
        let err: Value = refused.json().await.unwrap();
        assert!(err["error"].as_str().unwrap().contains(part), "{body}: {err}");
    }
    let list = |client: &reqwest::Client| {
        let client = client.clone();
        let url = format!("{base}/api/v1/searches");
        async move { client.get(url).send().await.unwrap().json::<Vec<Value>>().await.unwrap() }
    };
    assert_eq!(list(&analyst).await.len(), 1);
    assert!(list(&admin).await.is_empty(), "each person sees their own");
    let name = "alice's logons";
    let delete = |client: &reqwest::Client| client.delete(format!("{base}/api/v1/searches/{name}")).send();
    assert_eq!(delete(&admin).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(delete(&analyst).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert!(list(&analyst).await.is_empty());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_page_reads_times_in_the_readers_zone_and_shows_errors_in_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(config(dir.path())).await;
    let base = server.url();
    seed(&admin, &base).await;
    let accounts = server.state.accounts.as_ref();
    provision::add_user(accounts, "analyste", Role::SocAnalyst, "analyste password 1").await.unwrap();
    let mut user = accounts.get_user("analyste").await.unwrap().unwrap();
    user.preferences.language = Some(Language::Fr);
    user.preferences.time_zone = Some("Europe/Paris".into());
    accounts.put_user(user).await.unwrap();
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = browser
        .post(format!("{base}/login"))
        .form(&[("username", "analyste"), ("password", "analyste password 1"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let page = |query: &str| {
        let browser = browser.clone();
        let url = format!("{base}/events?{query}");
        async move {
            let answer = browser.get(url).send().await.unwrap();
            assert_eq!(answer.status(), StatusCode::OK, "a page, never a JSON error");
            answer.text().await.unwrap()
        }
    };
    // The first visit shows the last 24 hours, with its histogram.
    let first = page("").await;
    assert!(first.contains(r#"name="from" id="from" value="-24h""#), "{first}");
    assert!(first.contains("4 événements"), "the catalogue's plural");
    assert!(first.contains("Europe/Paris"));
    assert!(first.contains(r#"id="histogram""#));
    let found = page("q=user%3Aalice&preset=-1h").await;
    assert!(found.contains("2 événements"), "{found}");
    assert!(found.contains(r#"value="-1h""#), "the preset becomes the start");
    let one = page("q=user%3Aalice+EventID%3A4625&from=-1h").await;
    assert!(one.contains("1 événement,"), "{one}");
    assert!(one.contains(r#"href="/events/"#), "each row links to its event");

    let bad = page("q=door&from=2026-12-32").await;
    assert!(bad.contains(r#"id="search-error""#), "{bad}");
    assert!(bad.contains("Du : « 2026-12-32 » n'est pas une date"), "{bad}");
    assert!(bad.contains(r#"name="q" id="q" value="door""#), "the search is kept");
    assert!(!bad.contains(r#"id="events""#), "no results for a search that did not run");
    // A time of day is the reader's: 00:00 in Paris is 23:00 UTC the day before.
    let day = page("from=2026-12-05&to=2026-12-05").await;
    assert!(day.contains("05/12/2026 00:00:00 CET"), "{day}");
    server.stop().await.unwrap();
}
