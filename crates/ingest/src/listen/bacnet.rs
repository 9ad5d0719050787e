//! A BACnet/IP poller for building-management points: every interval it
//! reads the present-value of the configured analog-input, analog-value and
//! binary-value objects of one controller with ReadProperty (over UDP, the
//! codec in `decode::bacnet_ip`) and turns the values into building events
//! exactly as the Modbus poller does (`building.rs`).
//!
//! A device that does not answer within `timeout_seconds` (or whose address
//! refuses the datagram) is counted as unreachable and the rest of that
//! poll is skipped; an error, reject or abort answer is counted for its
//! point; an answer that is not BACnet is counted with its reason. None of
//! them stops the poller: the next poll tries again.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::UdpSocket;

use super::building::{PointKind, Readings, engineering};
use super::{ListenError, Pipeline};
use crate::decode::bacnet_ip::{Answer, ObjectId, PRESENT_VALUE, parse_answer, read_property_request};

/// A `[[sources]]` entry of `type = "bacnet"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacnetConfig {
    /// The controller's BACnet/IP address (`10.30.0.50:47808`).
    pub device: String,
    /// Seconds between two polls.
    #[serde(default = "super::building::default_interval")]
    pub interval_seconds: f64,
    /// Seconds to wait for each answer.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    /// The points read at each poll.
    pub points: Vec<BacnetPoint>,
}

/// One object of the controller and what its present-value holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacnetPoint {
    /// The point's name in the BMS (`AHU-OT.SAT`), which the inventory
    /// knows as a BMS-point identifier of its equipment.
    pub name: String,
    /// The object's type.
    pub object: BacnetObject,
    /// The object's instance number.
    pub instance: u32,
    /// What the value is.
    pub kind: PointKind,
    /// Engineering value = present-value × scale + offset.
    #[serde(default = "super::building::default_scale")]
    pub scale: f64,
    /// Added after scaling.
    #[serde(default)]
    pub offset: f64,
}

/// The object types polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BacnetObject {
    /// analog-input (type 0): a measurement.
    AnalogInput,
    /// analog-value (type 2): a set-point or a computed value.
    AnalogValue,
    /// binary-value (type 5): 0 inactive, 1 active.
    BinaryValue,
}

impl BacnetObject {
    fn number(self) -> u16 {
        match self {
            BacnetObject::AnalogInput => 0,
            BacnetObject::AnalogValue => 2,
            BacnetObject::BinaryValue => 5,
        }
    }
}

fn default_timeout() -> f64 {
    3.0
}

/// A poller bound to its configuration, not yet polling.
pub struct BacnetPoller {
    device: SocketAddr,
    interval: Duration,
    timeout: Duration,
    points: Vec<BacnetPoint>,
}

/// How one read ended, when it gave no value.
enum Miss {
    /// Counted for this point; go on with the next.
    Point,
    /// The device is unreachable; skip the rest of the poll.
    Device,
}

impl BacnetPoller {
    /// Checks the configuration: an address, positive interval and timeout,
    /// at least one point, no point named twice, instances of 22 bits.
    pub fn new(config: &BacnetConfig) -> Result<Self, ListenError> {
        let bad = |why: String| ListenError::Bacnet(why);
        let device = config.device.parse().map_err(|_| bad(format!("{:?} is not an address:port", config.device)))?;
        for (what, value) in
            [("interval_seconds", config.interval_seconds), ("timeout_seconds", config.timeout_seconds)]
        {
            if !(value.is_finite() && value > 0.0) {
                return Err(bad(format!("{what} {value} is not a positive number")));
            }
        }
        if config.points.is_empty() {
            return Err(bad("no points to read".into()));
        }
        let mut names = std::collections::HashSet::new();
        if let Some(twice) = config.points.iter().find(|p| !names.insert(p.name.as_str())) {
            return Err(bad(format!("point {:?} is listed twice", twice.name)));
        }
        if let Some(p) = config.points.iter().find(|p| p.instance > 0x3F_FFFF) {
            return Err(bad(format!("point {:?}: instance {} is over 4194303", p.name, p.instance)));
        }
        Ok(BacnetPoller {
            device,
            interval: Duration::from_secs_f64(config.interval_seconds),
            timeout: Duration::from_secs_f64(config.timeout_seconds),
            points: config.points.clone(),
        })
    }

    /// Polls until the event channel closes.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        let local: SocketAddr =
            if self.device.is_ipv4() { (Ipv4Addr::UNSPECIFIED, 0).into() } else { (Ipv6Addr::UNSPECIFIED, 0).into() };
        let socket = UdpSocket::bind(local).await?;
        // Connected: only the device's datagrams are received, and a port
        // that refuses them is reported instead of timing out.
        socket.connect(self.device).await?;
        let mut readings = Readings::default();
        let mut invoke_id: u8 = 0;
        let mut reachable = false;
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pipe.is_closed() {
                return Ok(());
            }
            for point in &self.points {
                invoke_id = invoke_id.wrapping_add(1);
                let value = match self.read(&socket, &pipe, point, invoke_id).await {
                    Ok(value) => value,
                    Err(Miss::Point) => continue,
                    Err(Miss::Device) => {
                        reachable = false;
                        break;
                    }
                };
                if !reachable {
                    pipe.stats().record_connection();
                    reachable = true;
                }
                let value = engineering(value, point.scale, point.offset);
                if readings.publish(&pipe, &point.name, point.kind, value, self.device).await.is_err() {
                    return Ok(());
                }
            }
        }
    }

    /// Reads one point's present-value.
    async fn read(&self, socket: &UdpSocket, pipe: &Pipeline, point: &BacnetPoint, invoke_id: u8) -> Result<f64, Miss> {
        let object = ObjectId { kind: point.object.number(), instance: point.instance };
        let request = read_property_request(invoke_id, object, PRESENT_VALUE);
        let error = |kind: &str, detail: String| pipe.stats().record_error(kind, format!("{}: {detail}", point.name));
        if let Err(e) = socket.send(&request).await {
            error("bacnet_unreachable", format!("{}: {e}", self.device));
            return Err(Miss::Device);
        }
        let mut buf = [0u8; 1500];
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let received = match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    error("bacnet_unreachable", format!("{}: {e}", self.device));
                    return Err(Miss::Device);
                }
                Err(_) => {
                    error("bacnet_timeout", format!("{} did not answer in {:?}", self.device, self.timeout));
                    return Err(Miss::Device);
                }
            };
            let answer = match parse_answer(&buf[..received]) {
                Ok(answer) => answer,
                Err(e) => {
                    error(e.kind(), e.to_string());
                    return Err(Miss::Point);
                }
            };
            // A late answer to an earlier request: wait for ours.
            if answer.invoke_id() != invoke_id {
                continue;
            }
            return match answer {
                Answer::Value { object: got, value, .. } if got == object => Ok(value.as_f64()),
                Answer::Value { object: got, .. } => {
                    error("bacnet_layout", format!("asked {object:?}, answered {got:?}"));
                    Err(Miss::Point)
                }
                Answer::Error { class, code, .. } => {
                    error("bacnet_error", format!("error class {class} code {code}"));
                    Err(Miss::Point)
                }
                Answer::Reject { reason, .. } => {
                    error("bacnet_reject", format!("rejected, reason {reason}"));
                    Err(Miss::Point)
                }
                Answer::Abort { reason, .. } => {
                    error("bacnet_abort", format!("aborted, reason {reason}"));
                    Err(Miss::Point)
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(name: &str, instance: u32) -> BacnetPoint {
        BacnetPoint {
            name: name.into(),
            object: BacnetObject::AnalogValue,
            instance,
            kind: PointKind::Setpoint,
            scale: 1.0,
            offset: 0.0,
        }
    }

    #[test]
    fn a_configuration_that_cannot_poll_is_refused_with_its_reason() {
        let config = |device: &str, interval: f64, points: Vec<BacnetPoint>| BacnetConfig {
            device: device.into(),
            interval_seconds: interval,
            timeout_seconds: 1.0,
            points,
        };
        let one = vec![point("AHU-OT.SAT", 1)];
        let err = |c: BacnetConfig| BacnetPoller::new(&c).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(config("bms-1", 1.0, one.clone())).contains("not an address:port"));
        assert!(err(config("127.0.0.1:47808", -1.0, one.clone())).contains("not a positive number"));
        assert!(err(config("127.0.0.1:47808", 1.0, vec![])).contains("no points"));
        assert!(err(config("127.0.0.1:47808", 1.0, [one.clone(), one.clone()].concat())).contains("listed twice"));
        assert!(err(config("127.0.0.1:47808", 1.0, vec![point("x", 1 << 22)])).contains("over 4194303"));
        assert!(BacnetPoller::new(&config("127.0.0.1:47808", 1.0, one)).is_ok());
        assert_eq!(BacnetObject::BinaryValue.number(), 5);
    }
}
