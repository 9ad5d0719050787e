//! The Modbus poller against a small Modbus TCP server of the test's own
//! (tokio-modbus's server side, registers in a map): temperatures become
//! environment readings, a set-point changed on the controller becomes one
//! `setpoint_change`, a register the controller does not have is counted as
//! an exception, and a controller that cannot be reached is counted without
//! stopping the poller.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/events.rs"]
mod events;

#[path = "support/plc.rs"]
mod plc;
#[path = "support/ports.rs"]
mod ports;

use events::{WAIT, next};
use std::time::Duration;

use plc::{Registers, controller};
use safecare_ingest::decode::{Context, Decoder};
use safecare_ingest::listen::{ModbusConfig, ModbusPoint, ModbusPoller, Pipeline, PointKind, RegisterTable};
use tokio::sync::mpsc;
use tokio::time::timeout;

fn point(name: &str, register: u16, kind: PointKind) -> ModbusPoint {
    ModbusPoint { name: name.into(), register, table: RegisterTable::Holding, kind, scale: 0.1, offset: 0.0 }
}

#[tokio::test]
async fn readings_and_a_changed_setpoint_become_building_events() {
    let holding: Registers =
        std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::from([(0, 190), (1, 215)])));
    let addr = controller(holding.clone()).await;
    let config = ModbusConfig {
        server: addr.to_string(),
        unit: 1,
        interval_seconds: 0.1,
        points: vec![
            point("AHU-OT.SAT", 0, PointKind::Setpoint),
            point("OT1.TEMP", 1, PointKind::Temperature),
            point("OT1.RH", 9, PointKind::Humidity),
        ],
    };
    let (tx, mut rx) = mpsc::channel(64);
    let pipe =
        Pipeline::new(Decoder::Physical { sensors: Default::default() }, Context::new("bms").with_site("hq"), tx);
    let stats = pipe.stats().clone();
    tokio::spawn(ModbusPoller::new(&config).unwrap().run(pipe));

    let reading = next(&mut rx, "environment").await;
    assert_eq!(reading.fields["metric"], "temperature");
    assert_eq!(reading.fields["value"], 21.5);
    assert_eq!(reading.fields["point"], "OT1.TEMP");
    assert_eq!(reading.location.site.as_deref(), Some("hq"));

    holding.lock().unwrap().insert(0, 280);
    let change = next(&mut rx, "bms").await;
    assert_eq!(change.fields["action"], "setpoint_change");
    assert_eq!(change.fields["point"], "AHU-OT.SAT");
    assert_eq!((change.fields["old_value"].as_f64(), change.fields["new_value"].as_f64()), (Some(19.0), Some(28.0)));
    assert_eq!(change.fields["safecare.peer"], "127.0.0.1");

    // Unchanged since: no second change, readings go on.
    next(&mut rx, "environment").await;
    next(&mut rx, "environment").await;
    let health = stats.snapshot();
    assert!(health.errors_by_kind.get("modbus_exception").copied().unwrap_or(0) > 0, "{health:?}");
    let changes = std::iter::from_fn(|| rx.try_recv().ok()).filter(|e| e.logsource.category.as_deref() == Some("bms"));
    assert_eq!(changes.count(), 0);
    assert_eq!(health.connections, 1);
}

#[tokio::test]
async fn an_unreachable_controller_is_counted_and_polled_again() {
    let port = ports::free_port();
    let config = ModbusConfig {
        server: format!("127.0.0.1:{port}"),
        unit: 1,
        interval_seconds: 0.05,
        points: vec![point("AHU-OT.SAT", 0, PointKind::Setpoint)],
    };
    let (tx, _rx) = mpsc::channel(4);
    let pipe = Pipeline::new(Decoder::Physical { sensors: Default::default() }, Context::new("bms"), tx);
    let stats = pipe.stats().clone();
    tokio::spawn(ModbusPoller::new(&config).unwrap().run(pipe));
    timeout(WAIT, async {
        while stats.snapshot().errors_by_kind.get("modbus_connect").copied().unwrap_or(0) < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("three failed connections counted");
}
