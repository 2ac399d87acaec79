//! Proof-of-Logits wire formats (`ambient-pol`): receipts, openings and Merkle proofs.

use ambient_llm::SamplingParams;
use ambient_pol::commit::{Commitment, Opening, Recorder};
use ambient_pol::merkle::{decode_proof, encode_proof};
use ambient_pol::receipt::{Receipt, ReceiptBody};
use ed25519_dalek::SigningKey;

/// Decodes the input as a receipt, an opening and a proof; accepted ones must re-encode to the
/// same bytes, and checking them (signature, Merkle path) must not panic.
pub fn receipt(data: &[u8]) -> bool {
    let mut accepted = false;
    if let Ok(r) = Receipt::decode(data) {
        assert_eq!(r.encode(), data, "receipt re-encodes differently");
        let _ = r.verify_signature();
        let _ = r.id();
        let _ = r.commitment();
        accepted = true;
    }
    if let Ok(o) = Opening::decode(data) {
        assert_eq!(o.encode(), data, "opening re-encodes differently");
        // Check it against commitments of every size the input suggests, valid or not.
        for len in [
            o.index.wrapping_add(1),
            o.index,
            u64::MAX,
            1 << o.proof.len().min(63),
        ] {
            let c = Commitment {
                root: o.leaf,
                chain: o.leaf,
                len,
            };
            let _ = o.verifies(&c);
        }
        accepted = true;
    }
    if let Ok((proof, used)) = decode_proof(data) {
        assert!(
            used <= data.len(),
            "proof used {used} of {} bytes",
            data.len()
        );
        assert_eq!(
            encode_proof(&proof),
            &data[..used],
            "proof re-encodes differently"
        );
        accepted = true;
    }
    accepted
}

/// Real receipts, openings of real commitments and their proofs.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (n, k) in [(1u64, 1u8), (7, 2), (300, 3)] {
        let key = SigningKey::from_bytes(&[k; 32]);
        let body = ReceiptBody {
            model_id: [1; 32],
            prompt_hash: [2; 32],
            output_hash: [3; 32],
            sampling: SamplingParams {
                temperature: 0.7,
                top_k: 40,
                top_p: 0.9,
                seed: u64::from(k),
            },
            commitment: Commitment {
                root: [4; 32],
                chain: [5; 32],
                len: n,
            },
        };
        if let Ok(r) = Receipt::sign(&body, &key) {
            seeds.push(r.encode());
        }
    }
    for n in [1u64, 2, 5, 33] {
        let mut rec = Recorder::new([9; 32]);
        for i in 0..n {
            let _ = rec.record(i, i as u32 * 3, &[i as f32, -1.0, 0.5]);
        }
        if let Ok(c) = rec.finish() {
            for i in [0, n / 2, n - 1] {
                if let Ok(o) = c.open(i) {
                    seeds.push(encode_proof(&o.proof));
                    seeds.push(o.encode());
                }
            }
        }
    }
    seeds
}
