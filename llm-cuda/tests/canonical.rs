//! The engine is canonical: the same logit bits for every thread count, kernel set, and for prefill
//! and token-by-token decode, on the real development model.

mod common;

use std::ops::ControlFlow;

use ambient_llm::{GenerateOptions, Isa, LlmError, Message, SamplingParams};
use common::{bits, engine, isas};
use proptest::prelude::*;

const PROMPT: &str = "Explain in two sentences why the sky is blue.";

#[test]
fn threads_and_kernels_give_identical_logits() {
    let mut e = engine(Isa::Scalar, 1);
    let toks = e.chat_prompt(&[Message::new("user", PROMPT)]).unwrap();
    let reference = bits(&e.all_logits(&toks).unwrap());
    for isa in isas() {
        for threads in [1, 2, 4] {
            e.set_compute(isa, threads).unwrap();
            for run in 0..2 {
                let got = bits(&e.all_logits(&toks).unwrap());
                assert!(
                    got == reference,
                    "{isa} with {threads} threads (run {run}) differs"
                );
            }
        }
    }
}

#[test]
fn threads_sharing_one_engine_get_the_same_logits() {
    // A node's miner generates while its verifier validates, on one engine and one thread pool.
    let e = engine(Isa::detect(), 2);
    let toks = e.chat_prompt(&[Message::new("user", PROMPT)]).unwrap();
    let reference = bits(&e.all_logits(&toks).unwrap());
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    (0..3)
                        .map(|_| bits(&e.all_logits(&toks).unwrap()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for r in runs {
            for got in r.join().unwrap() {
                assert!(got == reference, "a concurrent caller got different logits");
            }
        }
    });
}

#[test]
fn prefill_equals_decode_at_every_position() {
    let e = engine(Isa::detect(), 2);
    let toks = e.chat_prompt(&[Message::new("user", PROMPT)]).unwrap();
    let vocab = e.model().config.vocab;
    let all = e.all_logits(&toks).unwrap();
    let mut s = e.session();
    for (i, &t) in toks.iter().enumerate() {
        let step = s.decode(t).unwrap();
        assert!(
            bits(&step) == bits(&all[i * vocab..(i + 1) * vocab]),
            "position {i} differs"
        );
    }
    // Mixed chunking: a prefill of a prefix, then decode, then a chunk.
    let mut s = e.session();
    let mid = toks.len() / 3;
    s.prefill(&toks[..mid]).unwrap();
    let one = s.decode(toks[mid]).unwrap();
    assert!(bits(&one) == bits(&all[mid * vocab..(mid + 1) * vocab]));
    let rest = s.prefill_all(&toks[mid + 1..]).unwrap();
    assert!(bits(&rest) == bits(&all[(mid + 1) * vocab..]));
    // Logits from a later position (the last layer then runs only those rows), and after a
    // session that already holds a prefix.
    for first in [mid, toks.len() - 1] {
        let from = e.logits_from(&toks, first).unwrap();
        assert!(
            bits(&from) == bits(&all[first * vocab..]),
            "logits from {first}"
        );
    }
    let mut s = e.session();
    s.prefill(&toks[..mid]).unwrap();
    let last = s.prefill(&toks[mid..]).unwrap();
    assert!(bits(&last) == bits(&all[(toks.len() - 1) * vocab..]));
}

#[test]
fn generation_reports_the_logits_a_prefill_recomputes() {
    let e = engine(Isa::detect(), 2);
    let prompt = e
        .chat_prompt(&[Message::new("user", "Name three colours.")])
        .unwrap();
    let opts = GenerateOptions {
        max_tokens: 24,
        sampling: SamplingParams {
            temperature: 0.8,
            top_k: 40,
            top_p: 0.95,
            seed: 7,
        },
        stop_at_eos: true,
    };
    let mut steps = Vec::new();
    let generation = e
        .generate(&prompt, &opts, |s| {
            steps.push((s.index, s.token, bits(s.logits)));
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(steps.len(), generation.tokens.len());
    assert!(!steps.is_empty());
    // A verifier recomputes every position with one prefill over prompt + output.
    let mut full = prompt.clone();
    full.extend(&generation.tokens);
    let vocab = e.model().config.vocab;
    let all = e.all_logits(&full[..full.len() - 1]).unwrap();
    for (i, token, logits) in &steps {
        let at = (prompt.len() - 1 + i) * vocab;
        assert!(
            logits == &bits(&all[at..at + vocab]),
            "logits at output {i} differ"
        );
        let resampled =
            ambient_llm::sampler::sample(&all[at..at + vocab], &opts.sampling, *i as u64).unwrap();
        assert_eq!(resampled, *token, "token at output {i}");
    }
    // The same request gives the same output.
    let again = e
        .generate(&prompt, &opts, |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(again.tokens, generation.tokens);
}

#[test]
fn limits_are_clear_errors() {
    let mut e = engine(Isa::detect(), 1);
    e.set_max_context(8);
    let mut s = e.session();
    s.prefill(&[1, 2, 3, 4, 5, 6]).unwrap();
    match s.prefill(&[1, 2, 3]) {
        Err(LlmError::ContextOverflow { needed: 9, max: 8 }) => {}
        other => panic!("expected a context overflow, got {other:?}"),
    }
    let vocab = e.model().config.vocab as u32;
    match e.session().prefill(&[vocab]) {
        Err(LlmError::BadToken { token, .. }) => assert_eq!(token, vocab),
        other => panic!("expected a bad token error, got {other:?}"),
    }
    assert!(matches!(
        e.session().prefill(&[]),
        Err(LlmError::EmptyInput)
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    /// Random token sequences: prefill = decode and 1 thread = 3 threads, bit for bit.
    #[test]
    fn random_prompts_are_canonical(toks in proptest::collection::vec(0u32..49152, 1..12)) {
        let mut e = engine(Isa::detect(), 1);
        let vocab = e.model().config.vocab;
        let all = e.all_logits(&toks).unwrap();
        let mut s = e.session();
        let mut stepped = Vec::new();
        for &t in &toks {
            stepped.extend(s.decode(t).unwrap());
        }
        prop_assert!(bits(&all) == bits(&stepped));
        e.set_compute(Isa::detect(), 3).unwrap();
        prop_assert!(bits(&all) == bits(&e.all_logits(&toks).unwrap()));
        prop_assert_eq!(all.len(), toks.len() * vocab);
    }
}
