//! The inference market end to end on a `--dev` validator process: a requester opens an auction
//! for a prompt, the node's miner bids, wins, generates with PoL and delivers, the node's verifier
//! (drawn into the committee) validates and votes, and the miner is paid.

mod common;

use std::time::Duration;

use ambient_llm::{Engine, EngineOptions, GenerateOptions, Message, SamplingParams};
use ambient_market::blobs::Blobs;
use ambient_market::chain::Chain;
use ambient_market::requester::{self, Ask};
use ambient_sdk::auction::state::{RequestState, Sampling};
use ambient_sdk::auction::VERIFIER_FEE_BPS;
use common::{free_port_pair, Validator};
use solana_keypair::{read_keypair_file, Keypair};
use solana_signer::Signer;

const SOL: u64 = 1_000_000_000;

fn engine() -> Engine {
    let path = ambient_llm::default_model_path();
    assert!(
        path.exists(),
        "model {} not found: run `bash ci/fetch-model.sh`",
        path.display()
    );
    Engine::load(&path, &EngineOptions::default(), |_| {}).unwrap()
}

#[test]
fn a_request_is_served_verified_and_paid() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(dir.path(), free_port_pair(), &[]);
    assert!(v.log().contains("miner") && v.log().contains(" on"));
    let chain = Chain::new(&v.url());
    let blobs = Blobs::new(&v.api_url()).unwrap();

    let requester = Keypair::new();
    let sig = chain
        .rpc()
        .request_airdrop(&requester.pubkey(), 10 * SOL)
        .unwrap();
    chain
        .rpc()
        .poll_for_signature_with_commitment(
            &sig,
            solana_commitment_config::CommitmentConfig::processed(),
        )
        .unwrap();
    let miner = read_keypair_file(dir.path().join("miner-keypair.json")).unwrap();
    let miner_before = chain.rpc().get_balance(&miner.pubkey()).unwrap();

    let prompt = engine
        .chat_prompt(&[Message::new("user", "Name a primary colour.")])
        .unwrap();
    let ask = Ask {
        model_id: engine.model_id().0,
        prompt: prompt.clone(),
        max_tokens: 8,
        sampling: Sampling {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 7,
        },
        max_price: SOL / 100,
        bid_slots: 6,
        reveal_slots: 6,
        deadline_slots: 80,
    };
    let req = requester::open(&chain, &blobs, &requester, &ask).unwrap();
    let r = requester::wait(&chain, &req, Duration::from_secs(240), requester::is_final)
        .unwrap_or_else(|e| panic!("{e}; log:\n{}", common::tail(&v.log(), 60)));
    assert_eq!(
        r.state,
        RequestState::Paid,
        "log:\n{}",
        common::tail(&v.log(), 60)
    );
    assert_eq!(r.winner_miner, miner.pubkey());
    // The only bid wins at the maximum price.
    assert_eq!(r.price, ask.max_price);
    // The node's verifier was drawn and voted valid.
    let identity = read_keypair_file(dir.path().join("validator-keypair.json")).unwrap();
    let c = r.committee;
    let i = c.members[..c.len as usize]
        .iter()
        .position(|m| *m == identity.pubkey())
        .expect("the node's verifier is on the committee");
    assert_ne!(c.valid & (1 << i), 0);

    // The output in the blob store is what the canonical engine generates for the prompt.
    let output = requester::output(&blobs, &r).unwrap();
    let mut expected = Vec::new();
    engine
        .generate(
            &prompt,
            &GenerateOptions {
                max_tokens: 8,
                sampling: SamplingParams::greedy(),
                stop_at_eos: true,
            },
            |s| {
                expected.push(s.token);
                std::ops::ControlFlow::Continue(())
            },
        )
        .unwrap();
    assert_eq!(output, expected);
    assert_eq!(r.result.token_count as usize, output.len());

    // The miner was paid the price less the verifiers' fee (less its transaction fees).
    let fee = ask.max_price * VERIFIER_FEE_BPS / 10_000;
    let miner_after = chain.rpc().get_balance(&miner.pubkey()).unwrap();
    let earned = miner_after as i128 - miner_before as i128;
    assert!(
        earned > (ask.max_price - fee) as i128 - 100_000 && earned <= (ask.max_price - fee) as i128,
        "miner earned {earned}"
    );
}
