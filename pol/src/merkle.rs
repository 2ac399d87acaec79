//! A Merkle tree over token hashes, with log-size openings.
//!
//! Internal nodes are `blake3(0x01 ‖ left ‖ right)`; a node without a sibling is carried up
//! unchanged; the root binds the leaf count: `blake3("ambient-pol/root/v1" ‖ n ‖ top)`.

use crate::error::{malformed, PolError};
use crate::hash::Hash;

fn node(l: &Hash, r: &Hash) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(&[1]);
    h.update(l);
    h.update(r);
    *h.finalize().as_bytes()
}

fn seal(n: u64, top: &Hash) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(b"ambient-pol/root/v1");
    h.update(&n.to_le_bytes());
    h.update(top);
    *h.finalize().as_bytes()
}

/// A complete tree (all levels kept, so any leaf can be opened).
#[derive(Clone, Debug)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// Builds the tree over `leaves` (at least one).
    pub fn new(leaves: Vec<Hash>) -> Result<Self, PolError> {
        if leaves.is_empty() {
            return Err(PolError::Empty);
        }
        let mut levels = vec![leaves];
        while levels.last().map_or(0, Vec::len) > 1 {
            let prev = levels.last().expect("non-empty");
            let next = prev
                .chunks(2)
                .map(|c| {
                    if c.len() == 2 {
                        node(&c[0], &c[1])
                    } else {
                        c[0]
                    }
                })
                .collect();
            levels.push(next);
        }
        Ok(MerkleTree { levels })
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Always false: a tree has at least one leaf.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The root (binds the leaf count).
    pub fn root(&self) -> Hash {
        seal(self.len(), &self.levels.last().expect("non-empty")[0])
    }

    /// Every leaf, in order.
    pub fn leaves(&self) -> &[Hash] {
        &self.levels[0]
    }

    /// Leaf `i`.
    pub fn leaf(&self, i: u64) -> Option<Hash> {
        self.levels[0].get(i as usize).copied()
    }

    /// The siblings on the path from leaf `i` to the top (levels where the node has no sibling are
    /// skipped).
    pub fn proof(&self, i: u64) -> Result<Vec<Hash>, PolError> {
        let n = self.len();
        if i >= n {
            return Err(PolError::OutOfRange {
                position: i,
                len: n,
            });
        }
        let mut idx = i as usize;
        let mut out = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            let sib = idx ^ 1;
            if sib < level.len() {
                out.push(level[sib]);
            }
            idx /= 2;
        }
        Ok(out)
    }
}

/// Checks that `leaf` is leaf `i` of an `n`-leaf tree with root `root`.
pub fn verify(root: &Hash, n: u64, i: u64, leaf: &Hash, proof: &[Hash]) -> bool {
    if n == 0 || i >= n {
        return false;
    }
    let (mut idx, mut width, mut acc) = (i, n, *leaf);
    let mut sibs = proof.iter();
    while width > 1 {
        let sib = idx ^ 1;
        if sib < width {
            let Some(s) = sibs.next() else { return false };
            acc = if idx % 2 == 0 {
                node(&acc, s)
            } else {
                node(s, &acc)
            };
        }
        idx /= 2;
        width = width.div_ceil(2);
    }
    sibs.next().is_none() && seal(n, &acc) == *root
}

/// Encodes a proof: count (u8) then the hashes.
pub fn encode_proof(proof: &[Hash]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 32 * proof.len());
    out.push(proof.len() as u8);
    for h in proof {
        out.extend_from_slice(h);
    }
    out
}

/// Decodes a proof written by [`encode_proof`]; returns it and the bytes consumed.
pub fn decode_proof(bytes: &[u8]) -> Result<(Vec<Hash>, usize), PolError> {
    let (&n, rest) = bytes
        .split_first()
        .ok_or_else(|| malformed("proof", "empty"))?;
    if n > 64 {
        return Err(malformed("proof", format!("{n} levels is more than 64")));
    }
    let need = n as usize * 32;
    if rest.len() < need {
        return Err(malformed(
            "proof",
            format!("{} bytes for {n} hashes", rest.len()),
        ));
    }
    let proof = rest[..need]
        .chunks_exact(32)
        .map(|c| c.try_into().expect("32 bytes"))
        .collect();
    Ok((proof, 1 + need))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize, seed: u8) -> Vec<Hash> {
        (0..n)
            .map(|i| *blake3::hash(&[seed, i as u8, (i >> 8) as u8]).as_bytes())
            .collect()
    }

    proptest! {
        #[test]
        fn every_leaf_opens_and_nothing_else_does(n in 1usize..300, seed in 0u8..255, pick in 0usize..300) {
            let t = MerkleTree::new(leaves(n, seed)).unwrap();
            let root = t.root();
            let i = (pick % n) as u64;
            let p = t.proof(i).unwrap();
            prop_assert!(verify(&root, n as u64, i, &t.leaf(i).unwrap(), &p));
            // Wrong leaf, wrong index, wrong count, tampered proof, extra hash: all rejected.
            prop_assert!(!verify(&root, n as u64, i, &[0u8; 32], &p));
            if n > 1 {
                let j = (i + 1) % n as u64;
                prop_assert!(!verify(&root, n as u64, j, &t.leaf(i).unwrap(), &p) || t.leaf(i) == t.leaf(j));
            }
            prop_assert!(!verify(&root, n as u64 + 1, i, &t.leaf(i).unwrap(), &p));
            if let Some(first) = p.first() {
                let mut bad = p.clone();
                bad[0] = [first[0] ^ 1; 32];
                prop_assert!(!verify(&root, n as u64, i, &t.leaf(i).unwrap(), &bad));
            }
            let mut longer = p.clone();
            longer.push([9; 32]);
            prop_assert!(!verify(&root, n as u64, i, &t.leaf(i).unwrap(), &longer));
            let (decoded, used) = decode_proof(&encode_proof(&p)).unwrap();
            prop_assert_eq!(decoded, p);
            prop_assert_eq!(used, 1 + 32 * (used / 32));
        }

        #[test]
        fn roots_differ_when_any_leaf_differs(n in 1usize..100, seed in 0u8..255, pick in 0usize..100) {
            let a = leaves(n, seed);
            let mut b = a.clone();
            b[pick % n][0] ^= 0x80;
            prop_assert_ne!(MerkleTree::new(a).unwrap().root(), MerkleTree::new(b).unwrap().root());
        }

        #[test]
        fn proof_decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_proof(&bytes);
        }
    }

    #[test]
    fn empty_and_out_of_range() {
        assert_eq!(MerkleTree::new(vec![]).unwrap_err(), PolError::Empty);
        let t = MerkleTree::new(leaves(3, 1)).unwrap();
        assert!(t.proof(3).is_err());
        assert!(!verify(&t.root(), 0, 0, &[0; 32], &[]));
    }
}
