//! The node's vote tower: the lockouts it has voted, kept exactly as the vote program keeps them,
//! and the `TowerSync` vote transactions that carry them on chain.

use std::collections::VecDeque;

use solana_clock::Slot;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_vote_interface::instruction::tower_sync;
use solana_vote_interface::state::{Lockout, TowerSync, MAX_LOCKOUT_HISTORY};

/// Version of the tower file's layout.
const TOWER_FILE_VERSION: u8 = 1;

/// The lockouts a node has voted on one fork, and the root they imply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tower {
    votes: VecDeque<Lockout>,
    root: Option<Slot>,
}

impl Tower {
    /// The tower the vote account `vote` holds in `bank` (where a restarted node resumes).
    pub fn from_bank(bank: &Bank, vote: &Pubkey) -> Self {
        let Some(view) = crate::commitment::vote_state(bank, vote) else {
            return Tower::default();
        };
        Tower {
            votes: view.votes_iter().collect(),
            root: view.root_slot(),
        }
    }

    /// Writes the tower to `path` (a temporary file renamed into place and synced, so a crash
    /// leaves the old tower or the new one).
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        let votes: Vec<(Slot, u32)> = self
            .votes
            .iter()
            .map(|l| (l.slot(), l.confirmation_count()))
            .collect();
        let bytes = bincode::serialize(&(TOWER_FILE_VERSION, votes, self.root))
            .map_err(std::io::Error::other)?;
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }

    /// Reads a tower written by [`Tower::save`] (`None` when absent or unreadable).
    pub fn load(path: &std::path::Path) -> Option<Self> {
        let bytes = std::fs::read(path).ok()?;
        let (version, votes, root): (u8, Vec<(Slot, u32)>, Option<Slot>) =
            bincode::deserialize(&bytes).ok()?;
        if version != TOWER_FILE_VERSION || votes.len() > MAX_LOCKOUT_HISTORY {
            return None;
        }
        Some(Tower {
            votes: votes
                .into_iter()
                .map(|(s, c)| Lockout::new_with_confirmation_count(s, c))
                .collect(),
            root,
        })
    }

    /// The tower to resume with: the one saved at `path` when it is ahead of the one the vote
    /// account holds in `bank` (votes sent before a stop that never landed still bind).
    pub fn restore(bank: &Bank, vote: &Pubkey, path: &std::path::Path) -> Self {
        let on_chain = Tower::from_bank(bank, vote);
        match Tower::load(path) {
            Some(saved) if saved.last_voted_slot() > on_chain.last_voted_slot() => saved,
            _ => on_chain,
        }
    }

    /// The last slot voted on.
    pub fn last_voted_slot(&self) -> Option<Slot> {
        self.votes.back().map(|l| l.slot())
    }

    /// The slot rooted by this tower (31 votes deep).
    pub fn root(&self) -> Option<Slot> {
        self.root
    }

    /// The lockouts, oldest first.
    pub fn votes(&self) -> &VecDeque<Lockout> {
        &self.votes
    }

    /// Records a vote on `slot` with the vote program's rules: votes for older slots are ignored,
    /// expired lockouts pop, the 32nd vote roots the oldest, and lockouts double with depth.
    /// Returns whether the tower changed.
    pub fn record(&mut self, slot: Slot) -> bool {
        if self.last_voted_slot().is_some_and(|last| slot <= last) {
            return false;
        }
        while self
            .votes
            .back()
            .is_some_and(|v| !v.is_locked_out_at_slot(slot))
        {
            self.votes.pop_back();
        }
        if self.votes.len() == MAX_LOCKOUT_HISTORY {
            self.root = self.votes.pop_front().map(|l| l.slot());
        }
        self.votes.push_back(Lockout::new(slot));
        let depth = self.votes.len();
        for (i, v) in self.votes.iter_mut().enumerate() {
            if depth > i + v.confirmation_count() as usize {
                v.increase_confirmation_count(1);
            }
        }
        true
    }

    /// A signed `TowerSync` vote for the frozen `bank` (recorded in the tower first) on vote
    /// account `vote`, paid by `identity` and signed by the account's `authorized_voter`, valid
    /// with `recent_blockhash`. `None` when the tower already holds a vote at or past this slot.
    pub fn vote(
        &mut self,
        bank: &Bank,
        block_id: Hash,
        identity: &Keypair,
        authorized_voter: &Keypair,
        vote: &Pubkey,
        recent_blockhash: Hash,
    ) -> Option<Transaction> {
        if !self.record(bank.slot()) {
            return None;
        }
        let sync = TowerSync {
            lockouts: self.votes.clone(),
            root: self.root,
            hash: bank.hash(),
            timestamp: Some(bank.clock().unix_timestamp),
            block_id,
        };
        let ix = tower_sync(vote, &authorized_voter.pubkey(), sync);
        Some(Transaction::new_signed_with_payer(
            &[ix],
            Some(&identity.pubkey()),
            &[identity, authorized_voter],
            recent_blockhash,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_votes_root_the_oldest_after_31() {
        let mut t = Tower::default();
        for s in 1..=31 {
            assert!(t.record(s));
        }
        assert_eq!(t.root(), None);
        assert_eq!(t.votes().front().map(|l| l.confirmation_count()), Some(31));
        assert!(t.record(32));
        assert_eq!(t.root(), Some(1));
        assert_eq!(t.votes().len(), 31);
        assert_eq!(t.last_voted_slot(), Some(32));
        assert!(!t.record(32), "a vote for a voted slot is ignored");
        assert!(!t.record(5), "a vote for an older slot is ignored");
    }

    #[test]
    fn a_saved_tower_reads_back_and_garbage_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tower.bin");
        let mut t = Tower::default();
        for s in [3, 4, 9, 10] {
            t.record(s);
        }
        t.save(&path).unwrap();
        assert_eq!(Tower::load(&path), Some(t));
        std::fs::write(&path, b"not a tower").unwrap();
        assert_eq!(Tower::load(&path), None);
        assert_eq!(Tower::load(&dir.path().join("absent")), None);
    }

    #[test]
    fn a_gap_expires_short_lockouts() {
        let mut t = Tower::default();
        for s in 1..=3 {
            t.record(s);
        }
        // Lockouts: 1 (conf 3, locked to 1+8), 2 (conf 2, to 2+4), 3 (conf 1, to 3+2).
        t.record(7);
        let slots: Vec<_> = t.votes().iter().map(|l| l.slot()).collect();
        assert_eq!(slots, vec![1, 7]);
    }
}
