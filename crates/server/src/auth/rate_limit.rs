//! General request rate limits: a token bucket per caller (governor's
//! GCRA), so that one client cannot monopolise the API. A signed-in caller
//! is counted by who they are (user or token), a stranger by address:
//! behind a hospital's NAT or proxy many staff share one address and must
//! not starve each other, while a stolen token stays capped whatever
//! address it is used from.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Principal;
use crate::error::ApiError;

/// How many requests one caller may make (`[limits]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestLimits {
    /// Sustained requests per second per caller; 0 switches the limit off.
    pub requests_per_second: u32,
    /// Requests a caller may make at once above the sustained rate (the
    /// bucket's size).
    pub burst: NonZeroU32,
}

const DEFAULT_BURST: NonZeroU32 = NonZeroU32::new(500).unwrap();

impl Default for RequestLimits {
    /// Far above what the dashboard (a few requests a second) or a sensor
    /// posting NDJSON batches needs, far below what floods the service.
    fn default() -> Self {
        RequestLimits { requests_per_second: 100, burst: DEFAULT_BURST }
    }
}

/// Whose bucket a request is taken from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// An unauthenticated caller, by client address.
    Address(IpAddr),
    /// An authenticated caller, by name.
    Principal(String),
}

impl Caller {
    fn kind(&self) -> &'static str {
        match self {
            Caller::Address(_) => "address",
            Caller::Principal(_) => "principal",
        }
    }
}

/// Every this many checks, buckets that have refilled completely are
/// dropped (they are indistinguishable from new ones), so memory follows
/// the callers active lately, not every address ever seen.
const SWEEP_EVERY: u64 = 4096;

type Buckets<C> = RateLimiter<Caller, DashMapStateStore<Caller>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// The buckets of all callers.
pub struct RateLimits<C: Clock = DefaultClock> {
    limiter: Option<Buckets<C>>,
    clock: C,
    checks: AtomicU64,
}

impl RateLimits {
    /// Buckets with `limits`, on the system clock.
    pub fn new(limits: &RequestLimits) -> Self {
        Self::with_clock(limits, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimits<C> {
    /// Buckets with `limits`, on `clock` (tests drive time with it).
    pub fn with_clock(limits: &RequestLimits, clock: C) -> Self {
        let limiter = NonZeroU32::new(limits.requests_per_second).map(|rate| {
            RateLimiter::dashmap_with_clock(Quota::per_second(rate).allow_burst(limits.burst), clock.clone())
        });
        RateLimits { limiter, clock, checks: AtomicU64::new(0) }
    }

    /// Takes one request from `caller`'s bucket; when it is empty, how long
    /// until the next request would be let through.
    pub fn check(&self, caller: &Caller) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(caller).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// Whole seconds to announce in `Retry-After`, rounded up (at least 1: a
/// client told 0 would retry at once and be refused again).
fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The address the request came from, as one bucket's key: an IPv6 client
/// by its /64 network, since one host commonly holds a whole /64 and could
/// otherwise take a fresh bucket per request. Unknown (all such callers
/// share one bucket) only when the server was started without connection
/// info.
pub fn client_address(request: &Request) -> IpAddr {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    network_of(ip)
}

fn network_of(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else { return ip };
    match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
    }
}

/// Takes one request from `caller`'s bucket; when it is empty, the 429
/// answer with `Retry-After` (and the refusal is counted).
pub fn over_limit(limits: &RateLimits, caller: &Caller) -> Option<Response> {
    let wait = limits.check(caller).err()?;
    let seconds = retry_after_seconds(wait);
    metrics::counter!("safecare_http_rate_limited_total", "caller" => caller.kind()).increment(1);
    let mut error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, format!("too many requests; retry after {seconds} s"));
    error.detail = Some(json!({"retry_after_seconds": seconds}));
    let mut response = error.into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    Some(response)
}

/// Runs after `authenticate`, so a signed-in caller is known.
pub async fn limit_rate(State(limits): State<Arc<RateLimits>>, request: Request, next: Next) -> Response {
    let caller = match request.extensions().get::<Principal>() {
        Some(principal) => Caller::Principal(principal.name.clone()),
        None => Caller::Address(client_address(&request)),
    };
    match over_limit(&limits, &caller) {
        None => next.run(request).await,
        Some(limited) => limited,
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn limits(rate: u32, burst: u32) -> RequestLimits {
        RequestLimits { requests_per_second: rate, burst: NonZeroU32::new(burst).unwrap() }
    }

    #[test]
    fn a_caller_gets_its_burst_then_the_sustained_rate() {
        let clock = FakeRelativeClock::default();
        let buckets = RateLimits::with_clock(&limits(2, 3), clock.clone());
        let alice = Caller::Principal("alice".into());
        assert!((0..3).all(|_| buckets.check(&alice).is_ok()));
        let wait = buckets.check(&alice).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500), "one request every half second refills");
        assert!(buckets.check(&Caller::Address("10.0.0.9".parse().unwrap())).is_ok(), "others have their own");
        clock.advance(Duration::from_millis(500));
        assert!(buckets.check(&alice).is_ok());
        assert!(buckets.check(&alice).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_slash_64() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(network_of(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(network_of(ip("2001:db8:1:2:bbbb::7")), network_of(ip("2001:db8:1:2:cccc::9")));
        assert_ne!(network_of(ip("2001:db8:1:2::1")), network_of(ip("2001:db8:1:3::1")));
        assert_eq!(network_of(ip("::ffff:10.0.0.7")), ip("10.0.0.7"), "IPv4 seen through IPv6 stays itself");
        assert_eq!(network_of(ip("10.0.0.7")), ip("10.0.0.7"));
    }

    #[test]
    fn zero_switches_the_limit_off() {
        let buckets = RateLimits::with_clock(&limits(0, 1), FakeRelativeClock::default());
        let bob = Caller::Principal("bob".into());
        assert!((0..10_000).all(|_| buckets.check(&bob).is_ok()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_seconds(Duration::from_millis(2001)), 3);
    }

    #[test]
    fn idle_buckets_are_swept() {
        let clock = FakeRelativeClock::default();
        let buckets = RateLimits::with_clock(&limits(1000, 1), clock.clone());
        for i in 0..SWEEP_EVERY - 1 {
            let _ = buckets.check(&Caller::Principal(format!("c{i}")));
        }
        let limiter = buckets.limiter.as_ref().unwrap();
        assert_eq!(limiter.len() as u64, SWEEP_EVERY - 1);
        clock.advance(Duration::from_secs(1));
        let _ = buckets.check(&Caller::Principal("last".into()));
        assert_eq!(limiter.len(), 1, "only the bucket just used is left");
    }
}
