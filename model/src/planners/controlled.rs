//! A model seen through a cancel flag: every encoder and predictor call first checks it (and
//! reports how many calls were made), so that a slow planner (`mpc`) stops soon after a cancel.

use std::cell::Cell;
use std::sync::atomic::Ordering;

use super::Predictor;
use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};
use crate::eval::Control;

/// `inner`, checking `control`'s cancel flag before each call.
pub struct Controlled<'a> {
    inner: &'a dyn Predictor,
    control: &'a Control<'a>,
    calls: Cell<usize>,
}

impl<'a> Controlled<'a> {
    pub fn new(inner: &'a dyn Predictor, control: &'a Control<'a>) -> Self {
        Self {
            inner,
            control,
            calls: Cell::new(0),
        }
    }

    /// Model calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    fn check(&self) -> Result<()> {
        if self.control.cancel.load(Ordering::Relaxed) {
            return Err(ModelError::Cancelled);
        }
        let n = self.calls.get() + 1;
        self.calls.set(n);
        if n.is_multiple_of(16) {
            // The number of calls a plan takes is not known ahead: the fraction only creeps on.
            let fraction = 1.0 - 1.0 / (1.0 + n as f32 / 256.0);
            (self.control.progress)(&format!("planning: {n} model calls"), fraction);
        }
        Ok(())
    }
}

impl FrameEncoder for Controlled<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn encode(&self, frames: &[u8], height: usize, width: usize) -> Result<Vec<f32>> {
        self.check()?;
        self.inner.encode(frames, height, width)
    }
}

impl Predictor for Controlled<'_> {
    fn predict(&self, h: &[f32], actions: &[u8]) -> Result<Vec<f32>> {
        self.check()?;
        self.inner.predict(h, actions)
    }
}
