//! A Modbus TCP poller for building-management points: it reads the
//! configured registers of one controller every interval and turns what it
//! reads into events of the building schema (`building.rs`, shared with the
//! BACnet poller).
//!
//! The source's decoder is `physical`: the records go through the same
//! schema, resolution (the point name is a BMS-point identifier of the
//! inventory) and counters as an MQTT gateway's. A controller that cannot be
//! reached, or answers a read with an exception, is counted in the source's
//! health and tried again at the next poll; it never stops the poller.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_modbus::Slave;
use tokio_modbus::client::{Context, Reader, tcp};

use super::building::{PointKind, Readings, engineering};
use super::{ListenError, Pipeline};

/// A `[[sources]]` entry of `type = "modbus"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModbusConfig {
    /// The controller's address (`10.30.0.41:502`).
    pub server: String,
    /// The Modbus unit (slave) id.
    #[serde(default = "default_unit")]
    pub unit: u8,
    /// Seconds between two polls.
    #[serde(default = "super::building::default_interval")]
    pub interval_seconds: f64,
    /// The points read at each poll.
    pub points: Vec<ModbusPoint>,
}

/// One register of the controller and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModbusPoint {
    /// The point's name in the BMS (`AHU-OT.SAT`), which the inventory
    /// knows as a BMS-point identifier of its equipment.
    pub name: String,
    /// The register address (0-based, as on the wire).
    pub register: u16,
    /// Which table the register is in.
    #[serde(default)]
    pub table: RegisterTable,
    /// What the value is.
    pub kind: PointKind,
    /// Engineering value = raw (a signed 16-bit word) × scale + offset.
    #[serde(default = "super::building::default_scale")]
    pub scale: f64,
    /// Added after scaling.
    #[serde(default)]
    pub offset: f64,
}

/// The Modbus table a register is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterTable {
    /// Holding registers (function 3): set-points and most BMS values.
    #[default]
    Holding,
    /// Input registers (function 4): read-only measurements.
    Input,
}

fn default_unit() -> u8 {
    1
}

/// A poller bound to its configuration, not yet connected.
pub struct ModbusPoller {
    server: SocketAddr,
    unit: u8,
    interval: Duration,
    points: Vec<ModbusPoint>,
}

impl ModbusPoller {
    /// Checks the configuration: an address, a positive interval, at least
    /// one point, no point named twice.
    pub fn new(config: &ModbusConfig) -> Result<Self, ListenError> {
        let bad = |why: String| ListenError::Modbus(why);
        let server = config.server.parse().map_err(|_| bad(format!("{:?} is not an address:port", config.server)))?;
        if !(config.interval_seconds.is_finite() && config.interval_seconds > 0.0) {
            return Err(bad(format!("interval_seconds {} is not a positive number", config.interval_seconds)));
        }
        if config.points.is_empty() {
            return Err(bad("no points to read".into()));
        }
        let mut names = std::collections::HashSet::new();
        if let Some(twice) = config.points.iter().find(|p| !names.insert(p.name.as_str())) {
            return Err(bad(format!("point {:?} is listed twice", twice.name)));
        }
        Ok(ModbusPoller {
            server,
            unit: config.unit,
            interval: Duration::from_secs_f64(config.interval_seconds),
            points: config.points.clone(),
        })
    }

    /// Polls until the event channel closes.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        let mut readings = Readings::default();
        let mut connection: Option<Context> = None;
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pipe.is_closed() {
                return Ok(());
            }
            let ctx = match connection.as_mut() {
                Some(ctx) => ctx,
                None => match tcp::connect_slave(self.server, Slave(self.unit)).await {
                    Ok(ctx) => {
                        pipe.stats().record_connection();
                        connection.insert(ctx)
                    }
                    Err(e) => {
                        pipe.stats().record_error("modbus_connect", format!("{}: {e}", self.server));
                        continue;
                    }
                },
            };
            for point in &self.points {
                let raw = match point.table {
                    RegisterTable::Holding => ctx.read_holding_registers(point.register, 1).await,
                    RegisterTable::Input => ctx.read_input_registers(point.register, 1).await,
                };
                let word = match raw {
                    Ok(Ok(words)) if !words.is_empty() => words[0],
                    Ok(Ok(_)) => {
                        pipe.stats().record_error("modbus_read", format!("{}: no register in the answer", point.name));
                        continue;
                    }
                    Ok(Err(exception)) => {
                        pipe.stats().record_error("modbus_exception", format!("{}: {exception}", point.name));
                        continue;
                    }
                    Err(e) => {
                        // The connection is broken: connect again next poll.
                        pipe.stats().record_error("modbus_read", format!("{}: {e}", point.name));
                        connection = None;
                        break;
                    }
                };
                let value = value_of(point, word);
                if readings.publish(&pipe, &point.name, point.kind, value, self.server).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
}

/// The engineering value of a register: the word read as signed (BMS
/// temperatures go below zero), scaled.
fn value_of(point: &ModbusPoint, word: u16) -> f64 {
    engineering(f64::from(i16::from_ne_bytes(word.to_ne_bytes())), point.scale, point.offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(kind: PointKind, scale: f64) -> ModbusPoint {
        ModbusPoint { name: "AHU-OT.SAT".into(), register: 0, table: RegisterTable::Holding, kind, scale, offset: 0.0 }
    }

    #[test]
    fn words_are_signed_and_scaled() {
        assert_eq!(value_of(&point(PointKind::Temperature, 0.1), 215), 21.5);
        assert_eq!(value_of(&point(PointKind::Temperature, 0.1), 0xFFCE), -5.0);
        let offset = ModbusPoint { offset: -40.0, ..point(PointKind::Temperature, 0.5) };
        assert_eq!(value_of(&offset, 130), 25.0);
    }

    #[test]
    fn a_configuration_that_cannot_poll_is_refused_with_its_reason() {
        let config = |server: &str, interval: f64, points: Vec<ModbusPoint>| ModbusConfig {
            server: server.into(),
            unit: 1,
            interval_seconds: interval,
            points,
        };
        let one = vec![point(PointKind::Setpoint, 1.0)];
        let err = |c: ModbusConfig| ModbusPoller::new(&c).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(config("plc-1", 1.0, one.clone())).contains("not an address:port"));
        assert!(err(config("127.0.0.1:502", 0.0, one.clone())).contains("not a positive number"));
        assert!(err(config("127.0.0.1:502", 1.0, vec![])).contains("no points"));
        assert!(err(config("127.0.0.1:502", 1.0, [one.clone(), one.clone()].concat())).contains("listed twice"));
        assert!(ModbusPoller::new(&config("127.0.0.1:502", 1.0, one)).is_ok());
    }
}
