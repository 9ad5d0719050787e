//! How fast the overview appears in a real browser over a big store
//! (1,000,000 events, 10,000 incidents: see `scale_support`). A
//! measurement, not a check: it prints the browser's navigation and paint
//! timings and asserts only that the page rendered. Run it on purpose:
//!
//! `cargo test --release -p safecare-server --test dashboard_scale -- --ignored --nocapture`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_support;
mod scale_support;

use std::net::SocketAddr;

use fantoccini::Locator;
use safecare_model::Role;
use safecare_server::{Config, provision, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement over a million events; run with --ignored --release"]
async fn overview_timings_over_a_million_events_and_ten_thousand_incidents() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = scale_support::seed().await;
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir,
        store: scale_support::store_config(),
        ..Config::default()
    };
    let server = start(config).await.unwrap();
    let base = server.url();
    let accounts = server.state.accounts.as_ref();
    if accounts.get_user("scale").await.unwrap().is_none() {
        provision::add_user(accounts, "scale", Role::SocAnalyst, "scale test password").await.unwrap();
    }
    let b = &browser.client;
    browser_support::log_in(b, &base, "scale", "scale test password", "/").await;
    b.wait().for_element(Locator::Css("#alert-feed")).await.unwrap();

    for run in 1..=5 {
        b.goto(&format!("{base}/")).await.unwrap();
        b.wait().for_element(Locator::Css("#alert-feed")).await.unwrap();
        let timings = b
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];
                 const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                 const bytes = performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, n.transferSize);
                 return {response_start: n.responseStart - n.startTime, response_end: n.responseEnd - n.startTime,
                         dom_content_loaded: n.domContentLoadedEventEnd - n.startTime,
                         first_contentful_paint: fcp ? fcp.startTime : null, transferred_bytes: bytes};",
                vec![],
            )
            .await
            .unwrap();
        println!("overview run {run}: {timings}");
        assert!(timings["dom_content_loaded"].as_f64().is_some_and(|t| t > 0.0));
    }
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("overview-1m-events.png"), png).unwrap();
    server.stop().await.unwrap();
}
