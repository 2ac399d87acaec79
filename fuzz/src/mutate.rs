//! The deterministic mutation engine: a seeded PRNG and havoc-style byte mutations.
//!
//! Everything here is a pure function of the seed, so a run is reproduced by its seed alone.

/// Values a single byte is often set to: zero, one, the signed edges and all ones.
pub const INTERESTING_8: [u8; 8] = [0x00, 0x01, 0x02, 0x10, 0x20, 0x7f, 0x80, 0xff];
/// 16-bit values written little-endian over two bytes (length fields are the usual bugs).
pub const INTERESTING_16: [u16; 10] =
    [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x7fff, 0x8000, 0xffff];
/// 32-bit values written little-endian over four bytes.
pub const INTERESTING_32: [u32; 14] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    1 << 24,
    1 << 28,
];
/// 64-bit values written little-endian over eight bytes.
pub const INTERESTING_64: [u64; 14] = [
    0,
    1,
    0x7f,
    0xff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    1 << 32,
    1 << 40,
    1 << 62,
    i64::MAX as u64,
    1 << 63,
    u64::MAX - 1,
    u64::MAX,
];

/// SplitMix64: a small, fast, seedable generator (Steele, Lea and Flood), good enough to fuzz with.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is zero).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for fuzzing and free of division.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A length in `0..=max`, biased towards short ones (most interesting edits are small).
    pub fn small_len(&mut self, max: usize) -> usize {
        let cap = match self.below(4) {
            0 => 1,
            1 => 4,
            2 => 32,
            _ => max,
        };
        self.below(cap.min(max) + 1)
    }
}

/// The mutation operators, for statistics and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Flip one bit.
    FlipBit,
    /// Set a byte to a random value.
    RandomByte,
    /// Set a byte to one of [`INTERESTING_8`].
    Interesting8,
    /// Write one of [`INTERESTING_16`] (little-endian).
    Interesting16,
    /// Write one of [`INTERESTING_32`] (little-endian).
    Interesting32,
    /// Write one of [`INTERESTING_64`] (little-endian).
    Interesting64,
    /// Add or subtract a small number to a 1-, 2-, 4- or 8-byte little-endian integer.
    Arith,
    /// Insert random bytes (or a run of one byte).
    Insert,
    /// Delete a range.
    Delete,
    /// Copy a range and insert it elsewhere.
    Duplicate,
    /// Copy a range over another place.
    CopyOver,
    /// Cut the input short.
    Truncate,
    /// Append bytes (zeros or random).
    Extend,
    /// Join a prefix of the input with a suffix of another corpus entry.
    Splice,
    /// Insert (or write over) a chunk of another corpus entry.
    Crossover,
    /// Insert or write a token of the target's dictionary.
    Dictionary,
    /// Replace everything with random bytes.
    Random,
}

const OPS: [Op; 17] = [
    Op::FlipBit,
    Op::RandomByte,
    Op::Interesting8,
    Op::Interesting16,
    Op::Interesting32,
    Op::Interesting64,
    Op::Arith,
    Op::Insert,
    Op::Delete,
    Op::Duplicate,
    Op::CopyOver,
    Op::Truncate,
    Op::Extend,
    Op::Splice,
    Op::Crossover,
    Op::Dictionary,
    Op::Random,
];

/// Mutates inputs within a length bound, drawing randomness from its own [`Rng`].
#[derive(Clone, Debug)]
pub struct Mutator {
    rng: Rng,
    max_len: usize,
}

impl Mutator {
    /// A mutator seeded with `seed` that never produces inputs longer than `max_len` bytes.
    pub fn new(seed: u64, max_len: usize) -> Self {
        Mutator {
            rng: Rng::new(seed),
            max_len: max_len.max(1),
        }
    }

    /// The generator (the runner draws corpus picks from it too, keeping one stream per run).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// Applies a stack of 1, 2, 4 or 8 random mutations to `input`, which starts as a copy of a
    /// corpus entry; `corpus` feeds splicing and `dict` the dictionary operator.
    pub fn mutate(&mut self, input: &mut Vec<u8>, corpus: &[Vec<u8>], dict: &[&[u8]]) {
        let stack = 1 << self.rng.below(4);
        for _ in 0..stack {
            let op = if self.rng.one_in(200) {
                Op::Random
            } else {
                // `Random` is last in `OPS` and drawn only above.
                OPS[self.rng.below(OPS.len() - 1)]
            };
            self.apply(op, input, corpus, dict);
        }
        input.truncate(self.max_len);
    }

    /// Applies one operator (a no-op where it cannot apply, e.g. flipping a bit of nothing).
    pub fn apply(&mut self, op: Op, input: &mut Vec<u8>, corpus: &[Vec<u8>], dict: &[&[u8]]) {
        let len = input.len();
        let rng = &mut self.rng;
        match op {
            Op::FlipBit => {
                if len > 0 {
                    let at = rng.below(len);
                    input[at] ^= 1 << rng.below(8);
                }
            }
            Op::RandomByte => {
                if len > 0 {
                    let at = rng.below(len);
                    input[at] = rng.byte();
                }
            }
            Op::Interesting8 => {
                if len > 0 {
                    let at = rng.below(len);
                    input[at] = *rng.pick(&INTERESTING_8);
                }
            }
            Op::Interesting16 => {
                let v = *rng.pick(&INTERESTING_16);
                write_over(rng, input, &v.to_le_bytes());
            }
            Op::Interesting32 => {
                let v = *rng.pick(&INTERESTING_32);
                write_over(rng, input, &v.to_le_bytes());
            }
            Op::Interesting64 => {
                let v = *rng.pick(&INTERESTING_64);
                write_over(rng, input, &v.to_le_bytes());
            }
            Op::Arith => {
                let width = *rng.pick(&[1usize, 2, 4, 8]);
                if len >= width {
                    let at = rng.below(len - width + 1);
                    let mut b = [0u8; 8];
                    b[..width].copy_from_slice(&input[at..at + width]);
                    let delta = rng.below(35) as u64 + 1;
                    let v = u64::from_le_bytes(b);
                    let v = if rng.one_in(2) {
                        v.wrapping_add(delta)
                    } else {
                        v.wrapping_sub(delta)
                    };
                    input[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
                }
            }
            Op::Insert => {
                let n = rng.small_len(self.max_len.saturating_sub(len).min(256));
                let at = rng.below(len + 1);
                let bytes: Vec<u8> = if rng.one_in(2) {
                    let b = rng.byte();
                    vec![b; n]
                } else {
                    (0..n).map(|_| rng.byte()).collect()
                };
                input.splice(at..at, bytes);
            }
            Op::Delete => {
                if len > 0 {
                    let n = rng.small_len(len).max(1);
                    let at = rng.below(len - n + 1);
                    input.drain(at..at + n);
                }
            }
            Op::Duplicate => {
                if len > 0 {
                    let n = rng.small_len(len.min(self.max_len.saturating_sub(len)));
                    let from = rng.below(len - n + 1);
                    let at = rng.below(len + 1);
                    let chunk = input[from..from + n].to_vec();
                    input.splice(at..at, chunk);
                }
            }
            Op::CopyOver => {
                if len > 1 {
                    let n = rng.small_len(len / 2).max(1);
                    let from = rng.below(len - n + 1);
                    let to = rng.below(len - n + 1);
                    input.copy_within(from..from + n, to);
                }
            }
            Op::Truncate => {
                if len > 0 {
                    let keep = rng.below(len);
                    input.truncate(keep);
                }
            }
            Op::Extend => {
                let n = rng.small_len(self.max_len.saturating_sub(len).min(1024));
                if rng.one_in(2) {
                    input.resize(len + n, 0);
                } else {
                    input.extend((0..n).map(|_| rng.byte()));
                }
            }
            Op::Splice => {
                if !corpus.is_empty() {
                    let other = rng.pick(corpus);
                    let cut = rng.below(len + 1);
                    let from = rng.below(other.len() + 1);
                    input.truncate(cut);
                    input.extend_from_slice(&other[from..]);
                }
            }
            Op::Crossover => {
                if !corpus.is_empty() {
                    let other = rng.pick(corpus);
                    if !other.is_empty() {
                        let n = rng.small_len(other.len()).max(1);
                        let from = rng.below(other.len() - n + 1);
                        let chunk = &other[from..from + n];
                        if rng.one_in(2) || len < n {
                            let at = rng.below(len + 1);
                            input.splice(at..at, chunk.iter().copied());
                        } else {
                            let at = rng.below(len - n + 1);
                            input[at..at + n].copy_from_slice(chunk);
                        }
                    }
                }
            }
            Op::Dictionary => {
                if !dict.is_empty() {
                    let token = *rng.pick(dict);
                    if rng.one_in(2) || len < token.len() {
                        let at = rng.below(len + 1);
                        input.splice(at..at, token.iter().copied());
                    } else {
                        let at = rng.below(len - token.len() + 1);
                        input[at..at + token.len()].copy_from_slice(token);
                    }
                }
            }
            Op::Random => {
                let n = rng.small_len(self.max_len.min(4096));
                input.clear();
                input.extend((0..n).map(|_| rng.byte()));
            }
        }
    }
}

/// Writes `value` at a random position (an input shorter than `value` is left alone).
fn write_over(rng: &mut Rng, input: &mut [u8], value: &[u8]) {
    if input.len() >= value.len() {
        let at = rng.below(input.len() - value.len() + 1);
        input[at..at + value.len()].copy_from_slice(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_spread() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, {
            let mut r = Rng::new(8);
            (0..4).map(|_| r.next_u64()).collect::<Vec<_>>()
        });
        let mut r = Rng::new(1);
        let mut seen = [0usize; 10];
        for _ in 0..10_000 {
            seen[r.below(10)] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn every_operator_keeps_the_length_bound_and_changes_something() {
        let corpus = vec![vec![9u8; 40], b"GGUF\x03\0\0\0".to_vec()];
        let dict: &[&[u8]] = &[b"token"];
        for op in OPS {
            let mut m = Mutator::new(3, 64);
            let mut changed = false;
            for _ in 0..200 {
                let mut input: Vec<u8> = (0..48).collect();
                m.apply(op, &mut input, &corpus, dict);
                input.truncate(64);
                assert!(input.len() <= 64, "{op:?}");
                changed |= input != (0..48).collect::<Vec<u8>>();
            }
            assert!(changed, "{op:?} never changed its input");
        }
    }

    #[test]
    fn a_seed_reproduces_a_mutation_sequence() {
        let corpus = vec![b"hello world".to_vec()];
        let run = |seed| {
            let mut m = Mutator::new(seed, 100);
            (0..50)
                .map(|_| {
                    let mut x = corpus[0].clone();
                    m.mutate(&mut x, &corpus, &[]);
                    x
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    #[test]
    fn interesting_values_land_little_endian() {
        let mut m = Mutator::new(11, 64);
        let mut found = false;
        for _ in 0..500 {
            let mut input = vec![0u8; 8];
            m.apply(Op::Interesting64, &mut input, &[], &[]);
            found |= input == u64::MAX.to_le_bytes() || input == (1u64 << 63).to_le_bytes();
        }
        assert!(found);
    }
}
