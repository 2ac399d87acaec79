//! Checking a job: the chain's record against the blob store, and optionally the committed
//! logits recomputed with a local engine (Proof of Logits, as the verifiers do).

use ambient_blobs::{BlobClient, BlobId};
use ambient_llm::Engine;
use ambient_pol::hash::tokens_from_blob;
use ambient_pol::validate::{validate_delivery, Delivery};
use ambient_pol::Verdict;
use ambient_sdk::auction::state::{Request, RequestState};
use ambient_sdk::auction::{commitment, sampling_params};
use solana_pubkey::Pubkey;

use crate::client::Client;
use crate::error::ClientError;

/// What [`Client::verify`] found.
#[derive(Debug)]
pub struct Verification {
    /// The auction's state on chain.
    pub state: RequestState,
    /// The committee's verdict on chain (see `Request::verification`).
    pub committee: &'static str,
    /// The prompt tokens (their blob hashes to the prompt hash on chain).
    pub prompt: Vec<u32>,
    /// The output tokens (their blob hashes to the output hash on chain).
    pub output: Vec<u32>,
    /// The local recomputation, when an engine was given.
    pub pol: Option<Verdict>,
}

impl Verification {
    /// Whether everything checked holds: a committee majority found the work valid and the
    /// local recomputation, if any, agrees.
    pub fn is_valid(&self) -> bool {
        self.committee == "valid"
            && self
                .pol
                .as_ref()
                .is_none_or(|v| matches!(v, Verdict::Valid { .. }))
    }
}

impl Client {
    /// Verifies the job of `auction` from the chain's record: its prompt and output blobs must
    /// hash to the recorded hashes and hold the recorded number of tokens; with `engine` (the
    /// network's model), the committed logits are recomputed and compared.
    pub async fn verify(
        &self,
        auction: &Pubkey,
        engine: Option<&Engine>,
    ) -> Result<Verification, ClientError> {
        let r = self
            .status(auction)
            .await?
            .ok_or_else(|| ClientError::Account(auction.to_string(), "no such auction".into()))?;
        if r.result.token_count == 0 {
            return Err(ClientError::Protocol(format!(
                "auction {auction} has no delivery to verify ({:?})",
                r.state
            )));
        }
        let blobs = BlobClient::new(&self.api_url);
        let prompt = tokens(&blobs, r.prompt_hash, "prompt").await?;
        let output = tokens(&blobs, r.result.output_hash, "output").await?;
        if output.len() != r.result.token_count as usize {
            return Err(ClientError::Protocol(format!(
                "the output blob has {} tokens, the chain records {}",
                output.len(),
                r.result.token_count
            )));
        }
        let pol = match engine {
            Some(e) => Some(recompute(e, &r, &prompt, &output)?),
            None => None,
        };
        Ok(Verification {
            state: r.state,
            committee: r.verification(),
            prompt,
            output,
            pol,
        })
    }
}

/// The tokens in the blob whose id (blake3) is `hash`.
async fn tokens(blobs: &BlobClient, hash: [u8; 32], what: &str) -> Result<Vec<u32>, ClientError> {
    let bytes = blobs.get(&BlobId(hash)).await?.ok_or_else(|| {
        ClientError::Protocol(format!("the {what} blob is not in the blob store"))
    })?;
    if *blake3::hash(&bytes).as_bytes() != hash {
        return Err(ClientError::Protocol(format!(
            "the {what} blob does not hash to the chain's record"
        )));
    }
    Ok(tokens_from_blob(&bytes)?)
}

/// Recomputes the job's committed positions with `engine`.
fn recompute(
    engine: &Engine,
    r: &Request,
    prompt: &[u32],
    output: &[u32],
) -> Result<Verdict, ClientError> {
    if engine.model_id().0 != r.model_id {
        return Err(ClientError::Protocol(format!(
            "the auction names model {}, the engine is {}",
            hex::encode(r.model_id),
            engine.model_id()
        )));
    }
    let sampling = sampling_params(&r.sampling);
    let commitment = commitment(r);
    Ok(validate_delivery(
        engine,
        &Delivery {
            prompt,
            output,
            sampling: &sampling,
            commitment: &commitment,
            max_tokens: r.max_tokens,
        },
    )?)
}
