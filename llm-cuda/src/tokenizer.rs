//! The model's tokenizer, built from GGUF metadata with the Hugging Face `tokenizers` crate:
//! byte-level BPE with the model's pre-tokenizer (`gpt2` models: SmolLM2, Llama 3, Qwen), or
//! SentencePiece-style BPE with byte fallback (`llama` models: Gemma), and the special tokens.

use std::collections::HashMap;

use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::normalizers::replace::Replace;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::{AddedToken, DecoderWrapper, NormalizerWrapper, Tokenizer as HfTokenizer};

use crate::error::LlmError;
use crate::gguf::{Gguf, GgufError, Value};

/// GGUF token types (llama.cpp's `llama_token_type`).
const TOKEN_TYPE_NORMAL: u64 = 1;
const TOKEN_TYPE_CONTROL: u64 = 3;
const TOKEN_TYPE_USER_DEFINED: u64 = 4;

/// A tokenizer for one model.
pub struct Tokenizer {
    inner: HfTokenizer,
    /// Beginning-of-sequence token, if the model has one.
    pub bos: Option<u32>,
    /// End-of-sequence token.
    pub eos: u32,
    /// Every token that ends a generation (sorted; [`crate::eog`]): the EOS token, end-of-turn
    /// markers such as `<end_of_turn>`, and the others llama.cpp stops at.
    pub eog: Vec<u32>,
    /// Whether prompts start with the BOS token.
    pub add_bos: bool,
    /// Control tokens (never shown when decoding for humans).
    pub special: Vec<u32>,
    vocab_size: usize,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("vocab_size", &self.vocab_size)
            .field("bos", &self.bos)
            .field("eos", &self.eos)
            .field("eog", &self.eog)
            .finish()
    }
}

fn err(e: impl std::fmt::Display) -> LlmError {
    LlmError::Tokenizer(e.to_string())
}

/// GPT-2 byte-level BPE: the vocabulary, the merges, and the model's pre-tokenizer.
fn byte_level_bpe(g: &Gguf, vocab: HashMap<String, u32>) -> Result<HfTokenizer, LlmError> {
    let pre = match g.get_str("tokenizer.ggml.pre") {
        Ok(p) => p.to_string(),
        Err(GgufError::MissingKey(_)) => "default".to_string(),
        Err(e) => return Err(e.into()),
    };
    let merges: Vec<(String, String)> = g
        .get_str_array("tokenizer.ggml.merges")?
        .iter()
        .map(|m| match m.split_once(' ') {
            Some((a, b)) if !b.contains(' ') => Ok((a.to_string(), b.to_string())),
            _ => Err(err(format!("malformed merge {m:?}"))),
        })
        .collect::<Result<_, _>>()?;
    let bpe = BPE::builder()
        .vocab_and_merges(vocab.into_iter().collect::<Vocab>(), merges)
        .build()
        .map_err(err)?;
    let byte_level = ByteLevel::new(false, true, true);
    let pre_tokenizer: PreTokenizerWrapper = match pre.as_str() {
        // SmolLM / StarCoder: every digit is its own pre-token, then GPT-2's byte-level split.
        "smollm" | "starcoder" => {
            Sequence::new(vec![Digits::new(true).into(), byte_level.into()]).into()
        }
        "gpt2" | "default" => byte_level.into(),
        other => {
            return Err(err(format!(
                "unsupported pre-tokenizer {other:?} (supported: smollm, starcoder, gpt2, default)"
            )))
        }
    };
    let mut inner = HfTokenizer::new(bpe);
    inner.with_pre_tokenizer(Some(pre_tokenizer));
    inner.with_decoder(Some(DecoderWrapper::ByteLevel(ByteLevelDecoder::default())));
    Ok(inner)
}

/// The merges of a SentencePiece vocabulary, as llama.cpp's SPM tokenizer applies them: it joins
/// the adjacent pair whose concatenation is a normal token of the highest score. So every split
/// of a normal token into two tokens is a merge, ranked by the token's score (highest first).
fn sentencepiece_merges(
    tokens: &[&str],
    types: &[u64],
    scores: &[f32],
    vocab: &HashMap<String, u32>,
) -> Vec<(String, String)> {
    let mut ranked: Vec<(f32, u32, usize)> = Vec::new();
    for (id, t) in tokens.iter().enumerate() {
        if types[id] != TOKEN_TYPE_NORMAL {
            continue;
        }
        for (i, _) in t.char_indices().skip(1) {
            if vocab.contains_key(&t[..i]) && vocab.contains_key(&t[i..]) {
                ranked.push((scores[id], id as u32, i));
            }
        }
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    ranked
        .into_iter()
        .map(|(_, id, i)| {
            let t = tokens[id as usize];
            (t[..i].to_string(), t[i..].to_string())
        })
        .collect()
}

/// SentencePiece-style BPE (`llama` tokenizer model, e.g. Gemma): spaces become `▁`, merges by
/// score, and bytes without a token fall back to the `<0xXX>` byte tokens.
fn sentencepiece_bpe(
    g: &Gguf,
    tokens: &[&str],
    types: &[u64],
    vocab: HashMap<String, u32>,
) -> Result<HfTokenizer, LlmError> {
    let scores: Vec<f32> = g
        .get_array("tokenizer.ggml.scores")?
        .iter()
        .map(|v| v.as_f64().map(|x| x as f32))
        .collect::<Option<_>>()
        .ok_or_else(|| err("tokenizer.ggml.scores holds a value that is not a number"))?;
    if scores.len() != tokens.len() {
        return Err(err(format!(
            "{} token scores for {} tokens",
            scores.len(),
            tokens.len()
        )));
    }
    if matches!(
        g.get("tokenizer.ggml.add_space_prefix"),
        Ok(Value::Bool(true))
    ) {
        return Err(err(
            "SentencePiece tokenizers that prepend a space are not supported yet",
        ));
    }
    let merges = sentencepiece_merges(tokens, types, &scores, &vocab);
    let mut builder = BPE::builder()
        .vocab_and_merges(vocab.into_iter().collect::<Vocab>(), merges)
        .byte_fallback(true)
        .fuse_unk(true);
    if let Ok(Value::U32(unk)) = g.get("tokenizer.ggml.unknown_token_id") {
        if let Some(t) = tokens.get(*unk as usize) {
            builder = builder.unk_token(t.to_string());
        }
    }
    let bpe = builder.build().map_err(err)?;
    let mut inner = HfTokenizer::new(bpe);
    inner.with_normalizer(Some(NormalizerWrapper::Replace(
        Replace::new(" ", "\u{2581}").map_err(err)?,
    )));
    inner.with_decoder(Some(DecoderWrapper::Sequence(DecoderSequence::new(vec![
        DecoderWrapper::Replace(Replace::new("\u{2581}", " ").map_err(err)?),
        DecoderWrapper::ByteFallback(ByteFallback::new()),
        DecoderWrapper::Fuse(Fuse::new()),
    ]))));
    Ok(inner)
}

impl Tokenizer {
    /// Builds the tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata.
    pub fn from_gguf(g: &Gguf) -> Result<Self, LlmError> {
        let model = g.get_str("tokenizer.ggml.model")?;
        let tokens = g.get_str_array("tokenizer.ggml.tokens")?;
        let types: Vec<u64> = match g.get_array("tokenizer.ggml.token_type") {
            Ok(a) => a.iter().map(|v| v.as_u64().unwrap_or(1)).collect(),
            Err(GgufError::MissingKey(_)) => vec![1; tokens.len()],
            Err(e) => return Err(e.into()),
        };
        if types.len() != tokens.len() {
            return Err(err(format!(
                "{} token types for {} tokens",
                types.len(),
                tokens.len()
            )));
        }
        let mut vocab = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if vocab.insert(t.to_string(), i as u32).is_some() {
                return Err(err(format!("duplicate token {t:?} (id {i})")));
            }
        }
        let mut inner = match model {
            "gpt2" => byte_level_bpe(g, vocab)?,
            "llama" => sentencepiece_bpe(g, &tokens, &types, vocab)?,
            other => {
                return Err(err(format!(
                    "unsupported tokenizer model {other:?} (supported: gpt2 byte-level BPE, \
                     llama SentencePiece BPE)"
                )))
            }
        };
        let mut special = Vec::new();
        let mut added = Vec::new();
        for (i, (&t, &ty)) in tokens.iter().zip(&types).enumerate() {
            if ty == TOKEN_TYPE_CONTROL || ty == TOKEN_TYPE_USER_DEFINED {
                added.push(AddedToken::from(t.to_string(), true));
                if ty == TOKEN_TYPE_CONTROL {
                    special.push(i as u32);
                }
            }
        }
        inner.add_special_tokens(&added);

        let id = |key: &str| -> Result<Option<u32>, LlmError> {
            match g.get(key) {
                Ok(v) => match v.as_u64() {
                    Some(x) if (x as usize) < tokens.len() => Ok(Some(x as u32)),
                    _ => Err(err(format!("{key} = {v:?} is not a token id"))),
                },
                Err(GgufError::MissingKey(_)) => Ok(None),
                Err(e) => Err(e.into()),
            }
        };
        let bos = id("tokenizer.ggml.bos_token_id")?;
        let eos = id("tokenizer.ggml.eos_token_id")?
            .ok_or_else(|| err("the model names no end-of-sequence token"))?;
        let add_bos = match g.get("tokenizer.ggml.add_bos_token") {
            Ok(Value::Bool(b)) => *b,
            _ => false,
        };
        let eog = crate::eog::end_of_generation(&tokens, eos, id)?;
        Ok(Tokenizer {
            inner,
            bos,
            eos,
            eog,
            add_bos: add_bos && bos.is_some(),
            special,
            vocab_size: tokens.len(),
        })
    }

    /// Whether `token` ends a generation.
    pub fn is_eog(&self, token: u32) -> bool {
        self.eog.binary_search(&token).is_ok()
    }

    /// Vocabulary size.
    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    /// Encodes text; special-token text such as `<|im_start|>` becomes the special token. Adds BOS
    /// when the model asks for it.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, LlmError> {
        let enc = self.inner.encode_fast(text, false).map_err(err)?;
        let mut ids = Vec::with_capacity(enc.len() + 1);
        if self.add_bos {
            ids.extend(self.bos);
        }
        ids.extend_from_slice(enc.get_ids());
        Ok(ids)
    }

    /// Decodes tokens to text; special tokens are kept unless `skip_special`.
    pub fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String, LlmError> {
        if let Some(&bad) = ids.iter().find(|&&i| i as usize >= self.vocab_size) {
            return Err(err(format!("token id {bad} is outside the vocabulary")));
        }
        self.inner.decode(ids, skip_special).map_err(err)
    }

    /// The text of one token as stored in the vocabulary (byte-level form).
    pub fn token_text(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// A decoder that turns a token stream into text pieces, holding back incomplete UTF-8.
    pub fn stream(&self, skip_special: bool) -> TextStream<'_> {
        TextStream {
            tok: self,
            ids: Vec::new(),
            emitted: 0,
            skip_special,
        }
    }
}

/// Incremental detokenizer: feed tokens, get the new text they complete.
pub struct TextStream<'a> {
    tok: &'a Tokenizer,
    ids: Vec<u32>,
    emitted: usize,
    skip_special: bool,
}

impl TextStream<'_> {
    /// Adds a token; returns the text it completes (possibly empty while a UTF-8 character is split
    /// across tokens).
    pub fn push(&mut self, id: u32) -> Result<String, LlmError> {
        self.ids.push(id);
        let text = self.tok.decode(&self.ids, self.skip_special)?;
        if text.ends_with('\u{fffd}') {
            return Ok(String::new());
        }
        let new = text.get(self.emitted..).unwrap_or_default().to_string();
        self.emitted = text.len();
        Ok(new)
    }
}
