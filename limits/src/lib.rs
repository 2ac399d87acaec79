//! Per-client request-rate limits for the node's public HTTP services: the JSON-RPC front end and
//! the HTTP API (REST, console, blob store). Each client IP address gets a token bucket of
//! `burst` requests refilled at `per_second`; a request over it is refused with the time to wait.
//! Exempt addresses (by default 127.0.0.1 and ::1: the node's own roles and local tools) are never
//! limited.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// How often (in checks) buckets of clients that went quiet are dropped.
const PRUNE_EVERY: u64 = 4096;

/// The whole seconds a refused client is told to wait (`Retry-After`): `wait` rounded up, at
/// least one.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// A rate limit's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second per client (0: no limit).
    pub per_second: u32,
    /// Requests a client may make at once after being quiet (at least 1).
    pub burst: u32,
    /// Clients never limited.
    pub exempt: Vec<IpAddr>,
}

/// The addresses exempt by default: the local host's own (127.0.0.1, ::1).
pub fn default_exempt() -> Vec<IpAddr> {
    vec![
        IpAddr::from([127, 0, 0, 1]),
        IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
    ]
}

impl RateLimit {
    /// `per_second` per client with a burst of twice that, [`default_exempt`] exempt.
    pub fn per_second(per_second: u32) -> Self {
        RateLimit {
            per_second,
            burst: per_second.saturating_mul(2),
            exempt: default_exempt(),
        }
    }

    /// No limit.
    pub fn off() -> Self {
        Self::per_second(0)
    }
}

/// The limiter: one bucket per client address.
pub struct Limiter {
    settings: RateLimit,
    buckets: Option<RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Limiter {
    /// A limiter with `settings`.
    pub fn new(settings: RateLimit) -> Self {
        let buckets = NonZeroU32::new(settings.per_second).map(|rate| {
            let burst = NonZeroU32::new(settings.burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Limiter {
            settings,
            buckets,
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &RateLimit {
        &self.settings
    }

    /// Counts a request from `client`: `Err(wait)` when it is over its limit, `wait` being when
    /// the next request would be taken.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        let Some(buckets) = &self.buckets else {
            return Ok(());
        };
        if self.settings.exempt.contains(&client) {
            return Ok(());
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            buckets.retain_recent();
        }
        buckets
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn each_client_gets_its_own_burst_then_is_refused() {
        let l = Limiter::new(RateLimit {
            burst: 5,
            ..RateLimit::per_second(1)
        });
        let (a, b) = (ip("192.0.2.1"), ip("2001:db8::1"));
        for _ in 0..5 {
            l.check(a).unwrap();
        }
        let wait = l.check(a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        // Another client is not affected.
        for _ in 0..5 {
            l.check(b).unwrap();
        }
        assert!(l.check(b).is_err());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(50)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1_001)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }

    #[test]
    fn the_bucket_refills() {
        let l = Limiter::new(RateLimit {
            burst: 1,
            ..RateLimit::per_second(50)
        });
        let a = ip("127.0.0.2");
        l.check(a).unwrap();
        let wait = l.check(a).unwrap_err();
        std::thread::sleep(wait + Duration::from_millis(5));
        l.check(a).unwrap();
    }

    #[test]
    fn the_local_host_is_exempt_by_default_and_zero_is_off() {
        let l = Limiter::new(RateLimit {
            burst: 1,
            ..RateLimit::per_second(1)
        });
        for _ in 0..100 {
            l.check(ip("127.0.0.1")).unwrap();
            l.check(ip("::1")).unwrap();
        }
        // Other loopback addresses are clients like any other.
        l.check(ip("127.0.0.9")).unwrap();
        assert!(l.check(ip("127.0.0.9")).is_err());
        let none_exempt = Limiter::new(RateLimit {
            burst: 1,
            exempt: vec![],
            ..RateLimit::per_second(1)
        });
        none_exempt.check(ip("127.0.0.1")).unwrap();
        assert!(none_exempt.check(ip("127.0.0.1")).is_err());
        let off = Limiter::new(RateLimit::off());
        for _ in 0..100 {
            off.check(ip("192.0.2.7")).unwrap();
        }
    }
}
