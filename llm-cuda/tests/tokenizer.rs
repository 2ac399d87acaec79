//! The tokenizer built from GGUF metadata matches the Hugging Face tokenizer on the fixture written by
//! `reference/tokenizer_fixture.py` (1200 strings: Unicode, emoji, code, whitespace, digits, specials),
//! and, for Gemma 3's SentencePiece vocabulary, llama.cpp's tokenizer on the same strings and chat
//! turns (`reference/llama_cpp_tokens.py`, `tests/fixtures/tokenizer_gemma3.json`).

mod common;

use ambient_llm::gguf::Gguf;
use ambient_llm::{ChatTemplate, Message, Tokenizer};
use serde_json::Value;

fn tokenizer() -> (Gguf, Tokenizer) {
    let path = ambient_llm::default_model_path();
    assert!(
        path.exists(),
        "model {} not found: run `bash ci/fetch-model.sh`",
        path.display()
    );
    let g = Gguf::open(&path).unwrap();
    let t = Tokenizer::from_gguf(&g).unwrap();
    (g, t)
}

/// Encodes every case of a `{"cases": [{"text", "ids"}]}` fixture and decodes the ids back.
fn check_fixture(tok: &Tokenizer, fixture: &str) {
    let fixture: Value = serde_json::from_str(fixture).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 1000);
    let mut failures = Vec::new();
    for c in cases {
        let text = c["text"].as_str().unwrap();
        let want: Vec<u32> = c["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let got = tok.encode(text).unwrap();
        if got != want {
            failures.push(format!("{text:?}: got {got:?}, want {want:?}"));
        }
        // Decoding (keeping special tokens) gives back the text.
        assert_eq!(tok.decode(&want, false).unwrap(), text);
    }
    assert!(
        failures.is_empty(),
        "{} of {} mismatch, first: {}",
        failures.len(),
        cases.len(),
        failures[0]
    );
}

#[test]
fn matches_hugging_face_on_the_fixture() {
    let (_, tok) = tokenizer();
    check_fixture(&tok, include_str!("fixtures/tokenizer.json"));
}

#[test]
fn gemma3_sentencepiece_matches_llama_cpp() {
    let Some(path) = common::gemma3() else {
        ambient_testkit::skip!("no Gemma 3 model: run `bash ci/fetch-model.sh gemma3`");
        return;
    };
    let g = Gguf::open(&path).unwrap();
    let mut tok = Tokenizer::from_gguf(&g).unwrap();
    assert_eq!((tok.bos, tok.eos, tok.add_bos), (Some(2), 1, true));
    // The fixture is llama.cpp's tokenization without the BOS it adds to prompts.
    tok.add_bos = false;
    check_fixture(&tok, include_str!("fixtures/tokenizer_gemma3.json"));
}

/// llama.cpp's end-of-generation tokens of `file` (`reference/llama_cpp_eog.py`).
fn llama_cpp_eog(file: &str) -> Vec<u32> {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/eog.json")).unwrap();
    serde_json::from_value(fixture["eog"][file].clone()).unwrap()
}

#[test]
fn generation_ends_at_the_tokens_llama_cpp_ends_at() {
    let (_, tok) = tokenizer();
    assert_eq!(tok.eog, llama_cpp_eog("SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert!(tok.is_eog(tok.eos) && !tok.is_eog(1), "{:?}", tok.eog);
    let Some(path) = common::gemma3() else {
        ambient_testkit::skip!("no Gemma 3 model: run `bash ci/fetch-model.sh gemma3`");
        return;
    };
    let tok = Tokenizer::from_gguf(&Gguf::open(&path).unwrap()).unwrap();
    // `<end_of_turn>` (106) ends a Gemma turn, besides `<eos>`.
    assert_eq!(tok.eog, llama_cpp_eog("gemma-3-270m-q4_k_m.gguf"));
    assert!(tok.is_eog(106));
}

#[test]
fn chat_template_and_streaming() {
    let (g, tok) = tokenizer();
    let t = ChatTemplate::from_gguf(&g, "", "<|im_end|>").unwrap();
    let text = t.render(&[Message::new("user", "Hi")], true).unwrap();
    assert_eq!(
        text,
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
    let ids = tok.encode("héllo 👩‍👩‍👧 wörld").unwrap();
    let mut s = tok.stream(true);
    let mut out = String::new();
    for id in ids {
        out.push_str(&s.push(id).unwrap());
    }
    assert_eq!(out, "héllo 👩‍👩‍👧 wörld");
    assert!(tok.decode(&[u32::MAX], false).is_err());
}
