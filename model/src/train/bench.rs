//! `bench_train`: the reference preset's training step on random data (like
//! `shared/bench/ref_step.py`), timed, with a per-phase profile.

use std::time::Instant;

use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::config::{CandleDevice, ModelConfig};
use crate::error::{ModelError, Result};
use crate::nn::jepa::one_hot;
use crate::nn::{profile, AdamW, AdamWParams, Jepa};

/// One phase of the profiled step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseRow {
    pub name: String,
    /// Milliseconds per training step spent in this phase.
    pub ms_per_step: f64,
}

/// The result of [`bench_train`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchTrainReport {
    /// Median over the repeats of steps per second.
    pub steps_per_s: f64,
    /// Steps per second of each timed repeat.
    pub rates: Vec<f64>,
    pub steps: usize,
    pub warmup: usize,
    pub repeats: usize,
    /// Threads of the rayon pool that ran the step.
    pub threads: usize,
    /// "cpu" or "cuda".
    pub device: String,
    /// Sequences per step (the reference preset's 64 unless asked otherwise).
    pub batch: usize,
    /// Loss of the last step (a sanity check: finite, decreasing from the first).
    pub first_loss: f64,
    pub last_loss: f64,
    /// FLOPs of one step (`ref_step.py`'s count), in GFLOP.
    pub gflop_per_step: f64,
    /// `steps_per_s × gflop_per_step`.
    pub gflops: f64,

    /// Phases of one extra profiled repeat, in ms per step: `step.*` (data, forward, backward,
    /// optimizer; wall time), `enc.forward` / `enc.backward` and `loss.fwd` / `loss.bwd` (wall
    /// time of the two fused ops, nested inside forward/backward), and the encoder's parts
    /// `enc.im2col.*`, `.gemm`, `.bias_relu`, `.fc`, `.mask`, `.wgrad`, `.dgrad`, `.col2im` (summed
    /// over threads: with 2 threads up to twice the wall time).
    pub profile: Vec<PhaseRow>,
}

/// Times `repeats` runs of `steps` steps (after `warmup` steps) of the reference step with
/// B=64, T=5 random frames and actions, on `threads` threads (default: rayon's).
pub fn bench_train(
    steps: usize,
    warmup: usize,
    repeats: usize,
    threads: Option<usize>,
) -> Result<BenchTrainReport> {
    bench_train_on(steps, warmup, repeats, threads, "cpu", None)
}

/// [`bench_train`] on `device` ("cpu" or "cuda"; an error saying why when CUDA is not
/// available) with `batch` sequences per step (default: the reference preset's).
pub fn bench_train_on(
    steps: usize,
    warmup: usize,
    repeats: usize,
    threads: Option<usize>,
    device: &str,
    batch: Option<usize>,
) -> Result<BenchTrainReport> {
    crate::nn::alloc::tune_allocator();
    let mut cfg = ModelConfig::reference();
    if let Some(b) = batch {
        if b == 0 {
            return Err(ModelError::Invalid("--batch must be at least 1".into()));
        }
        cfg.batch_size = b;
    }
    let dev = crate::config::TrainConfig {
        device: device.to_string(),
        ..crate::config::TrainConfig::default()
    }
    .candle_device()?;
    let run = move || bench_in_pool(&cfg, &dev, steps.max(1), warmup, repeats.max(1));
    let Some(n) = threads else {
        return run();
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| ModelError::Invalid(format!("cannot start {n} threads: {e}")))?;
    pool.install(run)
}

fn bench_in_pool(
    cfg: &ModelConfig,
    dev: &Device,
    steps: usize,
    warmup: usize,
    repeats: usize,
) -> Result<BenchTrainReport> {
    let model = Jepa::new(cfg, 0, dev)?;
    let mut opt = AdamW::new(model.params(), AdamWParams::new(3e-4, 0.01))?;
    let (b, t, s, a) = (cfg.batch_size, cfg.seq_len, cfg.image_size, cfg.n_actions);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let frames: Vec<f32> = (0..b * t * s * s * 3)
        .map(|_| f32::from(rng.random::<u8>()) / 255.0)
        .collect();
    let actions: Vec<u8> = (0..b * (t - 1))
        .map(|_| rng.random_range(0..a as u8))
        .collect();
    let actions = one_hot(&actions, a);
    let mut step = |frames: &[f32], actions: &[f32]| -> Result<f64> {
        let x = profile::timed("step.data", || {
            Tensor::from_slice(frames, (b * t, s, s, 3), dev)
        })?;
        let acts = Tensor::from_slice(actions, (b, t - 1, a), dev)?;
        let parts = profile::timed("step.forward", || model.loss(&x, &acts))?;
        let grads = profile::timed("step.backward", || parts.total.backward())?;
        profile::timed("step.optimizer", || opt.step(&grads))?;
        Ok(f64::from(parts.total.to_scalar::<f32>()?))
    };
    let mut first_loss = f64::NAN;
    for i in 0..warmup {
        let l = step(&frames, &actions)?;
        if i == 0 {
            first_loss = l;
        }
    }
    let mut rates = Vec::with_capacity(repeats);
    let mut last_loss = f64::NAN;
    for _ in 0..repeats {
        let t0 = Instant::now();
        for _ in 0..steps {
            last_loss = step(&frames, &actions)?;
        }
        rates.push(steps as f64 / t0.elapsed().as_secs_f64());
    }
    if first_loss.is_nan() {
        first_loss = last_loss;
    }
    // One extra profiled repeat (the timers add a little overhead, so it is not timed).
    profile::take();
    profile::set_enabled(true);
    let profiled = (0..steps).try_for_each(|_| step(&frames, &actions).map(|_| ()));
    profile::set_enabled(false);
    profiled?;
    let profile = profile::take()
        .into_iter()
        .map(|p| PhaseRow {
            name: p.name,
            ms_per_step: p.total_ms / steps as f64,
        })
        .collect();
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    let steps_per_s = sorted[sorted.len() / 2];
    let gflop_per_step = super::peak::train_flops_per_step(cfg) / 1e9;
    let gflops = steps_per_s * gflop_per_step;
    Ok(BenchTrainReport {
        steps_per_s,
        rates,
        steps,
        warmup,
        repeats,
        threads: rayon::current_num_threads(),
        device: if dev.is_cuda() { "cuda" } else { "cpu" }.to_string(),
        batch: cfg.batch_size,
        first_loss,
        last_loss,
        gflop_per_step,
        gflops,
        profile,
    })
}
