//! Auction lifecycles per second through a real bank (a bench binary, not a test): request, two
//! sealed bids, two reveals, settlement, the loser's withdrawal, result, committee, three
//! verdicts (a verdict waits for every member or the deadline), finalisation, close — 14
//! transactions per lifecycle, with slots ending as a leader ends them (two in the auction, 13
//! for the committee's seed); then what one job costs the chain.
//!
//! `cargo bench -p ambient-runtime --bench auction -- [--lifecycles 200]`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use ambient_programs::auction::instruction::{
    bid, cancel, finalize_request, request, reveal, settle, submit_result, verdict, withdraw_bid,
    Evidence, RequestParams,
};
use ambient_programs::auction::{bid_commitment, SEED_SLOTS};
use ambient_programs::registry::instruction::register_verifier;
use ambient_programs::registry::state::RECORD_LEN;
use ambient_programs::registry::MIN_VERIFIER_BOND;
use solana_system_interface::instruction::transfer;

use ambient_programs::auction::state::{JobResult, Request, Sampling, BID_LEN, REQUEST_LEN};
use common::{chain_with_lstake, SOL};
use solana_keypair::Keypair;
use solana_signer::Signer;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--lifecycles")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("--lifecycles N"))
        .unwrap_or(200);
    let verifiers: Vec<Keypair> = (0..3).map(|_| Keypair::new()).collect();
    let mut c = chain_with_lstake(verifiers.iter().map(|v| (v.pubkey(), 1)).collect());
    for v in &verifiers {
        let ix = transfer(&c.faucet.pubkey(), &v.pubkey(), SOL);
        c.send(&c.faucet, &[], &[ix]).unwrap();
        let ixs = register_verifier(&v.pubkey(), MIN_VERIFIER_BOND, c.rent(RECORD_LEN));
        c.send(&c.faucet, &[v], &ixs).unwrap();
    }
    let requester = c.funded(100_000 * SOL);
    let miners = [c.funded(10_000 * SOL), c.funded(10_000 * SOL)];
    let p = RequestParams {
        model_id: [1; 32],
        prompt_hash: [2; 32],
        max_tokens: 64,
        sampling: Sampling {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 0,
        },
        max_price: SOL,
        bid_slots: 1,
        reveal_slots: 1,
        deadline_slots: 4,
        prompt_tokens: 32,
    };
    let (rent_req, rent_bid) = (c.rent(REQUEST_LEN), c.rent(BID_LEN));
    let mut busy = std::time::Duration::ZERO;
    let sent0 = c.sent.get();
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        let req = Keypair::new();
        c.send(
            &requester,
            &[&req],
            &request(&requester.pubkey(), &req.pubkey(), p, rent_req),
        )
        .unwrap();
        let bids: Vec<(Keypair, u64, [u8; 32])> = (0..2)
            .map(|k| {
                (
                    Keypair::new(),
                    SOL / 4 * (k as u64 + 1),
                    [(i % 251) as u8 ^ k as u8; 32],
                )
            })
            .collect();
        for (m, (b, price, salt)) in miners.iter().zip(&bids) {
            let commit = bid_commitment(&req.pubkey(), &m.pubkey(), *price, salt);
            c.send(
                m,
                &[b],
                &bid(
                    &m.pubkey(),
                    &req.pubkey(),
                    &b.pubkey(),
                    commit,
                    p.max_price, // the bond: the maximum price (above MIN_BID_BOND)
                    rent_bid,
                ),
            )
            .unwrap();
        }
        busy += t.elapsed();
        c.advance(1);
        let t = Instant::now();
        for (m, (b, price, salt)) in miners.iter().zip(&bids) {
            c.send(
                m,
                &[],
                &[reveal(
                    &m.pubkey(),
                    &req.pubkey(),
                    &b.pubkey(),
                    *price,
                    *salt,
                )],
            )
            .unwrap();
        }
        busy += t.elapsed();
        c.advance(1);
        let t = Instant::now();
        c.send(&requester, &[], &[settle(&req.pubkey())]).unwrap();
        let (loser, lb) = (&miners[1], &bids[1].0);
        c.send(
            loser,
            &[],
            &[withdraw_bid(
                &loser.pubkey(),
                &req.pubkey(),
                &lb.pubkey(),
                &loser.pubkey(),
                &requester.pubkey(),
            )],
        )
        .unwrap();
        let result = JobResult {
            root: [3; 32],
            chain: [4; 32],
            output_hash: [5; 32],
            token_count: 64,
            slot: 0,
            leaves_hash: [6; 32],
            prompt_tokens: 32,
        };
        c.send(
            &miners[0],
            &[],
            &[submit_result(
                &miners[0].pubkey(),
                &req.pubkey(),
                &bids[0].0.pubkey(),
                result,
            )],
        )
        .unwrap();
        busy += t.elapsed();
        // The committee's seed: the hashes of the SEED_SLOTS blocks after the result's.
        for _ in 0..=SEED_SLOTS {
            c.advance(1);
        }
        let t = Instant::now();
        c.send(&requester, &[], &[common::draw_ix(&c, &req.pubkey())])
            .unwrap();
        let acc = c.bank.get_account(&req.pubkey()).unwrap();
        let r = Request::read(solana_account::ReadableAccount::data(&acc))
            .unwrap()
            .unwrap();
        for m in &r.committee.members[..r.committee.len as usize] {
            let v = verifiers.iter().find(|v| v.pubkey() == *m).unwrap();
            let evidence = Evidence::Recomputed {
                root: r.result.root,
            };
            c.send(
                &requester,
                &[v],
                &[verdict(m, &req.pubkey(), true, evidence)],
            )
            .unwrap();
        }
        // No one appeals: the verdict stands once its appeal window is over.
        busy += t.elapsed();
        let acc = c.bank.get_account(&req.pubkey()).unwrap();
        let r = Request::read(solana_account::ReadableAccount::data(&acc))
            .unwrap()
            .unwrap();
        while c.slot() < r.appeal_end() {
            c.advance(1);
        }
        let t = Instant::now();
        c.send(
            &requester,
            &[],
            &[finalize_request(
                &req.pubkey(),
                &r,
                &miners[0].pubkey(),
                None,
            )],
        )
        .unwrap();
        // Close the finished request (its rent back to the requester).
        c.send(
            &requester,
            &[],
            &[cancel(
                &requester.pubkey(),
                &req.pubkey(),
                &requester.pubkey(),
            )],
        )
        .unwrap();
        busy += t.elapsed();
    }
    let wall = start.elapsed().as_secs_f64();
    let sent = c.sent.get();
    let txs = sent.transactions - sent0.transactions;
    println!("| lifecycles | transactions | wall (s) | lifecycles/s (wall) | tx/s in the bank (excl. slot ends) |");
    println!("|---|---|---|---|---|");
    println!(
        "| {n} | {txs} | {wall:.2} | {:.1} | {:.0} |",
        n as f64 / wall,
        txs as f64 / busy.as_secs_f64()
    );
    // What one job costs the chain: its transactions, their signatures (each pays the base fee)
    // and bytes, and the accounts it opens (closed again by the end of the lifecycle).
    let per = |x: usize| x as f64 / n as f64;
    println!();
    println!("| per job | transactions | signatures | bytes | fees (lamports) | account space while open (bytes) |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| lifecycle | {:.0} | {:.0} | {:.0} | {:.0} | {} |",
        per(txs),
        per(sent.signatures - sent0.signatures),
        per(sent.bytes - sent0.bytes),
        per(sent.signatures - sent0.signatures) * c.fee(1) as f64,
        REQUEST_LEN + 2 * BID_LEN
    );
}
