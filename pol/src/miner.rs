//! The miner's side: generate with the engine, hashing logits as tokens stream out, then sign.

use std::ops::ControlFlow;

use ambient_llm::{Engine, GenerateOptions};
use ed25519_dalek::SigningKey;

use crate::commit::{Committed, Recorder};
use crate::error::PolError;
use crate::hash::tokens_hash;
use crate::receipt::{Receipt, ReceiptBody};

/// A served request: the output, what opens it, and the signed receipt.
#[derive(Clone, Debug)]
pub struct Served {
    /// Output tokens and the commitment's tree.
    pub committed: Committed,
    /// The signed receipt.
    pub receipt: Receipt,
}

/// Generates after `prompt`, recording every token's hash in the same pass, and signs the receipt.
/// `on_token` sees each token (e.g. to stream it to the requester).
pub fn serve(
    engine: &Engine,
    prompt: &[u32],
    opts: &GenerateOptions,
    key: &SigningKey,
    mut on_token: impl FnMut(u32),
) -> Result<Served, PolError> {
    let model_id = engine.model_id().0;
    let mut rec = Recorder::new(model_id);
    let mut err = None;
    engine
        .generate(prompt, opts, |step| {
            if let Err(e) = rec.record(step.index as u64, step.token, step.logits) {
                err = Some(e);
                return ControlFlow::Break(());
            }
            on_token(step.token);
            ControlFlow::Continue(())
        })
        .map_err(|e| PolError::Engine(e.to_string()))?;
    if let Some(e) = err {
        return Err(e);
    }
    let committed = rec.finish()?;
    let receipt = Receipt::sign(
        &ReceiptBody {
            model_id,
            prompt_hash: tokens_hash(prompt),
            output_hash: tokens_hash(&committed.tokens),
            sampling: opts.sampling,
            commitment: committed.commitment,
        },
        key,
    )?;
    Ok(Served { committed, receipt })
}
