//! Seeded, deterministic mutations of valid files for property tests ("no input panics a parser"):
//! the storage crate's own tests and the model's checkpoint tests use them; `fuzz/` holds the
//! coverage-guided counterpart.

/// SplitMix64: a small, seeded, portable stream.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

const INTERESTING: [u8; 10] = [0, 1, 0x7f, 0x80, 0xff, b'"', b'{', b',', b'\n', b'9'];

/// One to three stacked mutations of `seed`: bit flips, interesting bytes, truncation, splices,
/// insertions, deletions, little-endian lengths, and now and then all random bytes.
pub fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let len = v.len();
        match rng.below(9) {
            0 | 1 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                v[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            3 => v.truncate(rng.below(len + 1)),
            4 if len > 0 => {
                // Splice: copy a range of the input over another place.
                let (a, b) = (rng.below(len), rng.below(len));
                let n = rng.below(len - a.max(b)).min(64) + 1;
                let chunk = v[a..(a + n).min(len)].to_vec();
                for (k, byte) in chunk.into_iter().enumerate() {
                    if let Some(slot) = v.get_mut(b + k) {
                        *slot = byte;
                    }
                }
            }
            5 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                v.splice(at..at, bytes);
            }
            6 if len > 0 => {
                let at = rng.below(len);
                let n = (1 + rng.below(16)).min(len - at);
                v.drain(at..at + n);
            }
            7 if len > 0 => {
                // A little-endian u64 somewhere (lengths and offsets of binary headers).
                let at = rng.below(len);
                let value = [0u64, 1, u64::MAX, 1 << 40, len as u64 * 2][rng.below(5)];
                for (k, byte) in value.to_le_bytes().into_iter().enumerate() {
                    if let Some(slot) = v.get_mut(at + k) {
                        *slot = byte;
                    }
                }
            }
            _ => {
                if rng.below(20) == 0 {
                    v = (0..rng.below(256)).map(|_| rng.next_u64() as u8).collect();
                }
            }
        }
    }
    v
}
