//! Per-second rates of growing counters (transactions, tokens) between readings.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Rates of `N` counters over a sliding window of readings.
pub struct Rates<const N: usize> {
    window: Duration,
    samples: Mutex<VecDeque<(Instant, [u64; N])>>,
}

impl<const N: usize> Rates<N> {
    /// Rates measured against the oldest reading within `window` (against the previous reading
    /// when `window` is zero).
    pub fn new(window: Duration) -> Self {
        Rates {
            window,
            samples: Mutex::new(VecDeque::new()),
        }
    }

    /// Records `values` read now; returns each counter's growth per second since the window's
    /// oldest reading (zeros at the first reading).
    pub fn update(&self, values: [u64; N]) -> [f64; N] {
        self.update_at(Instant::now(), values)
    }

    fn update_at(&self, now: Instant, values: [u64; N]) -> [f64; N] {
        let mut samples = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        // Keep at least one earlier reading to measure against.
        while samples.len() > 1
            && samples
                .get(1)
                .is_some_and(|(t, _)| now.duration_since(*t) >= self.window)
        {
            samples.pop_front();
        }
        let mut rates = [0.0; N];
        if let Some((t, old)) = samples.front() {
            let dt = now.duration_since(*t).as_secs_f64().max(1e-3);
            for i in 0..N {
                rates[i] = values[i].saturating_sub(old[i]) as f64 / dt;
            }
        }
        samples.push_back((now, values));
        rates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_over_the_window() {
        let r = Rates::<2>::new(Duration::from_secs(2));
        let t0 = Instant::now();
        assert_eq!(r.update_at(t0, [10, 0]), [0.0, 0.0]);
        assert_eq!(
            r.update_at(t0 + Duration::from_secs(1), [20, 5]),
            [10.0, 5.0]
        );
        // Still measured against t0: both readings are within the window.
        assert_eq!(
            r.update_at(t0 + Duration::from_secs(2), [40, 5]),
            [15.0, 2.5]
        );
        // t0 has left the window; t0+1 s is the oldest kept.
        assert_eq!(
            r.update_at(t0 + Duration::from_secs(3), [40, 9]),
            [10.0, 2.0]
        );
        // A counter that went back (a restarted node) reads as zero, not a wrap-around.
        assert_eq!(r.update_at(t0 + Duration::from_secs(4), [0, 9]), [0.0, 2.0]);
    }

    #[test]
    fn zero_window_measures_against_the_previous_reading() {
        let r = Rates::<1>::new(Duration::ZERO);
        let t0 = Instant::now();
        r.update_at(t0, [0]);
        r.update_at(t0 + Duration::from_secs(1), [100]);
        assert_eq!(r.update_at(t0 + Duration::from_secs(3), [140]), [20.0]);
    }
}
