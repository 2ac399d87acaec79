//! Shred fan-out (Turbine's tree): for each shred, the cluster's nodes are put in an order by a
//! weighted shuffle seeded by the shred's id and its slot leader (LStake, plus one so nodes
//! without LStake still receive); the leader sends the shred to the first `fanout` nodes, and the
//! node at position `i` passes it on to positions `fanout + i·fanout .. fanout + (i+1)·fanout`.
//! Every node computes the same order from the same view of the cluster, so each shred reaches
//! every node once, in about log_fanout(n) hops; a node that misses one repairs it.

use solana_pubkey::Pubkey;

/// Nodes the leader sends each shred to (Agave's data-plane fan-out).
pub const DEFAULT_FANOUT: usize = 200;

/// The order of `nodes` (identity, weight) for the shred whose seed is `seed`: weighted random
/// order (Efraimidis–Spirakis keys `-ln(u)/w` with `u` from blake3 of the seed and identity).
pub fn shuffle(seed: &[u8; 32], nodes: &[(Pubkey, u64)]) -> Vec<Pubkey> {
    let mut keyed: Vec<(f64, Pubkey)> = nodes
        .iter()
        .map(|(id, w)| {
            let mut h = blake3::Hasher::new();
            h.update(seed);
            h.update(id.as_ref());
            let bytes: [u8; 8] = h.finalize().as_bytes()[..8].try_into().expect("8 bytes");
            // u in (0, 1].
            let u = ((u64::from_le_bytes(bytes) >> 11) + 1) as f64 / (1u64 << 53) as f64;
            let w = w.saturating_add(1) as f64;
            (-u.ln() / w, *id)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// Whom `me` sends a shred to, given the shred's node `order` (which excludes the leader).
pub fn children<'a>(
    order: &'a [Pubkey],
    me: &Pubkey,
    leader: &Pubkey,
    fanout: usize,
) -> &'a [Pubkey] {
    let fanout = fanout.max(1);
    let range = if me == leader {
        0..fanout
    } else {
        let Some(i) = order.iter().position(|id| id == me) else {
            return &[];
        };
        let start = fanout.saturating_add(i.saturating_mul(fanout));
        start..start.saturating_add(fanout)
    };
    let end = range.end.min(order.len());
    order.get(range.start.min(end)..end).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, VecDeque};

    /// Every node receives each shred exactly once, for any cluster size and fan-out.
    #[test]
    fn the_tree_reaches_every_node_once() {
        for n in [1usize, 2, 4, 7, 30, 250] {
            for fanout in [1usize, 2, 3, 200] {
                let nodes: Vec<(Pubkey, u64)> = (0..n)
                    .map(|i| (Pubkey::new_unique(), i as u64 % 5))
                    .collect();
                let leader = nodes[0].0;
                let rest: Vec<_> = nodes[1..].to_vec();
                let order = shuffle(&[n as u8; 32], &rest);
                assert_eq!(order.len(), n - 1);
                let mut got: HashMap<Pubkey, usize> = HashMap::new();
                let mut queue = VecDeque::from([leader]);
                let mut hops = 0;
                while let Some(node) = queue.pop_front() {
                    hops += 1;
                    for c in children(&order, &node, &leader, fanout) {
                        *got.entry(*c).or_default() += 1;
                        queue.push_back(*c);
                    }
                    assert!(hops <= n, "no cycles");
                }
                assert_eq!(got.len(), n - 1, "n {n} fanout {fanout}");
                assert!(got.values().all(|c| *c == 1));
            }
        }
    }

    #[test]
    fn heavier_nodes_come_first_more_often() {
        let heavy = Pubkey::new_unique();
        let light = Pubkey::new_unique();
        let nodes = [(heavy, 9), (light, 0)];
        let first = (0..2000u32)
            .filter(|i| {
                let mut seed = [0u8; 32];
                seed[..4].copy_from_slice(&i.to_le_bytes());
                shuffle(&seed, &nodes)[0] == heavy
            })
            .count();
        // Weights 10 : 1 put the heavy node first with probability 10/11.
        assert!((1700..1900).contains(&first), "{first}");
    }
}
