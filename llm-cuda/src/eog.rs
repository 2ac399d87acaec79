//! The tokens that end a generation, found as llama.cpp 0.3.36 finds them (`llama-vocab.cpp`):
//! the end-of-sequence token, the end-of-turn and end-of-message tokens the file names, the
//! fill-in-the-middle pad/repo/separator tokens (named, or found by their text), and every token
//! whose text is one of the known end markers (`<|im_end|>`, `<end_of_turn>`, `<|eot_id|>`, …).
//! The set is part of the canonical rules: a miner stops at the first of these tokens and a
//! verifier rejects output that goes past one.

/// Texts of tokens that end a generation wherever they appear in a vocabulary.
const END_TEXTS: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<|flush|>",
    "<|calls|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "[EOS]",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<eos>",
    "<turn|>",
    "<|tool_response>",
    "<｜end▁of▁sentence｜>",
    "[e~[",
];

/// Fill-in-the-middle tokens that end a generation: the metadata key naming each, and the texts
/// it is found by when the key is absent (the first in vocabulary order).
const FIM_ENDS: &[(&str, &[&str])] = &[
    (
        "tokenizer.ggml.fim_pad_token_id",
        &["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
    ),
    (
        "tokenizer.ggml.fim_rep_token_id",
        &[
            "<|fim_repo|>",
            "<|repo_name|>",
            "<fim-repo>",
            "<REPO>",
            "<reponame>",
        ],
    ),
    ("tokenizer.ggml.fim_sep_token_id", &["<|file_sep|>"]),
];

/// Metadata keys of other end tokens.
const END_KEYS: &[&str] = &["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"];

/// The end-of-generation tokens of a vocabulary (sorted), given its token texts, its EOS token
/// and a lookup of token-id metadata keys.
pub(crate) fn end_of_generation<E>(
    tokens: &[&str],
    eos: u32,
    id: impl Fn(&str) -> Result<Option<u32>, E>,
) -> Result<Vec<u32>, E> {
    let find = |texts: &[&str]| tokens.iter().position(|t| texts.contains(t));
    let mut eog = vec![eos];
    for key in END_KEYS {
        eog.extend(id(key)?);
    }
    for (key, texts) in FIM_ENDS {
        match id(key)? {
            Some(t) => eog.push(t),
            None => eog.extend(find(texts).map(|i| i as u32)),
        }
    }
    eog.extend(
        (0..tokens.len())
            .filter(|&i| END_TEXTS.contains(&tokens[i]))
            .map(|i| i as u32),
    );
    // o200k_harmony (gpt-oss) and solar-open end a message with `<|end|>` but not a generation.
    let has = |t: &str| tokens.contains(&t);
    if (has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>")) {
        if let Some(end) = find(&["<|end|>"]) {
            eog.retain(|&t| t as usize != end);
        }
    }
    eog.sort_unstable();
    eog.dedup();
    Ok(eog)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eog(tokens: &[&str], eos: u32, meta: &[(&str, u32)]) -> Vec<u32> {
        let id = |k: &str| Ok::<_, ()>(meta.iter().find(|(m, _)| *m == k).map(|(_, v)| *v));
        end_of_generation(tokens, eos, id).unwrap()
    }

    #[test]
    fn end_markers_fim_tokens_and_named_ids_end_a_generation() {
        let tokens = [
            "<|endoftext|>",
            "<|im_start|>",
            "<|im_end|>",
            "hi",
            "<reponame>",
            "<PAD>",
        ];
        assert_eq!(eog(&tokens, 2, &[]), vec![0, 2, 4, 5]);
        // A named id wins over the text search; eot/eom ids are added as named.
        let meta = [
            ("tokenizer.ggml.fim_pad_token_id", 3),
            ("tokenizer.ggml.eot_token_id", 1),
        ];
        assert_eq!(eog(&tokens, 2, &meta), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn harmony_vocabularies_keep_generating_after_end() {
        let tokens = ["<|end|>", "<|return|>", "<|call|>", "x"];
        assert_eq!(eog(&tokens, 3, &[]), vec![1, 2, 3]);
        assert_eq!(eog(&["<|end|>", "x"], 1, &[]), vec![0, 1]);
    }
}
