//! The dashboard's pages as a browser without script sees them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::config;
use reqwest::StatusCode;
use safecare_model::Role;
use safecare_server::{provision, start};
use serde_json::json;

#[tokio::test]
async fn log_in_with_the_form_and_see_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    provision::add_user(server.state.accounts.as_ref(), "analyst", Role::SocAnalyst, "analyst password 1")
        .await
        .unwrap();
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let to_login = browser.get(format!("{base}/events?q=door")).send().await.unwrap();
    assert_eq!(to_login.status(), StatusCode::SEE_OTHER);
    assert_eq!(to_login.headers()["location"], "/login?next=/events%3Fq%3Ddoor");

    let form = browser.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<form method=\"post\" action=\"/login\""), "{form}");

    let wrong = browser
        .post(format!("{base}/login"))
        .form(&[("username", "analyst"), ("password", "nope nope nope"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("invalid username or password"));

    let ok = browser
        .post(format!("{base}/login"))
        .form(&[("username", "analyst"), ("password", "analyst password 1"), ("next", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/", "never sent to another site");

    // Something to show.
    let token = common::token(&server, Role::Sensor, Some("doors")).await;
    common::client_with(&token)
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/json")
        .body(json!({"domain": "physical", "message": "door <forced> at pharmacy", "asset": "door-ph-1"}).to_string())
        .send()
        .await
        .unwrap();

    let overview = browser.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    for part in ["Threat level", "Live alerts", "Open incidents", "Sources", "doors", "/static/app.js", "data-csrf"] {
        assert!(overview.contains(part), "overview lacks {part}");
    }
    let events = browser.get(format!("{base}/events?q=pharmacy")).send().await.unwrap().text().await.unwrap();
    assert!(events.contains("door &lt;forced&gt; at pharmacy"), "escaped, and found by text");
    assert!(!events.contains("<forced>"));
    let rules = browser.get(format!("{base}/rules")).send().await.unwrap().text().await.unwrap();
    assert!(rules.contains("Door Forced Open At Pharmacy"));
    // A soc analyst has no Users page; an asset page that does not exist is 404.
    let missing = browser.get(format!("{base}/assets/nope")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let css = browser.get(format!("{base}/static/app.css")).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(css.headers()["cache-control"], "no-cache", "static files set their own caching");
    let page = browser.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    server.stop().await.unwrap();
}
