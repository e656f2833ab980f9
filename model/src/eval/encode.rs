//! Encoding frames through a [`FrameEncoder`], each distinct frame once.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;
use worldbench_storage::Dataset;

use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};

/// Frames per encoder call.
pub const ENCODE_BATCH: usize = 256;

/// Encodes `n` frames of `[height, width, 3]` bytes: identical frames (same bytes) are encoded once,
/// in batches of [`ENCODE_BATCH`]. Returns `n * encoder.dim()` floats, row-major.
pub fn encode_frames(
    encoder: &dyn FrameEncoder,
    frames: &[u8],
    height: usize,
    width: usize,
) -> Result<Vec<f32>> {
    let frame_bytes = height * width * 3;
    if frames.len().checked_rem(frame_bytes) != Some(0) {
        return Err(ModelError::Invalid(format!(
            "frames hold {} bytes, not a whole number of {height}×{width} RGB frames",
            frames.len()
        )));
    }
    let dim = encoder.dim();
    let hashes: Vec<u64> = frames
        .par_chunks(frame_bytes)
        .map(|f| {
            let mut s = DefaultHasher::new();
            f.hash(&mut s);
            s.finish()
        })
        .collect();
    // Distinct frames in order of first appearance; `slot[i]` = index of frame i's distinct frame.
    let mut by_hash: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut distinct: Vec<usize> = Vec::new();
    let mut slot = Vec::with_capacity(hashes.len());
    for (i, &hsh) in hashes.iter().enumerate() {
        let frame = &frames[i * frame_bytes..(i + 1) * frame_bytes];
        let cands = by_hash.entry(hsh).or_default();
        let found = cands.iter().copied().find(|&d| {
            let j = distinct[d as usize];
            &frames[j * frame_bytes..(j + 1) * frame_bytes] == frame
        });
        let d = found.unwrap_or_else(|| {
            distinct.push(i);
            let d = (distinct.len() - 1) as u32;
            cands.push(d);
            d
        });
        slot.push(d);
    }
    let mut codes = Vec::with_capacity(distinct.len() * dim);
    let mut batch = Vec::with_capacity(ENCODE_BATCH.min(distinct.len()) * frame_bytes);
    for chunk in distinct.chunks(ENCODE_BATCH) {
        batch.clear();
        for &i in chunk {
            batch.extend_from_slice(&frames[i * frame_bytes..(i + 1) * frame_bytes]);
        }
        let h = encoder.encode(&batch, height, width)?;
        if h.len() != chunk.len() * dim {
            return Err(ModelError::Invalid(format!(
                "encoder returned {} floats for {} frames of dimension {dim}",
                h.len(),
                chunk.len()
            )));
        }
        codes.extend_from_slice(&h);
    }
    let mut out = vec![0f32; slot.len() * dim];
    out.par_chunks_mut(dim.max(1))
        .zip(slot.par_iter())
        .for_each(|(o, &d)| o.copy_from_slice(&codes[d as usize * dim..(d as usize + 1) * dim]));
    Ok(out)
}

/// Encodes every frame of `data` (see [`encode_frames`]).
pub fn encode_dataset(encoder: &dyn FrameEncoder, data: &Dataset) -> Result<Vec<f32>> {
    if data.frames.len() != data.len() * data.frame_bytes() {
        return Err(ModelError::Invalid(format!(
            "dataset {}: {} frame bytes for {} frames of {}×{}",
            data.name,
            data.frames.len(),
            data.len(),
            data.height,
            data.width
        )));
    }
    if data.is_empty() {
        return Ok(Vec::new());
    }
    encode_frames(encoder, &data.frames, data.height, data.width)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// h = [first byte, number of calls so far]: counts frames encoded.
    struct Counting {
        frames_seen: Cell<usize>,
    }

    impl FrameEncoder for Counting {
        fn dim(&self) -> usize {
            2
        }
        fn encode(&self, frames: &[u8], height: usize, width: usize) -> Result<Vec<f32>> {
            let n = frames.len() / (height * width * 3);
            self.frames_seen.set(self.frames_seen.get() + n);
            Ok(frames
                .chunks(height * width * 3)
                .flat_map(|f| [f32::from(f[0]), 1.0])
                .collect())
        }
    }

    #[test]
    fn encodes_each_distinct_frame_once() {
        // Five 1×1 frames, three distinct.
        let frames = [1, 0, 0, 2, 0, 0, 1, 0, 0, 3, 0, 0, 2, 0, 0];
        let enc = Counting {
            frames_seen: Cell::new(0),
        };
        let h = encode_frames(&enc, &frames, 1, 1).unwrap();
        assert_eq!(h, [1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 3.0, 1.0, 2.0, 1.0]);
        assert_eq!(enc.frames_seen.get(), 3);
        assert!(encode_frames(&enc, &frames[..4], 1, 1).is_err());
    }
}
