//! The boundary between the network and the evaluation: anything that maps frames to latent vectors h.

use crate::error::Result;

/// Maps RGB frames to latent vectors. Evaluation and planning only see this trait, so they can be
/// tested with hand-made encoders whose answers are known.
pub trait FrameEncoder {
    /// Length of one latent vector h.
    fn dim(&self) -> usize;
    /// Encodes `n = frames.len() / (height * width * 3)` frames of `[height, width, 3]` RGB bytes
    /// (any size; the encoder resizes to its input size). Returns `n * dim()` floats, row-major.
    fn encode(&self, frames: &[u8], height: usize, width: usize) -> Result<Vec<f32>>;
}
