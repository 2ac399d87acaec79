//! Validation: recompute logits with one prefill and compare with the miner's commitment.
//!
//! *Spot* validation checks the challenged positions: the opening must be in the committed tree, the
//! recomputed token hash must equal the opened one, and the output token must be what the seeded
//! sampler picks from the recomputed logits. *Full* validation recomputes every position (one
//! prefill over the whole output) and rebuilds the root. A fraud proof names the first failing
//! position and what differs.

use ambient_llm::sampler::{self, SamplingParams};

use crate::commit::{Commitment, Committed, Opening};
use crate::error::PolError;
use crate::hash::{token_hash, tokens_hash, Hash};
use crate::receipt::Receipt;

/// What a verifier needs from an inference engine.
pub trait LogitsSource {
    /// The model id the engine computes.
    fn model_id(&self) -> Hash;
    /// Vocabulary size (floats per logits row).
    fn vocab(&self) -> usize;
    /// Logits at positions `first..tokens.len()` of `tokens`, from one prefill (`vocab` floats each).
    fn logits(&self, tokens: &[u32], first: usize) -> Result<Vec<f32>, PolError>;
    /// Whether `token` ends a generation (the end-of-sequence token, an end-of-turn marker, …).
    fn ends(&self, token: u32) -> bool;
}

impl LogitsSource for ambient_llm::Engine {
    fn model_id(&self) -> Hash {
        ambient_llm::Engine::model_id(self).0
    }

    fn vocab(&self) -> usize {
        self.model().config.vocab
    }

    fn logits(&self, tokens: &[u32], first: usize) -> Result<Vec<f32>, PolError> {
        self.logits_from(tokens, first)
            .map_err(|e| PolError::Engine(e.to_string()))
    }

    fn ends(&self, token: u32) -> bool {
        self.tokenizer().is_eog(token)
    }
}

/// One served job as the verifier sees it.
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    /// Prompt tokens (at least one).
    pub prompt: &'a [u32],
    /// Output tokens.
    pub output: &'a [u32],
    /// The miner's receipt.
    pub receipt: &'a Receipt,
}

/// What is wrong at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fraud {
    /// The opening is not in the committed tree.
    BadOpening,
    /// The opened token is not the output's token.
    TokenMismatch {
        /// Token in the opening.
        opened: u32,
        /// Token in the output.
        output: u32,
    },
    /// The committed token hash differs from the recomputed one.
    LogitsMismatch {
        /// Recomputed.
        expected: Hash,
        /// Committed.
        committed: Hash,
    },
    /// The output token is not what the seeded sampler picks.
    WrongSample {
        /// What the sampler picks.
        expected: u32,
        /// What the miner output.
        output: u32,
    },
    /// The recomputed Merkle root or chain hash differs (full validation).
    RootMismatch {
        /// Recomputed root.
        expected: Hash,
    },
    /// The output stops before `max_tokens` without the end-of-sequence token (the position is
    /// where it should have gone on): a miner may not cut a job short.
    Truncated {
        /// Tokens asked for.
        max_tokens: u32,
    },
    /// A token follows the end-of-sequence token, or the output is longer than `max_tokens`.
    PastTheEnd {
        /// Tokens asked for.
        max_tokens: u32,
    },
}

/// A compact fraud proof: the first failing position and what differs there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FraudProof {
    /// Output position (for a root mismatch: the output length).
    pub position: u64,
    /// The failure.
    pub fraud: Fraud,
}

/// The outcome of a validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every checked position agrees.
    Valid {
        /// Positions checked.
        checked: Vec<u64>,
    },
    /// The miner's work is wrong.
    Fraud(FraudProof),
}

impl Verdict {
    /// Whether the work passed.
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }
}

/// Checks what can be checked without the engine: the signature, the model, and that the prompt and
/// output match the receipt's hashes and count.
pub fn check_receipt(src: &impl LogitsSource, job: &Job<'_>) -> Result<(), PolError> {
    let r = job.receipt;
    r.verify_signature()?;
    if r.model_id != src.model_id() {
        return Err(PolError::Mismatch("the receipt names another model".into()));
    }
    if job.prompt.is_empty() {
        return Err(PolError::Param("empty prompt".into()));
    }
    if tokens_hash(job.prompt) != r.prompt_hash {
        return Err(PolError::Mismatch(
            "prompt does not match the receipt's prompt hash".into(),
        ));
    }
    if tokens_hash(job.output) != r.output_hash || job.output.len() as u64 != r.token_count as u64 {
        return Err(PolError::Mismatch(
            "output does not match the receipt's output hash".into(),
        ));
    }
    Ok(())
}

/// Spot validation of the given openings (typically at the challenged positions).
pub fn validate_openings(
    src: &impl LogitsSource,
    job: &Job<'_>,
    openings: &[Opening],
) -> Result<Verdict, PolError> {
    check_receipt(src, job)?;
    let commitment = job.receipt.commitment();
    let mut sorted: Vec<&Opening> = openings.iter().collect();
    sorted.sort_by_key(|o| o.index);
    let Some(last) = sorted.last() else {
        return Ok(Verdict::Valid { checked: vec![] });
    };
    let n = job.output.len() as u64;
    if last.index >= n {
        return Err(PolError::OutOfRange {
            position: last.index,
            len: n,
        });
    }
    for o in &sorted {
        if !o.verifies(&commitment) {
            return Ok(fraud(o.index, Fraud::BadOpening));
        }
        let output = job.output[o.index as usize];
        if o.token != output {
            return Ok(fraud(
                o.index,
                Fraud::TokenMismatch {
                    opened: o.token,
                    output,
                },
            ));
        }
    }
    // One prefill from the first challenged position to the last.
    let lo = sorted[0].index as usize;
    let hi = last.index as usize;
    let mut seq = job.prompt.to_vec();
    seq.extend_from_slice(&job.output[..hi]);
    let first = job.prompt.len() - 1 + lo;
    let logits = src.logits(&seq, first)?;
    let vocab = src.vocab();
    let model_id = src.model_id();
    for o in &sorted {
        let row = (job.prompt.len() - 1 + o.index as usize) - first;
        let l = &logits[row * vocab..(row + 1) * vocab];
        if let Some(f) = check_position(&model_id, job, o.index, l, Some(o.leaf))? {
            return Ok(fraud(o.index, f));
        }
    }
    Ok(Verdict::Valid {
        checked: sorted.iter().map(|o| o.index).collect(),
    })
}

/// Full validation: recompute every position with one prefill and rebuild the commitment.
pub fn validate_full(src: &impl LogitsSource, job: &Job<'_>) -> Result<Verdict, PolError> {
    check_receipt(src, job)?;
    validate_commitment(
        src,
        job.prompt,
        job.output,
        &job.receipt.sampling,
        &job.receipt.commitment(),
    )
}

/// A delivered job as the chain records it: what a committee member validates.
#[derive(Clone, Copy, Debug)]
pub struct Delivery<'a> {
    /// Prompt tokens (at least one).
    pub prompt: &'a [u32],
    /// Output tokens.
    pub output: &'a [u32],
    /// The request's sampler settings and seed.
    pub sampling: &'a SamplingParams,
    /// The miner's commitment (on chain).
    pub commitment: &'a Commitment,
    /// The request's most tokens.
    pub max_tokens: u32,
}

/// Validates a delivered job: the output ends where generation must end (the first token that
/// ends a generation, or `max_tokens`; nothing after either), then every position is recomputed
/// ([`validate_commitment`]). The end is checked first, without the engine: a cut-short or
/// padded output is fraud whatever its logits.
pub fn validate_delivery(src: &impl LogitsSource, d: &Delivery<'_>) -> Result<Verdict, PolError> {
    if let Some(p) = end_fraud(d.output, d.max_tokens, |t| src.ends(t)) {
        return Ok(Verdict::Fraud(p));
    }
    validate_commitment(src, d.prompt, d.output, d.sampling, d.commitment)
}

/// Where `output` breaks the end rule, if it does: a token after the first one that `ends`, more
/// than `max_tokens` tokens, or fewer without ending on one that `ends`.
pub fn end_fraud(
    output: &[u32],
    max_tokens: u32,
    ends: impl Fn(u32) -> bool,
) -> Option<FraudProof> {
    let n = output.len() as u64;
    let past = FraudProof {
        position: 0,
        fraud: Fraud::PastTheEnd { max_tokens },
    };
    if let Some(i) = output.iter().position(|&t| ends(t)) {
        if i + 1 < output.len() {
            return Some(FraudProof {
                position: i as u64 + 1,
                ..past
            });
        }
    }
    if n > u64::from(max_tokens) {
        return Some(FraudProof {
            position: u64::from(max_tokens),
            ..past
        });
    }
    let ended = output.last().is_some_and(|&t| ends(t));
    if n < u64::from(max_tokens) && !ended {
        return Some(FraudProof {
            position: n,
            fraud: Fraud::Truncated { max_tokens },
        });
    }
    None
}

/// Full validation of a commitment known from elsewhere (the auction's on-chain result, signed by
/// the miner's transaction): recompute every position of `output` after `prompt` with one
/// prefill, check each sampled token, and rebuild the root and chain hash.
pub fn validate_commitment(
    src: &impl LogitsSource,
    prompt: &[u32],
    output: &[u32],
    sampling: &SamplingParams,
    commitment: &Commitment,
) -> Result<Verdict, PolError> {
    if prompt.is_empty() {
        return Err(PolError::Param("empty prompt".into()));
    }
    let n = output.len();
    if n == 0 || commitment.len != n as u64 {
        return Ok(fraud(
            n as u64,
            Fraud::RootMismatch {
                expected: commitment.root,
            },
        ));
    }
    let mut seq = prompt.to_vec();
    seq.extend_from_slice(&output[..n - 1]);
    let first = prompt.len() - 1;
    let logits = src.logits(&seq, first)?;
    let vocab = src.vocab();
    let model_id = src.model_id();
    let mut leaves = Vec::with_capacity(n);
    for i in 0..n {
        let l = &logits[i * vocab..(i + 1) * vocab];
        if let Some(f) = check_sample(output[i], sampling, i as u64, l)? {
            return Ok(fraud(i as u64, f));
        }
        leaves.push(token_hash(&model_id, i as u64, output[i], l));
    }
    let rebuilt = Committed::from_leaves(leaves, output.to_vec())?;
    if rebuilt.commitment != *commitment {
        return Ok(fraud(
            n as u64,
            Fraud::RootMismatch {
                expected: rebuilt.commitment.root,
            },
        ));
    }
    Ok(Verdict::Valid {
        checked: (0..n as u64).collect(),
    })
}

/// The first position where a miner's work parts from the recomputation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Divergence {
    /// The miner's token hash differs from the verifier's: the hash of the output token with the
    /// recomputed logits.
    Leaf {
        /// Output position.
        position: u64,
        /// The verifier's token hash there.
        own_leaf: Hash,
    },
    /// The token hashes agree, but the output token is not what the seeded sampler picks.
    Sample {
        /// Output position.
        position: u64,
    },
}

/// Recomputes every position of `output` after `prompt` (one prefill) and compares each with the
/// miner's token hash `leaves[i]` and with the seeded sampler: the first position where they
/// part, if any. Anyone can settle a divergence by recomputing that one position.
pub fn first_divergence(
    src: &impl LogitsSource,
    prompt: &[u32],
    output: &[u32],
    sampling: &SamplingParams,
    leaves: &[Hash],
) -> Result<Option<Divergence>, PolError> {
    if prompt.is_empty() || output.is_empty() {
        return Err(PolError::Param("empty prompt or output".into()));
    }
    if leaves.len() != output.len() {
        return Err(PolError::Mismatch(format!(
            "{} token hashes for {} tokens",
            leaves.len(),
            output.len()
        )));
    }
    let n = output.len();
    let mut seq = prompt.to_vec();
    seq.extend_from_slice(&output[..n - 1]);
    let first = prompt.len() - 1;
    let logits = src.logits(&seq, first)?;
    let (vocab, model_id) = (src.vocab(), src.model_id());
    for (i, miner_leaf) in leaves.iter().enumerate() {
        let l = &logits[i * vocab..(i + 1) * vocab];
        let position = i as u64;
        let own_leaf = token_hash(&model_id, position, output[i], l);
        if own_leaf != *miner_leaf {
            return Ok(Some(Divergence::Leaf { position, own_leaf }));
        }
        if check_sample(output[i], sampling, position, l)?.is_some() {
            return Ok(Some(Divergence::Sample { position }));
        }
    }
    Ok(None)
}

fn fraud(position: u64, fraud: Fraud) -> Verdict {
    Verdict::Fraud(FraudProof { position, fraud })
}

/// Checks one position's recomputed logits: the committed hash (when given) and the sampled token.
fn check_position(
    model_id: &Hash,
    job: &Job<'_>,
    i: u64,
    logits: &[f32],
    committed: Option<Hash>,
) -> Result<Option<Fraud>, PolError> {
    let token = job.output[i as usize];
    if let Some(committed) = committed {
        let expected = token_hash(model_id, i, token, logits);
        if expected != committed {
            return Ok(Some(Fraud::LogitsMismatch {
                expected,
                committed,
            }));
        }
    }
    check_sample(token, &job.receipt.sampling, i, logits)
}

/// Whether `token` is what the seeded sampler picks from `logits` at position `i`.
fn check_sample(
    token: u32,
    sampling: &SamplingParams,
    i: u64,
    logits: &[f32],
) -> Result<Option<Fraud>, PolError> {
    let expected =
        sampler::sample(logits, sampling, i).map_err(|e| PolError::Engine(e.to_string()))?;
    if expected != token {
        return Ok(Some(Fraud::WrongSample {
            expected,
            output: token,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EOS: u32 = 2;
    const EOT: u32 = 3;

    fn at(output: &[u32], max_tokens: u32) -> Option<(u64, Fraud)> {
        end_fraud(output, max_tokens, |t| t == EOS || t == EOT).map(|p| (p.position, p.fraud))
    }

    #[test]
    fn an_output_ends_at_the_end_token_or_at_max_tokens_and_nowhere_else() {
        // Honest ends: the end token before the limit, the limit reached (with or without it).
        assert_eq!(at(&[5, 6, EOS], 8), None);
        assert_eq!(at(&[5, 6, 7], 3), None);
        assert_eq!(at(&[5, 6, EOS], 3), None);
        assert_eq!(at(&[EOS], 1), None);
        // Cut short: paid for 8, delivered 3 without ending.
        assert_eq!(
            at(&[5, 6, 7], 8),
            Some((3, Fraud::Truncated { max_tokens: 8 }))
        );
        // Padded past the end token (work credit is per token).
        assert_eq!(
            at(&[5, EOS, 7, 8], 8),
            Some((2, Fraud::PastTheEnd { max_tokens: 8 }))
        );
        assert_eq!(
            at(&[5, 6, 7, 8], 3),
            Some((3, Fraud::PastTheEnd { max_tokens: 3 }))
        );
        // Every end token ends it: an end-of-turn marker as well as EOS.
        assert_eq!(at(&[5, EOT], 8), None);
        assert_eq!(
            at(&[5, EOT, EOS], 8),
            Some((2, Fraud::PastTheEnd { max_tokens: 8 }))
        );
    }
}
