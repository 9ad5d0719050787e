//! Languages: a person's own language and time zone over the API (checked,
//! stored on their record and their session at once), the site's
//! `[display]` default for those who chose none, and the dashboard pages
//! written in the reader's language.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, start_with_admin};
use reqwest::StatusCode;
use safecare_model::{Language, Role};
use serde_json::{Value, json};

/// A browser session for a new user of `role`, with its CSRF token.
async fn signed_in(server: &safecare_server::RunningServer, name: &str, role: Role) -> (reqwest::Client, String) {
    let browser = common::signed_in(server, name, role).await;
    let me: Value = browser.get(format!("{}/api/v1/auth/me", server.url())).send().await.unwrap().json().await.unwrap();
    let csrf = me["csrf"].as_str().unwrap().to_owned();
    (browser, csrf)
}

async fn put(browser: &reqwest::Client, csrf: &str, url: &str, body: Value) -> (StatusCode, Value) {
    let answer = browser.put(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn page(browser: &reqwest::Client, url: String) -> String {
    let answer = browser.get(url).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    answer.text().await.unwrap()
}

#[tokio::test]
async fn a_person_chooses_language_and_time_zone_and_the_next_page_follows() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.display.language = Language::It;
    cfg.display.time_zone = "Europe/Rome".into();
    let (server, admin) = start_with_admin(cfg).await;
    let base = server.url();
    let url = format!("{base}/api/v1/me/preferences");
    let (guard, csrf) = signed_in(&server, "garde", Role::SecurityGuard).await;

    // Nothing chosen: the site's defaults.
    let mine: Value = guard.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        mine,
        json!({"language": null, "time_zone": null, "effective": {"language": "it", "time_zone": "Europe/Rome"}})
    );
    let incidents = page(&guard, format!("{base}/incidents")).await;
    assert!(incidents.contains("<html lang=\"it\"") && incidents.contains("Incidenti"), "{incidents}");

    // Bad choices are refused with what is wrong, and change nothing.
    let (status, error) = put(&guard, &csrf, &url, json!({"language": "de"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "unknown language \"de\": expected one of en, fr, it, nl");
    let (status, error) = put(&guard, &csrf, &url, json!({"time_zone": "Europe/Lutece"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"].as_str().unwrap().contains("unknown time zone \"Europe/Lutece\""), "{error}");
    let (status, error) = put(&guard, &csrf, &url, json!({"langue": "fr"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"].as_str().unwrap().contains("langue"), "{error}");
    let unchanged: Value = guard.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(unchanged, mine);
    // Without the session's CSRF token a browser cannot change them.
    let forged = guard.put(&url).json(&json!({"language": "fr"})).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // A choice takes effect on the very next page of the same session.
    let (status, chosen) = put(&guard, &csrf, &url, json!({"language": "fr", "time_zone": "Europe/Paris"})).await;
    assert_eq!(status, StatusCode::OK, "{chosen}");
    assert_eq!(chosen["effective"], json!({"language": "fr", "time_zone": "Europe/Paris"}));
    let incidents = page(&guard, format!("{base}/incidents")).await;
    assert!(incidents.contains("<html lang=\"fr\""), "{incidents}");
    assert!(incidents.contains("data-time-zone=\"Europe/Paris\""), "{incidents}");
    assert!(incidents.contains("Se déconnecter") && incidents.contains("Équipements"), "{incidents}");
    assert!(incidents.contains("href=\"/me\""), "the user name leads to the settings page");
    // Stored on the record: a new session starts in French too.
    let user = server.state.accounts.get_user("garde").await.unwrap().unwrap();
    assert_eq!(user.preferences.language, Some(Language::Fr));
    assert_eq!(user.preferences.time_zone.as_deref(), Some("Europe/Paris"));

    // The settings page shows the choice in the reader's language.
    let me = page(&guard, format!("{base}/me")).await;
    assert!(me.contains("Mes réglages") && me.contains("Votre heure actuelle"), "{me}");
    assert!(me.contains("<option value=\"fr\" lang=\"fr\" selected>Français</option>"), "{me}");
    assert!(me.contains("<option value=\"Europe/Paris\" selected>Europe/Paris</option>"), "{me}");
    assert!(me.contains("Valeur du site (Italiano)"), "{me}");

    // Empty choices go back to the site's defaults.
    let (status, reset) = put(&guard, &csrf, &url, json!({"language": null, "time_zone": ""})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reset["effective"], json!({"language": "it", "time_zone": "Europe/Rome"}));
    assert!(page(&guard, format!("{base}/incidents")).await.contains("<html lang=\"it\""));

    // API tokens have no preferences of their own.
    let refused = admin.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: Value = refused.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("log in as a person"), "{body}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn every_signed_in_role_may_change_its_own_preferences() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start_with_admin(config(dir.path())).await;
    let url = format!("{}/api/v1/me/preferences", server.url());
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Sensor) {
        let (browser, csrf) = signed_in(&server, &format!("user-{role}"), role).await;
        let (status, answer) = put(&browser, &csrf, &url, json!({"language": "nl"})).await;
        assert_eq!(status, StatusCode::OK, "{role}: {answer}");
    }
    server.stop().await.unwrap();
}
