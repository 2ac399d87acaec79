//! The native programs' instruction data and account layouts (`ambient-sdk`).

use ambient_sdk::auction::instruction::{AuctionInstruction, Evidence, RequestParams};
use ambient_sdk::auction::state::{
    Appeal, Audit, Bid, Committee, Escalation, JobResult, Request, RequestState, Sampling,
    APPEAL_LEN, BID_LEN, MAX_COMMITTEE, NO_PRICE, REQUEST_LEN,
};
use ambient_sdk::registry::instruction::RegistryInstruction;
use ambient_sdk::registry::lstake_table::LStakeTable;
use ambient_sdk::registry::models;
use ambient_sdk::registry::reward_pool::{self, RewardPool};
use ambient_sdk::registry::state::{Record, Role, RECORD_LEN};
use ambient_sdk::registry::work_book::{self, Credit, WorkBook};
use solana_pubkey::Pubkey;

/// `data` zero-padded or cut to `len` bytes (account readers take exact sizes).
fn sized(data: &[u8], len: usize) -> Vec<u8> {
    let mut v = data[..data.len().min(len)].to_vec();
    v.resize(len, 0);
    v
}

/// Auction instruction data, then the request, bid and appeal account readers.
pub fn auction(data: &[u8]) -> bool {
    let mut accepted = false;
    if let Ok(ix) = AuctionInstruction::decode(data) {
        let again = ix.encode();
        assert!(
            again == data,
            "auction instruction {ix:?} re-encodes to {again:02x?}, decoded from {data:02x?}"
        );
        accepted = true;
    }
    // Readers see any length (only the exact one is valid), then the exact length.
    let _ = Request::read(data);
    let _ = Bid::read(data);
    let _ = Appeal::read(data);
    let req = sized(data, REQUEST_LEN);
    if let Ok(Some(r)) = Request::read(&req) {
        // Compare encodings, not values: sampling floats may be NaN.
        let mut once = vec![0u8; REQUEST_LEN];
        r.write(&mut once).expect("a request account's size fits");
        let back = Request::read(&once).map(|r| {
            r.map(|r| {
                let mut twice = vec![0u8; REQUEST_LEN];
                r.write(&mut twice).map(|()| twice)
            })
        });
        assert!(
            matches!(&back, Ok(Some(Ok(twice))) if *twice == once),
            "request account does not round-trip: {r:?}"
        );
        accepted = true;
    }
    let bid = sized(data, BID_LEN);
    if let Ok(Some(b)) = Bid::read(&bid) {
        let mut once = vec![0u8; BID_LEN];
        b.write(&mut once).expect("a bid account's size fits");
        assert_eq!(
            Bid::read(&once),
            Ok(Some(b.clone())),
            "bid account does not round-trip"
        );
        accepted = true;
    }
    let appeal = sized(data, APPEAL_LEN);
    if let Ok(Some(a)) = Appeal::read(&appeal) {
        let mut once = vec![0u8; APPEAL_LEN];
        a.write(&mut once).expect("an appeal account's size fits");
        assert_eq!(
            Appeal::read(&once),
            Ok(Some(a.clone())),
            "appeal account does not round-trip"
        );
        accepted = true;
    }
    accepted
}

fn key(b: u8) -> Pubkey {
    Pubkey::new_from_array([b; 32])
}

fn sampling() -> Sampling {
    Sampling {
        temperature: 0.7,
        top_k: 40,
        top_p: 0.9,
        seed: 42,
    }
}

/// Every auction instruction, a request account in each state and bid accounts.
pub fn auction_seeds() -> Vec<Vec<u8>> {
    let params = RequestParams {
        model_id: [1; 32],
        prompt_hash: [2; 32],
        max_tokens: 64,
        sampling: sampling(),
        max_price: 1_000_000,
        bid_slots: 3,
        reveal_slots: 3,
        deadline_slots: 40,
        prompt_tokens: 7,
    };
    let result = JobResult {
        root: [3; 32],
        chain: [4; 32],
        output_hash: [5; 32],
        token_count: 17,
        slot: 0,
        leaves_hash: [6; 32],
        prompt_tokens: 7,
    };
    let mut seeds: Vec<Vec<u8>> = [
        AuctionInstruction::Request(params),
        AuctionInstruction::Cancel,
        AuctionInstruction::Bid {
            commitment: ambient_sdk::auction::bid_commitment(&key(11), &key(12), 500, &[6; 32]),
        },
        AuctionInstruction::Reveal {
            price: 500,
            salt: [6; 32],
        },
        AuctionInstruction::Settle,
        AuctionInstruction::WithdrawBid,
        AuctionInstruction::SubmitResult(result),
        AuctionInstruction::ClaimTimeout,
        AuctionInstruction::DrawCommittee,
        AuctionInstruction::Verdict {
            valid: true,
            evidence: Evidence::Recomputed { root: [3; 32] },
        },
        AuctionInstruction::Verdict {
            valid: false,
            evidence: Evidence::Diverges {
                position: 2,
                miner_leaf: [4; 32],
                own_leaf: [5; 32],
                proof: vec![[6; 32]; 3],
            },
        },
        AuctionInstruction::Verdict {
            valid: false,
            evidence: Evidence::Misreported { position: 1 },
        },
        AuctionInstruction::Verdict {
            valid: false,
            evidence: Evidence::Unavailable,
        },
        AuctionInstruction::Verdict {
            valid: true,
            evidence: Evidence::Prompt,
        },
        AuctionInstruction::Finalize,
        AuctionInstruction::Appeal,
    ]
    .iter()
    .map(AuctionInstruction::encode)
    .collect();
    for state in [
        RequestState::Open,
        RequestState::Delivered,
        RequestState::Verifying,
        RequestState::Slashed,
        RequestState::Voided,
    ] {
        let r = Request {
            state,
            requester: key(7),
            model_id: [1; 32],
            prompt_hash: [2; 32],
            max_tokens: 64,
            sampling: sampling(),
            max_price: 1_000_000,
            created_slot: 10,
            bid_end: 13,
            reveal_end: 16,
            deadline: 56,
            bids: 2,
            revealed: 1,
            best_bid: key(8),
            best_price: 500,
            second_price: NO_PRICE,
            winner: key(8),
            price: 500,
            result: JobResult { slot: 20, ..result },
            committee: Committee {
                len: 3,
                members: [key(9); MAX_COMMITTEE],
                valid: 0b011,
                fraud: 0b100,
                deadline: 36,
                round: 2,
                redraw_slot: 30,
                escalation: Escalation::Pending,
                last_vote: 33,
            },
            best_miner: key(10),
            winner_miner: key(10),
            audit_ppm: 3_300,
            audit: Audit::Skipped,
            prompt_tokens: 7,
            appeal: key(14),
            appealed: Some(true),
        };
        let mut d = vec![0u8; REQUEST_LEN];
        r.write(&mut d).expect("request account size");
        seeds.push(d);
    }
    for revealed in [false, true] {
        let b = Bid {
            revealed,
            request: key(11),
            miner: key(12),
            commitment: [13; 32],
            price: 900,
            bond: 1_000_000,
            audit_ppm: 3_300,
        };
        let mut d = vec![0u8; BID_LEN];
        b.write(&mut d).expect("bid account size");
        seeds.push(d);
    }
    let appeal = Appeal {
        request: key(15),
        appellant: key(16),
        bond: 2_000_000,
        appealed: false,
        committee: Committee {
            len: 3,
            members: [key(17); MAX_COMMITTEE],
            fraud: 0b111,
            ..Committee::default()
        },
    };
    let mut d = vec![0u8; APPEAL_LEN];
    appeal.write(&mut d).expect("appeal account size");
    seeds.push(d);
    seeds
}

/// Registry instruction data and every registry account decoder.
pub fn registry(data: &[u8]) -> bool {
    let mut accepted = false;
    if let Ok(ix) = RegistryInstruction::decode(data) {
        assert_eq!(
            ix.encode(),
            data,
            "registry instruction {ix:?} re-encodes differently"
        );
        accepted = true;
    }
    let _ = Record::read(data);
    if let Ok(Some(r)) = Record::read(&sized(data, RECORD_LEN)) {
        let mut d = [0u8; RECORD_LEN];
        r.write(&mut d).expect("a record's size fits");
        assert_eq!(Record::read(&d), Ok(Some(r)), "record does not round-trip");
        accepted = true;
    }
    if let Ok(t) = LStakeTable::decode(data) {
        assert_eq!(
            LStakeTable::decode(&t.encode()).as_ref(),
            Ok(&t),
            "LStake table does not round-trip"
        );
        accepted = true;
    }
    if let Ok(ids) = models::decode(data) {
        assert_eq!(
            models::encode(&ids),
            data,
            "allowed models re-encode differently"
        );
        accepted = true;
    }
    // The work book and the reward pool are fixed-size accounts: an input that starts like one is
    // padded to the size (their decoders check kind and version first, so other inputs would only
    // be refused the same way at a larger cost).
    if data.starts_with(&[5, 2]) {
        if let Ok(b) = WorkBook::decode(&sized(data, work_book::LEN)) {
            let mut d = vec![0u8; work_book::LEN];
            b.encode_into(&mut d).expect("a decoded work book fits");
            assert_eq!(
                WorkBook::decode(&d).as_ref(),
                Ok(&b),
                "work book does not round-trip"
            );
            accepted = true;
        }
    } else {
        let _ = WorkBook::decode(data);
    }
    if data.starts_with(&[6, 1]) {
        if let Ok(p) = RewardPool::decode(&sized(data, reward_pool::LEN)) {
            let mut d = vec![0u8; reward_pool::LEN];
            p.encode_into(&mut d).expect("a decoded reward pool fits");
            assert_eq!(
                RewardPool::decode(&d).as_ref(),
                Ok(&p),
                "reward pool does not round-trip"
            );
            accepted = true;
        }
    } else {
        let _ = RewardPool::decode(data);
    }
    accepted
}

/// Every registry instruction and one of each account, cut after their entries.
pub fn registry_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [
        RegistryInstruction::Register {
            role: Role::Miner,
            bond: 1_000_000,
        },
        RegistryInstruction::Register {
            role: Role::Verifier,
            bond: u64::MAX,
        },
        RegistryInstruction::Deregister,
        RegistryInstruction::ClaimRewards,
        RegistryInstruction::Unbond,
        RegistryInstruction::Slash { bps: 5_000 },
        RegistryInstruction::TopUp,
    ]
    .iter()
    .map(RegistryInstruction::encode)
    .collect();
    let mut rec = [0u8; RECORD_LEN];
    Record {
        role: Role::Verifier,
        authority: key(1),
        bond: 5_000_000,
        registered_slot: 9,
        unbonding_slot: 12,
    }
    .write(&mut rec)
    .expect("record size");
    seeds.push(rec.to_vec());
    seeds.push(
        LStakeTable {
            epoch: 3,
            entries: [(key(1), 5), (key(2), 7), (key(3), u64::MAX)].into(),
            previous: [(key(2), 1)].into(),
            audit_rate_ppm: 3_300,
            audit_floor_ppm: 1_000,
        }
        .encode(),
    );
    seeds.push(models::encode(&[[1; 32], [2; 32]]));
    let mut book = WorkBook::default();
    for (i, who) in [key(4), key(5)].into_iter().enumerate() {
        let credit = Credit {
            inference: 300 + i as u64,
            validation: 5,
            fees: 40,
        };
        book.credit(3, who, credit).expect("room in the book");
        book.credit(4, who, credit).expect("room in the book");
    }
    book.zero(5, key(6)).expect("room in the book");
    let mut d = vec![0u8; work_book::LEN];
    book.encode_into(&mut d).expect("work book size");
    // Header (6) and three entries of 32 + 8 + 45 * 32 bytes; the rest is zeros.
    d.truncate(6 + 3 * (40 + work_book::RING * 32));
    seeds.push(d);
    let pool = RewardPool {
        slot_ns: 400_000_000,
        basis: 1 << 50,
        released: 12_345,
        claimable: [(key(7), 10), (key(8), 20)].into(),
    };
    let mut d = vec![0u8; reward_pool::LEN];
    pool.encode_into(&mut d).expect("reward pool size");
    d.truncate(30 + 2 * 40);
    seeds.push(d);
    seeds
}
