//! The dashboard's pages as a browser without script sees them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, signed_in};
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

#[tokio::test]
async fn the_notifications_page_shows_routes_roster_and_channels_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.notify = serde_json::from_value(json!({
        "channels": {
            // Nothing listens there: the page shows settings, it sends nothing.
            "soc-hook": { "type": "webhook", "url": "https://hook-user:url-password@127.0.0.1:9/in?token=query-token",
                          "secret": "webhook-signing-secret" },
            "mail": { "type": "email", "host": "smtp.hospital.example", "from": "safecare@hospital.example",
                      "to": ["soc@hospital.example"], "username": "safecare", "password": "smtp-password-secret" }
        },
        "routes": [
            { "name": "ransomware-night", "channel": "soc-hook", "min_severity": "high", "threats": ["ransomware"],
              "domains": ["cyber"], "buildings": ["main"], "zones": ["icu"], "role": "it_security",
              "escalate_after_minutes": 15 },
            { "name": "drill", "channel": "mail", "exercise": true }
        ],
        "roster": { "time_zone": "Europe/Paris", "shifts": [
            { "role": "it_security", "tier": 1, "name": "Ann Always", "contact": "+33 6 00 00 00 01" },
            { "role": "it_security", "tier": 2, "name": "Bob Never", "contact": "bob@hospital.example",
              "days": ["mon"], "from": "03:00", "to": "03:00:01" }
        ] }
    }))
    .unwrap();
    let server = start(cfg).await.unwrap();
    let base = server.url();

    let analyst = signed_in(&server, "analyst", Role::SocAnalyst).await;
    let page = analyst.get(format!("{base}/notifications")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for part in [
        "ransomware-night",
        "high or worse",
        "ransomware",
        "cyber",
        "main",
        "icu",
        "it_security",
        "next tier after 15 min unacknowledged",
        "drill",
        "Europe/Paris",
        "Ann Always",
        "https://127.0.0.1:9/in?…",
        "smtp.hospital.example:587",
        "STARTTLS",
        "set (not shown)",
        "No message yet.",
        "href=\"/notifications\" aria-current=\"page\"",
    ] {
        assert!(html.contains(part), "the page lacks {part}: {html}");
    }
    // Ann is on call all the time; Bob one second a week.
    assert!(html.contains("<span id=\"on-call-now\">Ann Always (it_security tier 1)"), "{html}");
    assert!(html.contains("Bob Never") && html.contains("mon, 03:00 to 03:00"), "{html}");
    for secret in ["webhook-signing-secret", "smtp-password-secret", "url-password", "hook-user", "query-token"] {
        assert!(!html.contains(secret), "{secret} is shown");
    }
    // Contacts are personal data the settings view does not need.
    assert!(!html.contains("+33 6") && !html.contains("bob@hospital.example"));
    assert!(!html.contains("Send test"), "an analyst may not send tests");

    let admin = signed_in(&server, "boss", Role::Admin).await;
    let html = admin.get(format!("{base}/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-url=\"/api/v1/notify/routes/ransomware-night/test\""), "{html}");
    assert_eq!(html.matches(">Send test</button>").count(), 2);

    // Whoever reads incidents reads the settings; a sensor does not.
    let guard = signed_in(&server, "guard", Role::SecurityGuard).await;
    assert_eq!(guard.get(format!("{base}/notifications")).send().await.unwrap().status(), StatusCode::OK);
    let sensor = common::client_with(&common::token(&server, Role::Sensor, Some("doors")).await);
    assert_eq!(sensor.get(format!("{base}/notifications")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_availability_board_shows_each_service_its_cause_override_beds_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    common::load_demo_hospital(&server).await;
    let admin = common::client_with(&common::token(&server, Role::Admin, None).await);
    common::post_ndjson(&admin, &base, common::attack_events(3)).await;
    common::settled_incidents(&admin, &base).await;
    let mut degraded = None;
    for _ in 0..100 {
        let board: serde_json::Value =
            admin.get(format!("{base}/api/v1/availability")).send().await.unwrap().json().await.unwrap();
        let theatres = board["services"].as_array().unwrap().iter().find(|s| s["id"] == "svc-theatres").unwrap();
        if theatres["status"] == "degraded" {
            degraded = Some(theatres.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let degraded = degraded.expect("the theatres never became degraded");
    // Expected back when the worst cause's threat has recovered (the impact model's recovery time).
    let end: jiff::Timestamp = degraded["expected_end"].as_str().expect("an expected end").parse().unwrap();
    assert_eq!(degraded["causes"][0]["until"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap(), end);
    assert!(end > degraded["causes"][0]["expected_at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap());
    let crisis = common::client_with(&common::token(&server, Role::CrisisManager, None).await);
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3);
    let set = crisis
        .put(format!("{base}/api/v1/availability/services/svc-maternity"))
        .json(&json!({"status": "closed", "reason": "midwives evacuated the 2nd floor", "expires": expires}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);

    let manager = signed_in(&server, "cm", Role::CrisisManager).await;
    let page = manager.get(format!("{base}/availability")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let row = |id: &str| {
        let start = html.find(&format!("data-service=\"{id}\"")).unwrap_or_else(|| panic!("no row {id}: {html}"));
        let end = html[start..].find("</tr>").unwrap() + start;
        html[start..end].to_owned()
    };
    let theatres = row("svc-theatres");
    assert!(theatres.contains("class=\"avail-degraded\""), "{theatres}");
    assert!(theatres.contains("href=\"/incidents/"), "the cause links its incident: {theatres}");
    assert!(theatres.contains("2 of 6") || theatres.contains("7 of 14"), "{theatres}");
    assert!(theatres.contains("anaesthetists 4/5"), "{theatres}");
    assert!(theatres.contains(&format!("data-expected-end=\"{end}\"")), "{theatres}");
    assert!(theatres.contains(&format!("expected back {}", end.strftime("%Y-%m-%d %H:%M:%S UTC"))), "{theatres}");
    let maternity = row("svc-maternity");
    assert!(maternity.contains("class=\"avail-closed\""), "{maternity}");
    assert!(maternity.contains("midwives evacuated the 2nd floor") && maternity.contains("(assessed "), "{maternity}");
    assert!(maternity.contains(&format!("data-expected-end=\"{expires}\"")), "the override's expiry: {maternity}");
    assert!(html.contains("class=\"avail-operational\""), "services no incident reaches stay operational: {html}");
    assert!(html.contains("href=\"/availability\" aria-current=\"page\""), "{html}");
    let history = &html[html.find("What changed and why").unwrap()..];
    assert!(history.contains("svc-maternity") && history.contains(">override<"), "{history}");
    assert!(history.contains("svc-theatres") && history.contains(">degraded<"), "{history}");

    // The crisis manager has an override form per service, sent to the API as PUT.
    assert!(
        theatres.contains("data-url=\"/api/v1/availability/services/svc-theatres\" data-method=\"PUT\""),
        "{theatres}"
    );
    assert!(theatres.contains("name=\"reason\" required") && theatres.contains("name=\"expires\""));
    let offered =
        theatres.split("<option value=\"").filter_map(|o| o.split('"').next()?.parse::<jiff::Timestamp>().ok());
    assert_eq!(offered.count(), 5, "five expiries, as timestamps the API takes: {theatres}");

    // Responders read it, without the form; a sensor and the privacy officer do not.
    let responder = signed_in(&server, "field", Role::Responder).await;
    let seen = responder.get(format!("{base}/availability")).send().await.unwrap();
    assert_eq!(seen.status(), StatusCode::OK);
    assert!(!seen.text().await.unwrap().contains("data-method=\"PUT\""), "only a crisis manager overrides");
    let officer = signed_in(&server, "dpo", Role::PrivacyOfficer).await;
    assert_eq!(officer.get(format!("{base}/availability")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    server.stop().await.unwrap();
}
