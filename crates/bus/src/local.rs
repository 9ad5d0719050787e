//! The in-process bus: bounded channels, one per subscriber.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::{Bus, BusError, Delivery, Message, Subscription, Topic};

#[derive(Clone)]
struct Subscriber {
    tx: mpsc::Sender<Arc<Message>>,
    delivery: Delivery,
}

/// The default bus when SafeCare runs as one process.
///
/// Every subscriber has its own bounded buffer. A reliable subscriber that
/// falls behind makes publishers wait (backpressure up to the sources); a
/// lossy one loses the overflow, counted in
/// `safecare_bus_dropped_total{topic}`.
pub struct LocalBus {
    capacity: usize,
    subscribers: Mutex<HashMap<Topic, Vec<Subscriber>>>,
}

impl LocalBus {
    /// A bus whose subscribers each buffer up to `capacity` messages.
    pub fn new(capacity: usize) -> Self {
        LocalBus { capacity: capacity.max(1), subscribers: Mutex::new(HashMap::new()) }
    }

    /// The subscribers of a topic, without holding the lock across awaits.
    fn targets(&self, topic: Topic) -> Result<Vec<Subscriber>, BusError> {
        let mut map = self.subscribers.lock().map_err(|_| BusError::Closed)?;
        let list = map.entry(topic).or_default();
        list.retain(|s| !s.tx.is_closed());
        Ok(list.clone())
    }
}

impl Default for LocalBus {
    fn default() -> Self {
        LocalBus::new(1024)
    }
}

#[async_trait]
impl Bus for LocalBus {
    async fn publish(&self, message: Message) -> Result<(), BusError> {
        let topic = message.topic();
        let message = Arc::new(message);
        for Subscriber { tx, delivery } in self.targets(topic)? {
            match delivery {
                // A subscriber that went away is simply skipped.
                Delivery::Reliable => drop(tx.send(message.clone()).await),
                Delivery::Lossy => {
                    if let Err(TrySendError::Full(_)) = tx.try_send(message.clone()) {
                        metrics::counter!("safecare_bus_dropped_total", "topic" => topic.subject()).increment(1);
                    }
                }
            }
        }
        metrics::counter!("safecare_bus_published_total", "topic" => topic.subject()).increment(1);
        Ok(())
    }

    async fn subscribe(&self, topic: Topic, delivery: Delivery) -> Result<Subscription, BusError> {
        let (tx, rx) = mpsc::channel(self.capacity);
        let mut map = self.subscribers.lock().map_err(|_| BusError::Closed)?;
        map.entry(topic).or_default().push(Subscriber { tx, delivery });
        Ok(Subscription::new(rx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::{Alert, Domain, Event, Incident, IncidentChange, Severity, Timestamp};
    use std::time::Duration;

    fn alert(n: u32) -> Message {
        Message::Alert(Box::new(Alert::new(format!("a{n}"), Severity::Low)))
    }

    fn description(m: &Message) -> String {
        match m {
            Message::Alert(a) => a.description.clone(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn subscribers_get_only_their_topic_in_order() {
        let bus = LocalBus::new(16);
        let mut alerts = bus.subscribe(Topic::Alerts, Delivery::Reliable).await.unwrap();
        let mut incidents = bus.subscribe(Topic::Incidents, Delivery::Reliable).await.unwrap();
        bus.publish(Message::Event(Box::new(Event::new("t", Domain::Cyber, Timestamp::now(), "e")))).await.unwrap();
        bus.publish(alert(1)).await.unwrap();
        bus.publish(alert(2)).await.unwrap();
        let change = IncidentChange {
            incident: Incident::new("i", Severity::Low),
            at: Timestamp::now(),
            actor: "safecare".into(),
            action: "opened".into(),
            detail: String::new(),
        };
        bus.publish(Message::Incident(Box::new(change))).await.unwrap();
        assert_eq!(description(&alerts.recv().await.unwrap()), "a1");
        assert_eq!(description(&alerts.recv().await.unwrap()), "a2");
        assert!(matches!(*incidents.recv().await.unwrap(), Message::Incident(_)));
    }

    #[tokio::test]
    async fn a_batch_takes_what_is_queued_up_to_its_size_without_waiting() {
        let bus = LocalBus::new(16);
        let mut alerts = bus.subscribe(Topic::Alerts, Delivery::Reliable).await.unwrap();
        for n in 1..=5 {
            bus.publish(alert(n)).await.unwrap();
        }
        let first = alerts.recv().await.unwrap();
        let batch: Vec<String> = alerts.with_queued(first, 3).iter().map(|m| description(m)).collect();
        assert_eq!(batch, ["a1", "a2", "a3"]);
        let first = alerts.recv().await.unwrap();
        let rest: Vec<String> = alerts.with_queued(first, 10).iter().map(|m| description(m)).collect();
        assert_eq!(rest, ["a4", "a5"], "the two left, without waiting for a sixth");
    }

    #[tokio::test]
    async fn a_full_reliable_subscriber_holds_the_publisher_back() {
        let bus = Arc::new(LocalBus::new(2));
        let mut slow = bus.subscribe(Topic::Alerts, Delivery::Reliable).await.unwrap();
        bus.publish(alert(1)).await.unwrap();
        bus.publish(alert(2)).await.unwrap();
        let publisher = {
            let bus = bus.clone();
            tokio::spawn(async move { bus.publish(alert(3)).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!publisher.is_finished(), "publish must wait for room");
        assert_eq!(description(&slow.recv().await.unwrap()), "a1");
        publisher.await.unwrap().unwrap();
        assert_eq!(description(&slow.recv().await.unwrap()), "a2");
        assert_eq!(description(&slow.recv().await.unwrap()), "a3");
    }

    #[tokio::test]
    async fn a_full_lossy_subscriber_loses_the_overflow_without_blocking() {
        let bus = LocalBus::new(2);
        let mut view = bus.subscribe(Topic::Alerts, Delivery::Lossy).await.unwrap();
        for n in 1..=5 {
            bus.publish(alert(n)).await.unwrap();
        }
        assert_eq!(description(&view.recv().await.unwrap()), "a1");
        assert_eq!(description(&view.recv().await.unwrap()), "a2");
        bus.publish(alert(6)).await.unwrap();
        assert_eq!(description(&view.recv().await.unwrap()), "a6");
    }

    #[tokio::test]
    async fn dropped_subscribers_do_not_block_publishers() {
        let bus = LocalBus::new(1);
        let gone = bus.subscribe(Topic::Alerts, Delivery::Reliable).await.unwrap();
        drop(gone);
        for n in 0..10 {
            bus.publish(alert(n)).await.unwrap();
        }
    }
}
