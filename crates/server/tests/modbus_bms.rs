//! A tampered operating-theatre set-point, read over Modbus TCP by the
//! poller from a controller of the test's own, becomes a set-point-change
//! alert on the theatres' air handler, an incident, and an impact report
//! that names the operating theatres.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../ingest/tests/support/plc.rs"]
mod plc;

mod common;

use std::time::Duration;

use common::{config, load_demo_hospital, start_with_admin};
use plc::{Registers, controller};
use safecare_ingest::decode::Decoder;
use safecare_ingest::listen::{ModbusConfig, ModbusPoint, PointKind, RegisterTable};
use safecare_server::{SourceConfig, Transport};
use serde_json::Value;

#[tokio::test]
async fn a_theatre_setpoint_changed_over_modbus_is_assessed_down_to_the_operating_theatres() {
    // Supply-air set-point 19.0 °C, in tenths.
    let holding: Registers = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::from([(0, 190)])));
    let addr = controller(holding.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.sources.push(SourceConfig {
        name: "bms-modbus".into(),
        transport: Transport::Modbus(ModbusConfig {
            server: addr.to_string(),
            unit: 1,
            interval_seconds: 0.2,
            points: vec![ModbusPoint {
                name: "AHU-OT.SAT".into(),
                register: 0,
                table: RegisterTable::Holding,
                kind: PointKind::Setpoint,
                scale: 0.1,
                offset: 0.0,
            }],
        }),
        decoder: Decoder::Physical { sensors: Default::default() },
        site: Some("hq".into()),
        timezone: None,
    });
    let (server, admin) = start_with_admin(cfg).await;
    let base = server.url();
    load_demo_hospital(&server).await;
    // Let the poller learn the set-point, then change it on the controller.
    tokio::time::sleep(Duration::from_millis(600)).await;
    holding.lock().unwrap().insert(0, 280);

    let mut found = None;
    for _ in 0..150 {
        let page: Value = admin.get(format!("{base}/api/v1/incidents")).send().await.unwrap().json().await.unwrap();
        let id = page["incidents"].as_array().and_then(|list| {
            list.iter().find(|i| i["threat"] == "bms_tampering").and_then(|i| i["id"].as_str().map(str::to_owned))
        });
        if let Some(id) = id {
            let record: Value =
                admin.get(format!("{base}/api/v1/incidents/{id}")).send().await.unwrap().json().await.unwrap();
            if record["impact"]["report"]["services"].is_array() {
                found = Some(record);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let record = found.expect("an assessed BMS-tampering incident");
    let services: Vec<&str> =
        record["impact"]["report"]["services"].as_array().unwrap().iter().filter_map(|s| s["asset"].as_str()).collect();
    assert!(services.contains(&"svc-theatres"), "{record:#}");
    let alerts: Value = admin.get(format!("{base}/api/v1/alerts")).send().await.unwrap().json().await.unwrap();
    let text = alerts.to_string();
    assert!(text.contains("hospital-bms-setpoint-change") || text.contains("BMS Set-Point Changed"), "{alerts:#}");
    assert!(text.contains("ahu-ot"), "the alert is on the theatres' air handler: {alerts:#}");
    server.stop().await.unwrap();
}
