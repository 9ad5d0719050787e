//! The HTML report of a real in-process run, opened in headless Chromium:
//! the verdict, every step with its outcome and rule, the timeline, the
//! incident with its services and every incident's acknowledgement are on
//! the page, drawn from the page alone
//! (a `file://` URL: nothing else is fetched).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../server/tests/browser_support/mod.rs"]
mod browser_support;

use fantoccini::Locator;
use safecare_sim::{RunOptions, prepare, run_in_process};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_shows_the_run_in_a_browser() {
    let Some(browser) = browser_support::start().await else { return };
    let (plan, site) = prepare("demo-attack").unwrap();
    let options = RunOptions { seed: 1, speed: 10.0, progress: false, announce: false, wait_ack: None };
    let report = run_in_process(&plan, site, options).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, safecare_sim::html::render(&report)).unwrap();

    let b = &browser.client;
    b.goto(&format!("file://{}", file.display())).await.unwrap();
    let verdict = b.find(Locator::Id("verdict")).await.unwrap().text().await.unwrap();
    assert_eq!(verdict, if report.passed { "PASSED" } else { "FAILED" });
    let title = b.title().await.unwrap();
    assert!(title.contains(&report.title), "{title}");

    let steps = b.find(Locator::Id("steps")).await.unwrap().text().await.unwrap();
    for step in &report.steps {
        assert!(steps.contains(&step.id), "step {} missing from:\n{steps}", step.id);
        for check in &step.expected {
            assert!(steps.contains(&check.rule), "rule {} missing", check.rule);
        }
    }
    // Each step is drawn on the timeline, the detected ones with a bar to
    // their detection.
    let drawn = b.find_all(Locator::Css("#timeline g.step")).await.unwrap();
    assert_eq!(drawn.len(), report.steps.len());
    let detected = report.steps.iter().filter(|s| s.expected.iter().any(|c| c.time_to_detect_ms.is_some())).count();
    assert!(detected > 0);
    let bars = b.find_all(Locator::Css("#timeline g.step line")).await.unwrap();
    assert_eq!(bars.len(), detected);

    let incidents = b.find(Locator::Id("incidents")).await.unwrap().text().await.unwrap();
    for incident in &report.incidents {
        assert!(incidents.contains(&incident.by));
        for service in &incident.services_found {
            assert!(incidents.contains(service), "service {service} missing from:\n{incidents}");
        }
    }
    // Every incident of the run with its time to acknowledge (nobody
    // acknowledged these: "not yet").
    assert!(!report.acknowledgements.is_empty());
    let acks = b.find(Locator::Id("acknowledgements")).await.unwrap().text().await.unwrap();
    for ack in &report.acknowledgements {
        assert!(acks.contains(&ack.incident), "incident {} missing from:\n{acks}", ack.incident);
    }
    assert!(acks.contains("not yet"), "{acks}");
    let notifications = b.find(Locator::Id("notifications")).await.unwrap().text().await.unwrap();
    assert_eq!(notifications, "No notification was expected.");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("scenario-report.png"), png).unwrap();
}
