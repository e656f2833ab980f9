//! Frame preprocessing: resizing RGB frames to the model's square input with area averaging.

use rayon::prelude::*;

use crate::error::{ModelError, Result};

/// For each output index, the source indices and weights (summing to 1) that cover it.
fn axis_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|o| {
            let lo = o as f64 * scale;
            let hi = (o + 1) as f64 * scale;
            let mut taps = Vec::new();
            let mut i = lo.floor() as usize;
            while (i as f64) < hi && i < src {
                let cover = (hi.min(i as f64 + 1.0) - lo.max(i as f64)).max(0.0);
                if cover > 0.0 {
                    taps.push((i, (cover / scale) as f32));
                }
                i += 1;
            }
            taps
        })
        .collect()
}

/// Resizes `n` frames of `[height, width, 3]` bytes to `[size, size, 3]` by area averaging
/// (each output pixel is the coverage-weighted mean of the source pixels under it; upscaling
/// repeats pixels). Returns `n · size · size · 3` bytes; frames already of that size are copied.
pub fn resize_frames(frames: &[u8], height: usize, width: usize, size: usize) -> Result<Vec<u8>> {
    let frame_bytes = height * width * 3;
    if frame_bytes == 0 || size == 0 || !frames.len().is_multiple_of(frame_bytes) {
        return Err(ModelError::Invalid(format!(
            "resize: {} bytes are not whole {height}×{width} RGB frames (or the target size {size} is 0)",
            frames.len()
        )));
    }
    if height == size && width == size {
        return Ok(frames.to_vec());
    }
    let wy = axis_weights(height, size);
    let wx = axis_weights(width, size);
    let out_bytes = size * size * 3;
    let mut out = vec![0u8; frames.len() / frame_bytes * out_bytes];
    out.par_chunks_mut(out_bytes)
        .zip(frames.par_chunks(frame_bytes))
        .for_each(|(dst, src)| {
            // Horizontal pass into f32 rows, then vertical.
            let mut rows = vec![0.0f32; height * size * 3];
            for y in 0..height {
                for (ox, taps) in wx.iter().enumerate() {
                    for c in 0..3 {
                        rows[(y * size + ox) * 3 + c] = taps
                            .iter()
                            .map(|&(x, w)| w * f32::from(src[(y * width + x) * 3 + c]))
                            .sum();
                    }
                }
            }
            for (oy, taps) in wy.iter().enumerate() {
                for ox in 0..size {
                    for c in 0..3 {
                        let v: f32 = taps
                            .iter()
                            .map(|&(y, w)| w * rows[(y * size + ox) * 3 + c])
                            .sum();
                        dst[(oy * size + ox) * 3 + c] = v.round().clamp(0.0, 255.0) as u8;
                    }
                }
            }
        });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_2x2_blocks() {
        // 2×4 frame → 1×... use a 4×4 frame to 2×2: each output is the mean of its 2×2 block.
        let mut f = vec![0u8; 4 * 4 * 3];
        for y in 0..4 {
            for x in 0..4 {
                for c in 0..3 {
                    f[(y * 4 + x) * 3 + c] = (y * 40 + x * 10 + c) as u8;
                }
            }
        }
        let out = resize_frames(&f, 4, 4, 2).expect("resize");
        // Block (0,0): pixels (0,0),(0,1),(1,0),(1,1) → mean of 0,10,40,50 = 25 (+c).
        assert_eq!(&out[0..3], &[25, 26, 27]);
        // Block (1,1): 80+20, 80+30, 120+20, 120+30 → mean 125.
        assert_eq!(&out[9..12], &[125, 126, 127]);
    }

    #[test]
    fn non_square_frames_resize_and_same_size_copies() {
        let f: Vec<u8> = (0..56 * 64 * 3).map(|i| (i % 251) as u8).collect();
        let two = [f.clone(), f.clone()].concat();
        let out = resize_frames(&two, 56, 64, 32).expect("resize");
        assert_eq!(out.len(), 2 * 32 * 32 * 3);
        assert_eq!(out[..32 * 32 * 3], out[32 * 32 * 3..]);
        let white = vec![255u8; 56 * 64 * 3];
        assert!(resize_frames(&white, 56, 64, 32)
            .expect("white")
            .iter()
            .all(|&v| v == 255));
        let same = resize_frames(&f[..8 * 8 * 3], 8, 8, 8).expect("same");
        assert_eq!(same, &f[..8 * 8 * 3]);
        assert!(resize_frames(&f[..10], 8, 8, 4).is_err());
    }
}
