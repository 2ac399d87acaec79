//! What the REST API's `POST /v1/prompts` answers: the stored prompt's hash and length, the model
//! and the node's suggested escrow and windows — what a client needs to open an auction with its
//! own key. One definition for the node that writes it and the SDKs that read it.

use serde::{Deserialize, Serialize};

use super::instruction::RequestParams;
use super::state::Sampling;

/// A prompt the node stored for an auction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptInfo {
    /// blake3 of the prompt tokens (hex): its blob id.
    pub prompt_hash: String,
    /// The prompt's length in tokens.
    pub prompt_tokens: u32,
    /// The network model's id (hex).
    pub model_id: String,
    /// Most tokens the auction will ask for.
    pub max_tokens: u32,
    /// The node's suggestions for the auction.
    pub suggested: Suggested,
}

/// The escrow and windows a node suggests for an auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggested {
    /// Most paid, in lamports.
    pub max_price: u64,
    /// Length of the bid window, in slots.
    pub bid_slots: u64,
    /// Length of the reveal window, in slots.
    pub reveal_slots: u64,
    /// Slots after the reveal window for the result.
    pub deadline_slots: u64,
}

impl PromptInfo {
    /// The auction's parameters for this prompt, with `sampling` and a maximum price (the
    /// suggested one when `None`). Errs on a hash or id that is not 32 bytes of hex.
    pub fn params(
        &self,
        sampling: Sampling,
        max_price: Option<u64>,
    ) -> Result<RequestParams, String> {
        Ok(RequestParams {
            model_id: hex32(&self.model_id, "model_id")?,
            prompt_hash: hex32(&self.prompt_hash, "prompt_hash")?,
            max_tokens: self.max_tokens,
            sampling,
            max_price: max_price.unwrap_or(self.suggested.max_price),
            bid_slots: self.suggested.bid_slots,
            reveal_slots: self.suggested.reveal_slots,
            deadline_slots: self.suggested.deadline_slots,
            prompt_tokens: self.prompt_tokens,
        })
    }
}

/// 32 bytes from 64 hex digits.
pub fn hex32(s: &str, name: &str) -> Result<[u8; 32], String> {
    let bad = || format!("{name} {s:?} is not 32 bytes of hex");
    if s.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_info_gives_the_auction_its_parameters() {
        let info = PromptInfo {
            prompt_hash: "ab".repeat(32),
            prompt_tokens: 12,
            model_id: "0f".repeat(32),
            max_tokens: 40,
            suggested: Suggested {
                max_price: 5,
                bid_slots: 2,
                reveal_slots: 3,
                deadline_slots: 9,
            },
        };
        let sampling = Sampling {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 7,
        };
        let p = info.params(sampling, None).unwrap();
        assert_eq!((p.prompt_hash, p.model_id), ([0xab; 32], [0x0f; 32]));
        assert_eq!(
            (p.max_price, p.bid_slots, p.reveal_slots, p.deadline_slots),
            (5, 2, 3, 9)
        );
        assert_eq!((p.prompt_tokens, p.max_tokens), (12, 40));
        assert_eq!(info.params(sampling, Some(99)).unwrap().max_price, 99);
        let bad = PromptInfo {
            prompt_hash: "zz".repeat(32),
            ..info.clone()
        };
        assert!(bad
            .params(sampling, None)
            .unwrap_err()
            .contains("prompt_hash"));
        assert!(hex32("ab", "x").is_err());
        assert!(hex32(&"é".repeat(32), "x").is_err());
    }
}
