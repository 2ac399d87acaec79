//! Token hashes: `h_i = blake3(domain ‖ model_id ‖ i ‖ token_i ‖ logits_i)`.

/// A 32-byte blake3 digest.
pub type Hash = [u8; 32];

/// Domain tag of token hashes.
pub const TOKEN_DOMAIN: &[u8] = b"ambient-pol/token/v1";

/// The token hash of output position `index` (0-based): the domain, the model id, the position
/// (u64 LE), the token (u32 LE) and every logit's f32 bits (LE), in that order.
pub fn token_hash(model_id: &Hash, index: u64, token: u32, logits: &[f32]) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(TOKEN_DOMAIN);
    h.update(model_id);
    h.update(&index.to_le_bytes());
    h.update(&token.to_le_bytes());
    // The logits' bytes in little-endian order; on little-endian machines that is the memory image.
    #[cfg(target_endian = "little")]
    {
        // SAFETY: f32 has no padding or invalid bit patterns; the slice covers exactly the logits.
        let bytes =
            unsafe { std::slice::from_raw_parts(logits.as_ptr() as *const u8, logits.len() * 4) };
        h.update(bytes);
    }
    #[cfg(not(target_endian = "little"))]
    for l in logits {
        h.update(&l.to_le_bytes());
    }
    *h.finalize().as_bytes()
}

/// blake3 of a token sequence (u32 LE each): the prompt and output hashes of a receipt.
pub fn tokens_hash(tokens: &[u32]) -> Hash {
    *blake3::hash(&tokens_blob(tokens)).as_bytes()
}

const TOKENS_DOMAIN: &[u8] = b"ambient-pol/tokens/v1";
const LEAVES_DOMAIN: &[u8] = b"ambient-pol/leaves/v1";

/// A blob of `n` items of `width` bytes each (`items`): `domain` ‖ `n` (u64) ‖ the items.
fn framed(domain: &[u8], n: usize, width: usize, items: impl Iterator<Item = u8>) -> Vec<u8> {
    let mut v = Vec::with_capacity(domain.len() + 8 + width * n);
    v.extend_from_slice(domain);
    v.extend_from_slice(&(n as u64).to_le_bytes());
    v.extend(items);
    v
}

/// The items of a [`framed`] blob of `domain`, each `width` bytes; anything else is a clear
/// error naming `what`.
fn unframed<'a>(
    b: &'a [u8],
    domain: &[u8],
    width: usize,
    what: &str,
) -> Result<std::slice::ChunksExact<'a, u8>, crate::PolError> {
    let bad = |why: &str| crate::PolError::Mismatch(format!("not a {what} blob: {why}"));
    let rest = b.strip_prefix(domain).ok_or_else(|| bad("wrong header"))?;
    if rest.len() < 8 {
        return Err(bad("truncated"));
    }
    let n = u64::from_le_bytes(rest[..8].try_into().expect("8 bytes"));
    let body = &rest[8..];
    if body.len() % width != 0 || (body.len() / width) as u64 != n {
        return Err(bad("length does not match the count"));
    }
    Ok(body.chunks_exact(width))
}

/// The bytes [`tokens_hash`] hashes: the form prompts and outputs take in the blob store, so a
/// blob's id (blake3 of its bytes) *is* the tokens hash recorded on chain.
pub fn tokens_blob(tokens: &[u32]) -> Vec<u8> {
    let bytes = tokens.iter().flat_map(|t| t.to_le_bytes());
    framed(TOKENS_DOMAIN, tokens.len(), 4, bytes)
}

/// Parses a [`tokens_blob`]; anything else is a clear error.
pub fn tokens_from_blob(b: &[u8]) -> Result<Vec<u32>, crate::PolError> {
    Ok(unframed(b, TOKENS_DOMAIN, 4, "tokens")?
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect())
}

/// The bytes of a miner's token hashes (its Merkle leaves, in order), as it stores them in the
/// blob store beside the output: a verifier takes the miner's opening of a divergent position
/// from them. The blob id (blake3 of these bytes) goes on chain with the result.
pub fn leaves_blob(leaves: &[Hash]) -> Vec<u8> {
    framed(
        LEAVES_DOMAIN,
        leaves.len(),
        32,
        leaves.iter().flatten().copied(),
    )
}

/// Parses a [`leaves_blob`]; anything else is a clear error.
pub fn leaves_from_blob(b: &[u8]) -> Result<Vec<Hash>, crate::PolError> {
    Ok(unframed(b, LEAVES_DOMAIN, 32, "token-hashes")?
        .map(|c| c.try_into().expect("32 bytes"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn tokens_blobs_round_trip_and_hash_to_the_tokens_hash(t in proptest::collection::vec(any::<u32>(), 0..64)) {
            let b = tokens_blob(&t);
            prop_assert_eq!(*blake3::hash(&b).as_bytes(), tokens_hash(&t));
            prop_assert_eq!(tokens_from_blob(&b).unwrap(), t);
        }

        #[test]
        fn leaves_blobs_round_trip(n in 0usize..20, seed in any::<u8>()) {
            let leaves: Vec<Hash> = (0..n).map(|i| [seed.wrapping_add(i as u8); 32]).collect();
            let b = leaves_blob(&leaves);
            prop_assert_eq!(leaves_from_blob(&b).unwrap(), leaves);
            prop_assert!(leaves_from_blob(&b[..b.len() - 1]).is_err());
            prop_assert!(leaves_from_blob(&tokens_blob(&[1, 2, 3])).is_err());
        }

        #[test]
        fn anything_else_is_refused_without_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(t) = tokens_from_blob(&b) {
                prop_assert_eq!(tokens_blob(&t), b);
            }
        }
    }

    #[test]
    fn a_truncated_blob_is_refused() {
        let b = tokens_blob(&[1, 2, 3]);
        assert!(tokens_from_blob(&b[..b.len() - 1]).is_err());
        assert!(tokens_from_blob(&b[1..]).is_err());
    }

    #[test]
    fn every_field_matters() {
        let id = [7u8; 32];
        let l = [1.0f32, -2.5, 0.0];
        let base = token_hash(&id, 3, 9, &l);
        assert_eq!(base, token_hash(&id, 3, 9, &l));
        assert_ne!(base, token_hash(&[8u8; 32], 3, 9, &l));
        assert_ne!(base, token_hash(&id, 4, 9, &l));
        assert_ne!(base, token_hash(&id, 3, 10, &l));
        assert_ne!(base, token_hash(&id, 3, 9, &[1.0, -2.5, -0.0]));
        let one_ulp = f32::from_bits(1.0f32.to_bits() + 1);
        assert_ne!(base, token_hash(&id, 3, 9, &[one_ulp, -2.5, 0.0]));
        assert_ne!(tokens_hash(&[1, 2]), tokens_hash(&[2, 1]));
        assert_ne!(tokens_hash(&[]), tokens_hash(&[0]));
    }
}
