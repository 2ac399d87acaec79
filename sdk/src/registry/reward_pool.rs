//! The reward pool: the reserve that pays the epoch issuance, and the rewards earned but not yet
//! claimed. One account at a fixed address, owned by the registry and funded at genesis.
//!
//! Issuance is pre-minted: genesis puts the reserve in this account, and each epoch roll releases
//! the epoch's reward under `ambient_pol::rules::Inflation` on the *circulating basis* (the supply
//! outside the reserve at genesis plus everything released since), split by
//! `ambient_pol::rules::RewardSplit`:
//! - inference pool: miners, pro rata to their validated inference work in the epoch;
//! - validation pool: verifiers, pro rata to their validation work in the epoch;
//! - leaders and voting pools: pro rata to the LStake in force during the epoch (LStake is what
//!   assigns leader slots and weighs votes).
//!
//! A pool nobody earned in that epoch is not released. Verification fees (moved here by the auction
//! at finalisation and recorded in the work book) become claimable at the same roll. Claims pay an
//! identity's whole balance to a destination it names.
//!
//! Layout v1: kind `6` · version `1` · count u32 · slot ns u64 · basis u64 · released u64 ·
//! `count` × (identity (32) · claimable u64), sorted by identity.

use std::collections::BTreeMap;

use ambient_pol::rules::{pro_rata, Inflation, RewardSplit};
use solana_epoch_schedule::EpochSchedule;
use solana_pubkey::Pubkey;

use super::error::RegistryError;
use super::work_book::WorkBook;

/// The reward pool's address.
pub const REWARD_POOL: Pubkey = Pubkey::new_from_array(*b"ambient/reward-pool/account/v1\0\0");

/// Identities with unclaimed rewards the pool has room for.
pub const CAPACITY: usize = 256;

const KIND: u8 = 6;
const VERSION: u8 = 1;
const HEADER: usize = 2 + 4 + 8 + 8 + 8;
const ENTRY: usize = 40;

/// Size of the account.
pub const LEN: usize = HEADER + CAPACITY * ENTRY;

/// The decoded pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RewardPool {
    /// Nominal slot duration in nanoseconds (from genesis), which dates epochs for the schedule.
    pub slot_ns: u64,
    /// Circulating basis the inflation rate applies to, in lamports.
    pub basis: u64,
    /// Lamports released by issuance so far.
    pub released: u64,
    /// Earned and not yet claimed, per identity.
    pub claimable: BTreeMap<Pubkey, u64>,
}

/// What one epoch's roll released and credited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochRewards {
    /// Issuance released from the reserve.
    pub issued: u64,
    /// Verification fees made claimable.
    pub fees: u64,
    /// The issuance credited to each identity (its inference, validation, leader and voting
    /// shares together).
    pub credited: BTreeMap<Pubkey, u64>,
}

fn le(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

impl RewardPool {
    /// The genesis pool's account data.
    pub fn genesis_account_data(slot_ns: u64, basis: u64) -> Vec<u8> {
        let mut v = vec![0u8; LEN];
        RewardPool {
            slot_ns,
            basis,
            ..RewardPool::default()
        }
        .encode_into(&mut v)
        .expect("an empty pool fits");
        v
    }

    /// Parses the account data.
    pub fn decode(d: &[u8]) -> Result<Self, RegistryError> {
        if d.len() != LEN || d[0] != KIND || d[1] != VERSION {
            return Err(RegistryError::WrongRewardPool);
        }
        let n = u32::from_le_bytes(d[2..6].try_into().expect("4 bytes")) as usize;
        if n > CAPACITY {
            return Err(RegistryError::WrongRewardPool);
        }
        let claimable = d[HEADER..]
            .chunks_exact(ENTRY)
            .take(n)
            .map(|e| {
                (
                    Pubkey::new_from_array(e[..32].try_into().expect("32 bytes")),
                    le(&e[32..]),
                )
            })
            .collect();
        Ok(RewardPool {
            slot_ns: le(&d[6..14]),
            basis: le(&d[14..22]),
            released: le(&d[22..30]),
            claimable,
        })
    }

    /// Writes the pool into account data of [`LEN`] bytes.
    pub fn encode_into(&self, d: &mut [u8]) -> Result<(), RegistryError> {
        if d.len() != LEN {
            return Err(RegistryError::WrongRewardPool);
        }
        if self.claimable.len() > CAPACITY {
            return Err(RegistryError::PoolFull);
        }
        d.fill(0);
        d[0] = KIND;
        d[1] = VERSION;
        d[2..6].copy_from_slice(&(self.claimable.len() as u32).to_le_bytes());
        d[6..14].copy_from_slice(&self.slot_ns.to_le_bytes());
        d[14..22].copy_from_slice(&self.basis.to_le_bytes());
        d[22..30].copy_from_slice(&self.released.to_le_bytes());
        for (e, (k, v)) in d[HEADER..].chunks_exact_mut(ENTRY).zip(&self.claimable) {
            e[..32].copy_from_slice(k.as_ref());
            e[32..].copy_from_slice(&v.to_le_bytes());
        }
        Ok(())
    }

    /// All rewards earned and not yet claimed.
    pub fn total_claimable(&self) -> u64 {
        self.claimable
            .values()
            .fold(0u64, |a, v| a.saturating_add(*v))
    }

    /// Adds `lamports` to `who`'s balance; `false` (and nothing credited) when the pool has no room
    /// for a new identity.
    fn add(&mut self, who: Pubkey, lamports: u64) -> bool {
        if lamports == 0 {
            return true;
        }
        if !self.claimable.contains_key(&who) && self.claimable.len() >= CAPACITY {
            return false;
        }
        let v = self.claimable.entry(who).or_insert(0);
        *v = v.saturating_add(lamports);
        true
    }

    /// Credits `epoch`'s fees and issuance. `lamports` is the account's balance and
    /// `rent_minimum` its rent-exempt minimum: the reserve is what is left after both and the
    /// claimable balances. `lstake` is the LStake table in force during `epoch`.
    pub fn settle_epoch(
        &mut self,
        epoch: u64,
        schedule: &EpochSchedule,
        book: &WorkBook,
        lstake: &BTreeMap<Pubkey, u64>,
        lamports: u64,
        rent_minimum: u64,
    ) -> EpochRewards {
        let earned = book.epoch(epoch);
        let mut fees = 0u64;
        for (who, c) in &earned {
            if self.add(*who, c.fees) {
                fees = fees.saturating_add(c.fees);
            }
        }
        let reserve = lamports
            .saturating_sub(rent_minimum)
            .saturating_sub(self.total_claimable());
        let slot_secs = self.slot_ns as f64 / 1e9;
        let start = schedule.get_first_slot_in_epoch(epoch) as f64 * slot_secs;
        let length = schedule.get_slots_in_epoch(epoch) as f64 * slot_secs;
        let total = Inflation::default()
            .epoch_reward(self.basis, start, length)
            .min(reserve);
        let pools = RewardSplit::default()
            .split(total)
            .expect("the default split sums to one");
        let weights = |f: fn(&super::work_book::Credit) -> u64| -> Vec<(Pubkey, u64)> {
            earned
                .iter()
                .map(|(k, c)| (*k, f(c)))
                .filter(|(_, w)| *w > 0)
                .collect()
        };
        let stake: Vec<(Pubkey, u64)> = lstake
            .iter()
            .filter(|(_, w)| **w > 0)
            .map(|(k, w)| (*k, *w))
            .collect();
        let mut issued = 0u64;
        let mut credited: BTreeMap<Pubkey, u64> = BTreeMap::new();
        for (pool, weights) in [
            (pools.inference, weights(|c| c.inference)),
            (pools.validation, weights(|c| c.validation)),
            (pools.leaders, stake.clone()),
            (pools.voting, stake),
        ] {
            for (who, share) in pro_rata(pool, &weights) {
                if share > 0 && self.add(who, share) {
                    issued += share;
                    *credited.entry(who).or_default() += share;
                }
            }
        }
        self.released = self.released.saturating_add(issued);
        self.basis = self.basis.saturating_add(issued);
        EpochRewards {
            issued,
            fees,
            credited,
        }
    }

    /// Takes `who`'s whole balance.
    pub fn claim(&mut self, who: &Pubkey) -> Result<u64, RegistryError> {
        self.claimable
            .remove(who)
            .filter(|v| *v > 0)
            .ok_or(RegistryError::NothingToClaim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::work_book::Credit;

    const SOL: u64 = 1_000_000_000;

    #[test]
    fn epoch_issuance_follows_the_schedule_and_the_split() {
        let schedule = EpochSchedule::without_warmup();
        let (miner, verifier, leader) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mut book = WorkBook::default();
        book.credit(
            0,
            miner,
            Credit {
                inference: 300,
                ..Credit::default()
            },
        )
        .unwrap();
        book.credit(
            0,
            verifier,
            Credit {
                inference: 0,
                validation: 30,
                fees: 1_234,
            },
        )
        .unwrap();
        let lstake = [(leader, 1_000)].into();
        let basis = 500_000_000 * SOL;
        let mut pool = RewardPool {
            slot_ns: 400_000_000,
            basis,
            ..RewardPool::default()
        };
        let reserve = 100_000_000 * SOL;
        // The fee lamports are already in the account.
        let got = pool.settle_epoch(0, &schedule, &book, &lstake, reserve + 1_234, 0);
        let expected = Inflation::default().epoch_reward(
            basis,
            0.0,
            schedule.get_slots_in_epoch(0) as f64 * 0.4,
        );
        assert!(expected > 0);
        let p = RewardSplit::default().split(expected).unwrap();
        assert_eq!(
            got,
            EpochRewards {
                issued: expected,
                fees: 1_234,
                credited: [
                    (miner, p.inference),
                    (verifier, p.validation),
                    (leader, p.leaders + p.voting),
                ]
                .into_iter()
                .filter(|(_, v)| *v > 0)
                .collect(),
            }
        );
        assert_eq!(pool.claimable[&miner], p.inference);
        assert_eq!(pool.claimable[&verifier], p.validation + 1_234);
        assert_eq!(pool.claimable[&leader], p.leaders + p.voting);
        assert_eq!(pool.basis, basis + expected);
        assert_eq!(pool.released, expected);

        // Round trip, then claims empty the balance once.
        let mut d = vec![0u8; LEN];
        pool.encode_into(&mut d).unwrap();
        let mut back = RewardPool::decode(&d).unwrap();
        assert_eq!(back, pool);
        assert_eq!(back.claim(&miner), Ok(p.inference));
        assert_eq!(back.claim(&miner), Err(RegistryError::NothingToClaim));
    }

    #[test]
    fn nothing_earned_releases_only_the_stake_pools_and_the_reserve_caps_it() {
        let schedule = EpochSchedule::without_warmup();
        let leader = Pubkey::new_unique();
        let lstake = [(leader, 1)].into();
        let mut pool = RewardPool {
            slot_ns: 400_000_000,
            basis: 500_000_000 * SOL,
            ..RewardPool::default()
        };
        let got = pool.settle_epoch(
            3,
            &schedule,
            &WorkBook::default(),
            &lstake,
            100_000_000 * SOL,
            0,
        );
        let total = Inflation::default().epoch_reward(
            500_000_000 * SOL,
            3.0 * schedule.get_slots_in_epoch(3) as f64 * 0.4,
            schedule.get_slots_in_epoch(3) as f64 * 0.4,
        );
        let p = RewardSplit::default().split(total).unwrap();
        assert_eq!(got.issued, p.leaders + p.voting);
        assert_eq!(got.fees, 0);

        // A reserve smaller than the epoch's reward caps it.
        let mut poor = RewardPool {
            slot_ns: 400_000_000,
            basis: 500_000_000 * SOL,
            ..RewardPool::default()
        };
        let got = poor.settle_epoch(3, &schedule, &WorkBook::default(), &lstake, 1_000 + 99, 99);
        assert!(got.issued <= 1_000);
    }

    #[test]
    fn malformed_data_is_refused() {
        let d = RewardPool::genesis_account_data(1, 2);
        assert_eq!(RewardPool::decode(&d).unwrap().basis, 2);
        assert_eq!(
            RewardPool::decode(&d[..LEN - 1]),
            Err(RegistryError::WrongRewardPool)
        );
        let mut bad = d.clone();
        bad[2..6].copy_from_slice(&(CAPACITY as u32 + 1).to_le_bytes());
        assert_eq!(
            RewardPool::decode(&bad),
            Err(RegistryError::WrongRewardPool)
        );
        let mut bad = d;
        bad[1] = 9;
        assert_eq!(
            RewardPool::decode(&bad),
            Err(RegistryError::WrongRewardPool)
        );
    }
}
