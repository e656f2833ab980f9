//! `mpc`: model-predictive control in latent space with the trained predictor. The cross-entropy
//! method keeps one categorical distribution over the actions per step of the horizon; each
//! iteration samples `samples` sequences, rolls them out with the predictor (one batch of
//! `samples` rows per step), scores each by `min_t ‖ĥ_t − h_goal‖ + running_weight · mean_t ‖ĥ_t −
//! h_goal‖`, and refits the distributions to the `elites` cheapest. The first action of the
//! cheapest sequence seen is executed; the next frame is encoded and planning starts again.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{execute, l2, Outcome, Planner, Predictor};
use crate::error::{ModelError, Result};
use crate::world::{action, Tile, World};

/// Settings of the CEM planner.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MpcConfig {
    /// Actions per sampled sequence.
    pub horizon: usize,
    /// Sequences sampled per iteration.
    pub samples: usize,
    /// CEM iterations per plan step.
    pub iterations: usize,
    /// Cheapest sequences the distributions are refitted to.
    pub elites: usize,
    /// Weight of the mean distance over the horizon beside the smallest one.
    pub running_weight: f32,
    /// Seed of the sampling (each plan step draws from the same stream).
    pub seed: u64,
}

impl Default for MpcConfig {
    fn default() -> Self {
        Self {
            horizon: 16,
            samples: 128,
            iterations: 4,
            elites: 16,
            running_weight: 0.1,
            seed: 0,
        }
    }
}

impl MpcConfig {
    fn check(&self) -> Result<()> {
        if self.horizon == 0 || self.samples == 0 || self.iterations == 0 {
            return Err(ModelError::Invalid(
                "mpc: horizon, samples and iterations must be at least 1".into(),
            ));
        }
        if self.elites == 0 || self.elites > self.samples {
            return Err(ModelError::Invalid(format!(
                "mpc: elites must be in 1..={} (the samples), got {}",
                self.samples, self.elites
            )));
        }
        Ok(())
    }
}

/// CEM over action sequences with a [`Predictor`].
pub struct MpcPlanner<'a> {
    model: &'a dyn Predictor,
    cfg: MpcConfig,
    rng: ChaCha8Rng,
    /// Predictor calls made (one per horizon step per iteration), for the cost per plan step.
    pub predictor_calls: u64,
}

impl<'a> MpcPlanner<'a> {
    pub fn new(model: &'a dyn Predictor, cfg: MpcConfig) -> Result<Self> {
        cfg.check()?;
        Ok(Self {
            model,
            cfg,
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            predictor_calls: 0,
        })
    }

    /// The cheapest action sequence found from `h` toward `goal`, and its cost.
    pub fn plan(&mut self, h: &[f32], goal: &[f32]) -> Result<(Vec<u8>, f32)> {
        let (hz, s, dim) = (self.cfg.horizon, self.cfg.samples, self.model.dim());
        let mut probs = vec![[1.0f64 / action::COUNT as f64; action::COUNT]; hz];
        let mut best: (Vec<u8>, f32) = (Vec::new(), f32::INFINITY);
        for _ in 0..self.cfg.iterations {
            // seqs[i * hz + t]: action t of sequence i.
            let mut seqs = vec![0u8; s * hz];
            for (t, p) in probs.iter().enumerate() {
                for i in 0..s {
                    let mut u: f64 = self.rng.random();
                    let mut a = action::COUNT - 1;
                    for (k, &q) in p.iter().enumerate() {
                        if u < q {
                            a = k;
                            break;
                        }
                        u -= q;
                    }
                    seqs[i * hz + t] = a as u8;
                }
            }
            let mut cur: Vec<f32> = h.repeat(s);
            let mut min_d = vec![f32::INFINITY; s];
            let mut sum_d = vec![0f32; s];
            for t in 0..hz {
                let acts: Vec<u8> = (0..s).map(|i| seqs[i * hz + t]).collect();
                cur = self.model.predict(&cur, &acts)?;
                self.predictor_calls += 1;
                if cur.len() != s * dim {
                    return Err(ModelError::Invalid(format!(
                        "mpc: the predictor returned {} floats for {s} rows of {dim}",
                        cur.len()
                    )));
                }
                for i in 0..s {
                    let d = l2(&cur[i * dim..(i + 1) * dim], goal);
                    min_d[i] = min_d[i].min(d);
                    sum_d[i] += d;
                }
            }
            let w = self.cfg.running_weight;
            let cost: Vec<f32> = (0..s)
                .map(|i| min_d[i] + w * sum_d[i] / hz as f32)
                .collect();
            let mut order: Vec<usize> = (0..s).collect();
            order.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(a.cmp(&b)));
            if cost[order[0]] < best.1 {
                best = (
                    seqs[order[0] * hz..(order[0] + 1) * hz].to_vec(),
                    cost[order[0]],
                );
            }
            let elites = &order[..self.cfg.elites];
            for (t, p) in probs.iter_mut().enumerate() {
                let mut counts = [0.05f64; action::COUNT];
                for &i in elites {
                    counts[seqs[i * hz + t] as usize] += 1.0;
                }
                let total: f64 = counts.iter().sum();
                for (q, c) in p.iter_mut().zip(counts) {
                    *q = c / total;
                }
            }
        }
        Ok(best)
    }
}

impl Planner for MpcPlanner<'_> {
    fn name(&self) -> &'static str {
        "mpc"
    }

    fn run(&mut self, world: &World, start: Tile, goal: Tile) -> Result<Outcome> {
        let model = self.model;
        execute(model, world, start, goal, |h, g| {
            let (seq, _) = self.plan(h, g)?;
            Ok(seq.first().copied())
        })
    }
}
