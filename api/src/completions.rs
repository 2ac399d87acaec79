//! `POST /v1/completions`: OpenAI's text completion. The prompt is taken as it is (no chat
//! template), tokenized with the model's tokenizer, and continued by an auction exactly as a chat
//! completion is answered: the same limits, API keys, `ambient` options, stop sequences,
//! streaming and PoL receipt; the answer has OpenAI's `text_completion` shape.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::openai::{
    answer_body, check_model, check_prompt, job_of, json_body, ApiError, Asks, ChatService, Job,
    Shape,
};

/// `max_tokens` when the request names none (OpenAI's default for text completions).
pub const DEFAULT_TEXT_MAX_TOKENS: u32 = 16;

#[derive(Debug, Deserialize)]
struct CompletionRequest {
    model: String,
    /// A string, or a list of exactly one string.
    prompt: Value,
    max_tokens: Option<u32>,
    n: Option<u32>,
    /// An integer in this API (how many top tokens to report): refused unless null.
    logprobs: Option<Value>,
    echo: Option<bool>,
    suffix: Option<String>,
    best_of: Option<u32>,
    #[serde(flatten)]
    asks: Asks,
    /// Every other field: ignored or refused by name, as for chat completions.
    #[serde(flatten)]
    extra: Map<String, Value>,
}

pub(crate) async fn complete(
    State(s): State<Arc<ChatService>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    answer_body(s, headers, body, parse_body).await
}

impl ChatService {
    /// Checks a `POST /v1/completions` body as the endpoint does, without opening an auction
    /// (the fuzzer drives this with hostile bodies).
    pub fn validate_completion_body(&self, body: &[u8]) -> Result<(), ApiError> {
        parse_body(self, body).map(|_| ())
    }
}

/// The text completion `body` asks for, checked.
fn parse_body(s: &ChatService, body: &[u8]) -> Result<Job, ApiError> {
    let req: CompletionRequest = json_body(s, body)?;
    check_model(s, &req.model)?;
    let logprobs = req.logprobs.as_ref().map(|v| !v.is_null());
    crate::options::check_fields(&req.extra, req.n, logprobs)?;
    refuse_unserved(&req)?;
    let max_tokens = req.max_tokens.unwrap_or(DEFAULT_TEXT_MAX_TOKENS);
    let text = prompt_text(&req.prompt)?;
    if text.is_empty() {
        return Err(ApiError::invalid("the prompt is empty".into()));
    }
    let tokens = s
        .engine
        .tokenizer()
        .encode(text)
        .map_err(|e| ApiError::invalid(format!("cannot tokenize the prompt: {e}")))?;
    if tokens.is_empty() {
        return Err(ApiError::invalid("the prompt is empty".into()));
    }
    let prompt = check_prompt(s, tokens, max_tokens)?;
    job_of(s, Shape::Text, prompt, max_tokens, req.asks)
}

/// Refuses what a text completion can ask beyond one continuation: the prompt echoed back, a
/// suffix to fill in before, several candidates to pick the best of.
fn refuse_unserved(req: &CompletionRequest) -> Result<(), ApiError> {
    if req.echo == Some(true) {
        return Err(ApiError::invalid(
            "echo is not served: the answer is the continuation alone".into(),
        ));
    }
    if req.suffix.as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(ApiError::invalid(
            "suffix is not served: the network's model continues a prompt".into(),
        ));
    }
    if req.best_of.is_some_and(|b| b != 1) {
        return Err(ApiError::invalid(
            "best_of must be 1: each answer is one auction on chain".into(),
        ));
    }
    Ok(())
}

/// The prompt's text: a string, or a list of exactly one string (one answer per request).
fn prompt_text(prompt: &Value) -> Result<&str, ApiError> {
    match prompt {
        Value::String(s) => Ok(s),
        Value::Array(items) => match items.as_slice() {
            [Value::String(s)] => Ok(s),
            [_] => Err(ApiError::invalid(
                "prompt must be text (token arrays are not taken)".into(),
            )),
            _ => Err(ApiError::invalid(
                "prompt must be one string: each answer is one auction on chain; send one \
                 request per prompt"
                    .into(),
            )),
        },
        _ => Err(ApiError::invalid("prompt must be a string".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(extra: Value) -> CompletionRequest {
        let mut body = json!({"model": "m", "prompt": "Once upon a time"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn the_prompt_is_one_string() {
        assert_eq!(prompt_text(&json!("hi")).unwrap(), "hi");
        assert_eq!(prompt_text(&json!(["hi"])).unwrap(), "hi");
        for bad in [
            json!(["a", "b"]),
            json!([1, 2]),
            json!([[1]]),
            json!(3),
            json!(null),
        ] {
            let e = prompt_text(&bad).unwrap_err();
            assert!(
                e.message().contains("prompt must"),
                "{bad}: {}",
                e.message()
            );
        }
    }

    #[test]
    fn the_shared_fields_are_read_and_only_the_others_reach_the_catch_all() {
        let r = request(json!({
            "temperature": 0.5, "seed": 9, "stream": true, "stop": ".",
            "stream_options": {"include_usage": true}, "ambient": {"max_price": 7},
            "temprature": 1, "user": "u",
        }));
        let a = &r.asks;
        assert_eq!(
            (a.temperature, a.seed, a.stream),
            (Some(0.5), Some(9), true)
        );
        assert!(a.stream_options.include_usage && a.stop.is_some());
        assert_eq!(a.ambient.max_price, Some(7));
        let mut extra: Vec<&str> = r.extra.keys().map(String::as_str).collect();
        extra.sort();
        assert_eq!(extra, ["temprature", "user"]);
    }

    #[test]
    fn echo_suffix_and_best_of_are_refused_by_name() {
        assert!(refuse_unserved(&request(json!({}))).is_ok());
        let fine = json!({"echo": false, "suffix": "", "best_of": 1});
        assert!(refuse_unserved(&request(fine)).is_ok());
        for (field, value) in [
            ("echo", json!(true)),
            ("suffix", json!("end")),
            ("best_of", json!(3)),
        ] {
            let e = refuse_unserved(&request(json!({ field: value }))).unwrap_err();
            assert!(e.message().contains(field), "{field}: {}", e.message());
        }
    }
}
