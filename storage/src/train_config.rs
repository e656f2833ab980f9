//! The training configuration as plain data, with named presets (`reference`, `default`, `tiny`).
//!
//! It lives here, not in the model crate, because it is part of the run manifest: `run.json`'s
//! `config` is a [`TrainConfig`] (the model crate re-exports it as `worldbench_model::config` and adds
//! what needs candle). `reference` is DESIGN.md's "Reference training configuration" (the benchmark
//! contract, the same step as `shared/bench/ref_step.py`); `default` is what a new attempt starts
//! from; `tiny` keeps dev-profile tests fast.

use serde::{Deserialize, Serialize};

/// A configuration that cannot be trained; the message names the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

pub type Result<T, E = ConfigError> = std::result::Result<T, E>;

/// Names accepted by [`TrainConfig::preset`].
pub const PRESET_NAMES: [&str; 3] = ["default", "reference", "tiny"];

/// Sizes of the JEPA model and of one training batch, and the loss weights.
///
/// Encoder: Conv(3→c1,k4,s2,p1)+ReLU, Conv(c1→c2,k4,s2,p1)+ReLU, Conv(c2→c3,k3,s2,p1)+ReLU,
/// flatten, Linear(→latent_dim) = h. Predictor: Linear(latent_dim+n_actions→hidden)+ReLU,
/// Linear(hidden→hidden)+ReLU, Linear(hidden→latent_dim) = dh; next h = h + dh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    /// Side of the square input frames in pixels (a multiple of 8); frames are resized to it.
    pub image_size: usize,
    /// Output channels of the three convolutions.
    pub channels: [usize; 3],
    /// Length of the latent vector h.
    pub latent_dim: usize,
    /// Width of the predictor's two hidden layers.
    pub hidden: usize,
    /// Number of discrete actions (one-hot width); dataset action ids must be below it.
    pub n_actions: usize,
    /// Frames per training sequence; the rollout has `seq_len - 1` steps.
    pub seq_len: usize,
    /// Sequences per batch.
    pub batch_size: usize,
    /// Weight of the VICReg variance term.
    pub var_weight: f64,
    /// Weight of the VICReg covariance term.
    pub cov_weight: f64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self::reference()
    }
}

impl ModelConfig {
    /// DESIGN.md's reference configuration: 32×32 frames, channels 32/64/64, h of 64, hidden 256,
    /// 5 actions, batch 64 sequences of 5 frames, loss pred + 1.0·var + 0.04·cov.
    pub fn reference() -> Self {
        Self {
            image_size: 32,
            channels: [32, 64, 64],
            latent_dim: 64,
            hidden: 256,
            n_actions: 5,
            seq_len: 5,
            batch_size: 64,
            var_weight: 1.0,
            cov_weight: 0.04,
        }
    }

    /// A very small model for tests: 16×16 frames, channels 8/16/16, h of 16, hidden 32,
    /// batch 4 sequences of 3 frames.
    pub fn tiny() -> Self {
        Self {
            image_size: 16,
            channels: [8, 16, 16],
            latent_dim: 16,
            hidden: 32,
            n_actions: 5,
            seq_len: 3,
            batch_size: 4,
            var_weight: 1.0,
            cov_weight: 0.04,
        }
    }

    /// Side of the last convolution's output (`image_size / 8`).
    pub fn final_side(&self) -> usize {
        self.image_size / 8
    }

    /// Input width of the encoder's linear layer (`c3 · (image_size/8)²`).
    pub fn flat_dim(&self) -> usize {
        self.channels[2] * self.final_side() * self.final_side()
    }

    /// Checks the sizes; the message names the offending field.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(ConfigError(format!("model config: {m}")));
        if self.image_size == 0 || !self.image_size.is_multiple_of(8) {
            return bad(format!(
                "image_size must be a positive multiple of 8, got {}",
                self.image_size
            ));
        }
        if self.channels.contains(&0) {
            return bad(format!(
                "channels must all be positive, got {:?}",
                self.channels
            ));
        }
        if self.latent_dim < 2 || self.hidden == 0 || self.n_actions == 0 {
            return bad(format!(
                "latent_dim must be ≥ 2 and hidden, n_actions positive (got {}, {}, {})",
                self.latent_dim, self.hidden, self.n_actions
            ));
        }
        if self.seq_len < 2 {
            return bad(format!("seq_len must be at least 2, got {}", self.seq_len));
        }
        if self.batch_size == 0 || self.batch_size * self.seq_len < 2 {
            return bad(format!(
                "batch_size must be positive, got {}",
                self.batch_size
            ));
        }
        if !(self.var_weight.is_finite() && self.cov_weight.is_finite()) {
            return bad("loss weights must be finite".into());
        }
        Ok(())
    }
}

/// Everything a training run needs besides the data. Missing fields in JSON/TOML take the
/// `default` preset's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    pub model: ModelConfig,
    /// Total optimizer steps of the run.
    pub steps: u64,
    /// Seeds the initial weights and the batch sampler.
    pub seed: u64,
    /// AdamW learning rate.
    pub lr: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    /// Extra checkpoint steps (besides every `checkpoint_every` steps and the final step).
    pub checkpoint_steps: Vec<u64>,
    /// A checkpoint every this many steps; 0 means none besides `checkpoint_steps` and the final one.
    pub checkpoint_every: u64,
    /// A train.csv row (and a progress `Step` event) every this many steps.
    pub log_every: u64,
    /// Run the planning evaluation at every checkpoint.
    pub plan_eval: bool,
    /// The planners that evaluation sweeps at every checkpoint, comma-separated (`graph`,
    /// `lattice`, `mpc`; empty for none): each fills its columns of planning_metrics.csv.
    pub plan_eval_planners: String,
    /// "cpu" or "cuda" (CUDA needs the crate's `cuda` feature).
    pub device: String,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            model: ModelConfig::reference(),
            steps: 5000,
            seed: 0,
            lr: 3e-4,
            weight_decay: 0.01,
            checkpoint_steps: vec![100],
            checkpoint_every: 1000,
            log_every: 10,
            plan_eval: true,
            plan_eval_planners: "graph".into(),
            device: "cpu".into(),
        }
    }
}

impl TrainConfig {
    /// The named preset (see [`PRESET_NAMES`]).
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "default" => Ok(Self::default()),
            "reference" => Ok(Self {
                model: ModelConfig::reference(),
                steps: 1000,
                ..Self::default()
            }),
            "tiny" => Ok(Self {
                model: ModelConfig::tiny(),
                steps: 20,
                checkpoint_steps: vec![10],
                checkpoint_every: 0,
                log_every: 1,
                plan_eval: false,
                ..Self::default()
            }),
            other => Err(ConfigError(format!(
                "unknown preset {other:?}; choose one of {}",
                PRESET_NAMES.join(", ")
            ))),
        }
    }

    /// The configuration as JSON, with the keys `run.json` stores.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Whether a checkpoint is written after `step`.
    pub fn is_checkpoint_step(&self, step: u64) -> bool {
        step == self.steps
            || self.checkpoint_steps.contains(&step)
            || (self.checkpoint_every > 0 && step.is_multiple_of(self.checkpoint_every))
    }

    /// Whether a train.csv row is written after `step`.
    pub fn is_log_step(&self, step: u64) -> bool {
        step == self.steps || (self.log_every > 0 && step.is_multiple_of(self.log_every))
    }

    /// The planners of `plan_eval_planners`, in order, without repeats; an unknown name is an error
    /// that lists the known ones.
    pub fn eval_planners(&self) -> Result<Vec<&'static str>> {
        let mut out: Vec<&'static str> = Vec::new();
        for name in self
            .plan_eval_planners
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let known = crate::planning_metrics::PLANNERS;
            let Some(p) = known.iter().find(|p| **p == name) else {
                return Err(ConfigError(format!(
                    "plan_eval_planners: unknown planner {name:?}; use {}",
                    known.join(", ")
                )));
            };
            if !out.contains(p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Checks the model sizes and the training settings, and that `device` names a known device
    /// (whether CUDA is available is for the model crate to find out).
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        if self.steps == 0 {
            return Err(ConfigError("train config: steps must be positive".into()));
        }
        let lr_ok = self.lr.is_finite() && self.lr > 0.0;
        let wd_ok = self.weight_decay.is_finite() && self.weight_decay >= 0.0;
        if !(lr_ok && wd_ok) {
            return Err(ConfigError(format!(
                "train config: lr must be positive and weight_decay non-negative (got {}, {})",
                self.lr, self.weight_decay
            )));
        }
        self.eval_planners()?;
        match self.device.as_str() {
            "cpu" | "cuda" => Ok(()),
            other => Err(ConfigError(format!(
                "unknown device {other:?}; use \"cpu\" or \"cuda\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_is_100_1000_then_every_1000_and_final() {
        let cfg = TrainConfig {
            steps: 2500,
            ..TrainConfig::default()
        };
        let steps: Vec<u64> = (1..=cfg.steps)
            .filter(|&s| cfg.is_checkpoint_step(s))
            .collect();
        assert_eq!(steps, vec![100, 1000, 2000, 2500]);
    }

    #[test]
    fn presets_validate_and_unknown_is_refused() {
        for name in PRESET_NAMES {
            TrainConfig::preset(name)
                .expect("preset")
                .validate()
                .expect("valid");
        }
        assert!(TrainConfig::preset("huge").is_err());
        let bad = ModelConfig {
            image_size: 20,
            ..ModelConfig::tiny()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("image_size"));
        assert_eq!(ModelConfig::reference().flat_dim(), 1024);
    }

    #[test]
    fn eval_planners_are_checked() {
        let mut cfg = TrainConfig::default();
        assert_eq!(cfg.eval_planners().unwrap(), ["graph"]);
        cfg.plan_eval_planners = "lattice, mpc,lattice".into();
        assert_eq!(cfg.eval_planners().unwrap(), ["lattice", "mpc"]);
        cfg.plan_eval_planners = String::new();
        assert!(cfg.eval_planners().unwrap().is_empty());
        cfg.plan_eval_planners = "graph,dfs".into();
        let e = cfg.validate().unwrap_err().to_string();
        assert!(
            e.contains("\"dfs\"") && e.contains("graph, lattice, mpc"),
            "{e}"
        );
    }

    #[test]
    fn missing_fields_take_defaults() {
        let cfg: TrainConfig =
            serde_json::from_str(r#"{"steps": 7, "model": {"batch_size": 3}}"#).expect("parse");
        assert_eq!(cfg.steps, 7);
        assert_eq!(cfg.model.batch_size, 3);
        assert_eq!(cfg.model.image_size, 32);
        assert!((cfg.lr - 3e-4).abs() < 1e-12);
    }
}
