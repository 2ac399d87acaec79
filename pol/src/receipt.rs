//! The PoL receipt: a compact, versioned, signed statement of one served inference.
//!
//! Layout v1 (281 bytes, little-endian): version `1` · miner public key (32) · model id (32) ·
//! prompt hash (32) · output hash (32) · temperature f32 · top-k u32 · top-p f32 · seed u64 ·
//! token count u32 · Merkle root (32) · chain hash (32) · ed25519 signature (64) by the miner over
//! `"ambient-pol/receipt/v1" ‖ the 217 bytes before it`.

use ambient_llm::SamplingParams;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use crate::commit::Commitment;
use crate::error::{malformed, PolError};
use crate::hash::Hash;

/// Receipt format version.
pub const RECEIPT_VERSION: u8 = 1;
/// Encoded size of a v1 receipt.
pub const RECEIPT_LEN: usize = 281;
const BODY_LEN: usize = RECEIPT_LEN - 64;
const SIGN_DOMAIN: &[u8] = b"ambient-pol/receipt/v1";

/// A signed receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    /// The miner's ed25519 public key (its identity).
    pub miner: [u8; 32],
    /// The model id.
    pub model_id: Hash,
    /// Hash of the prompt tokens ([`crate::hash::tokens_hash`]).
    pub prompt_hash: Hash,
    /// Hash of the output tokens.
    pub output_hash: Hash,
    /// Sampler settings, seed included.
    pub sampling: SamplingParams,
    /// Output length.
    pub token_count: u32,
    /// Merkle root over the token hashes.
    pub root: Hash,
    /// Chain hash over the token hashes.
    pub chain: Hash,
    /// The miner's signature.
    pub signature: [u8; 64],
}

/// The unsigned fields of a receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptBody {
    /// The model id.
    pub model_id: Hash,
    /// Hash of the prompt tokens.
    pub prompt_hash: Hash,
    /// Hash of the output tokens.
    pub output_hash: Hash,
    /// Sampler settings.
    pub sampling: SamplingParams,
    /// The commitment.
    pub commitment: Commitment,
}

impl Receipt {
    /// Signs a receipt body with the miner's key.
    pub fn sign(body: &ReceiptBody, key: &SigningKey) -> Result<Self, PolError> {
        body.sampling
            .validate()
            .map_err(|e| PolError::Param(e.to_string()))?;
        let token_count = u32::try_from(body.commitment.len)
            .map_err(|_| PolError::Param("more than 2^32 tokens".into()))?;
        if token_count == 0 {
            return Err(PolError::Empty);
        }
        let mut r = Receipt {
            miner: key.verifying_key().to_bytes(),
            model_id: body.model_id,
            prompt_hash: body.prompt_hash,
            output_hash: body.output_hash,
            sampling: body.sampling,
            token_count,
            root: body.commitment.root,
            chain: body.commitment.chain,
            signature: [0; 64],
        };
        r.signature = key.sign(&r.message()).to_bytes();
        Ok(r)
    }

    fn body_bytes(&self) -> [u8; BODY_LEN] {
        let mut b = [0u8; BODY_LEN];
        let mut w = Writer { b: &mut b, at: 0 };
        w.put(&[RECEIPT_VERSION]);
        w.put(&self.miner);
        w.put(&self.model_id);
        w.put(&self.prompt_hash);
        w.put(&self.output_hash);
        w.put(&self.sampling.temperature.to_le_bytes());
        w.put(&self.sampling.top_k.to_le_bytes());
        w.put(&self.sampling.top_p.to_le_bytes());
        w.put(&self.sampling.seed.to_le_bytes());
        w.put(&self.token_count.to_le_bytes());
        w.put(&self.root);
        w.put(&self.chain);
        debug_assert_eq!(w.at, BODY_LEN);
        b
    }

    fn message(&self) -> Vec<u8> {
        let mut m = SIGN_DOMAIN.to_vec();
        m.extend_from_slice(&self.body_bytes());
        m
    }

    /// The commitment the receipt states.
    pub fn commitment(&self) -> Commitment {
        Commitment {
            root: self.root,
            chain: self.chain,
            len: self.token_count as u64,
        }
    }

    /// Receipt id: blake3 of the encoded receipt.
    pub fn id(&self) -> Hash {
        *blake3::hash(&self.encode()).as_bytes()
    }

    /// Encodes to the v1 layout.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.body_bytes().to_vec();
        out.extend_from_slice(&self.signature);
        out
    }

    /// Decodes the v1 layout; every malformed input is an error (the signature is checked by
    /// [`Receipt::verify_signature`]).
    pub fn decode(b: &[u8]) -> Result<Self, PolError> {
        if b.len() != RECEIPT_LEN {
            return Err(malformed(
                "receipt",
                format!("{} bytes, a v1 receipt has {RECEIPT_LEN}", b.len()),
            ));
        }
        if b[0] != RECEIPT_VERSION {
            return Err(malformed("receipt", format!("unknown version {}", b[0])));
        }
        let mut r = Reader { b, at: 1 };
        let miner = r.arr::<32>();
        let model_id = r.arr::<32>();
        let prompt_hash = r.arr::<32>();
        let output_hash = r.arr::<32>();
        let sampling = SamplingParams {
            temperature: f32::from_le_bytes(r.arr()),
            top_k: u32::from_le_bytes(r.arr()),
            top_p: f32::from_le_bytes(r.arr()),
            seed: u64::from_le_bytes(r.arr()),
        };
        let token_count = u32::from_le_bytes(r.arr());
        let root = r.arr::<32>();
        let chain = r.arr::<32>();
        let signature = r.arr::<64>();
        sampling
            .validate()
            .map_err(|e| malformed("receipt", e.to_string()))?;
        if token_count == 0 {
            return Err(malformed("receipt", "token count is zero"));
        }
        VerifyingKey::from_bytes(&miner)
            .map_err(|_| malformed("receipt", "miner key is not a valid ed25519 point"))?;
        Ok(Receipt {
            miner,
            model_id,
            prompt_hash,
            output_hash,
            sampling,
            token_count,
            root,
            chain,
            signature,
        })
    }

    /// Checks the miner's signature.
    pub fn verify_signature(&self) -> Result<(), PolError> {
        let key =
            VerifyingKey::from_bytes(&self.miner).map_err(|_| PolError::BadSignature("receipt"))?;
        key.verify(&self.message(), &Signature::from_bytes(&self.signature))
            .map_err(|_| PolError::BadSignature("receipt"))
    }
}

struct Writer<'a> {
    b: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, x: &[u8]) {
        self.b[self.at..self.at + x.len()].copy_from_slice(x);
        self.at += x.len();
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// Reads N bytes; callers checked the total length first.
    fn arr<const N: usize>(&mut self) -> [u8; N] {
        let a = self.b[self.at..self.at + N]
            .try_into()
            .expect("length checked");
        self.at += N;
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn body(n: u64, seed: u64) -> ReceiptBody {
        ReceiptBody {
            model_id: [1; 32],
            prompt_hash: [2; 32],
            output_hash: [3; 32],
            sampling: SamplingParams {
                temperature: 0.7,
                top_k: 40,
                top_p: 0.9,
                seed,
            },
            commitment: Commitment {
                root: [4; 32],
                chain: [5; 32],
                len: n,
            },
        }
    }

    proptest! {
        #[test]
        fn round_trip_and_signature(n in 1u64..100_000, seed in any::<u64>(), k in 1u8..255) {
            let r = Receipt::sign(&body(n, seed), &key(k)).unwrap();
            let bytes = r.encode();
            prop_assert_eq!(bytes.len(), RECEIPT_LEN);
            let d = Receipt::decode(&bytes).unwrap();
            prop_assert_eq!(&d, &r);
            prop_assert!(d.verify_signature().is_ok());
            prop_assert_eq!(d.commitment().len, n);
        }

        #[test]
        fn any_flipped_bit_breaks_the_signature_or_decoding(pos in 0usize..RECEIPT_LEN, bit in 0u8..8) {
            let r = Receipt::sign(&body(10, 1), &key(9)).unwrap();
            let mut b = r.encode();
            b[pos] ^= 1 << bit;
            match Receipt::decode(&b) {
                Err(_) => {}
                Ok(d) => prop_assert!(d.verify_signature().is_err()),
            }
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(r) = Receipt::decode(&b) {
                let _ = r.verify_signature();
            }
        }
    }

    #[test]
    fn malformed_inputs_are_named() {
        let r = Receipt::sign(&body(10, 1), &key(9)).unwrap();
        let b = r.encode();
        assert!(matches!(
            Receipt::decode(&b[..280]),
            Err(PolError::Malformed { .. })
        ));
        let mut v = b.clone();
        v[0] = 2;
        assert!(Receipt::decode(&v)
            .unwrap_err()
            .to_string()
            .contains("unknown version 2"));
        let mut z = b.clone();
        z[1 + 128 + 20..1 + 128 + 24].copy_from_slice(&0u32.to_le_bytes());
        assert!(Receipt::decode(&z)
            .unwrap_err()
            .to_string()
            .contains("token count is zero"));
        let mut t = b;
        t[129..133].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Receipt::decode(&t)
            .unwrap_err()
            .to_string()
            .contains("temperature"));
        assert_eq!(
            Receipt::sign(&body(0, 1), &key(1)).unwrap_err(),
            PolError::Empty
        );
    }
}
