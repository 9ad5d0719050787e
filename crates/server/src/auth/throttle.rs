//! Login attempts per client address: a fixed window per address, so that
//! guessing across many accounts from one place is slowed as well (the
//! per-account lockout only protects one account at a time).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses remembered at once; past this the table starts afresh, so
/// memory stays bounded even under a spoofed-address flood.
const MAX_TRACKED: usize = 100_000;

/// How many login attempts one address may make per window.
pub struct LoginThrottle {
    per_window: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginThrottle {
    /// Allows `per_window` attempts per address in each `window`.
    pub fn new(per_window: u32, window: Duration) -> Self {
        LoginThrottle { per_window, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt from `addr`; false when it is over the limit.
    pub fn allow(&self, addr: IpAddr, now: Instant) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_TRACKED && !seen.contains_key(&addr) {
            seen.clear();
        }
        let entry = seen.entry(addr).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_held_back_within_its_window_only() {
        let throttle = LoginThrottle::new(3, Duration::from_secs(60));
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert!((0..3).all(|_| throttle.allow(a, t0)));
        assert!(!throttle.allow(a, t0), "the fourth attempt in the window is refused");
        assert!(throttle.allow(b, t0), "other addresses are not affected");
        assert!(throttle.allow(a, t0 + Duration::from_secs(61)), "a new window starts afresh");
    }
}
