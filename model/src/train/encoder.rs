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

impl crate::planners::Predictor for JepaEncoder {
    /// One batched step of the model's predictor (`h + P([h, a])`), without autograd.
    fn predict(&self, h: &[f32], actions: &[u8]) -> Result<Vec<f32>> {
        let (b, d) = (actions.len(), self.dim());
        if h.len() != b * d {
            return Err(ModelError::Invalid(format!(
                "predict: {} floats are not {b} rows of {d}",
                h.len()
            )));
        }
        let n_actions = self.model.cfg.n_actions;
        let dev = self.model.device();
        let ht = Tensor::from_slice(h, (b, d), dev)?;
        let at = Tensor::from_vec(
            crate::nn::jepa::one_hot(actions, n_actions),
            (b, n_actions),
            dev,
        )?;
        let next = self.model.predict(&ht.detach(), &at)?.detach();
        Ok(next.flatten_all()?.to_vec1::<f32>()?)
    }
}
