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
    let mut h = blake3::Hasher::new();
    h.update(b"ambient-pol/tokens/v1");
    h.update(&(tokens.len() as u64).to_le_bytes());
    for t in tokens {
        h.update(&t.to_le_bytes());
    }
    *h.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

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
