//! REST bodies: `POST /v1/chat/completions` and `POST /v1/completions` through
//! `ChatService::validate_body` and `validate_completion_body`, the endpoints' own checks with
//! the real model's tokenizer and chat template.

use std::sync::{Arc, OnceLock};

use ambient_api::{AuctionSettings, ChatLimits, ChatService, StreamHub};
use ambient_llm::{Engine, EngineOptions};
use ambient_sdk::auction::follow_message;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;
use solana_pubkey::Pubkey;
use solana_signature::Signature;

/// JSON syntax, OpenAI field names, edge numbers and chat-template markers.
pub const DICT: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"\\uDFFF",
    b"null",
    b"true",
    b"false",
    b"-1",
    b"-0",
    b"1e309",
    b"-1e309",
    b"0.0000001",
    b"4294967295",
    b"4294967296",
    b"18446744073709551615",
    b"18446744073709551616",
    b"\"model\"",
    b"\"messages\"",
    b"\"role\"",
    b"\"content\"",
    b"\"system\"",
    b"\"user\"",
    b"\"assistant\"",
    b"\"tool\"",
    b"\"type\"",
    b"\"text\"",
    b"\"image_url\"",
    b"\"max_tokens\"",
    b"\"max_completion_tokens\"",
    b"\"temperature\"",
    b"\"top_p\"",
    b"\"top_k\"",
    b"\"seed\"",
    b"\"stream\"",
    b"\"ambient\"",
    b"\"max_price\"",
    b"\"request\"",
    b"\"signature\"",
    b"<|im_start|>",
    b"<|im_end|>",
    b"{{ raise_exception('x') }}",
    b"{% for m in messages %}",
    "\u{202e}\u{fffd}\u{1f600}".as_bytes(),
];

static SERVICE: OnceLock<Result<ChatService, String>> = OnceLock::new();

fn model_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".gguf").to_string())
        .unwrap_or_else(|| "ambient".into())
}

fn load() -> Result<ChatService, String> {
    let path = ambient_llm::default_model_path();
    if !path.exists() {
        return Err(format!(
            "model file {} is missing (ci/fetch-model.sh fetches it)",
            path.display()
        ));
    }
    let engine = Engine::load(&path, &EngineOptions::default(), |_| {})
        .map_err(|e| format!("cannot load {}: {e}", path.display()))?;
    let limits = ChatLimits::default();
    Ok(ChatService {
        engine: Arc::new(engine),
        model_name: model_name(&path),
        // validate_body never touches the network.
        rpc_url: "http://127.0.0.1:9".into(),
        api_url: "http://127.0.0.1:9".into(),
        payer: None,
        prompt_uploader: Arc::new(solana_keypair::Keypair::new()),
        keys: Arc::new(ambient_api::ApiKeys::in_memory()),
        auction: AuctionSettings::default(),
        streams: Arc::new(StreamHub::default()),
        in_flight: limits.permits(),
        limits,
    })
}

fn service() -> Result<&'static ChatService, String> {
    SERVICE.get_or_init(load).as_ref().map_err(Clone::clone)
}

/// Loads the model once (skips the target when the model file is missing).
pub fn prepare() -> Result<(), String> {
    service().map(|_| ())
}

/// Validates the input as a chat completion body and as a text completion body.
pub fn run(data: &[u8]) -> bool {
    match service() {
        Ok(s) => {
            let chat = s.validate_body(data).is_ok();
            let text = s.validate_completion_body(data).is_ok();
            chat || text
        }
        Err(_) => false,
    }
}

/// Realistic OpenAI chat bodies: string and content-part messages, streaming, sampling options
/// and Ambient's extension (the model name is the one the service expects, and its hex id).
pub fn seeds() -> Vec<Vec<u8>> {
    let (name, id) = match service() {
        Ok(s) => (s.model_name.clone(), hex_id(s)),
        Err(_) => ("SmolLM2-135M-Instruct.Q4_1".to_string(), "00".repeat(32)),
    };
    // Following an auction the caller opened: its address and the requester's signature.
    let auction = Pubkey::new_from_array([22; 32]);
    let key = SigningKey::from_bytes(&[21; 32]);
    let signature = Signature::from(key.sign(&follow_message(&auction)).to_bytes()).to_string();
    let bodies = [
        json!({"model": name, "messages": [{"role": "user", "content": "Hello!"}]}),
        json!({"model": name, "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Name three primes."},
            {"role": "assistant", "content": "2, 3, 5."},
            {"role": "user", "content": "And the next?"}
        ], "max_tokens": 16, "temperature": 0.0, "seed": 7}),
        json!({"model": id, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe "}, {"type": "text", "text": "blake3."}
        ]}], "stream": true, "max_completion_tokens": 32, "top_p": 0.9, "top_k": 40}),
        json!({"model": name, "messages": [{"role": "user", "content": "Pay at most this."}],
            "max_tokens": 8, "temperature": 1.5, "top_p": 0.5, "seed": 18446744073709551615u64,
            "stream": false, "ambient": {"max_price": 5000000}}),
        json!({"model": name, "messages": [{"role": "user", "content": "Continue my auction."}],
            "ambient": {"request": auction.to_string(), "signature": signature, "max_price": 1}}),
        json!({"model": name, "messages": [{"role": "user", "content": "ünïcödé ✓ 😀 \u{0}"}],
            "max_tokens": 1}),
        // Text completions.
        json!({"model": name, "prompt": "Once upon a time", "max_tokens": 8, "stop": ["."]}),
        json!({"model": id, "prompt": ["The sea is"], "echo": false, "best_of": 1, "suffix": "",
            "stream": true, "stream_options": {"include_usage": true}, "logprobs": null}),
    ];
    bodies
        .iter()
        .filter_map(|b| serde_json::to_vec(b).ok())
        .collect()
}

fn hex_id(s: &ChatService) -> String {
    s.engine
        .model_id()
        .0
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
