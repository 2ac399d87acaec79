//! The client: opening auctions with the caller's key and following them on chain.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ambient_sdk::auction::instruction::{cancel, request};
use ambient_sdk::auction::prompt::PromptInfo;
use ambient_sdk::auction::state::{Request, Sampling, REQUEST_LEN};
use ambient_sdk::auction::ID as AUCTION;
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::error::ClientError;

/// A chat message: the engine's own type (the REST API renders the same with the model's chat
/// template).
pub use ambient_llm::Message;

/// How to ask.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Sampling temperature (0: greedy).
    pub temperature: f32,
    /// Top-k (0: off).
    pub top_k: u32,
    /// Top-p, in (0, 1].
    pub top_p: f32,
    /// The sampler's seed (`None`: from the clock).
    pub seed: Option<u64>,
    /// Most paid in all, in lamports (`None`: the node's suggestion for `max_tokens`).
    pub max_price: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_tokens: 128,
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: None,
            max_price: None,
        }
    }
}

/// An auction this client opened.
#[derive(Clone, Debug)]
pub struct Job {
    /// The request account (the receipt id).
    pub auction: Pubkey,
    /// The conversation asked about.
    pub messages: Vec<Message>,
    /// The prompt's token count.
    pub prompt_tokens: u64,
    /// The escrowed price.
    pub max_price: u64,
    /// The request transaction.
    pub signature: solana_signature::Signature,
}

/// A client of one node, paying with its own key.
pub struct Client {
    pub(crate) rpc: RpcClient,
    pub(crate) http: reqwest::Client,
    pub(crate) api_url: String,
    pub(crate) payer: Arc<Keypair>,
}

/// A predicate for [`Client::wait`]: the auction is over (paid, slashed, voided, timed out or
/// unfilled).
pub fn until_final(r: &Request) -> bool {
    r.state.is_final()
}

impl Client {
    /// A client of the node whose JSON-RPC is `rpc_url` and HTTP API `api_url`, paying with
    /// `payer`. Chain reads and confirmations are at `confirmed`.
    pub fn new(rpc_url: &str, api_url: &str, payer: Keypair) -> Self {
        Client {
            rpc: RpcClient::new_with_commitment(rpc_url.to_string(), CommitmentConfig::confirmed()),
            http: reqwest::Client::builder()
                .pool_idle_timeout(ambient_blobs::serve::CLIENT_IDLE)
                .build()
                .unwrap_or_default(),
            api_url: api_url.trim_end_matches('/').to_string(),
            payer: Arc::new(payer),
        }
    }

    /// The paying key's address.
    pub fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// The JSON-RPC client (for anything else on chain).
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// `POST`s `body` to the node's `path`, turning an error answer into [`ClientError::Api`].
    pub(crate) async fn post(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<reqwest::Response, ClientError> {
        let r = self
            .http
            .post(format!("{}{path}", self.api_url))
            .json(body)
            .send()
            .await?;
        api_result(r).await
    }

    /// The network model's name (what chat requests name).
    pub async fn model(&self) -> Result<String, ClientError> {
        let r = api_result(
            self.http
                .get(format!("{}/v1/models", self.api_url))
                .send()
                .await?,
        )
        .await?;
        let v: Value = r.json().await?;
        v["data"][0]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ClientError::Protocol(format!("no model in {v}")))
    }

    /// Opens an auction for `messages`: the node stores the prompt, this client signs and sends
    /// the request (escrowing the price from its key) and waits until it is confirmed.
    pub async fn request(&self, messages: Vec<Message>, opts: Options) -> Result<Job, ClientError> {
        let prompt: PromptInfo = self
            .post(
                "/v1/prompts",
                &json!({"messages": messages, "max_tokens": opts.max_tokens}),
            )
            .await?
            .json()
            .await?;
        let sampling = Sampling {
            temperature: opts.temperature,
            top_k: opts.top_k,
            top_p: opts.top_p,
            seed: opts.seed.unwrap_or_else(clock_seed),
        };
        let params = prompt
            .params(sampling, opts.max_price)
            .map_err(ClientError::Protocol)?;
        let account = Keypair::new();
        let rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(REQUEST_LEN)
            .await?;
        let ixs = request(&self.payer.pubkey(), &account.pubkey(), params, rent);
        let blockhash = self.rpc.get_latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(
            &ixs,
            Some(&self.payer.pubkey()),
            &[self.payer.as_ref(), &account],
            blockhash,
        );
        let signature = self.rpc.send_and_confirm_transaction(&tx).await?;
        Ok(Job {
            auction: account.pubkey(),
            messages,
            prompt_tokens: u64::from(prompt.prompt_tokens),
            max_price: params.max_price,
            signature,
        })
    }

    /// The auction's request account now (`None` if there is none).
    pub async fn status(&self, auction: &Pubkey) -> Result<Option<Request>, ClientError> {
        let acc = self
            .rpc
            .get_account_with_commitment(auction, self.rpc.commitment())
            .await?
            .value;
        match acc {
            Some(a) if a.owner == AUCTION => Request::read(&a.data)
                .map_err(|e| ClientError::Account(auction.to_string(), e.to_string())),
            Some(_) => Err(ClientError::Account(
                auction.to_string(),
                "not an auction account".into(),
            )),
            None => Ok(None),
        }
    }

    /// Closes a finished auction this client opened (`Cancel`): what the request account still
    /// holds — the rent, and the whole escrow of an unfilled auction — comes back to the payer.
    /// Refused with a clear error while the auction is under way or a bid on it is still open
    /// (the node's keeper closes bids left behind).
    pub async fn close(
        &self,
        auction: &Pubkey,
    ) -> Result<solana_signature::Signature, ClientError> {
        let r = self.status(auction).await?.ok_or_else(|| {
            ClientError::Account(auction.to_string(), "no auction (already closed?)".into())
        })?;
        let why = if r.requester != self.payer.pubkey() {
            Some("another key opened it".to_string())
        } else if !r.state.is_final() {
            Some(format!("it is not over ({:?})", r.state))
        } else if r.bids > 0 {
            Some(format!("{} bid(s) on it are still open", r.bids))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(ClientError::Account(auction.to_string(), why));
        }
        let me = self.payer.pubkey();
        let blockhash = self.rpc.get_latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(
            &[cancel(&me, auction, &me)],
            Some(&me),
            &[self.payer.as_ref()],
            blockhash,
        );
        Ok(self.rpc.send_and_confirm_transaction(&tx).await?)
    }

    /// Follows the auction until `done` holds for it (or `timeout` passes).
    pub async fn wait(
        &self,
        auction: &Pubkey,
        done: impl Fn(&Request) -> bool,
        timeout: Duration,
    ) -> Result<Request, ClientError> {
        let start = Instant::now();
        loop {
            if let Some(r) = self.status(auction).await? {
                if done(&r) {
                    return Ok(r);
                }
            }
            if start.elapsed() > timeout {
                return Err(ClientError::Timeout(format!("auction {auction}")));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// `r` if it succeeded; its error (OpenAI's shape) otherwise.
pub(crate) async fn api_result(r: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    if r.status().is_success() {
        return Ok(r);
    }
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    Err(ClientError::Api {
        status,
        code: body["error"]["code"].as_str().unwrap_or("").to_string(),
        message: body["error"]["message"]
            .as_str()
            .unwrap_or("no message")
            .to_string(),
    })
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
