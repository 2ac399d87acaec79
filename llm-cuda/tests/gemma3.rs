//! Gemma 3 270M (Q4_K_M, `ci/fetch-model.sh gemma3`) is canonical like the development model: the same
//! logit bits for every kernel set and thread count, and prefill = decode at every position,
//! across the sliding window's edge (its local layers see the last 512 positions). Its agreement
//! with llama.cpp is in `tests/llama_cpp.rs`.

mod common;

use ambient_llm::{Engine, Isa, Message};
use common::{assert_canonical, bits, engine_at, gemma3};

fn gemma(isa: Isa, threads: usize) -> Option<Engine> {
    match gemma3() {
        Some(path) => Some(engine_at(&path, isa, threads)),
        None => {
            ambient_testkit::skip!("no Gemma 3 model: run `bash ci/fetch-model.sh gemma3`");
            None
        }
    }
}

#[test]
fn gemma3_logits_are_the_same_on_every_kernel_set_and_thread_count() {
    let Some(mut e) = gemma(Isa::Scalar, 1) else {
        return;
    };
    let toks = e
        .chat_prompt(&[Message::new("user", "Name three colours of the rainbow.")])
        .unwrap();
    assert_eq!(toks[..2], [2, 105], "BOS, then <start_of_turn>");
    assert_canonical(&mut e, &toks, "Gemma 3");
}

#[test]
fn gemma3_prefill_equals_decode_across_the_sliding_window() {
    let Some(e) = gemma(Isa::detect(), 2) else {
        return;
    };
    let window = e.model().config.sliding_window;
    assert_eq!(window, 512);
    // 600 positions: the last ones' local layers no longer see the first.
    let text = (0..120)
        .map(|i| format!("item {i} is {};", (i * 37) % 101))
        .collect::<String>();
    let toks = e.tokenizer().encode(&text).unwrap();
    assert!(toks.len() > window + 40, "{} tokens", toks.len());
    let toks = &toks[..window + 40];
    let vocab = e.model().config.vocab;
    let first = window - 20;
    let tail = bits(&e.logits_from(toks, first).unwrap());
    // Decode token by token over the window's edge, after a prefill of the start.
    let mut s = e.session();
    s.prefill(&toks[..first]).unwrap();
    for (i, &t) in toks[first..].iter().enumerate() {
        assert!(
            bits(&s.decode(t).unwrap()) == tail[i * vocab..(i + 1) * vocab],
            "decode differs from prefill at position {}",
            first + i
        );
    }
}
