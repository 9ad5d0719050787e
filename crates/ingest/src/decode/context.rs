//! What a decoder knows about where its input came from.

use jiff::tz::TimeZone;
use safecare_model::{Domain, Event, Timestamp};

/// The receiving side of one record: which configured source it came
/// through, when it arrived, the site it belongs to and the zone in which
/// times without an offset are read.
#[derive(Debug, Clone)]
pub struct Context {
    /// The configured source name.
    pub source: String,
    /// When the record arrived.
    pub received: Timestamp,
    /// Copied into every event's `location.site`, so that even an unresolved
    /// event is placed at its hospital.
    pub site: Option<String>,
    /// The zone of times written without an offset (BSD syslog, civil
    /// date-times in JSON); UTC unless configured.
    pub timezone: TimeZone,
}

impl Context {
    /// A context for `source`, received now, in UTC, without a site.
    pub fn new(source: impl Into<String>) -> Self {
        Context { source: source.into(), received: Timestamp::now(), site: None, timezone: TimeZone::UTC }
    }

    /// Places every event at `site`.
    pub fn with_site(mut self, site: impl Into<String>) -> Self {
        self.site = Some(site.into());
        self
    }

    /// Reads times without an offset in `timezone`.
    pub fn with_timezone(mut self, timezone: TimeZone) -> Self {
        self.timezone = timezone;
        self
    }

    /// Sets the receipt time (tests, replays).
    pub fn received_at(mut self, received: Timestamp) -> Self {
        self.received = received;
        self
    }

    /// A fresh event carrying this context's source, receipt time and site.
    pub fn event(&self, domain: Domain, time: Timestamp, message: impl Into<String>) -> Event {
        let mut event = Event::new(self.source.clone(), domain, time, message);
        event.received = self.received;
        event.location.site = self.site.clone();
        event
    }
}
