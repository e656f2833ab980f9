//! A small process-wide pool of f32 buffers for the encoder's per-step activations.
//!
//! A training step needs the same few large buffers (tens of MiB) every step. Taking them from
//! the pool skips the allocator and the zeroing of fresh memory; a taken buffer holds the values
//! of its last use, so callers must overwrite (or clear) what they read.

use std::sync::Mutex;

/// Buffers kept at most (the encoder holds four at a time per step).
const MAX_BUFFERS: usize = 12;
/// Total floats kept at most (512 MiB).
const MAX_TOTAL_FLOATS: usize = 1 << 27;

static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

/// A buffer of exactly `len` floats with unspecified (but initialised) contents.
pub fn take(len: usize) -> Vec<f32> {
    let reused = POOL.lock().ok().and_then(|mut pool| {
        // The smallest buffer that is large enough.
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= len)
            .min_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i)?;
        Some(pool.swap_remove(best))
    });
    match reused {
        Some(mut buf) => {
            if buf.len() >= len {
                buf.truncate(len);
            } else {
                buf.resize(len, 0.0);
            }
            buf
        }
        None => vec![0.0; len],
    }
}

/// Returns a buffer to the pool (dropped if the pool is full).
pub fn give(mut buf: Vec<f32>) {
    if buf.capacity() == 0 {
        return;
    }
    // Keep the whole allocation initialised, so a later `take` never has to zero it.
    let cap = buf.capacity();
    buf.resize(cap, 0.0);
    if let Ok(mut pool) = POOL.lock() {
        let total: usize = pool.iter().map(Vec::capacity).sum();
        if pool.len() < MAX_BUFFERS && total + cap <= MAX_TOTAL_FLOATS {
            pool.push(buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_buffer_is_reused_with_the_asked_length() {
        let mut a = take(1000);
        assert_eq!(a.len(), 1000);
        a[0] = 7.0;
        let ptr = a.as_ptr();
        give(a);
        let b = take(500);
        assert_eq!(b.len(), 500);
        // Another test may have taken it first; when it is ours, the old value is still there.
        if b.as_ptr() == ptr {
            assert!((b[0] - 7.0).abs() < f32::EPSILON);
        }
        let c = take(3000);
        assert_eq!(c.len(), 3000);
    }
}
