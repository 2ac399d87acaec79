//! The OpenAI-compatible REST API. A chat completion is a real auction on chain: the prompt goes
//! to the blob store, a request with the price escrowed is opened (paid by the node's API key, or
//! by the caller, who opens the auction with its own key and passes its address), miners bid, the
//! winner generates with Proof of Logits and delivers; the answer carries its receipt (auction,
//! PoL root, transactions). Verification follows on chain without holding the answer back:
//! `GET /v1/receipts/{id}` reports it.
//!
//! - `GET /v1/models`
//! - `POST /v1/chat/completions` (`"stream": true` for server-sent events)
//! - `POST /v1/completions` (text completions, `completions.rs`)
//! - `GET /v1/receipts/{id}` (`id`: the auction's address, or `chatcmpl-` / `cmpl-<address>`)

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use ambient_llm::{Engine, Message};
use ambient_market::blobs::Blobs;
use ambient_market::chain::Chain;
use ambient_market::requester::{self, Ask};
use ambient_market::MarketError;
use ambient_sdk::auction::follow_message;
pub use ambient_sdk::auction::receipt::Receipt;
use ambient_sdk::auction::state::{Request, RequestState, Sampling};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use crate::keys::{ApiKeys, Charge, KeyRefusal};
use crate::options::{StopStream, Stops};

/// Largest `max_tokens` accepted by default.
pub const MAX_TOKENS_LIMIT: u32 = 2048;
/// `max_tokens` when the request names none.
pub const DEFAULT_MAX_TOKENS: u32 = 256;

/// Limits on chat requests (each violation is a 4xx answer in OpenAI's error shape).
#[derive(Clone, Copy, Debug)]
pub struct ChatLimits {
    /// Largest request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Most prompt tokens after the chat template (400 beyond; also bounded by the model's
    /// context together with `max_tokens`).
    pub max_prompt_tokens: usize,
    /// Largest `max_tokens` accepted (400 beyond).
    pub max_tokens: u32,
    /// Chat requests served at once, streamed or not (429 beyond).
    pub max_in_flight: usize,
}

impl ChatLimits {
    /// The permits [`ChatService::in_flight`] holds: one per request served at once.
    pub fn permits(&self) -> Arc<tokio::sync::Semaphore> {
        Arc::new(tokio::sync::Semaphore::new(self.max_in_flight))
    }
}

impl Default for ChatLimits {
    fn default() -> Self {
        ChatLimits {
            max_body_bytes: 1 << 20,
            max_prompt_tokens: 4096,
            max_tokens: MAX_TOKENS_LIMIT,
            max_in_flight: 64,
        }
    }
}

/// Auction settings of the API's requests.
#[derive(Clone, Copy, Debug)]
pub struct AuctionSettings {
    /// Most paid per token of `max_tokens`, in lamports.
    pub max_price_per_token: u64,
    /// Least escrowed for a job, in lamports (miners have a floor price).
    pub min_max_price: u64,
    /// Bid window (whole slots, at least one).
    pub bid_window: Duration,
    /// Reveal window (whole slots, at least one).
    pub reveal_window: Duration,
    /// Time for the result after the reveal window, before the tokens' share.
    pub base_deadline: Duration,
    /// Tokens a second the deadline allows a miner (its share: `max_tokens` / this).
    pub tokens_per_second: u64,
    /// Slot length (deadlines in time become slots; waits).
    pub slot: Duration,
}

impl AuctionSettings {
    /// The escrow offered for `max_tokens`.
    pub fn max_price(&self, max_tokens: u32) -> u64 {
        self.max_price_per_token
            .saturating_mul(u64::from(max_tokens))
            .max(self.min_max_price)
    }

    /// Slots for the result after the reveal window, for `max_tokens`: the same time whatever
    /// the cluster's slot length.
    pub fn deadline_slots(&self, max_tokens: u32) -> u64 {
        let time = self.base_deadline.as_secs_f64()
            + f64::from(max_tokens) / self.tokens_per_second.max(1) as f64;
        self.slots(time)
    }

    /// The bid window in slots.
    pub fn bid_slots(&self) -> u64 {
        self.slots(self.bid_window.as_secs_f64())
    }

    /// The reveal window in slots.
    pub fn reveal_slots(&self) -> u64 {
        self.slots(self.reveal_window.as_secs_f64())
    }

    /// Whole slots covering `secs` (at least one).
    fn slots(&self, secs: f64) -> u64 {
        ((secs / self.slot.as_secs_f64().max(0.001)).ceil() as u64).max(1)
    }
}

impl Default for AuctionSettings {
    fn default() -> Self {
        AuctionSettings {
            max_price_per_token: 20_000,
            min_max_price: 5_000_000,
            bid_window: Duration::from_millis(800),
            reveal_window: Duration::from_millis(400),
            base_deadline: Duration::from_secs(16),
            tokens_per_second: 10,
            slot: Duration::from_millis(400),
        }
    }
}

/// What the chat API works with.
pub struct ChatService {
    /// The network model (its tokenizer and chat template; its id names the auctions' model).
    pub engine: Arc<Engine>,
    /// The model's name in `/v1/models`.
    pub model_name: String,
    /// The node's JSON-RPC URL.
    pub rpc_url: String,
    /// The node's HTTP API URL (its blob store).
    pub api_url: String,
    /// The key that opens and pays for auctions when the caller does not bring its own.
    pub payer: Option<Arc<Keypair>>,
    /// The key `POST /v1/prompts` stores callers' prompts under: not one of the node's own, so
    /// the blob store holds it to an uploader's quota and an hour per prompt (the miner that
    /// serves a job stores its prompt again).
    pub prompt_uploader: Arc<Keypair>,
    /// The API keys that may make the node pay (its budget and price caps).
    pub keys: Arc<ApiKeys>,
    /// Auction settings.
    pub auction: AuctionSettings,
    /// Live token streams pushed by miners.
    pub streams: Arc<crate::streams::StreamHub>,
    /// Request limits.
    pub limits: ChatLimits,
    /// Permits for the requests in flight ([`ChatLimits::permits`] of `limits`).
    pub in_flight: Arc<tokio::sync::Semaphore>,
}

impl ChatService {
    /// Checks a `POST /v1/chat/completions` body as the endpoint does — JSON shape, model,
    /// messages, prompt size, `max_tokens`, sampling, `ambient` options — without opening an
    /// auction (the fuzzer drives this with hostile bodies).
    pub fn validate_body(&self, body: &[u8]) -> Result<(), ApiError> {
        parse_body(self, body).map(|_| ())
    }
}

/// The request in `body`, checked.
fn parse_body(s: &ChatService, body: &[u8]) -> Result<Job, ApiError> {
    prepare(s, json_body(s, body)?)
}

/// `body` as a `T`, within the node's body limit.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    s: &ChatService,
    body: &[u8],
) -> Result<T, ApiError> {
    if body.len() > s.limits.max_body_bytes {
        return Err(ApiError::too_large(s.limits.max_body_bytes));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("malformed request body: {e}")))
}

/// A chat message as OpenAI's API has it (`content`: text or text parts).
#[derive(Debug, Deserialize)]
pub(crate) struct ChatMessage {
    role: String,
    content: Value,
}

/// Ambient's extension of a chat (or text) completion request.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AmbientOptions {
    /// Most paid in all, in lamports.
    pub(crate) max_price: Option<u64>,
    /// An auction the caller opened (with its own key) for this conversation.
    request: Option<String>,
    /// The requester's signature of [`ambient_sdk::auction::follow_message`] of `request`
    /// (base58): only whoever paid gets the answer.
    signature: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ChatRequest {
    model: String,
    messages: Vec<ChatMessage>,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<u32>,
    n: Option<u32>,
    logprobs: Option<bool>,
    #[serde(flatten)]
    asks: Asks,
    /// Every other field: ignored or refused by name ([`crate::options::check_fields`]).
    #[serde(flatten)]
    extra: serde_json::Map<String, Value>,
}

/// The fields chat and text completions share: the sampler, streaming, stop sequences and
/// Ambient's options (flattened into each request, before its catch-all of other fields).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Asks {
    pub(crate) temperature: Option<f32>,
    pub(crate) top_p: Option<f32>,
    pub(crate) top_k: Option<u32>,
    pub(crate) seed: Option<u64>,
    #[serde(default)]
    pub(crate) stream: bool,
    #[serde(default)]
    pub(crate) stream_options: StreamOptions,
    /// One string or up to four: the answer's text ends before the first.
    pub(crate) stop: Option<Value>,
    #[serde(default)]
    pub(crate) ambient: AmbientOptions,
}

/// `stream_options`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StreamOptions {
    /// A last chunk with the whole answer's `usage` (and no choices) before `[DONE]`.
    #[serde(default)]
    pub(crate) include_usage: bool,
}

/// An API error in OpenAI's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: String,
    ) -> Self {
        ApiError {
            status,
            kind,
            code,
            message,
        }
    }

    /// What went wrong, for the caller.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "request_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
    }

    pub(crate) fn invalid(message: String) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "invalid_request",
            message,
        )
    }
}

impl From<KeyRefusal> for ApiError {
    fn from(e: KeyRefusal) -> Self {
        match e {
            KeyRefusal::Unauthorized(m) => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                "invalid_api_key",
                m,
            ),
            KeyRefusal::OverBudget(m) => Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "insufficient_quota",
                "insufficient_quota",
                m,
            ),
            KeyRefusal::OverCap(m) => Self::new(
                StatusCode::FORBIDDEN,
                "permission_error",
                "price_above_cap",
                m,
            ),
            KeyRefusal::Unrecorded(m) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "unrecorded",
                m,
            ),
        }
    }
}

impl From<MarketError> for ApiError {
    fn from(e: MarketError) -> Self {
        match e {
            MarketError::Timeout(m) => Self::new(
                StatusCode::GATEWAY_TIMEOUT,
                "server_error",
                "timeout",
                format!("no result in time: {m}"),
            ),
            MarketError::Invalid(m) => Self::invalid(m),
            other => Self::new(
                StatusCode::BAD_GATEWAY,
                "server_error",
                "chain_error",
                other.to_string(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "message": self.message, "type": self.kind, "param": null, "code": self.code
        }});
        (self.status, Json(body)).into_response()
    }
}

/// The REST API's routes over `service`: models, chat completions, receipts, and the miners'
/// stream pushes.
pub fn router(service: Arc<ChatService>) -> Router {
    let streams = crate::streams::router(service.streams.clone(), service.rpc_url.clone());
    Router::new()
        .route("/v1/prompts", post(crate::prompts::store))
        .route("/v1/models", get(models))
        .route("/v1/models/{id}", get(model))
        .route(
            "/v1/chat/completions",
            post(chat).layer(axum::extract::DefaultBodyLimit::max(
                service.limits.max_body_bytes,
            )),
        )
        .route(
            "/v1/completions",
            post(crate::completions::complete).layer(axum::extract::DefaultBodyLimit::max(
                service.limits.max_body_bytes,
            )),
        )
        .route("/v1/receipts/{id}", get(receipt))
        .with_state(service)
        .merge(streams)
}

/// The network model as OpenAI's model object.
fn model_object(s: &ChatService) -> Value {
    json!({
        "id": s.model_name,
        "object": "model",
        "created": 0,
        "owned_by": "ambient",
        "ambient_model_id": hex::encode(s.engine.model_id().0),
    })
}

async fn models(State(s): State<Arc<ChatService>>) -> Json<Value> {
    Json(json!({"object": "list", "data": [model_object(&s)]}))
}

/// `GET /v1/models/{id}`: the network model, by name or hex id.
async fn model(State(s): State<Arc<ChatService>>, Path(id): Path<String>) -> Response {
    match check_model(&s, &id) {
        Ok(()) => Json(model_object(&s)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Any route the API does not have: 404 in OpenAI's error shape.
pub async fn unknown_route(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "unknown_url",
        format!("Invalid URL ({method} {})", uri.path()),
    )
    .into_response()
}

/// The text of a message's `content` (a string, or OpenAI's list of text parts).
fn text_of(content: &Value) -> Result<String, ApiError> {
    match content {
        Value::String(s) => Ok(s.clone()),
        Value::Array(parts) => parts
            .iter()
            .map(
                |p| match (p.get("type").and_then(Value::as_str), p.get("text")) {
                    (Some("text"), Some(Value::String(t))) => Ok(t.clone()),
                    _ => Err(ApiError::invalid(
                        "only text content parts are supported".into(),
                    )),
                },
            )
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join("")),
        _ => Err(ApiError::invalid("message content must be text".into())),
    }
}

/// A checked chat (or text) completion request, ready to become an auction.
pub(crate) struct Job {
    /// How the answer is shaped.
    shape: Shape,
    ask: Ask,
    /// The caller's own auction and its requester's signature of the follow message.
    existing: Option<(Pubkey, Signature)>,
    stream: bool,
    /// Whether the caller named the escrow (`ambient.max_price`).
    price_named: bool,
    /// The API key's reservation of the escrow, when the node pays.
    charge: Option<Charge>,
    /// Where the answer's text ends.
    stops: Stops,
    /// A usage chunk at the end of a stream.
    include_usage: bool,
    /// The completion's `created` (Unix seconds), the same in every chunk.
    created: u64,
}

/// What an answer looks like: a chat completion (`/v1/chat/completions`) or a text completion
/// (`/v1/completions`, OpenAI's legacy shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `chat.completion`: the answer is the assistant's message.
    Chat,
    /// `text_completion`: the answer is the prompt's continuation.
    Text,
}

/// What a stream chunk carries.
enum Delta<'a> {
    /// The first chunk, as soon as the auction is open.
    Opening,
    /// A piece of the answer's text.
    Piece(&'a str),
    /// The last chunk (with the finish reason).
    End,
}

impl Shape {
    /// The completion's id: it names the auction (the receipt's key).
    fn id(self, auction: &Pubkey) -> String {
        match self {
            Shape::Chat => format!("chatcmpl-{auction}"),
            Shape::Text => format!("cmpl-{auction}"),
        }
    }

    fn object(self) -> &'static str {
        match self {
            Shape::Chat => "chat.completion",
            Shape::Text => "text_completion",
        }
    }

    fn chunk_object(self) -> &'static str {
        match self {
            Shape::Chat => "chat.completion.chunk",
            Shape::Text => "text_completion",
        }
    }

    /// The one choice of a whole answer of `text`.
    fn choice(self, text: &str, finish: &str) -> Value {
        match self {
            Shape::Chat => json!({
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish,
                "logprobs": null,
            }),
            Shape::Text => {
                json!({"index": 0, "text": text, "finish_reason": finish, "logprobs": null})
            }
        }
    }

    /// The one choice of a stream chunk.
    fn delta(self, delta: Delta<'_>, finish: Value) -> Value {
        match self {
            Shape::Chat => {
                let delta = match delta {
                    Delta::Opening => json!({"role": "assistant", "content": ""}),
                    Delta::Piece(p) => json!({"content": p}),
                    Delta::End => json!({}),
                };
                json!({"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null})
            }
            Shape::Text => {
                let text = match delta {
                    Delta::Piece(p) => p,
                    Delta::Opening | Delta::End => "",
                };
                json!({"index": 0, "text": text, "finish_reason": finish, "logprobs": null})
            }
        }
    }
}

/// The prompt tokens of `messages` (the model's chat template), checked against the node's
/// limits and the model's context together with `max_tokens`.
pub(crate) fn checked_prompt(
    s: &ChatService,
    messages: &[ChatMessage],
    max_tokens: u32,
) -> Result<Vec<u32>, ApiError> {
    check_prompt(s, chat_tokens(s, messages)?, max_tokens)
}

/// The prompt tokens of `messages`: the model's chat template, ready for the assistant's answer.
fn chat_tokens(s: &ChatService, messages: &[ChatMessage]) -> Result<Vec<u32>, ApiError> {
    if messages.is_empty() {
        return Err(ApiError::invalid("messages must not be empty".into()));
    }
    let messages = messages
        .iter()
        .map(|m| {
            // OpenAI's `developer` messages are the system prompt of newer models.
            let role = match m.role.as_str() {
                "developer" => "system",
                r @ ("system" | "user" | "assistant") => r,
                other => return Err(ApiError::invalid(format!("unknown role {other:?}"))),
            };
            Ok(Message::new(role.to_string(), text_of(&m.content)?))
        })
        .collect::<Result<Vec<_>, _>>()?;
    s.engine
        .chat_prompt(&messages)
        .map_err(|e| ApiError::invalid(format!("cannot build the prompt: {e}")))
}

/// `prompt` if it and `max_tokens` fit the node's limits and the model's context.
pub(crate) fn check_prompt(
    s: &ChatService,
    prompt: Vec<u32>,
    max_tokens: u32,
) -> Result<Vec<u32>, ApiError> {
    let most = s.limits.max_tokens;
    if max_tokens == 0 || max_tokens > most {
        return Err(ApiError::invalid(format!(
            "max_tokens must be in 1..={most}"
        )));
    }
    if prompt.len() > s.limits.max_prompt_tokens {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "context_length_exceeded",
            format!(
                "the prompt has {} tokens; this node takes at most {}",
                prompt.len(),
                s.limits.max_prompt_tokens
            ),
        ));
    }
    let context = s.engine.max_context();
    if prompt.len() + max_tokens as usize > context {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "context_length_exceeded",
            format!(
                "the prompt's {} tokens and max_tokens {max_tokens} exceed the model's context of {context}",
                prompt.len()
            ),
        ));
    }
    Ok(prompt)
}

/// Errs unless `model` names the network's model (by name or hex id).
pub(crate) fn check_model(s: &ChatService, model: &str) -> Result<(), ApiError> {
    let hex_id = hex::encode(s.engine.model_id().0);
    if model != s.model_name && model != hex_id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "model_not_found",
            format!(
                "the network serves {:?} (id {hex_id}), not {model:?}",
                s.model_name
            ),
        ));
    }
    Ok(())
}

fn prepare(s: &ChatService, req: ChatRequest) -> Result<Job, ApiError> {
    check_model(s, &req.model)?;
    crate::options::check_fields(&req.extra, req.n, req.logprobs)?;
    let max_tokens = req
        .max_completion_tokens
        .or(req.max_tokens)
        .unwrap_or(DEFAULT_MAX_TOKENS);
    let prompt = checked_prompt(s, &req.messages, max_tokens)?;
    job_of(s, Shape::Chat, prompt, max_tokens, req.asks)
}

/// The job that asks `req` of `prompt` (tokenized and checked) for at most `max_tokens`,
/// answered in `shape`: its sampler checked, the caller's own auction parsed, the escrow and
/// windows from the node's settings.
pub(crate) fn job_of(
    s: &ChatService,
    shape: Shape,
    prompt: Vec<u32>,
    max_tokens: u32,
    req: Asks,
) -> Result<Job, ApiError> {
    let stops = Stops::parse(req.stop.as_ref())?;
    let temperature = req.temperature.unwrap_or(1.0);
    let top_p = req.top_p.unwrap_or(1.0);
    let sane = (0.0..=2.0).contains(&temperature) && top_p > 0.0 && top_p <= 1.0;
    if !sane {
        return Err(ApiError::invalid(
            "temperature must be in [0, 2] and top_p in (0, 1]".into(),
        ));
    }
    let existing = match &req.ambient.request {
        Some(a) => {
            let auction = a.parse::<Pubkey>().map_err(|_| {
                ApiError::invalid(format!("ambient.request {a:?} is not an address"))
            })?;
            let sig = req.ambient.signature.as_deref().ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_request_error",
                    "signature_required",
                    "ambient.request needs ambient.signature: the requester's signature of \
                     \"ambient-follow:\" followed by the auction address's 32 bytes"
                        .into(),
                )
            })?;
            let sig = sig.parse::<Signature>().map_err(|_| {
                ApiError::invalid(format!("ambient.signature {sig:?} is not a signature"))
            })?;
            Some((auction, sig))
        }
        None => None,
    };
    let a = s.auction;
    let ask = Ask {
        model_id: s.engine.model_id().0,
        prompt,
        max_tokens,
        sampling: Sampling {
            temperature,
            top_k: req.top_k.unwrap_or(0),
            top_p,
            seed: req.seed.unwrap_or_else(rand_seed),
        },
        max_price: req
            .ambient
            .max_price
            .unwrap_or_else(|| a.max_price(max_tokens)),
        bid_slots: a.bid_slots(),
        reveal_slots: a.reveal_slots(),
        deadline_slots: a.deadline_slots(max_tokens),
    };
    Ok(Job {
        shape,
        ask,
        existing,
        stream: req.stream,
        price_named: req.ambient.max_price.is_some(),
        charge: None,
        stops,
        include_usage: req.stream_options.include_usage,
        created: rand_seed() / 1_000_000_000,
    })
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A delivered job.
struct Answer {
    auction: Pubkey,
    request: Request,
    tokens: Vec<u32>,
    /// The text, up to the first stop sequence.
    text: String,
    /// Whether a stop sequence ended the text.
    stopped: bool,
    prompt_tokens: usize,
}

/// Errs unless `sig` is the requester's signature of the follow message of `auction`: only
/// whoever paid gets the answer.
fn check_follow(chain: &Chain, auction: &Pubkey, sig: &Signature) -> Result<(), ApiError> {
    let r = chain.request(auction)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "not_found",
            format!("no auction at {auction}"),
        )
    })?;
    if !sig.verify(r.requester.as_ref(), &follow_message(auction)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_request_error",
            "not_the_requester",
            format!(
                "ambient.signature is not the requester's ({}): only whoever paid for \
                 auction {auction} gets its answer",
                r.requester
            ),
        ));
    }
    Ok(())
}

/// Opens the auction (or takes the caller's).
fn open_auction(
    s: &ChatService,
    chain: &Chain,
    blobs: &Blobs,
    job: &Job,
) -> Result<(Pubkey, Option<requester::Opening>), ApiError> {
    match job.existing {
        Some((auction, _)) => Ok((auction, None)),
        None => {
            let payer = s.payer.as_ref().ok_or_else(|| {
                ApiError::new(
                    StatusCode::PAYMENT_REQUIRED,
                    "invalid_request_error",
                    "payment_required",
                    "this node pays for no one: open the auction with your own key and pass \
                     its address as ambient.request"
                        .into(),
                )
            })?;
            let opening = requester::open_tracked(chain, blobs, payer, &job.ask)?;
            if let Some(charge) = &job.charge {
                charge.mark_opened();
            }
            Ok((opening.account, Some(opening)))
        }
    }
}

/// A wall-clock backstop for a job (the chain's deadline ends the wait first): its auction's
/// windows at a quarter of the nominal slot speed.
fn job_timeout(s: &ChatService, job: &Job) -> Duration {
    let slots = job.ask.bid_slots + job.ask.reveal_slots + job.ask.deadline_slots + 10;
    s.auction.slot * (4 * slots as u32)
}

/// The answer once `request` carries a delivered result.
fn answer(
    s: &ChatService,
    blobs: &Blobs,
    job: &Job,
    auction: Pubkey,
    request: Request,
) -> Result<Answer, ApiError> {
    let delivered = request.result.token_count > 0;
    if let Some(charge) = &job.charge {
        // Nothing is paid for an auction that ended without a result (its escrow comes back).
        charge.settle(if delivered { request.price } else { 0 });
    }
    if !delivered {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "not_served",
            format!(
                "auction {auction} ended {:?} without a result (the escrow goes back to the \
                 payer when the auction closes)",
                request.state
            ),
        ));
    }
    let tokens = requester::output(blobs, &request)?;
    let mut text = s
        .engine
        .tokenizer()
        .decode(&tokens, true)
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let end = job.stops.cut(&text);
    if let Some(end) = end {
        text.truncate(end);
    }
    Ok(Answer {
        auction,
        prompt_tokens: job.ask.prompt.len(),
        request,
        tokens,
        text,
        stopped: end.is_some(),
    })
}

/// Auctions the node opens for one request when no miner bids (or reveals) in time, or when an
/// opening is lost with an abandoned fork.
const OPEN_ATTEMPTS: usize = 2;

/// Whether an auction this node opened ended with no bid and may be opened again.
fn reopen(job: &Job, request: &Request, attempt: usize) -> bool {
    let again = job.existing.is_none()
        && request.state == RequestState::Unfilled
        && attempt + 1 < OPEN_ATTEMPTS;
    if again {
        log::info!("an auction ended unfilled; opening another for the same request");
    }
    again
}

/// Opens (or follows) the auction and waits for the delivered output.
fn serve(s: &ChatService, job: &Job) -> Result<Answer, ApiError> {
    let chain = Chain::new(&s.rpc_url);
    let blobs = Blobs::new(&s.api_url)?;
    let mut attempt = 0;
    loop {
        let (auction, opening) = open_auction(s, &chain, &blobs, job)?;
        let timeout = job_timeout(s, job);
        let request =
            match requester::wait_for_delivery(&chain, &auction, timeout, opening.as_ref()) {
                Err(MarketError::Lost(why)) if attempt + 1 < OPEN_ATTEMPTS => {
                    log::warn!("auction {auction} was lost ({why}); opening another");
                    attempt += 1;
                    continue;
                }
                r => r?,
            };
        if reopen(job, &request, attempt) {
            attempt += 1;
            continue;
        }
        return answer(s, &blobs, job, auction, request);
    }
}

/// The receipt of the auction at `auction` as `r` stands, with the transactions that touched it
/// (from `confirmed` on: the newest steps join the history a slot or two later).
fn build_receipt(chain: &Chain, auction: &Pubkey, r: &Request) -> Receipt {
    let config = solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config {
        commitment: Some(solana_commitment_config::CommitmentConfig::confirmed()),
        ..Default::default()
    };
    let transactions = chain
        .rpc()
        .get_signatures_for_address_with_config(auction, config)
        .map(|v| v.into_iter().map(|s| s.signature).collect())
        .unwrap_or_default();
    Receipt::of(auction, r, transactions)
}

/// OpenAI's `usage` of an answer: the prompt's tokens and every token generated (what was paid
/// for, a stop sequence notwithstanding).
fn usage(a: &Answer) -> Value {
    json!({
        "prompt_tokens": a.prompt_tokens,
        "completion_tokens": a.tokens.len(),
        "total_tokens": a.prompt_tokens + a.tokens.len(),
    })
}

fn finish_reason(a: &Answer, job: &Job) -> &'static str {
    if a.stopped {
        "stop"
    } else if a.tokens.len() as u32 >= job.ask.max_tokens {
        "length"
    } else {
        "stop"
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "internal",
            e.to_string(),
        )
    })?
}

/// The node pays for `job`: the request must bear an API key it issued, whose cap bounds the
/// escrow and whose budget reserves it.
fn charge_key(s: &ChatService, headers: &HeaderMap, job: &mut Job) -> Result<(), ApiError> {
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let key = s.keys.authorize(auth)?;
    let named = job.price_named.then_some(job.ask.max_price);
    let escrow = ApiKeys::escrow(&key, named, job.ask.max_price)?;
    job.ask.max_price = escrow;
    job.charge = Some(s.keys.reserve(&key.id, escrow)?);
    Ok(())
}

async fn chat(
    State(s): State<Arc<ChatService>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    answer_body(s, headers, body, parse_body).await
}

/// Answers the job `parse` makes of a JSON `body`, or the error that stops it.
pub(crate) async fn answer_body(
    s: Arc<ChatService>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    parse: fn(&ChatService, &[u8]) -> Result<Job, ApiError>,
) -> Response {
    match read_body(&s, &headers, body).and_then(|body| parse(&s, &body)) {
        Ok(job) => respond(s, headers, job).await,
        Err(e) => e.into_response(),
    }
}

/// A request body that is JSON and arrived whole within the node's limit.
pub(crate) fn read_body(
    s: &ChatService,
    headers: &HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::body::Bytes, ApiError> {
    crate::browser::require_json(headers)?;
    match body {
        Ok(b) => Ok(b),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(ApiError::too_large(s.limits.max_body_bytes))
        }
        Err(e) => Err(ApiError::invalid(format!("unreadable request body: {e}"))),
    }
}

/// Serves a checked job: the caller's own auction followed (its signature checked), or one the
/// node pays for under the caller's API key; the answer whole, or streamed.
pub(crate) async fn respond(s: Arc<ChatService>, headers: HeaderMap, mut job: Job) -> Response {
    if let Some((auction, sig)) = job.existing {
        let url = s.rpc_url.clone();
        if let Err(e) = blocking(move || check_follow(&Chain::new(&url), &auction, &sig)).await {
            return e.into_response();
        }
    }
    let Ok(permit) = s.in_flight.clone().try_acquire_owned() else {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "too_many_requests",
            format!(
                "{} chat requests are in flight on this node; try again shortly",
                s.limits.max_in_flight
            ),
        )
        .into_response();
    };
    if job.existing.is_none() {
        if let Err(e) = charge_key(&s, &headers, &mut job) {
            return e.into_response();
        }
    }
    let model = s.model_name.clone();
    if job.stream {
        return stream(s, job, model, permit).await;
    }
    let svc = s.clone();
    let result = blocking(move || {
        let _permit = permit;
        let a = serve(&svc, &job)?;
        let receipt = build_receipt(&Chain::new(&svc.rpc_url), &a.auction, &a.request);
        Ok((a, job, receipt))
    })
    .await;
    match result {
        Ok((a, job, receipt)) => Json(json!({
            "id": job.shape.id(&a.auction),
            "object": job.shape.object(),
            "created": job.created,
            "model": model,
            "choices": [job.shape.choice(&a.text, finish_reason(&a, &job))],
            "usage": usage(&a),
            "ambient": {"receipt": receipt},
        }))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// Server-sent events: a first chunk as soon as the auction is open, each token as the winning
/// miner streams it, the rest of the delivered output (checked against what was streamed), and a
/// last chunk with the finish reason and the receipt, then `[DONE]`.
async fn stream(
    s: Arc<ChatService>,
    job: Job,
    model: String,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(256);
    let svc = s.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let send = |e: Event| tx.blocking_send(e).is_ok();
        if let Err(e) = stream_job(&svc, &job, &model, &send) {
            let body = json!({"error": {"message": e.message, "type": e.kind, "code": e.code}});
            send(Event::default().data(body.to_string()));
        }
        send(Event::default().data("[DONE]"));
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<Event, Infallible>(e), rx))
    });
    Sse::new(events).into_response()
}

fn stream_job(
    s: &ChatService,
    job: &Job,
    model: &str,
    send: &dyn Fn(Event) -> bool,
) -> Result<(), ApiError> {
    let chunk = |id: &str, delta: Delta<'_>, finish: Value, extra: Option<Value>| {
        let mut v = json!({
            "id": id,
            "object": job.shape.chunk_object(),
            "created": job.created,
            "model": model,
            "choices": [job.shape.delta(delta, finish)],
        });
        if let Some(x) = extra {
            v["ambient"] = x;
        }
        Event::default().data(v.to_string())
    };
    let chain = Chain::new(&s.rpc_url);
    let blobs = Blobs::new(&s.api_url)?;
    let mut text = s.engine.tokenizer().stream(true);
    let mut stops = StopStream::new(job.stops.clone());
    let mut sent: Vec<u32> = Vec::new();
    // Sends `tokens` as content chunks of completion `id` (up to a stop sequence; `last`: with
    // what was held back); false once the client has gone.
    let mut forward = |id: &str, tokens: &[u32], sent: &mut Vec<u32>, last: bool| -> bool {
        let mut pieces: Vec<String> = Vec::new();
        for t in tokens {
            sent.push(*t);
            pieces.push(stops.push(&text.push(*t).unwrap_or_default()));
        }
        if last {
            pieces.push(stops.finish());
        }
        pieces
            .into_iter()
            .filter(|p| !p.is_empty())
            .all(|piece| send(chunk(id, Delta::Piece(&piece), Value::Null, None)))
    };
    let mut attempt = 0;
    let (auction, id, request) = 'auctions: loop {
        let (auction, opening) = open_auction(s, &chain, &blobs, job)?;
        let mut watch = requester::OpeningWatch::new(opening.as_ref());
        let live = s.streams.subscribe(&auction);
        // The completion id names the auction (the receipt's key). Another auction after an
        // unfilled one (nothing streamed yet) continues the stream under its own id.
        let id = job.shape.id(&auction);
        if attempt == 0 && !send(chunk(&id, Delta::Opening, Value::Null, None)) {
            return Ok(());
        }
        let deadline = std::time::Instant::now() + job_timeout(s, job);
        let mut last_poll = std::time::Instant::now() - Duration::from_secs(1);
        let request = loop {
            let streamed = live.borrow().tokens.clone();
            if streamed.len() > sent.len()
                && !forward(&id, &streamed[sent.len()..], &mut sent, false)
            {
                return Ok(());
            }
            if last_poll.elapsed() >= requester::POLL {
                last_poll = std::time::Instant::now();
                match chain.request(&auction)? {
                    Some(r) if requester::delivery_settled(&r, chain.slot()?) => break r,
                    Some(_) => {}
                    None => match watch.missing(&chain) {
                        // Nothing streamed yet: the request goes to another auction.
                        Err(MarketError::Lost(why))
                            if sent.is_empty() && attempt + 1 < OPEN_ATTEMPTS =>
                        {
                            log::warn!("auction {auction} was lost ({why}); opening another");
                            attempt += 1;
                            continue 'auctions;
                        }
                        r => r?,
                    },
                }
            }
            if std::time::Instant::now() > deadline {
                return Err(MarketError::Timeout(format!("auction {auction}")).into());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if reopen(job, &request, attempt) {
            attempt += 1;
            continue;
        }
        break (auction, id, request);
    };
    let a = answer(s, &blobs, job, auction, request)?;
    if a.tokens.len() < sent.len() || a.tokens[..sent.len()] != sent[..] {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "server_error",
            "stream_mismatch",
            format!("the miner streamed tokens it did not deliver (auction {auction})"),
        ));
    }
    // How much of the answer the miner streamed live, before its delivery landed on chain.
    let live_tokens = sent.len();
    if !forward(&id, &a.tokens[sent.len()..], &mut sent, true) {
        return Ok(());
    }
    let receipt = build_receipt(&chain, &a.auction, &a.request);
    let extra = json!({"receipt": receipt, "live_tokens": live_tokens, "usage": usage(&a)});
    send(chunk(
        &id,
        Delta::End,
        json!(finish_reason(&a, job)),
        Some(extra),
    ));
    if job.include_usage {
        let mut last = json!({
            "id": id, "object": job.shape.chunk_object(), "created": job.created, "model": model,
            "choices": [],
        });
        last["usage"] = usage(&a);
        send(Event::default().data(last.to_string()));
    }
    Ok(())
}

async fn receipt(State(s): State<Arc<ChatService>>, Path(id): Path<String>) -> Response {
    let key = id
        .strip_prefix("chatcmpl-")
        .or_else(|| id.strip_prefix("cmpl-"))
        .unwrap_or(&id)
        .to_string();
    let auction: Pubkey = match key.parse() {
        Ok(k) => k,
        Err(_) => {
            return ApiError::invalid(format!("{id:?} is not a receipt id (an auction address)"))
                .into_response()
        }
    };
    let svc = s.clone();
    let r = blocking(move || {
        let chain = Chain::new(&svc.rpc_url);
        let r = chain.request(&auction)?.ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                "not_found",
                format!("no auction at {auction} (it may have been closed)"),
            )
        })?;
        Ok(build_receipt(&chain, &auction, &r))
    })
    .await;
    match r {
        Ok(receipt) => Json(receipt).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_the_same_time_whatever_the_slot_length() {
        let at = |ms| AuctionSettings {
            slot: Duration::from_millis(ms),
            ..AuctionSettings::default()
        };
        // 16 s, plus 6.4 s for 64 tokens at 10 a second.
        assert_eq!(at(400).deadline_slots(64), 56);
        assert_eq!(at(200).deadline_slots(64), 112);
        assert_eq!(at(400).deadline_slots(1000), 290);
        // The bid and reveal windows: 1.2 s each.
        assert_eq!((at(400).bid_slots(), at(400).reveal_slots()), (2, 1));
        assert_eq!((at(200).bid_slots(), at(200).reveal_slots()), (4, 2));
        // Never zero, even for absurdly long slots.
        assert!(at(3_600_000).deadline_slots(1) >= 1);
        assert!(at(3_600_000).bid_slots() >= 1);
    }
}
