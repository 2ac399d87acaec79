//! Who verifies a delivered job, as `DrawCommittee` decides it and a keeper predicts it: the seed
//! (the hashes of the slots after the draw slot), whether the job is audited at all, and the
//! order in which LStake holders are drawn. The program takes the bonded ones in that order, so
//! whoever sends the draw passes the verifier records of that order's first candidates and cannot
//! leave any of them out.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use solana_pubkey::Pubkey;

use super::error::AuctionError;
use super::state::{Audit, Escalation, Request};
use super::{APPEAL_COMMITTEE_SIZE, AUDIT_ALL_PPM, COMMITTEE_SIZE, ESCALATED_COMMITTEE_SIZE};
use crate::registry::lstake_table::LStakeTable;

/// Candidates a draw walks at most, in draw order, looking for bonded verifiers: their records
/// ride in the `DrawCommittee` transaction, so the bound keeps it within a packet.
pub const MAX_DRAW_CANDIDATES: usize = 24;

/// The hash of every slot in `window` that `hashes` (the `SlotHashes` sysvar's entries) holds
/// (skipped slots have none), each with its slot number: what seeds a committee draw. None at
/// all (every slot skipped) is `SeedUnavailable`.
pub fn seed_of<H: AsRef<[u8]>>(
    hashes: &[(u64, H)],
    window: RangeInclusive<u64>,
) -> Result<[u8; 32], AuctionError> {
    let mut h = blake3::Hasher::new();
    let mut any = false;
    for (s, hash) in hashes.iter().filter(|(s, _)| window.contains(s)) {
        h.update(&s.to_le_bytes());
        h.update(hash.as_ref());
        any = true;
    }
    if !any {
        return Err(AuctionError::SeedUnavailable);
    }
    Ok(*h.finalize().as_bytes())
}

/// Whether the job at `key` is audited at `rate_ppm`, from its first draw's `window_seed`
/// ([`seed_of`]): a uniform draw in parts per million below the rate. The seed is made after the
/// result was fixed, so the miner cannot know which of its jobs will be audited.
pub fn audited(window_seed: &[u8; 32], key: &Pubkey, rate_ppm: u32) -> bool {
    let mut h = blake3::Hasher::new();
    h.update(b"ambient-auction/audit/v1");
    h.update(window_seed);
    h.update(key.as_ref());
    let x = u64::from_le_bytes(h.finalize().as_bytes()[..8].try_into().expect("8 bytes"));
    // 2^64 is not a multiple of 10^6: the bias is below 10^-13.
    x % u64::from(AUDIT_ALL_PPM) < u64::from(rate_ppm)
}

/// The seed of the draw of `round` for the job at `key`: `window_seed`, the request and the
/// round.
fn draw_seed(window_seed: &[u8; 32], key: &Pubkey, round: u8) -> [u8; 32] {
    let mut seed = blake3::Hasher::new();
    seed.update(b"ambient-auction/committee/v2");
    seed.update(window_seed);
    seed.update(key.as_ref());
    if round > 1 {
        seed.update(&[round]);
    }
    *seed.finalize().as_bytes()
}

/// The order in which the draw of `round` for `req` (at `key`) takes candidates: up to
/// [`MAX_DRAW_CANDIDATES`] LStake holders of `table`, LStake-weighted without replacement from
/// [`draw_seed`], never the miner, the requester, a silent member of the previous committee
/// (`Request::may_verify`) or one of `taken`.
pub fn draw_order(
    table: &LStakeTable,
    req: &Request,
    key: &Pubkey,
    window_seed: &[u8; 32],
    round: u8,
    taken: &[Pubkey],
) -> Vec<Pubkey> {
    let weights: BTreeMap<[u8; 32], u64> = table
        .entries
        .iter()
        .filter(|(k, _)| req.may_verify(k) && !taken.contains(k))
        .map(|(k, v)| (k.to_bytes(), *v))
        .collect();
    let seed = draw_seed(window_seed, key, round);
    ambient_pol::select::committee(&weights, &seed, MAX_DRAW_CANDIDATES)
        .into_iter()
        .map(Pubkey::new_from_array)
        .collect()
}

/// Whether `req` (at `key`) is audited: as decided, or as its first draw from `window_seed` will
/// decide (a declined job always is).
pub fn audit_of(req: &Request, key: &Pubkey, window_seed: &[u8; 32]) -> Audit {
    match req.audit {
        Audit::Undecided if req.declined() || audited(window_seed, key, req.audit_ppm) => {
            Audit::Audited
        }
        Audit::Undecided => Audit::Skipped,
        decided => decided,
    }
}

/// The draw `DrawCommittee` makes next for `req` (at `key`) from `window_seed`: the candidate
/// order and how many bonded members it takes from it ([`COMMITTEE_SIZE`], after a split
/// verdict as many more as make [`ESCALATED_COMMITTEE_SIZE`], after an appeal
/// [`APPEAL_COMMITTEE_SIZE`] none of whom sat on the appealed committee); `None` for a job that
/// is not audited (no committee).
pub fn next_draw(
    table: &LStakeTable,
    req: &Request,
    key: &Pubkey,
    window_seed: &[u8; 32],
) -> Option<(Vec<Pubkey>, usize)> {
    if audit_of(req, key, window_seed) == Audit::Skipped {
        return None;
    }
    let c = &req.committee;
    let len = usize::from(c.len);
    let (taken, need) = match c.escalation {
        Escalation::Pending => (
            &c.members[..len],
            ESCALATED_COMMITTEE_SIZE.saturating_sub(len),
        ),
        Escalation::AppealPending => (&c.members[..len], APPEAL_COMMITTEE_SIZE),
        _ => (&[][..], COMMITTEE_SIZE),
    };
    let round = c.round.saturating_add(1);
    Some((draw_order(table, req, key, window_seed, round, taken), need))
}

/// The prefix of a draw's `order` that `DrawCommittee` walks: until `need` candidates for whom
/// `bonded` holds (a verifier record that lets them vote), or the whole order.
pub fn draw_candidates(
    order: &[Pubkey],
    need: usize,
    bonded: impl Fn(&Pubkey) -> bool,
) -> Vec<Pubkey> {
    let mut found = 0;
    order
        .iter()
        .take_while(|c| {
            let more = found < need;
            found += usize::from(more && bonded(c));
            more
        })
        .copied()
        .collect()
}

/// The `SlotHashes` sysvar's entries from its account data (bincode: a u64 count, then that many
/// slot and 32-byte hash pairs, newest first); `None` when the data is not that.
pub fn decode_slot_hashes(data: &[u8]) -> Option<Vec<(u64, [u8; 32])>> {
    let n = usize::try_from(u64::from_le_bytes(data.get(..8)?.try_into().ok()?)).ok()?;
    let body = data.get(8..8 + n.checked_mul(40)?)?;
    Some(
        body.chunks_exact(40)
            .map(|e| {
                let slot = u64::from_le_bytes(e[..8].try_into().expect("8 bytes"));
                (slot, e[8..].try_into().expect("32 bytes"))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SlotHashes` as the sysvar holds them (newest first) for `slots`, each slot's hash
    /// derived from `salt`.
    fn hashes(slots: &[u64], salt: u8) -> Vec<(u64, [u8; 32])> {
        let mut v: Vec<_> = slots
            .iter()
            .map(|&s| {
                (
                    s,
                    *blake3::hash(&[&s.to_le_bytes()[..], &[salt]].concat()).as_bytes(),
                )
            })
            .collect();
        v.reverse();
        v
    }

    #[test]
    fn the_seed_is_the_slots_after_the_draw_slot_and_only_them() {
        let window = 101..=112;
        let all: Vec<u64> = (90..=120).collect();
        let seed = seed_of(&hashes(&all, 0), window.clone()).unwrap();
        // The result's own slot (100), earlier slots and later ones do not count: whoever made
        // the block the result landed in cannot pick the seed by grinding that block.
        let mut other = hashes(&all, 0);
        for (s, h) in &mut other {
            if !window.contains(s) {
                h[0] ^= 1;
            }
        }
        assert_eq!(seed_of(&other, window.clone()).unwrap(), seed);
        // Every slot in the window counts.
        for i in 0..other.len() {
            if window.contains(&other[i].0) {
                let mut changed = hashes(&all, 0);
                changed[i].1[31] ^= 0x80;
                assert_ne!(seed_of(&changed, window.clone()).unwrap(), seed);
            }
        }
        // Skipped slots have no hash; a window of skipped slots only gives no seed.
        let some: Vec<u64> = all.iter().copied().filter(|s| s % 5 != 0).collect();
        assert!(seed_of(&hashes(&some, 0), window.clone()).is_ok());
        let none: Vec<u64> = all
            .iter()
            .copied()
            .filter(|s| !window.contains(s))
            .collect();
        assert_eq!(
            seed_of(&hashes(&none, 0), window),
            Err(AuctionError::SeedUnavailable)
        );
    }

    #[test]
    fn audits_follow_the_rate_and_each_seed_decides_once() {
        let key = Pubkey::new_unique();
        let seeds: Vec<[u8; 32]> = (0..20_000u32)
            .map(|i| *blake3::hash(&i.to_le_bytes()).as_bytes())
            .collect();
        for rate in [0u32, 3_300, 250_000, AUDIT_ALL_PPM] {
            let n = seeds.iter().filter(|s| audited(s, &key, rate)).count() as f64;
            let expected = seeds.len() as f64 * f64::from(rate) / 1e6;
            // Within five standard deviations of the binomial count.
            let sd = (expected * (1.0 - f64::from(rate) / 1e6)).sqrt();
            assert!(
                (n - expected).abs() <= 5.0 * sd + 1.0,
                "{rate}: {n} of 20000"
            );
        }
        // A job audited at one rate is audited at every higher one: the draw is one number.
        for s in &seeds[..2_000] {
            if audited(s, &key, 3_300) {
                assert!(audited(s, &key, 250_000));
            }
        }
        // Another job under the same seed draws apart.
        let other = Pubkey::new_unique();
        let differ = seeds[..2_000]
            .iter()
            .filter(|s| audited(s, &key, 500_000) != audited(s, &other, 500_000))
            .count();
        assert!(differ > 800, "{differ}");
    }

    #[test]
    fn a_draw_walks_its_order_until_it_has_the_bonded_members_it_needs() {
        let k: Vec<Pubkey> = (0..6).map(|_| Pubkey::new_unique()).collect();
        let bonded = |c: &Pubkey| *c != k[0] && *c != k[2];
        assert_eq!(draw_candidates(&k, 3, bonded), k[..5].to_vec());
        assert_eq!(draw_candidates(&k, 1, bonded), k[..2].to_vec());
        assert_eq!(draw_candidates(&k, 0, bonded), Vec::<Pubkey>::new());
        assert_eq!(
            draw_candidates(&k, 9, bonded),
            k,
            "the whole order when short"
        );
    }

    #[test]
    fn the_sysvar_layout_decodes_and_anything_else_is_refused() {
        let mut d = 2u64.to_le_bytes().to_vec();
        for (s, b) in [(9u64, 1u8), (8, 2)] {
            d.extend_from_slice(&s.to_le_bytes());
            d.extend_from_slice(&[b; 32]);
        }
        assert_eq!(
            decode_slot_hashes(&d),
            Some(vec![(9, [1; 32]), (8, [2; 32])])
        );
        assert_eq!(decode_slot_hashes(&d[..50]), None);
        assert_eq!(decode_slot_hashes(&u64::MAX.to_le_bytes()), None);
        assert_eq!(decode_slot_hashes(&[]), None);
    }
}
