//! The inference market end to end on `--dev` validator processes (and extra `ambient miner`
//! processes): a requester opens an auction for a prompt, miners bid, the winner generates with
//! PoL and delivers, the node's verifier (drawn into the committee) validates and votes; honest
//! work is paid, a substituted model is caught and slashed, a missed deadline is slashed, and the
//! validated work becomes LStake at the epoch roll.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ambient_llm::{Engine, EngineOptions, GenerateOptions, Message, SamplingParams};
use ambient_market::blobs::Blobs;
use ambient_market::chain::Chain;
use ambient_market::requester::{self, Ask};
use ambient_pol::commit::Recorder;
use ambient_pol::hash::{token_hash, tokens_hash};
use ambient_sdk::auction::instruction::{AuctionInstruction, Evidence};
use ambient_sdk::auction::receipt::Receipt;
use ambient_sdk::auction::state::{Escalation, Request, RequestState, Sampling, REQUEST_LEN};
use ambient_sdk::auction::VERIFIER_FEE_BPS;
use ambient_sdk::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_sdk::registry::work_book::{WorkBook, WORK_BOOK};
use common::{ambient_bin, free_port_pair, Validator, AUDIT_EVERY_JOB};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, write_keypair_file, Keypair};
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

/// A `--dev` validator on `ledger` with `flags`, and clients of its RPC and blob store.
/// Every job is audited: the tests follow each to its committee's verdict.
fn node(ledger: &Path, flags: &[&str]) -> (Validator, Chain, Blobs) {
    let flags = [&AUDIT_EVERY_JOB[..], flags].concat();
    let v = Validator::start(ledger, free_port_pair(), &flags);
    let chain = Chain::new(&v.url());
    let blobs = Blobs::new(&v.api_url()).unwrap();
    (v, chain, blobs)
}

/// A funded new key (airdropped by the node's faucet).
fn funded(chain: &Chain, sol: u64) -> Keypair {
    let k = Keypair::new();
    let sig = chain.rpc().request_airdrop(&k.pubkey(), sol * SOL).unwrap();
    chain
        .rpc()
        .poll_for_signature_with_commitment(&sig, CommitmentConfig::processed())
        .unwrap();
    k
}

/// The bond of a job whose maximum price is `SOL / 100` (the tests' usual ask): the bond scales
/// with the maximum price.
const BOND: u64 = SOL / 100;

fn ask(engine: &Engine, max_tokens: u32, max_price: u64) -> Ask {
    Ask {
        model_id: engine.model_id().0,
        prompt: engine
            .chat_prompt(&[Message::new("user", "Count from one to twenty, in words.")])
            .unwrap(),
        max_tokens,
        sampling: Sampling {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 7,
        },
        max_price,
        bid_slots: 8,
        reveal_slots: 6,
        // 32 s at the tests' 200 ms slots: on a loaded 2-core machine a miner makes a few tokens
        // a second.
        deadline_slots: 160,
    }
}

/// Opens `ask` and waits until it is over.
fn run_to_the_end(
    v: &Validator,
    chain: &Chain,
    blobs: &Blobs,
    who: &Keypair,
    ask: &Ask,
) -> Request {
    let req = requester::open(chain, blobs, who, ask).unwrap();
    requester::wait(chain, &req, Duration::from_secs(240), requester::is_final)
        .unwrap_or_else(|e| panic!("{e}; log:\n{}", common::tail(&v.log(), 60)))
}

fn account_data(chain: &Chain, key: &solana_pubkey::Pubkey) -> Vec<u8> {
    chain
        .rpc()
        .get_account_with_commitment(key, CommitmentConfig::processed())
        .unwrap()
        .value
        .unwrap()
        .data
}

fn voted(r: &Request, who: &solana_pubkey::Pubkey) -> (bool, bool) {
    let c = r.committee;
    let i = c.members[..c.len as usize]
        .iter()
        .position(|m| m == who)
        .expect("the node's verifier is on the committee");
    (c.valid & (1 << i) != 0, c.fraud & (1 << i) != 0)
}

/// Scrapes the node's `/metrics`.
fn scrape(v: &Validator) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        reqwest::get(format!("{}/metrics", v.api_url()))
            .await?
            .text()
            .await
    })
    .unwrap()
}

/// A sample's value in a Prometheus text exposition (`name` with its labels, if any).
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in:\n{text}"))
}

/// Runs `ambient receipt …`; returns (success, standard output).
fn receipt_cmd(args: &[&str]) -> (bool, String) {
    let out = Command::new(ambient_bin())
        .arg("receipt")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "ambient receipt {args:?}: {}\n{stdout}\n{stderr}",
        out.status
    );
    (out.status.success(), stdout)
}

/// An `ambient miner` process (killed on drop) and its standard output.
struct ExternalMiner(
    Child,
    #[allow(dead_code)] BufReader<std::process::ChildStdout>,
);

impl ExternalMiner {
    fn start(v: &Validator, key: &Keypair, state: &Path, extra: &[&str]) -> Self {
        let key_path = state.join("miner.json");
        std::fs::create_dir_all(state).unwrap();
        write_keypair_file(key, &key_path).unwrap();
        let mut child = Command::new(ambient_bin())
            .args(["miner", "--rpc-url", &v.url(), "--api-url", &v.api_url()])
            .arg("--keypair")
            .arg(&key_path)
            .arg("--state-dir")
            .arg(state)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert!(line.contains("ready"), "ambient miner: {line:?}");
        ExternalMiner(child, out)
    }
}

impl Drop for ExternalMiner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_request_is_served_verified_and_paid_and_the_work_becomes_lstake() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let (v, chain, blobs) = node(dir.path(), &[]);
    let requester = funded(&chain, 10);
    let miner = read_keypair_file(dir.path().join("miner-keypair.json")).unwrap();
    let miner_before = chain.rpc().get_balance(&miner.pubkey()).unwrap();

    // The node's pace before the job (a debug build is slower than its nominal 200 ms slots).
    let (s, t) = (chain.slot().unwrap(), Instant::now());
    std::thread::sleep(Duration::from_secs(3));
    let before = (chain.slot().unwrap() - s) as f64 / t.elapsed().as_secs_f64();

    let before_metrics = scrape(&v);
    assert_eq!(
        sample(&before_metrics, "ambient_tokens_generated_total"),
        0.0
    );

    // Long enough for validation work to count (90 ‰ of a unit per token of prompt and output).
    let ask = ask(&engine, 40, SOL / 100);
    let (slot0, t0) = (chain.slot().unwrap(), Instant::now());
    let r_key = requester::open(&chain, &blobs, &requester, &ask).unwrap();
    let r = requester::wait(
        &chain,
        &r_key,
        Duration::from_secs(240),
        requester::is_final,
    )
    .unwrap_or_else(|e| panic!("{e}; log:\n{}", common::tail(&v.log(), 60)));
    let (slot1, t1) = (chain.slot().unwrap(), Instant::now());
    assert_eq!(
        r.state,
        RequestState::Paid,
        "log:\n{}",
        common::tail(&v.log(), 60)
    );
    assert_eq!(r.winner_miner, miner.pubkey());
    // The only bid wins at the maximum price.
    assert_eq!(r.price, ask.max_price);
    let identity = read_keypair_file(dir.path().join("validator-keypair.json")).unwrap();
    assert_eq!(voted(&r, &identity.pubkey()), (true, false));

    // The node's metrics moved: tokens generated, a validation, a paid auction, slots.
    let after = scrape(&v);
    assert_eq!(
        sample(&after, "ambient_tokens_generated_total"),
        r.result.token_count as f64
    );
    assert_eq!(sample(&after, "ambient_jobs_delivered_total"), 1.0);
    assert_eq!(sample(&after, "ambient_validations_valid_total"), 1.0);
    assert_eq!(sample(&after, "ambient_auctions{state=\"paid\"}"), 1.0);
    // Time spent generating and validating: the verification share of the compute.
    assert!(sample(&after, "ambient_generation_ms_total") > 0.0);
    assert!(sample(&after, "ambient_validation_ms_total") > 0.0);
    // The keeper counts the end once, on its next pass.
    let ended = "ambient_auctions_ended_total{state=\"paid\"}";
    common::poll(
        Duration::from_secs(10),
        Duration::from_millis(100),
        || {
            let text = scrape(&v);
            text.contains(&format!("{ended} 1"))
                .then_some(())
                .ok_or(text)
        },
        String::new,
    );
    assert!(sample(&after, "ambient_slot") > sample(&before_metrics, "ambient_slot"));
    assert!(
        sample(&after, "ambient_transactions") > sample(&before_metrics, "ambient_transactions")
    );
    assert!(sample(&after, "ambient_lstake") > 0.0);

    // The output in the blob store is what the canonical engine generates for the prompt.
    let output = requester::output(&blobs, &r).unwrap();
    let mut expected = Vec::new();
    engine
        .generate(
            &ask.prompt,
            &GenerateOptions {
                max_tokens: ask.max_tokens as usize,
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

    // Anyone can re-check the job with the engine, offline from the fetched receipt and blobs.
    let auction = r_key.to_string();
    let saved = dir.path().join("receipt");
    let saved = saved.to_str().unwrap();
    let api = v.api_url();
    assert!(receipt_cmd(&["fetch", &auction, "--out", saved, "--api-url", &api]).0);
    let (ok, said) = receipt_cmd(&["verify", "--dir", saved]);
    assert!(ok && said.contains("valid:"), "{said}");

    // The miner was paid the price less the verifiers' fee (less its transaction fees).
    let fee = ask.max_price * VERIFIER_FEE_BPS / 10_000;
    let earned = chain.rpc().get_balance(&miner.pubkey()).unwrap() as i128 - miner_before as i128;
    let pay = (ask.max_price - fee) as i128;
    assert!(
        earned > pay - 100_000 && earned <= pay,
        "miner earned {earned}"
    );

    // Blocks kept coming while the job was generated and validated: validation never holds a
    // block back (generation and validation only compete for the CPU, and so do the other tests
    // on a 2-core machine, whose load changes between the two windows: a held block would stop
    // the slots, a busier neighbour only slows them).
    let rate = (slot1 - slot0) as f64 / (t1 - t0).as_secs_f64();
    assert!(
        rate > 0.4 * before,
        "{rate:.2} slots/s during the job, {before:.2} before"
    );

    // At the next epoch roll the validated work becomes LStake: the miner's inference and the
    // verifier's validation, by the windows of the work book.
    let now = chain.rpc().get_epoch_info().unwrap().epoch;
    let book = WorkBook::decode(&account_data(&chain, &WORK_BOOK)).unwrap();
    let job_epoch = (0..=now)
        .rev()
        .find(|e| book.work(*e, &miner.pubkey()) > 0)
        .expect("the miner's work is in the book");
    assert!(
        book.work(job_epoch, &identity.pubkey()) > 0,
        "verifier's work"
    );
    let table = loop {
        let t = LStakeTable::decode(&account_data(&chain, &LSTAKE_TABLE)).unwrap();
        if t.epoch > job_epoch {
            break t;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let book = WorkBook::decode(&account_data(&chain, &WORK_BOOK)).unwrap();
    assert_eq!(
        table.entries,
        book.lstake(table.epoch - 1, &Default::default())
    );
    assert!(table.entries[&miner.pubkey()] > table.entries[&identity.pubkey()]);

    // `ambient chat` asks the network too: an auction, streamed, with its receipt.
    let out = Command::new(ambient_bin())
        .args(["chat", "--api-url", &v.api_url(), "--max-tokens", "8"])
        .args(["--api-key", &v.api_key()])
        .args(["--prompt", "Say hello."])
        .output()
        .unwrap();
    let (said, note) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success() && !said.trim().is_empty(),
        "{said}\n{note}"
    );
    assert!(
        note.contains("auction") && note.contains("PoL root"),
        "{note}"
    );
}

#[test]
fn an_auction_opening_missing_from_the_nodes_fork_is_sent_again_and_served() {
    // An opening that landed on a fork the cluster then abandoned is, to the node's current fork,
    // a transaction it never saw. Here it is signed and never sent: the requester's wait finds the
    // auction missing, sends the opening again, and the auction runs to a delivery.
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let (v, chain, blobs) = node(dir.path(), &[]);
    let requester = funded(&chain, 10);
    let ask = ask(&engine, 8, SOL / 100);
    let opening = requester::prepare(&chain, &blobs, &requester, &ask).unwrap();
    assert!(chain.request(&opening.account).unwrap().is_none());
    let r = requester::wait_for_delivery(
        &chain,
        &opening.account,
        Duration::from_secs(240),
        Some(&opening),
    )
    .unwrap_or_else(|e| panic!("{e}; log:\n{}", common::tail(&v.log(), 60)));
    assert!(r.result.token_count > 0, "delivered: {r:?}");
    // On the fork now: nothing to send.
    assert!(!chain.resend_if_missing(&opening.tx).unwrap());

    // An opening whose blockhash the node never had (or has forgotten) can no longer land: the
    // wait says so (the API then opens another auction) instead of waiting out its timeout.
    let mut stale = requester::prepare(&chain, &blobs, &requester, &ask).unwrap();
    stale.tx.message.recent_blockhash = solana_hash::Hash::new_unique();
    let t0 = Instant::now();
    let e = requester::wait_for_delivery(
        &chain,
        &stale.account,
        Duration::from_secs(60),
        Some(&stale),
    )
    .expect_err("a lost opening");
    assert!(matches!(e, ambient_market::MarketError::Lost(_)), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
}

#[test]
fn two_miners_compete_and_the_cheaper_wins_at_the_second_price() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    // The node's miner asks the default 10 000 lamports a token; the other one half that.
    let (v, chain, blobs) = node(dir.path(), &[]);
    let cheap = funded(&chain, 5);
    let _m = ExternalMiner::start(
        &v,
        &cheap,
        &dir.path().join("cheap"),
        &["--price-per-token", "5000"],
    );
    let requester = funded(&chain, 10);
    let ask = ask(&engine, 300, SOL / 100);
    // The requester opens the auction with its own key and asks the REST API to follow it.
    let key = requester::open(&chain, &blobs, &requester, &ask).unwrap();
    // Only whoever paid gets the answer: following the auction takes the requester's signature.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stranger = Keypair::new();
    for (signature, status, code) in [
        (None, 401, "signature_required"),
        (
            Some(stranger.sign_message(&ambient_sdk::auction::follow_message(&key))),
            403,
            "not_the_requester",
        ),
    ] {
        let mut ambient = serde_json::json!({"request": key.to_string()});
        if let Some(s) = signature {
            ambient["signature"] = s.to_string().into();
        }
        let (got, body) = rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("{}/v1/chat/completions", v.api_url()))
                .json(&serde_json::json!({
                    "model": "SmolLM2-135M-Instruct.Q4_1",
                    "messages": [{"role": "user", "content": "Count from one to twenty, in words."}],
                    "ambient": ambient,
                }))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        });
        assert_eq!(
            (got, &body["error"]["code"]),
            (status, &code.into()),
            "{body}"
        );
    }
    let answer: serde_json::Value = rt
        .block_on(async {
            reqwest::Client::new()
                .post(format!("{}/v1/chat/completions", v.api_url()))
                .json(&serde_json::json!({
                    "model": "SmolLM2-135M-Instruct.Q4_1",
                    "messages": [{"role": "user", "content": "Count from one to twenty, in words."}],
                    "ambient": {
                        "request": key.to_string(),
                        "signature": requester
                            .sign_message(&ambient_sdk::auction::follow_message(&key))
                            .to_string(),
                    },
                }))
                .send()
                .await?
                .json()
                .await
        })
        .unwrap();
    assert_eq!(
        answer["ambient"]["receipt"]["auction"],
        key.to_string(),
        "{answer}"
    );
    assert!(!answer["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .is_empty());
    let r = requester::wait(&chain, &key, Duration::from_secs(240), requester::is_final).unwrap();
    assert_eq!(
        r.state,
        RequestState::Paid,
        "log:\n{}",
        common::tail(&v.log(), 60)
    );
    assert_eq!(r.winner_miner, cheap.pubkey());
    assert_eq!(r.revealed, 2);
    // Second price: the node's miner's ask.
    assert_eq!(r.price, 10_000 * 300);
    // The node's miner takes its losing bond back and forgets the bid.
    let book = dir.path().join("market/bids.json");
    // The bids' secret salts are readable by the miner's owner only.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&book).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", book.display());
    }
    common::poll(
        Duration::from_secs(60),
        Duration::from_millis(200),
        || {
            let bids: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&std::fs::read_to_string(&book).unwrap()).unwrap();
            bids.is_empty()
                .then_some(())
                .ok_or(format!("losing bid not withdrawn: {bids:?}"))
        },
        String::new,
    );
}

/// A copy of the model with the f16 scales of the first 64 rows of the (tied) embedding/output
/// matrix moved by one ulp: close to the real model, but not it.
fn perturbed_model(dir: &Path) -> PathBuf {
    let path = ambient_llm::default_model_path();
    let g = ambient_llm::gguf::Gguf::open(&path).unwrap();
    let t = g.tensor("token_embd.weight").unwrap().clone();
    let mut bytes = std::fs::read(&path).unwrap();
    // Q8_0 blocks: an f16 scale and 32 int8 weights.
    for k in 0..64 * 18 {
        let at = t.file_offset as usize + 34 * k;
        let d = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        bytes[at..at + 2].copy_from_slice(&(d ^ 1).to_le_bytes());
    }
    let out = dir.join("perturbed.gguf");
    std::fs::write(&out, bytes).unwrap();
    out
}

#[test]
fn a_miner_serving_a_substituted_model_is_caught_and_slashed() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let cheat = perturbed_model(dir.path());
    let ledger = dir.path().join("ledger");
    let (v, chain, blobs) = node(&ledger, &["--dishonest-model", cheat.to_str().unwrap()]);
    let requester = funded(&chain, 10);
    let before = chain.rpc().get_balance(&requester.pubkey()).unwrap();
    let key = requester::open(&chain, &blobs, &requester, &ask(&engine, 8, SOL / 100)).unwrap();
    let r = requester::wait(&chain, &key, Duration::from_secs(240), requester::is_final).unwrap();
    assert_eq!(
        r.state,
        RequestState::Slashed,
        "log:\n{}",
        common::tail(&v.log(), 60)
    );
    // Anyone re-checking the receipt with the real model finds the fraud too.
    let (ok, said) = receipt_cmd(&["verify", &key.to_string(), "--api-url", &v.api_url()]);
    assert!(!ok && said.contains("FRAUD"), "{said}");
    let identity = read_keypair_file(ledger.join("validator-keypair.json")).unwrap();
    assert_eq!(voted(&r, &identity.pubkey()), (false, true));
    // The requester gets the whole escrow back and half the bond; it paid the request's rent
    // (still in the request account) and the fee of its one transaction (two signatures).
    let rent = chain.rent(REQUEST_LEN).unwrap();
    assert_eq!(
        chain.rpc().get_balance(&requester.pubkey()).unwrap(),
        before - 10_000 - rent + BOND / 2
    );
    // The cheat's work is zeroed.
    let miner = read_keypair_file(ledger.join("miner-keypair.json")).unwrap();
    let book = WorkBook::decode(&account_data(&chain, &WORK_BOOK)).unwrap();
    let epoch = chain.rpc().get_epoch_info().unwrap().epoch;
    assert_eq!(book.work(epoch, &miner.pubkey()), 0);
    assert!(v.log().contains("voted fraud"));

    // The vote's evidence, read back from the ledger, names the first divergent position with
    // the miner's opening there; recomputing that one position with the real model gives the
    // verifier's hash, not the miner's.
    let votes = verdicts(&chain, &key);
    let Some((
        _,
        false,
        Evidence::Diverges {
            position,
            miner_leaf,
            own_leaf,
            proof,
        },
    )) = votes
        .iter()
        .find(|(who, _, _)| *who == identity.pubkey())
        .cloned()
    else {
        panic!("no divergence in the votes: {votes:?}");
    };
    let n = u64::from(r.result.token_count);
    assert!(ambient_pol::merkle::verify(
        &r.result.root,
        n,
        u64::from(position),
        &miner_leaf,
        &proof
    ));
    let prompt = blobs.get_tokens(&r.prompt_hash).unwrap();
    let output = blobs.get_tokens(&r.result.output_hash).unwrap();
    let p = position as usize;
    let mut seq = prompt.clone();
    seq.extend_from_slice(&output[..p]);
    let logits = engine.logits_from(&seq, seq.len() - 1).unwrap();
    let recomputed = token_hash(&r.model_id, u64::from(position), output[p], &logits);
    assert_eq!(recomputed, own_leaf);
    assert_ne!(recomputed, miner_leaf);
}

#[test]
fn a_miner_voted_fraud_by_a_lying_committee_appeals_by_itself() {
    // The node's verifier lies (`--dishonest-verifier`): it is the committee of its own miner's
    // honest job (its identity holds the LStake) and votes it fraud. The node checks its miner's
    // job honestly, finds it valid and appeals, bond and all, within the window. No one else
    // holds LStake to sit on the appeal committee, so the verdict stands and the bond comes back.
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let (v, chain, blobs) = node(&ledger, &["--dishonest-verifier"]);
    let requester = funded(&chain, 10);
    let key = requester::open(&chain, &blobs, &requester, &ask(&engine, 8, SOL / 100)).unwrap();
    let r = requester::wait(&chain, &key, Duration::from_secs(240), requester::is_final).unwrap();
    let log = || common::tail(&v.log(), 60);
    assert_eq!(r.state, RequestState::Slashed, "log:\n{}", log());
    assert_eq!(r.appealed, Some(false), "log:\n{}", log());
    assert_eq!(
        (r.committee.escalation, r.committee.len),
        (Escalation::Appeal, 0),
        "an appeal committee no one could join"
    );
    let calls = auction_calls(&chain, &key);
    let identity = read_keypair_file(ledger.join("validator-keypair.json")).unwrap();
    let miner = read_keypair_file(ledger.join("miner-keypair.json")).unwrap();
    let lie = (identity.pubkey(), false, Evidence::Unavailable);
    assert_eq!(verdicts(&chain, &key), vec![lie]);
    let appeals: Vec<_> = calls
        .iter()
        .filter(|(_, ix)| *ix == AuctionInstruction::Appeal)
        .map(|(who, _)| *who)
        .collect();
    assert_eq!(appeals, vec![miner.pubkey()], "the miner appealed once");
    assert!(v.log().contains("appealed the fraud verdict"), "{}", log());
    // The appeal account is closed: its bond and rent went back to the miner.
    let appeal = chain
        .rpc()
        .get_account_with_commitment(&r.appeal, CommitmentConfig::confirmed())
        .unwrap();
    assert!(appeal.value.is_none(), "{appeal:?}");
}

#[test]
fn a_miner_that_cannot_pay_an_appeal_says_so_once_and_the_verdict_stands() {
    // As above, but the miner is left only what its bid costs and half an appeal bond: it finds
    // the fraud verdict wrong and cannot appeal. It says so once (no prefill and no refused
    // transaction each pass), sends nothing, and the verdict stands.
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let (v, chain, blobs) = node(&ledger, &["--dishonest-verifier"]);
    let miner = read_keypair_file(ledger.join("miner-keypair.json")).unwrap();
    let record = ambient_sdk::registry::verifier_record(&miner.pubkey());
    common::poll(
        Duration::from_secs(120),
        Duration::from_millis(500),
        || {
            (chain.rpc().get_balance(&record).unwrap_or(0) > 0)
                .then_some(())
                .ok_or("the miner never bonded its record")
        },
        String::new,
    );
    let rent = |len| chain.rent(len).unwrap();
    let keep = BOND + rent(ambient_sdk::auction::state::BID_LEN) + BOND / 2;
    let held = chain.rpc().get_balance(&miner.pubkey()).unwrap();
    let sink = Keypair::new().pubkey();
    let drain = solana_system_interface::instruction::transfer(&miner.pubkey(), &sink, held - keep);
    chain.send(&miner, &[], &[drain]).unwrap();

    let requester = funded(&chain, 10);
    let key = requester::open(&chain, &blobs, &requester, &ask(&engine, 8, SOL / 100)).unwrap();
    let r = requester::wait(&chain, &key, Duration::from_secs(240), requester::is_final).unwrap();
    let log = || common::tail(&v.log(), 60);
    assert_eq!(r.state, RequestState::Slashed, "log:\n{}", log());
    assert_eq!(r.appealed, None, "log:\n{}", log());
    let appeals = auction_calls(&chain, &key)
        .into_iter()
        .filter(|(_, ix)| *ix == AuctionInstruction::Appeal)
        .count();
    assert_eq!(appeals, 0);
    let told = v.log().matches("cannot pay the appeal").count();
    assert_eq!(told, 1, "said once that it cannot pay; log:\n{}", log());
    assert!(!v.log().contains("appealed the fraud verdict"), "{}", log());
}

/// Every verdict on `request` — voter, vote, evidence — read back from the ledger.
fn verdicts(
    chain: &Chain,
    request: &solana_pubkey::Pubkey,
) -> Vec<(solana_pubkey::Pubkey, bool, Evidence)> {
    auction_calls(chain, request)
        .into_iter()
        .filter_map(|(first, ix)| match ix {
            AuctionInstruction::Verdict { valid, evidence } => Some((first, valid, evidence)),
            _ => None,
        })
        .collect()
}

/// Every auction instruction of a transaction that landed without error and names `request`,
/// with its first account (the signer of a vote or an appeal), read back from the ledger.
fn auction_calls(
    chain: &Chain,
    request: &solana_pubkey::Pubkey,
) -> Vec<(solana_pubkey::Pubkey, AuctionInstruction)> {
    let rpc = chain.rpc();
    let config = || solana_rpc_client_api::config::RpcTransactionConfig {
        encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let mut out = Vec::new();
    let by_address = solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config {
        commitment: Some(CommitmentConfig::confirmed()),
        ..Default::default()
    };
    for s in rpc
        .get_signatures_for_address_with_config(request, by_address)
        .unwrap()
        .into_iter()
        .filter(|s| s.err.is_none())
    {
        let sig = s.signature.parse().unwrap();
        let got = rpc.get_transaction_with_config(&sig, config()).unwrap();
        let tx = got.transaction.transaction.decode().unwrap();
        let keys = tx.message.static_account_keys();
        for ix in tx.message.instructions() {
            if keys[usize::from(ix.program_id_index)] != ambient_sdk::auction::ID {
                continue;
            }
            if let Ok(call) = AuctionInstruction::decode(&ix.data) {
                out.push((keys[usize::from(ix.accounts[0])], call));
            }
        }
    }
    out
}

/// One auction on a node that only verifies and keeps, served by one external miner started
/// with `flags`, run to its end.
struct SoloRun {
    _miner_process: ExternalMiner,
    v: Validator,
    chain: Chain,
    blobs: Blobs,
    ledger: PathBuf,
    requester: Keypair,
    before: u64,
    r: Request,
    _dir: tempfile::TempDir,
}

impl SoloRun {
    fn start(flags: &[&str], deadline_slots: Option<u64>, ends: RequestState) -> SoloRun {
        let engine = engine();
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger");
        let (v, chain, blobs) = node(&ledger, &["--no-market", "--verifier"]);
        let miner = funded(&chain, 5);
        let process = ExternalMiner::start(&v, &miner, &dir.path().join("miner"), flags);
        let requester = funded(&chain, 10);
        let before = chain.rpc().get_balance(&requester.pubkey()).unwrap();
        let mut a = ask(&engine, 8, SOL / 100);
        if let Some(d) = deadline_slots {
            a.deadline_slots = d;
        }
        let r = run_to_the_end(&v, &chain, &blobs, &requester, &a);
        assert_eq!(r.state, ends, "log:\n{}", common::tail(&v.log(), 60));
        assert_eq!(r.winner_miner, miner.pubkey());
        SoloRun {
            _miner_process: process,
            v,
            chain,
            blobs,
            ledger,
            requester,
            before,
            r,
            _dir: dir,
        }
    }

    /// What the requester got back beyond its request's rent and fee: the escrow and its share
    /// of the slashed bond.
    fn refunded_beyond_escrow(&self) -> u64 {
        let rent = self.chain.rent(REQUEST_LEN).unwrap();
        let now = self
            .chain
            .rpc()
            .get_balance(&self.requester.pubkey())
            .unwrap();
        now + 10_000 + rent - self.before
    }
}

#[test]
fn a_miner_that_withholds_its_output_is_voted_fraud_and_slashed() {
    // The only miner delivers a commitment but hides the output.
    let run = SoloRun::start(&["--withhold-outputs"], None, RequestState::Slashed);
    let r = &run.r;
    assert!(r.result.token_count > 0, "a result was committed on chain");
    assert!(
        run.blobs.get_tokens(&r.result.output_hash).is_err(),
        "the output was never uploaded"
    );
    let identity = read_keypair_file(run.ledger.join("validator-keypair.json")).unwrap();
    assert_eq!(voted(r, &identity.pubkey()), (false, true));
    assert!(run.v.log().contains("withheld; voting fraud"));
    // Fraud: the whole escrow back and half the bond, as for a substituted model.
    assert_eq!(run.refunded_beyond_escrow(), BOND / 2);
}

#[test]
fn a_miner_that_declines_a_job_it_could_serve_is_found_out_and_slashed() {
    // The only miner wins, then declines on chain claiming the prompt cannot be served; the
    // node's verifier fetches the prompt, finds it servable and votes the claim false.
    let run = SoloRun::start(&["--decline-jobs"], None, RequestState::TimedOut);
    assert!(run.r.declined(), "the winner declined on chain");
    let identity = read_keypair_file(run.ledger.join("validator-keypair.json")).unwrap();
    assert_eq!(voted(&run.r, &identity.pubkey()), (false, true));
    // A dodged job costs what a missed deadline does: a quarter of the bond to the requester.
    assert_eq!(run.refunded_beyond_escrow(), BOND / 4);
}

#[test]
fn a_winner_that_misses_the_deadline_is_slashed_and_the_requester_refunded() {
    // The only miner never delivers.
    let run = SoloRun::start(&["--withhold-results"], Some(10), RequestState::TimedOut);
    // Timeout: half the bond slashed, half of that to the requester, with the whole escrow.
    assert_eq!(run.refunded_beyond_escrow(), BOND / 4);
}

/// Asks the node's REST API for a short completion; returns (HTTP status, body).
fn chat(v: &Validator, content: &str) -> (u16, serde_json::Value) {
    api_post(
        v,
        "/v1/chat/completions",
        serde_json::json!({
            "model": "SmolLM2-135M-Instruct.Q4_1",
            "messages": [{"role": "user", "content": content}],
            "max_tokens": 8,
        }),
    )
}

/// Waits until `requester` has no request account left (its auctions all closed, each
/// `--close-auctions-after` after it ended).
fn all_closed(v: &Validator, chain: &Chain, requester: &solana_pubkey::Pubkey) {
    common::poll(
        Duration::from_secs(180),
        Duration::from_millis(200),
        || {
            let open = chain.requests_of(requester).unwrap();
            open.is_empty()
                .then_some(())
                .ok_or_else(|| format!("still open: {open:?}"))
        },
        || format!("log:\n{}", common::tail(&v.log(), 60)),
    );
}

#[test]
fn the_auctions_the_api_opens_are_closed_when_over_and_the_payer_keeps_what_it_did_not_pay() {
    // A node that verifies and keeps but runs no miner: the REST API's auctions go unfilled.
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let flags = ["--no-market", "--verifier", "--close-auctions-after", "5"];
    let (v, chain, _blobs) = node(&ledger, &flags);
    let payer = read_keypair_file(ledger.join("api-keypair.json"))
        .unwrap()
        .pubkey();
    let balance = || chain.rpc().get_balance(&payer).unwrap();
    let (open_fee, close_fee) = (10_000, 5_000);
    let start = balance();
    let (status, body) = chat(&v, "Say one.");
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &"not_served".into()),
        "{body}"
    );
    // Both auctions it opened (one retry) are closed: every lamport of escrow and rent is back.
    all_closed(&v, &chain, &payer);
    assert_eq!(balance(), start - 2 * (open_fee + close_fee));

    // A miner joins and serves the next one: the payer is out the price and the fees, no more.
    let miner = funded(&chain, 5);
    let _m = ExternalMiner::start(&v, &miner, &dir.path().join("miner"), &[]);
    let start = balance();
    let (status, answer) = chat(&v, "Say two.");
    assert_eq!(status, 200, "{answer}");
    let receipt = &answer["ambient"]["receipt"];
    let price = receipt["price"].as_u64().unwrap();
    assert!(price > 0, "{answer}");
    all_closed(&v, &chain, &payer);
    assert_eq!(balance(), start - price - open_fee - close_fee);
}

/// Opens an auction for `ask` whose prompt hash names no blob anyone stored.
fn open_without_prompt(chain: &Chain, who: &Keypair, ask: &Ask) -> solana_pubkey::Pubkey {
    let account = Keypair::new();
    let params = ask.params([0x5a; 32]);
    let rent = chain.rent(REQUEST_LEN).unwrap();
    let ixs =
        ambient_sdk::auction::instruction::request(&who.pubkey(), &account.pubkey(), params, rent);
    chain.send(who, &[&account], &ixs).unwrap();
    account.pubkey()
}

#[test]
fn a_miner_bids_only_on_jobs_it_can_serve_so_a_requester_cannot_take_its_bond() {
    // A requester whose prompt is missing, or whose deadline no miner can meet, used to win a
    // share of the winner's bond at the timeout. The miner now passes on such requests.
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let (v, chain, blobs) = node(&dir.path().join("ledger"), &[]);
    let requester = funded(&chain, 10);
    let wait = |key| {
        requester::wait(&chain, &key, Duration::from_secs(240), requester::is_final)
            .unwrap_or_else(|e| panic!("{e}; log:\n{}", common::tail(&v.log(), 60)))
    };
    // A job it can serve (which also measures its speed).
    let served = run_to_the_end(&v, &chain, &blobs, &requester, &ask(&engine, 8, SOL / 100));
    assert_eq!(served.state, RequestState::Paid);

    let missing = open_without_prompt(&chain, &requester, &ask(&engine, 8, SOL / 100));
    let r = wait(missing);
    assert_eq!((r.state, r.bids), (RequestState::Unfilled, 0));

    let mut rushed = ask(&engine, 200, SOL / 10);
    rushed.deadline_slots = 1;
    let rushed = requester::open(&chain, &blobs, &requester, &rushed).unwrap();
    let r = wait(rushed);
    assert_eq!((r.state, r.bids), (RequestState::Unfilled, 0));

    let log = v.log();
    assert!(
        log.contains(&format!("passing on {missing}: prompt unavailable")),
        "{}",
        common::tail(&log, 60)
    );
    assert!(
        log.contains(&format!("passing on {rushed}: 200 tokens")),
        "{}",
        common::tail(&log, 60)
    );
}

/// Gemma 3 270M in Q4_K_M beside the development model (`bash ci/fetch-model.sh gemma3`).
fn gemma3() -> PathBuf {
    let path = ambient_llm::default_model_path().with_file_name("gemma-3-270m-q4_k_m.gguf");
    assert!(
        path.exists(),
        "{} not found: run `bash ci/fetch-model.sh gemma3`",
        path.display()
    );
    path
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// POSTs `body` to the node's REST API at `route` with its API key; returns (status, body).
fn api_post(v: &Validator, route: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}{route}", v.api_url()))
            .bearer_auth(v.api_key())
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    })
}

/// The job `id`'s receipt once its committee has decided (`GET /v1/receipts/{id}`).
fn decided_receipt(v: &Validator, id: &str) -> Receipt {
    let rt = tokio::runtime::Runtime::new().unwrap();
    common::poll(
        Duration::from_secs(240),
        Duration::from_millis(500),
        || {
            let got: Receipt = rt.block_on(async {
                reqwest::get(format!("{}/v1/receipts/{id}", v.api_url()))
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap()
            });
            if got.state == "paid" || got.state == "slashed" {
                Ok(got)
            } else {
                Err(format!("{got:?}"))
            }
        },
        || format!("log:\n{}", common::tail(&v.log(), 60)),
    )
}

#[test]
fn a_network_of_gemma_3_in_q4_k_m_serves_verifies_and_pays() {
    // Another architecture (sliding-window attention, Gemma's norms and chat template) in a
    // K-quant, chosen at genesis with --model: the node's miner serves it, its verifier checks
    // it, and the commitment is the one this process computes from the same file.
    let model = gemma3();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let (v, _chain, _blobs) = node(&ledger, &["--model", model.to_str().unwrap()]);
    let messages = [Message::new("user", "Name a primary colour.")];
    let (status, answer) = api_post(
        &v,
        "/v1/chat/completions",
        serde_json::json!({
            "model": "gemma-3-270m-q4_k_m",
            "messages": [{"role": "user", "content": messages[0].content}],
            "max_tokens": 8,
            "temperature": 0,
        }),
    );
    assert_eq!(
        status,
        200,
        "{answer}\nlog:\n{}",
        common::tail(&v.log(), 40)
    );
    let text = answer["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(!text.trim().is_empty(), "{answer}");
    let id = answer["id"].as_str().unwrap();
    let receipt = decided_receipt(&v, id);
    assert_eq!(
        (receipt.state.as_str(), receipt.verification.as_str()),
        ("paid", "valid"),
        "{receipt:?}"
    );

    let engine = Engine::load(&model, &EngineOptions::default(), |_| {}).unwrap();
    assert_eq!(receipt.model_id, hex(&engine.model_id().0));
    let prompt = engine.chat_prompt(&messages).unwrap();
    assert_eq!(receipt.prompt_hash, hex(&tokens_hash(&prompt)));
    let mut rec = Recorder::new(engine.model_id().0);
    let s = receipt.sampling;
    let opts = GenerateOptions {
        max_tokens: receipt.max_tokens as usize,
        sampling: SamplingParams {
            temperature: s.temperature,
            top_k: s.top_k,
            top_p: s.top_p,
            seed: s.seed,
        },
        stop_at_eos: true,
    };
    engine
        .generate(&prompt, &opts, |step| {
            rec.record(step.index as u64, step.token, step.logits)
                .unwrap();
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    let committed = rec.finish().unwrap();
    assert_eq!(receipt.pol_root, hex(&committed.commitment.root));
    assert_eq!(u64::from(receipt.token_count), committed.commitment.len);
    assert_eq!(receipt.output_hash, hex(&tokens_hash(&committed.tokens)));
}
