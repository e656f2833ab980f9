//! Writes one reference-preset training step (initial weights, a random batch, the loss parts,
//! and the weights after one AdamW step) to a safetensors file, for comparison with
//! `shared/bench/ref_step.py`'s PyTorch model:
//! `cargo run --release -p worldbench-model --example ref_parity -- /tmp/ref_case.safetensors`.

use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use worldbench_model::checkpoint::{self, Checkpoint};
use worldbench_model::config::TrainConfig;
use worldbench_model::nn::jepa::one_hot;
use worldbench_model::nn::{AdamW, AdamWParams, Jepa};
use worldbench_model::train::SamplerState;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/ref_case.safetensors".into());
    let cfg = TrainConfig::preset("reference")?;
    let m = &cfg.model;
    let dev = Device::Cpu;
    let model = Jepa::new(m, 1, &dev)?;
    let before = model.values()?;
    let (b, t, s, a) = (m.batch_size, m.seq_len, m.image_size, m.n_actions);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let frames: Vec<u8> = (0..b * t * s * s * 3).map(|_| rng.random::<u8>()).collect();
    let actions: Vec<u8> = (0..b * (t - 1))
        .map(|_| rng.random_range(0..a as u8))
        .collect();
    let x: Vec<f32> = frames.iter().map(|&v| f32::from(v) / 255.0).collect();
    let x = Tensor::from_vec(x, (b * t, s, s, 3), &dev)?;
    let acts = Tensor::from_vec(one_hot(&actions, a), (b, t - 1, a), &dev)?;
    let parts = model.loss(&x, &acts)?;
    let mut opt = AdamW::new(model.params(), AdamWParams::new(cfg.lr, cfg.weight_decay))?;
    opt.step(&parts.total.backward()?)?;
    let scalar = |t: &Tensor| -> Result<f32, candle_core::Error> { t.to_scalar::<f32>() };
    let mut extra = vec![
        (
            "case.frames_nhwc".to_string(),
            vec![b * t, s, s, 3],
            frames.iter().map(|&v| f32::from(v)).collect(),
        ),
        (
            "case.actions".to_string(),
            vec![b, t - 1],
            actions.iter().map(|&v| f32::from(v)).collect(),
        ),
        (
            "case.loss".to_string(),
            vec![4],
            vec![
                scalar(&parts.total)?,
                scalar(&parts.pred)?,
                scalar(&parts.var)?,
                scalar(&parts.cov)?,
            ],
        ),
    ];
    for (name, shape, vals) in model.values()? {
        extra.push((format!("after.{name}"), shape, vals));
    }
    // A checkpoint-format file whose weights are the initial ones, plus the case tensors.
    let mut weights = before;
    weights.extend(extra);
    let ck = Checkpoint {
        step: 0,
        optim_step: 0,
        seed: 1,
        sampler: SamplerState::new(1, 1),
        config: cfg.clone(),
        weights,
        moments: Vec::new(),
    };
    std::fs::write(&out, checkpoint::to_bytes(&ck)?)?;
    println!(
        "loss parts {:?} written to {out}",
        ck.weights.iter().find(|w| w.0 == "case.loss").map(|w| &w.2)
    );
    Ok(())
}
