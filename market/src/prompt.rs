//! Whether a request's prompt can be served: the one check the miner makes before bidding and
//! before serving, and the verifier makes when a winner declines a job.

use ambient_llm::Engine;
use ambient_pol::hash::tokens_hash;
use ambient_sdk::auction::state::Request;

/// Why `prompt` cannot be served for `r` by `engine`, or `None` when it can: it must match the
/// request's prompt hash and the prompt length it names, not be empty, keep every token in the
/// vocabulary, and leave room for `max_tokens` in the context.
pub fn problem(engine: &Engine, r: &Request, prompt: &[u32]) -> Option<String> {
    let vocab = engine.tokenizer().vocab_size();
    let context = engine.max_context();
    if prompt.is_empty() || tokens_hash(prompt) != r.prompt_hash {
        return Some("the prompt does not match its hash".into());
    }
    if prompt.len() != r.prompt_tokens as usize {
        return Some(format!(
            "the request names {} prompt tokens; its prompt has {}",
            r.prompt_tokens,
            prompt.len()
        ));
    }
    if let Some(t) = prompt.iter().find(|&&t| t as usize >= vocab) {
        return Some(format!(
            "prompt token {t} is outside the vocabulary ({vocab})"
        ));
    }
    if prompt.len() + r.max_tokens as usize > context {
        return Some(format!(
            "{} prompt tokens and {} to generate exceed the context ({context})",
            prompt.len(),
            r.max_tokens
        ));
    }
    None
}
