//! Proof of Logits against the real engine and the real development model: honest work passes,
//! a substituted model, partial forgery and a wrong sampled token are caught.

use std::cell::RefCell;
use std::io::Write;

use ambient_llm::gguf::{Gguf, TensorType};
use ambient_llm::{Engine, EngineOptions, GenerateOptions, Isa, Message, SamplingParams};
use ambient_pol::commit::{Committed, Recorder};
use ambient_pol::hash::{token_hash, tokens_hash, Hash};
use ambient_pol::miner::serve;
use ambient_pol::receipt::{Receipt, ReceiptBody};
use ambient_pol::validate::{
    first_divergence, validate_delivery, validate_full, validate_openings, Delivery, Divergence,
    Fraud, FraudProof, Job, LogitsSource,
};
use ambient_pol::{challenge, PolError, Verdict};
use ed25519_dalek::SigningKey;

fn model_path() -> std::path::PathBuf {
    let p = ambient_llm::default_model_path();
    assert!(
        p.exists(),
        "model {} not found: run `bash ci/fetch-model.sh`",
        p.display()
    );
    p
}

fn engine_at(path: &std::path::Path) -> Engine {
    let opts = EngineOptions {
        threads: 2,
        isa: Isa::detect(),
        max_context: Some(1024),
        ..Default::default()
    };
    Engine::load(path, &opts, |_| {}).expect("load model")
}

fn sampling() -> SamplingParams {
    SamplingParams {
        temperature: 0.9,
        top_k: 50,
        top_p: 0.95,
        seed: 42,
    }
}

fn prompt(e: &Engine) -> Vec<u32> {
    e.chat_prompt(&[Message::new(
        "user",
        "Give me two tips for writing clear code.",
    )])
    .unwrap()
}

fn miner_key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}

/// The real engine with its full-output logits cached: any request for a prefix of the cached
/// sequence is served from the one prefill (the engine is canonical, so these are the same bits a
/// fresh prefill gives; `canonical.rs` in ambient-llm proves it).
struct Cached<'a> {
    engine: &'a Engine,
    seq: Vec<u32>,
    first: usize,
    rows: RefCell<Option<Vec<f32>>>,
}

impl LogitsSource for Cached<'_> {
    fn model_id(&self) -> Hash {
        LogitsSource::model_id(self.engine)
    }
    fn vocab(&self) -> usize {
        LogitsSource::vocab(self.engine)
    }
    fn ends(&self, token: u32) -> bool {
        LogitsSource::ends(self.engine, token)
    }
    fn logits(&self, tokens: &[u32], first: usize) -> Result<Vec<f32>, PolError> {
        if !self.seq.starts_with(tokens) || first < self.first {
            return self.engine.logits(tokens, first);
        }
        let mut rows = self.rows.borrow_mut();
        if rows.is_none() {
            *rows = Some(self.engine.logits(&self.seq, self.first)?);
        }
        let v = self.vocab();
        let all = rows.as_ref().expect("filled");
        Ok(all[(first - self.first) * v..(tokens.len() - self.first) * v].to_vec())
    }
}

#[test]
fn honest_work_passes_spot_and_full_validation() {
    let e = engine_at(&model_path());
    let p = prompt(&e);
    let opts = GenerateOptions {
        max_tokens: 40,
        sampling: sampling(),
        stop_at_eos: false,
    };
    let mut streamed = Vec::new();
    let served = serve(&e, &p, &opts, &miner_key(), |t| streamed.push(t)).unwrap();
    assert_eq!(streamed, served.committed.tokens);
    let receipt = Receipt::decode(&served.receipt.encode()).unwrap();
    assert_eq!(receipt, served.receipt);
    let job = Job {
        prompt: &p,
        output: &served.committed.tokens,
        receipt: &receipt,
    };
    assert_eq!(
        validate_full(&e, &job).unwrap(),
        Verdict::Valid {
            checked: (0..40).collect()
        }
    );
    let verifier = [5u8; 32];
    for r in 0..3u8 {
        let pos = challenge::positions(&[r; 32], &verifier, &receipt.root, 40, 4);
        let openings: Vec<_> = pos
            .iter()
            .map(|&i| served.committed.open(i).unwrap())
            .collect();
        assert!(validate_openings(&e, &job, &openings).unwrap().is_valid());
    }
    // The receipt binds the data: another prompt or output is refused before any recomputation.
    let other = [p.clone(), vec![1]].concat();
    let bad = Job {
        prompt: &other,
        ..job
    };
    assert!(matches!(
        validate_full(&e, &bad),
        Err(PolError::Mismatch(_))
    ));
}

#[test]
fn a_substituted_model_is_caught_from_its_first_divergent_position() {
    // The miner runs a copy of the model with one value moved by one ulp but claims the real id:
    // the f16 scale of the first block of token 0's row in the (tied) embedding/output matrix.
    // (A one-ulp change in a norm weight is usually absorbed by the Q8 activation rounding that
    // follows it: the logits stay bit-identical, i.e. it is the same work.)
    let path = model_path();
    let g = Gguf::open(&path).unwrap();
    let t = g.tensor("token_embd.weight").unwrap().clone();
    assert_eq!(t.ty, TensorType::Q8_0);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = t.file_offset as usize;
    let d = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    bytes[at..at + 2].copy_from_slice(&(d + 1).to_le_bytes());
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&bytes).unwrap();
    f.flush().unwrap();
    let honest = engine_at(&path);
    let cheat = engine_at(f.path());
    assert_ne!(honest.model_id(), cheat.model_id());

    let p = prompt(&honest);
    let opts = GenerateOptions {
        max_tokens: 24,
        sampling: sampling(),
        stop_at_eos: false,
    };
    let claimed = honest.model_id().0;
    let mut rec = Recorder::new(claimed);
    cheat
        .generate(&p, &opts, |s| {
            rec.record(s.index as u64, s.token, s.logits).unwrap();
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    let committed = rec.finish().unwrap();
    let receipt = sign(&committed, &p, claimed);
    let job = Job {
        prompt: &p,
        output: &committed.tokens,
        receipt: &receipt,
    };

    // Where do the two models' logits first differ on this output?
    let mut seq = p.clone();
    seq.extend_from_slice(&committed.tokens[..committed.tokens.len() - 1]);
    let a = honest.logits(&seq, p.len() - 1).unwrap();
    let b = cheat.logits(&seq, p.len() - 1).unwrap();
    let v = LogitsSource::vocab(&honest);
    let differs: Vec<bool> = (0..24)
        .map(|i| a[i * v..(i + 1) * v] != b[i * v..(i + 1) * v])
        .collect();
    let first = differs
        .iter()
        .position(|&d| d)
        .expect("a one-ulp weight change reaches the logits");
    for i in 0..24u64 {
        let verdict = validate_openings(&honest, &job, &[committed.open(i).unwrap()]).unwrap();
        if (i as usize) < first {
            assert!(verdict.is_valid(), "position {i} before the divergence");
        } else {
            match verdict {
                Verdict::Fraud(fp) => {
                    assert_eq!(fp.position, i);
                    assert!(matches!(fp.fraud, Fraud::LogitsMismatch { .. }), "{fp:?}");
                }
                v => panic!("position {i} after the divergence at {first} passed: {v:?}"),
            }
        }
    }
    assert!(!validate_full(&honest, &job).unwrap().is_valid());

    // The evidence a committee member puts in its fraud vote: the first divergent position, the
    // miner's opening there (in the committed tree) and the member's own token hash, which is
    // what the honest model gives at that position — one position recomputed settles it.
    let leaves = committed.tree.leaves();
    let d = first_divergence(&honest, &p, &committed.tokens, &sampling(), leaves).unwrap();
    let Some(Divergence::Leaf { position, own_leaf }) = d else {
        panic!("the forgery diverges in its token hashes: {d:?}");
    };
    assert_eq!(position as usize, first);
    let row = &a[first * v..(first + 1) * v];
    assert_eq!(
        own_leaf,
        token_hash(&claimed, position, committed.tokens[first], row)
    );
    assert_ne!(own_leaf, leaves[first]);
    assert!(committed
        .open(position)
        .unwrap()
        .verifies(&committed.commitment));
    // Honest leaves do not diverge anywhere.
    let mut honest_rec = Recorder::new(claimed);
    honest
        .generate(&p, &opts, |s| {
            honest_rec
                .record(s.index as u64, s.token, s.logits)
                .unwrap();
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    let honest_work = honest_rec.finish().unwrap();
    let none = first_divergence(
        &honest,
        &p,
        &honest_work.tokens,
        &sampling(),
        honest_work.tree.leaves(),
    )
    .unwrap();
    assert_eq!(none, None);
}

fn sign(c: &Committed, prompt: &[u32], model_id: Hash) -> Receipt {
    Receipt::sign(
        &ReceiptBody {
            model_id,
            prompt_hash: tokens_hash(prompt),
            output_hash: tokens_hash(&c.tokens),
            sampling: sampling(),
            commitment: c.commitment,
        },
        &miner_key(),
    )
    .unwrap()
}

#[test]
fn partial_forgery_is_caught_at_the_predicted_rate() {
    let e = engine_at(&model_path());
    let p = prompt(&e);
    let n = 64usize;
    let opts = GenerateOptions {
        max_tokens: n,
        sampling: sampling(),
        stop_at_eos: false,
    };
    let honest = serve(&e, &p, &opts, &miner_key(), |_| {}).unwrap();
    let tokens = honest.committed.tokens.clone();
    assert_eq!(tokens.len(), n);
    let mut seq = p.clone();
    seq.extend_from_slice(&tokens[..n - 1]);
    let src = Cached {
        engine: &e,
        seq,
        first: p.len() - 1,
        rows: RefCell::new(None),
    };
    let leaves: Vec<Hash> = (0..n as u64)
        .map(|i| honest.committed.tree.leaf(i).unwrap())
        .collect();

    // The miner skips m of n positions (random hashes there) and is challenged at k positions.
    let (m, k, trials) = (6usize, 8usize, 1200u32);
    let mut caught = 0u32;
    for trial in 0..trials {
        let seed = blake3::hash(&trial.to_le_bytes());
        let forged_at = challenge::positions(seed.as_bytes(), &[1; 32], &[2; 32], n as u64, m);
        let mut forged = leaves.clone();
        for &i in &forged_at {
            forged[i as usize] = *blake3::hash(&[trial as u8, i as u8]).as_bytes();
        }
        let c = Committed::from_leaves(forged, tokens.clone()).unwrap();
        let receipt = sign(&c, &p, LogitsSource::model_id(&e));
        let job = Job {
            prompt: &p,
            output: &tokens,
            receipt: &receipt,
        };
        let randomness = *blake3::hash(&[b'r', trial as u8, (trial >> 8) as u8]).as_bytes();
        let pos = challenge::positions(&randomness, &[3; 32], &receipt.root, n as u64, k);
        let openings: Vec<_> = pos.iter().map(|&i| c.open(i).unwrap()).collect();
        match validate_openings(&src, &job, &openings).unwrap() {
            Verdict::Valid { .. } => assert!(pos.iter().all(|i| !forged_at.contains(i))),
            Verdict::Fraud(fp) => {
                assert!(forged_at.contains(&fp.position));
                caught += 1;
            }
        }
    }
    // Distinct positions: P(miss) = C(n-m, k) / C(n, k); the binomial 1-(1-f)^k is close.
    let mut miss = 1f64;
    for j in 0..k {
        miss *= (n - m - j) as f64 / (n - j) as f64;
    }
    let expected = 1.0 - miss;
    let f = m as f64 / n as f64;
    let binomial = 1.0 - (1.0 - f).powi(k as i32);
    let rate = caught as f64 / trials as f64;
    let sigma = (expected * (1.0 - expected) / trials as f64).sqrt();
    eprintln!("caught {caught}/{trials} = {rate:.3}; expected {expected:.3} (1-(1-f)^k = {binomial:.3}), sigma {sigma:.3}");
    assert!(
        (rate - expected).abs() < 4.0 * sigma,
        "rate {rate} vs {expected}"
    );
}

#[test]
fn a_wrong_sampled_token_is_caught() {
    let e = engine_at(&model_path());
    let p = prompt(&e);
    let params = sampling();
    let model_id = LogitsSource::model_id(&e);
    // The miner forces one token at position 5, then keeps generating honestly from it.
    let forced_at = 5u64;
    let mut s = e.session();
    let mut logits = s.prefill(&p).unwrap();
    let mut rec = Recorder::new(model_id);
    for i in 0..16u64 {
        let sampled = ambient_llm::sampler::sample(&logits, &params, i).unwrap();
        let token = if i == forced_at {
            (sampled + 1) % 49152
        } else {
            sampled
        };
        rec.record(i, token, &logits).unwrap();
        logits = s.decode(token).unwrap();
    }
    let c = rec.finish().unwrap();
    let receipt = sign(&c, &p, model_id);
    let job = Job {
        prompt: &p,
        output: &c.tokens,
        receipt: &receipt,
    };
    for i in 0..16u64 {
        let v = validate_openings(&e, &job, &[c.open(i).unwrap()]).unwrap();
        if i == forced_at {
            match v {
                Verdict::Fraud(fp) => {
                    assert!(matches!(fp.fraud, Fraud::WrongSample { .. }), "{fp:?}")
                }
                v => panic!("forced token passed: {v:?}"),
            }
        } else {
            assert!(v.is_valid(), "position {i}: {v:?}");
        }
    }
    match validate_full(&e, &job).unwrap() {
        Verdict::Fraud(fp) => assert_eq!(fp.position, forced_at),
        v => panic!("full validation passed: {v:?}"),
    }
    // Its token hashes are honest for the tokens it output, so the evidence is the sampler's
    // pick at that position, not a divergent hash.
    assert_eq!(
        first_divergence(&e, &p, &c.tokens, &params, c.tree.leaves()).unwrap(),
        Some(Divergence::Sample {
            position: forced_at
        })
    );
    // A hash that does not match the logits is caught too.
    let h = token_hash(&model_id, 0, c.tokens[0], &[0.0; 4]);
    assert_ne!(h, c.tree.leaf(0).unwrap());
}

#[test]
fn an_output_cut_short_is_fraud_though_every_position_it_has_is_honest() {
    // A miner paid for 24 tokens generates 12 honestly and stops: every committed position checks
    // out, so only the end rule catches it. The same work for a 12-token request is valid.
    let e = engine_at(&model_path());
    let p = prompt(&e);
    let opts = GenerateOptions {
        max_tokens: 12,
        sampling: sampling(),
        stop_at_eos: true,
    };
    let served = serve(&e, &p, &opts, &miner_key(), |_| {}).unwrap();
    let output = &served.committed.tokens;
    assert_eq!(
        output.len(),
        12,
        "the prompt's answer is longer than 12 tokens"
    );
    let delivery = |max_tokens| Delivery {
        prompt: &p,
        output,
        sampling: &opts.sampling,
        commitment: &served.committed.commitment,
        max_tokens,
    };
    assert!(validate_delivery(&e, &delivery(12)).unwrap().is_valid());
    assert_eq!(
        validate_delivery(&e, &delivery(24)).unwrap(),
        Verdict::Fraud(FraudProof {
            position: 12,
            fraud: Fraud::Truncated { max_tokens: 24 }
        })
    );
}
