//! `POST /v1/prompts`: the first step of a request a client opens with its own key. The node
//! renders the messages with the model's chat template, tokenizes them, stores the prompt tokens
//! in its blob store and answers with what the auction's `Request` instruction needs — the
//! prompt's hash, the model id and the node's suggested escrow and windows — so SDKs need no
//! tokenizer. Same checks and limits as chat completions.

use std::sync::Arc;

use ambient_market::blobs::Blobs;
use ambient_sdk::auction::prompt::{PromptInfo, Suggested};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::openai::DEFAULT_MAX_TOKENS;
use crate::openai::{blocking, check_model, checked_prompt, ApiError, ChatMessage, ChatService};

/// The request body.
#[derive(Debug, Deserialize)]
pub(crate) struct PromptRequest {
    /// The model (optional; checked when given).
    model: Option<String>,
    messages: Vec<ChatMessage>,
    /// Most tokens the auction will ask for (for the context check and the suggestions).
    max_tokens: Option<u32>,
}

pub(crate) async fn store(
    State(s): State<Arc<ChatService>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(e) = crate::browser::require_json(&headers) {
        return e.into_response();
    }
    let req: PromptRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return ApiError::invalid(format!("malformed request body: {e}")).into_response(),
    };
    let svc = s.clone();
    let result = blocking(move || {
        if let Some(m) = &req.model {
            check_model(&svc, m)?;
        }
        let max_tokens = req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
        let prompt = checked_prompt(&svc, &req.messages, max_tokens)?;
        let blobs = Blobs::new(&svc.api_url)?;
        let hash = blobs.put_tokens(&prompt, &svc.prompt_uploader)?.0;
        let a = svc.auction;
        Ok(PromptInfo {
            prompt_hash: hex::encode(hash),
            prompt_tokens: prompt.len() as u32,
            model_id: hex::encode(svc.engine.model_id().0),
            max_tokens,
            suggested: Suggested {
                max_price: a.max_price(max_tokens),
                bid_slots: a.bid_slots(),
                reveal_slots: a.reveal_slots(),
                deadline_slots: a.deadline_slots(max_tokens),
            },
        })
    })
    .await;
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}
