//! [`JepaEncoder`]: a trained model's encoder behind the [`FrameEncoder`] trait.

use std::path::Path;

use candle_core::{Device, Tensor};

use crate::checkpoint;
use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};
use crate::nn::Jepa;
use crate::preprocess::resize_frames;

/// Frames encoded per forward pass.
const ENCODE_BATCH: usize = 512;

/// Encodes frames with a JEPA model's encoder (resizing them to its input size first).
pub struct JepaEncoder {
    model: Jepa,
}

impl JepaEncoder {
    pub fn new(model: Jepa) -> Self {
        Self { model }
    }

    /// Loads the weights of a checkpoint file (its config gives the sizes).
    pub fn from_checkpoint(path: &Path, device: &Device) -> Result<Self> {
        let ck = checkpoint::load(path)?;
        let model = Jepa::from_values(
            &ck.config.model,
            &ck.weights,
            device,
            &path.display().to_string(),
        )?;
        Ok(Self { model })
    }

    pub fn model(&self) -> &Jepa {
        &self.model
    }
}

impl FrameEncoder for JepaEncoder {
    fn dim(&self) -> usize {
        self.model.cfg.latent_dim
    }

    fn encode(&self, frames: &[u8], height: usize, width: usize) -> Result<Vec<f32>> {
        let fb = height * width * 3;
        if fb == 0 || !frames.len().is_multiple_of(fb) {
            return Err(ModelError::Invalid(format!(
                "encode: {} bytes are not whole {height}×{width} RGB frames",
                frames.len()
            )));
        }
        let n = frames.len() / fb;
        let s = self.model.cfg.image_size;
        let mut out = Vec::with_capacity(n * self.dim());
        for chunk in frames.chunks(ENCODE_BATCH * fb) {
            let m = chunk.len() / fb;
            let resized = resize_frames(chunk, height, width, s)?;
            let vals: Vec<f32> = resized.iter().map(|&v| f32::from(v) / 255.0).collect();
            let x = Tensor::from_vec(vals, (m, s, s, 3), self.model.device())?;
            let h = self.model.encode_no_grad(&x)?;
            out.extend(h.flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(out)
    }
}
