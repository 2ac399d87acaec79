//! PoL commitments: the Merkle root over the token hashes plus the chain hash
//! `blake3("ambient-pol/chain/v1" ‖ h_0 ‖ … ‖ h_{n-1})`, built while the miner generates.

use crate::error::{malformed, PolError};
use crate::hash::{token_hash, Hash};
use crate::merkle::{decode_proof, encode_proof, verify, MerkleTree};

/// What a miner commits to for one output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commitment {
    /// Merkle root over the token hashes.
    pub root: Hash,
    /// Chain hash over the token hashes in order.
    pub chain: Hash,
    /// Number of tokens.
    pub len: u64,
}

/// The streaming hook: feed it each generated token with its logits; PoL then costs no second pass.
#[derive(Clone, Debug)]
pub struct Recorder {
    model_id: Hash,
    leaves: Vec<Hash>,
    tokens: Vec<u32>,
    chain: blake3::Hasher,
}

impl Recorder {
    /// A recorder for outputs of the model `model_id`.
    pub fn new(model_id: Hash) -> Self {
        let mut chain = blake3::Hasher::new();
        chain.update(b"ambient-pol/chain/v1");
        Recorder {
            model_id,
            leaves: Vec::new(),
            tokens: Vec::new(),
            chain,
        }
    }

    /// Records output position `index` (must be the next one); returns its token hash.
    pub fn record(&mut self, index: u64, token: u32, logits: &[f32]) -> Result<Hash, PolError> {
        if index != self.leaves.len() as u64 {
            return Err(PolError::Param(format!(
                "recorded position {index}, expected {}",
                self.leaves.len()
            )));
        }
        let h = token_hash(&self.model_id, index, token, logits);
        self.chain.update(&h);
        self.leaves.push(h);
        self.tokens.push(token);
        Ok(h)
    }

    /// Tokens recorded so far.
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// Finishes: the commitment and the data to open any position.
    pub fn finish(self) -> Result<Committed, PolError> {
        let len = self.leaves.len() as u64;
        let tree = MerkleTree::new(self.leaves)?;
        Ok(Committed {
            commitment: Commitment {
                root: tree.root(),
                chain: *self.chain.finalize().as_bytes(),
                len,
            },
            tree,
            tokens: self.tokens,
        })
    }
}

/// A finished output with everything needed to answer challenges.
#[derive(Clone, Debug)]
pub struct Committed {
    /// The commitment.
    pub commitment: Commitment,
    /// The tree (to open positions).
    pub tree: MerkleTree,
    /// The output tokens.
    pub tokens: Vec<u32>,
}

impl Committed {
    /// Builds a commitment from token hashes computed elsewhere (e.g. by a full prefill).
    pub fn from_leaves(leaves: Vec<Hash>, tokens: Vec<u32>) -> Result<Self, PolError> {
        if leaves.len() != tokens.len() {
            return Err(PolError::Param(format!(
                "{} hashes for {} tokens",
                leaves.len(),
                tokens.len()
            )));
        }
        let mut chain = blake3::Hasher::new();
        chain.update(b"ambient-pol/chain/v1");
        for h in &leaves {
            chain.update(h);
        }
        let len = leaves.len() as u64;
        let tree = MerkleTree::new(leaves)?;
        Ok(Committed {
            commitment: Commitment {
                root: tree.root(),
                chain: *chain.finalize().as_bytes(),
                len,
            },
            tree,
            tokens,
        })
    }

    /// The opening (progress marker) of position `i`.
    pub fn open(&self, i: u64) -> Result<Opening, PolError> {
        let token = usize::try_from(i)
            .ok()
            .and_then(|k| self.tokens.get(k).copied())
            .ok_or(PolError::OutOfRange {
                position: i,
                len: self.commitment.len,
            })?;
        Ok(Opening {
            index: i,
            token,
            leaf: self.tree.leaf(i).ok_or(PolError::OutOfRange {
                position: i,
                len: self.commitment.len,
            })?,
            proof: self.tree.proof(i)?,
        })
    }
}

/// One position opened against a commitment: the token, its claimed hash and the Merkle path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    /// Output position.
    pub index: u64,
    /// Token at the position.
    pub token: u32,
    /// The claimed token hash.
    pub leaf: Hash,
    /// Merkle siblings.
    pub proof: Vec<Hash>,
}

impl Opening {
    /// Whether the claimed hash is leaf `index` of the commitment.
    pub fn verifies(&self, c: &Commitment) -> bool {
        verify(&c.root, c.len, self.index, &self.leaf, &self.proof)
    }

    /// Encodes: version 1, index u64, token u32, leaf, proof.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![1u8];
        out.extend_from_slice(&self.index.to_le_bytes());
        out.extend_from_slice(&self.token.to_le_bytes());
        out.extend_from_slice(&self.leaf);
        out.extend(encode_proof(&self.proof));
        out
    }

    /// Decodes [`Opening::encode`]'s bytes, rejecting anything else.
    pub fn decode(b: &[u8]) -> Result<Self, PolError> {
        const HEAD: usize = 1 + 8 + 4 + 32;
        if b.len() < HEAD + 1 {
            return Err(malformed(
                "opening",
                format!("{} bytes is too short", b.len()),
            ));
        }
        if b[0] != 1 {
            return Err(malformed("opening", format!("unknown version {}", b[0])));
        }
        let index = u64::from_le_bytes(b[1..9].try_into().expect("8 bytes"));
        let token = u32::from_le_bytes(b[9..13].try_into().expect("4 bytes"));
        let leaf: Hash = b[13..45].try_into().expect("32 bytes");
        let (proof, used) = decode_proof(&b[HEAD..])?;
        if HEAD + used != b.len() {
            return Err(malformed(
                "opening",
                format!("{} trailing bytes", b.len() - HEAD - used),
            ));
        }
        Ok(Opening {
            index,
            token,
            leaf,
            proof,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn committed(n: usize) -> Committed {
        let mut r = Recorder::new([3; 32]);
        for i in 0..n {
            r.record(i as u64, i as u32 * 7, &[i as f32, 1.0, -1.0])
                .unwrap();
        }
        r.finish().unwrap()
    }

    #[test]
    fn streaming_equals_batch() {
        let c = committed(37);
        let leaves: Vec<Hash> = (0..37).map(|i| c.tree.leaf(i).unwrap()).collect();
        let again = Committed::from_leaves(leaves, c.tokens.clone()).unwrap();
        assert_eq!(again.commitment, c.commitment);
        let mut r = Recorder::new([3; 32]);
        assert!(r.record(1, 0, &[]).is_err());
        assert_eq!(
            Recorder::new([0; 32]).finish().unwrap_err(),
            PolError::Empty
        );
    }

    #[test]
    fn opening_past_the_end_is_an_error() {
        let c = committed(5);
        for i in [5, 6, u64::MAX] {
            assert!(
                matches!(c.open(i), Err(PolError::OutOfRange { position, len: 5 }) if position == i)
            );
        }
    }

    proptest! {
        #[test]
        fn openings_round_trip_and_verify(n in 1usize..80, pick in 0usize..80) {
            let c = committed(n);
            let o = c.open((pick % n) as u64).unwrap();
            prop_assert!(o.verifies(&c.commitment));
            let d = Opening::decode(&o.encode()).unwrap();
            prop_assert_eq!(&d, &o);
            let mut forged = o.clone();
            forged.leaf[5] ^= 1;
            prop_assert!(!forged.verifies(&c.commitment));
        }

        #[test]
        fn decoding_random_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Opening::decode(&b);
        }
    }
}
