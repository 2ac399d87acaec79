//! How fast the chain and the miner go: the slot length as the miner observes it, and whether a
//! job can be served before its deadline at the miner's measured speed behind the jobs it already
//! owes. A miner bids only on jobs it can finish: a missed deadline costs half its bond.

use std::time::{Duration, Instant};

/// The slot length assumed until enough slots have been seen (Solana's target).
pub const DEFAULT_SLOT: Duration = Duration::from_millis(400);

/// Slots observed before the measured length replaces [`DEFAULT_SLOT`].
const MIN_SLOTS: u64 = 10;

/// The slot length measured from the slots a participant sees go by.
#[derive(Debug, Default)]
pub struct SlotClock {
    first: Option<(Instant, u64)>,
    last: Option<(Instant, u64)>,
}

impl SlotClock {
    /// Records that `slot` is current now.
    pub fn observe(&mut self, slot: u64) {
        self.observe_at(Instant::now(), slot);
    }

    fn observe_at(&mut self, at: Instant, slot: u64) {
        match self.first {
            Some((_, s)) if slot >= s => self.last = Some((at, slot)),
            // A first sighting, or the chain went back (a new ledger): start over.
            _ => {
                self.first = Some((at, slot));
                self.last = None;
            }
        }
    }

    /// The mean slot length since the first slot seen, once [`MIN_SLOTS`] went by; before that
    /// [`DEFAULT_SLOT`].
    pub fn slot(&self) -> Duration {
        match (self.first, self.last) {
            (Some((t0, s0)), Some((t1, s1))) if s1 - s0 >= MIN_SLOTS => {
                t1.duration_since(t0) / (s1 - s0) as u32
            }
            _ => DEFAULT_SLOT,
        }
    }
}

/// What a job costs a miner, in generated-token times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Speed {
    /// Measured time per generated token (prefill included), or `None` before the first job.
    pub per_token: Option<Duration>,
}

impl Speed {
    /// The speed from a miner's totals: `tokens` generated in `ms` milliseconds.
    pub fn from_totals(tokens: u64, ms: u64) -> Self {
        Speed {
            per_token: (tokens > 0)
                .then(|| Duration::from_micros(ms.saturating_mul(1000) / tokens)),
        }
    }

    /// Whether `max_tokens` can be generated within `slots` slots of length `slot`, after
    /// `queued` tokens the miner already owes. Unmeasured, a miner takes every job (its first
    /// one measures it).
    pub fn feasible(&self, queued: u64, max_tokens: u32, slots: u64, slot: Duration) -> bool {
        let Some(per_token) = self.per_token else {
            return true;
        };
        let tokens = queued.saturating_add(u64::from(max_tokens));
        let needed = per_token.as_micros().saturating_mul(u128::from(tokens));
        let available = slot.as_micros().saturating_mul(u128::from(slots));
        needed <= available
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_length_is_measured_after_enough_slots_and_restarts_when_the_chain_does() {
        let mut c = SlotClock::default();
        let t0 = Instant::now();
        assert_eq!(c.slot(), DEFAULT_SLOT);
        c.observe_at(t0, 100);
        c.observe_at(t0 + Duration::from_millis(900), 105);
        assert_eq!(c.slot(), DEFAULT_SLOT, "too few slots yet");
        c.observe_at(t0 + Duration::from_millis(2_000), 110);
        assert_eq!(c.slot(), Duration::from_millis(200));
        // A new ledger starts from slot 0 again.
        c.observe_at(t0 + Duration::from_millis(2_100), 3);
        assert_eq!(c.slot(), DEFAULT_SLOT);
    }

    #[test]
    fn a_job_is_feasible_only_if_it_fits_behind_the_queue() {
        let slot = Duration::from_millis(400);
        let unmeasured = Speed::from_totals(0, 0);
        assert!(unmeasured.feasible(10_000, 1_000, 1, slot));
        // 50 ms a token: 8 tokens take 400 ms, one slot.
        let s = Speed::from_totals(100, 5_000);
        assert_eq!(s.per_token, Some(Duration::from_millis(50)));
        assert!(s.feasible(0, 8, 1, slot));
        assert!(!s.feasible(0, 9, 1, slot));
        assert!(!s.feasible(1, 8, 1, slot), "one token queued ahead");
        assert!(s.feasible(300, 300, 75, slot));
        assert!(!s.feasible(300, 300, 74, slot));
        assert!(!s.feasible(u64::MAX, u32::MAX, 1, slot), "no overflow");
    }
}
