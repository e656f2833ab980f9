//! The training loop: synchronous and cancellable. Batches are prepared ahead on another thread;
//! every `log_every` steps a row goes to `metrics/train.csv`; at each scheduled checkpoint step
//! `checkpoints/step_XXXXXX.safetensors` and `last.safetensors` are written and (with
//! `plan_eval`) the checkpoint is evaluated into `metrics/planning_metrics.csv`.
//!
//! Cancellation: the flag is checked before every step; when set, `last.safetensors` is written
//! at the current step and [`train`] returns `Err(ModelError::Cancelled)`; `train(…, resume =
//! true, …)` continues from there with the same batches and losses as an uninterrupted run.

pub mod bench;
pub mod encoder;
mod eval_hook;
pub mod peak;
pub mod sampler;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::Tensor;
use serde::{Deserialize, Serialize};
use worldbench_storage::failpoint;
use worldbench_storage::metrics::{merge_planning_rows, read_csv_whole_lines, CsvAppender};
use worldbench_storage::{Dataset, PlanningRow, RunPaths, StorageError, TrainRow};

pub use bench::{bench_train, bench_train_on, BenchTrainReport};
pub use encoder::JepaEncoder;
pub use sampler::{SamplerState, TrainData};

use crate::checkpoint::{self, Checkpoint};
use crate::config::{CandleDevice, TrainConfig};
use crate::error::{ModelError, Result};
use crate::nn::jepa::h_stats;
use crate::nn::{AdamW, AdamWParams, Jepa};
use crate::planners::PlannerFailure;

/// Progress of a training run, printed by the app as JSON lines (`{"event": "step", …}`) and read
/// back by the GUI; fields other than steps, losses and paths default when a line lacks them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainEvent {
    Started {
        total_steps: u64,
        /// Steps already done (non-zero when resuming).
        #[serde(default)]
        start_step: u64,
        #[serde(default)]
        device: String,
        /// Number of distinct training sequences in the dataset.
        #[serde(default)]
        num_sequences: usize,
        #[serde(default)]
        num_params: usize,
    },
    Step {
        step: u64,
        total_steps: u64,
        loss: f64,
        #[serde(default)]
        loss_pred: f64,
        #[serde(default)]
        loss_var: f64,
        #[serde(default)]
        loss_cov: f64,
        #[serde(default)]
        steps_per_s: f64,
        #[serde(default)]
        eta_secs: f64,
    },
    Checkpoint {
        step: u64,
        path: PathBuf,
    },
    Eval {
        /// Boxed: a row is much larger than the other events.
        row: Box<PlanningRow>,
    },
    /// A planner of `plan_eval_planners` that cannot be built on the checkpoint of `step` (e.g.
    /// `lattice` when a move has no latent delta): left out, its columns of the row empty.
    PlannerSkipped {
        step: u64,
        planner: String,
        error: String,
    },
    Finished {
        step: u64,
        #[serde(default)]
        final_loss: f64,
        #[serde(default)]
        wall_secs: f64,
        #[serde(default)]
        steps_per_s: f64,
    },
}

/// What a completed run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSummary {
    /// The last step trained (the config's `steps`).
    pub final_step: u64,
    pub start_step: u64,
    /// Total loss of the last step.
    pub final_loss: f64,
    /// Seconds spent in this call.
    pub wall_secs: f64,
    /// Steps per second of this call (steps trained / wall seconds).
    pub steps_per_s: f64,
    /// Checkpoint files written by this call (step files; `last` is always written too).
    pub checkpoints: Vec<PathBuf>,
    pub last_checkpoint: PathBuf,
    /// All planning rows of the run so far.
    pub planning: Vec<PlanningRow>,
    /// Bytes this call wrote to `metrics/train.csv` (appended rows, and the cut-back on resume).
    pub train_csv_bytes: u64,
}

/// Model, optimizer and the rows of a run, fresh or restored from `last`.
struct RunState {
    model: Jepa,
    opt: AdamW,
    step: u64,
    rows: Vec<TrainRow>,
    planning: Vec<PlanningRow>,
}

fn storage_err(path: &std::path::Path, e: std::io::Error) -> ModelError {
    ModelError::Storage(StorageError::io(path, e))
}

/// Rows of `path` up to `step` (none when the file does not exist; a torn last line is left out).
fn rows_up_to<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    step: u64,
    step_of: impl Fn(&T) -> u64,
) -> Result<Vec<T>> {
    let rows: Vec<T> = read_csv_whole_lines(path)?;
    Ok(rows.into_iter().filter(|r| step_of(r) <= step).collect())
}

fn restore(cfg: &TrainConfig, run: &RunPaths, device: &candle_core::Device) -> Result<RunState> {
    let path = run.last_checkpoint();
    let ck = checkpoint::load(&path)?;
    let name = path.display().to_string();
    if ck.config.model != cfg.model {
        return Err(ModelError::Invalid(format!(
            "cannot resume from {name}: it was trained with a different model config ({})",
            serde_json::to_string(&ck.config.model).unwrap_or_default()
        )));
    }
    if ck.seed != cfg.seed {
        return Err(ModelError::Invalid(format!(
            "cannot resume from {name}: it was trained with seed {}, the config says {}",
            ck.seed, cfg.seed
        )));
    }
    if ck.step > cfg.steps {
        return Err(ModelError::Invalid(format!(
            "cannot resume from {name}: it is at step {}, beyond the config's {} steps",
            ck.step, cfg.steps
        )));
    }
    if ck.moments.is_empty() {
        return Err(ModelError::Invalid(format!(
            "cannot resume from {name}: it holds no optimizer state"
        )));
    }
    let model = Jepa::from_values(&cfg.model, &ck.weights, device, &name)?;
    let mut opt = AdamW::new(model.params(), AdamWParams::new(cfg.lr, cfg.weight_decay))?;
    opt.load_state(ck.optim_step, &ck.moments, &name)?;
    let rows = rows_up_to(&run.train_csv(), ck.step, |r: &TrainRow| r.step)?;
    let planning = rows_up_to(&run.planning_csv(), ck.step, |r: &PlanningRow| r.step)?;
    Ok(RunState {
        model,
        opt,
        step: ck.step,
        rows,
        planning,
    })
}

fn checkpoint_of(cfg: &TrainConfig, st: &RunState) -> Result<Checkpoint> {
    Ok(Checkpoint {
        step: st.step,
        optim_step: st.opt.step_count,
        seed: cfg.seed,
        sampler: SamplerState::new(cfg.seed, st.step + 1),
        config: cfg.clone(),
        weights: st.model.values()?,
        moments: st.opt.moment_values()?,
    })
}

/// Trains `cfg.steps` steps on `data`, writing metrics and checkpoints into `run`. With
/// `resume`, continues from `checkpoints/last.safetensors` (rows after its step are dropped).
/// Returns `Err(ModelError::Cancelled)` after writing `last` when `cancel` is set.
pub fn train(
    cfg: &TrainConfig,
    data: &Dataset,
    run: &RunPaths,
    resume: bool,
    progress: &mut dyn FnMut(TrainEvent),
    cancel: &AtomicBool,
) -> Result<TrainSummary> {
    cfg.validate()?;
    let device = cfg.candle_device()?;
    crate::nn::alloc::tune_allocator();
    run.create_dirs().map_err(|e| storage_err(run.root(), e))?;
    let td = TrainData::new(data, &cfg.model)?;
    let mut st = if resume {
        restore(cfg, run, &device)?
    } else {
        let model = Jepa::new(&cfg.model, cfg.seed, &device)?;
        let opt = AdamW::new(model.params(), AdamWParams::new(cfg.lr, cfg.weight_decay))?;
        RunState {
            model,
            opt,
            step: 0,
            rows: Vec::new(),
            planning: Vec::new(),
        }
    };
    let start_step = st.step;
    let mut train_csv = CsvAppender::open(&run.train_csv(), &st.rows)?;
    progress(TrainEvent::Started {
        total_steps: cfg.steps,
        start_step,
        device: cfg.device.clone(),
        num_sequences: td.num_sequences(),
        num_params: st.model.params().iter().map(|(_, v)| v.elem_count()).sum(),
    });
    if resume && cfg.plan_eval {
        // A run killed between a checkpoint and its evaluation has no row for it: evaluate every
        // checkpoint up to `last` that has none, before training goes on.
        evaluate_missing(cfg, data, run, &device, &mut st, progress)?;
    }
    let t_start = Instant::now();
    let wall_offset = st.rows.last().map_or(0.0, |r| r.wall_s);
    let mut checkpoints = Vec::new();
    let mut final_loss = st.rows.last().map_or(f64::NAN, |r| r.loss);
    let stop = AtomicBool::new(false);
    let (b, t, a, s) = (
        cfg.model.batch_size,
        cfg.model.seq_len,
        cfg.model.n_actions,
        cfg.model.image_size,
    );
    let outcome = std::thread::scope(|scope| -> Result<()> {
        let rx = td.prefetch(scope, cfg.seed, start_step + 1, cfg.steps, &stop);
        let mut window = (Instant::now(), st.step);
        while st.step < cfg.steps {
            if cancel.load(Ordering::Relaxed) {
                stop.store(true, Ordering::Relaxed);
                checkpoint::save(&run.last_checkpoint(), &checkpoint_of(cfg, &st)?)?;
                return Err(ModelError::Cancelled);
            }
            let batch = rx
                .recv()
                .map_err(|_| ModelError::Invalid("the batch thread stopped unexpectedly".into()))?;
            let step = st.step + 1;
            debug_assert_eq!(batch.step, step);
            let frames = Tensor::from_vec(batch.frames, (b * t, s, s, 3), &device)?;
            let actions = Tensor::from_vec(batch.actions, (b, t - 1, a), &device)?;
            let parts = st.model.loss(&frames, &actions)?;
            let grads = parts.total.backward()?;
            st.opt.step(&grads)?;
            st.step = step;
            if cfg.is_log_step(step) {
                let scalar = |x: &Tensor| -> Result<f64> { Ok(f64::from(x.to_scalar::<f32>()?)) };
                let loss = scalar(&parts.total)?;
                if !loss.is_finite() {
                    return Err(ModelError::Invalid(format!(
                        "the loss became {loss} at step {step}; lower lr"
                    )));
                }
                final_loss = loss;
                let (h_std, h_norm) = h_stats(&parts.h)?;
                let dt = window.0.elapsed().as_secs_f64();
                let steps_per_s = (step - window.1) as f64 / dt.max(1e-9);
                window = (Instant::now(), step);
                let row = TrainRow {
                    step,
                    wall_s: wall_offset + t_start.elapsed().as_secs_f64(),
                    loss,
                    loss_pred: scalar(&parts.pred)?,
                    loss_var: scalar(&parts.var)?,
                    loss_cov: scalar(&parts.cov)?,
                    lr: cfg.lr,
                    h_std,
                    h_norm,
                    steps_per_s,
                };
                progress(TrainEvent::Step {
                    step,
                    total_steps: cfg.steps,
                    loss,
                    loss_pred: row.loss_pred,
                    loss_var: row.loss_var,
                    loss_cov: row.loss_cov,
                    steps_per_s,
                    eta_secs: (cfg.steps - step) as f64 / steps_per_s.max(1e-9),
                });
                train_csv.append(&row)?;
                st.rows.push(row);
                failpoint::hit("after_log", &step);
            }
            if cfg.is_checkpoint_step(step) {
                // The rows up to this checkpoint are durable before the checkpoint says they exist.
                train_csv.sync()?;
                let ck = checkpoint_of(cfg, &st)?;
                let bytes = checkpoint::to_bytes(&ck)?;
                let path = run.checkpoint(step);
                worldbench_storage::atomic::write_atomic(&path, &bytes)?;
                worldbench_storage::atomic::write_atomic(&run.last_checkpoint(), &bytes)?;
                progress(TrainEvent::Checkpoint {
                    step,
                    path: path.clone(),
                });
                checkpoints.push(path);
                failpoint::hit("after_checkpoint", &step);
                if cfg.plan_eval {
                    let (row, skipped) = evaluate_weights(cfg, data, &device, &ck.weights, step)?;
                    record_row(run, &mut st, row, skipped, progress)?;
                }
                // The step timer excludes checkpoint and evaluation time.
                window.0 = Instant::now();
            }
        }
        stop.store(true, Ordering::Relaxed);
        Ok(())
    });
    outcome?;
    if checkpoints.is_empty() {
        // Resumed at the final step: nothing trained, make sure `last` is current.
        checkpoint::save(&run.last_checkpoint(), &checkpoint_of(cfg, &st)?)?;
    }
    let wall_secs = t_start.elapsed().as_secs_f64();
    let steps_per_s = (st.step - start_step) as f64 / wall_secs.max(1e-9);
    progress(TrainEvent::Finished {
        step: st.step,
        final_loss,
        wall_secs,
        steps_per_s,
    });
    Ok(TrainSummary {
        final_step: st.step,
        start_step,
        final_loss,
        wall_secs,
        steps_per_s,
        checkpoints,
        last_checkpoint: run.last_checkpoint(),
        planning: st.planning,
        train_csv_bytes: train_csv.bytes_written,
    })
}

/// The planning row of the weights of `step`, and the planners that could not be built on them.
fn evaluate_weights(
    cfg: &TrainConfig,
    data: &Dataset,
    device: &candle_core::Device,
    weights: &[crate::checkpoint::NamedValues],
    step: u64,
) -> Result<(PlanningRow, Vec<PlannerFailure>)> {
    let encoder = JepaEncoder::new(Jepa::from_values(
        &cfg.model,
        weights,
        device,
        "checkpoint",
    )?);
    let planners = cfg
        .eval_planners()
        .map_err(|e| crate::error::ModelError::Invalid(e.to_string()))?;
    eval_hook::evaluate(&encoder, data, step, cfg.seed, &planners)
}

/// Merges `row` into planning_metrics.csv (under its lock, keeping other writers' rows) and into
/// the run's rows, and reports it (after the planners `skipped` on its checkpoint).
fn record_row(
    run: &RunPaths,
    st: &mut RunState,
    row: PlanningRow,
    skipped: Vec<PlannerFailure>,
    progress: &mut dyn FnMut(TrainEvent),
) -> Result<()> {
    let step = row.step;
    for f in skipped {
        progress(TrainEvent::PlannerSkipped {
            step,
            planner: f.planner,
            error: f.error,
        });
    }
    merge_planning_rows(&run.planning_csv(), std::slice::from_ref(&row))?;
    st.planning.retain(|r| r.step != step);
    st.planning.push(row.clone());
    st.planning.sort_by_key(|r| r.step);
    progress(TrainEvent::Eval { row: Box::new(row) });
    failpoint::hit("after_eval", &step);
    Ok(())
}

/// Evaluates the step checkpoints up to the restored step that have no planning row.
fn evaluate_missing(
    cfg: &TrainConfig,
    data: &Dataset,
    run: &RunPaths,
    device: &candle_core::Device,
    st: &mut RunState,
    progress: &mut dyn FnMut(TrainEvent),
) -> Result<()> {
    let missing: Vec<u64> = (1..=st.step)
        .filter(|&s| cfg.is_checkpoint_step(s))
        .filter(|&s| st.planning.iter().all(|r| r.step != s))
        .filter(|&s| run.checkpoint(s).is_file())
        .collect();
    for step in missing {
        let ck = checkpoint::load(&run.checkpoint(step))?;
        let (row, skipped) = evaluate_weights(cfg, data, device, &ck.weights, step)?;
        record_row(run, st, row, skipped, progress)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
