//! Tests of the training loop on the tiny preset and hand-made data.

use std::sync::atomic::AtomicBool;

use super::sampler::tests::synthetic_dataset;
use super::*;
use crate::encoder::FrameEncoder;
use worldbench_storage::metrics::read_csv;

fn tiny_cfg(steps: u64) -> TrainConfig {
    TrainConfig {
        steps,
        checkpoint_steps: vec![4, 8],
        checkpoint_every: 0,
        log_every: 1,
        plan_eval: false,
        ..TrainConfig::preset("tiny").expect("tiny")
    }
}

/// A run folder in a fresh temporary directory (dropped with the returned guard).
fn temp_run() -> (tempfile::TempDir, RunPaths) {
    let dir = tempfile::tempdir().expect("tmp");
    let run = RunPaths::new(dir.path());
    (dir, run)
}

/// Trains without watching events and without cancelling.
fn train_quietly(
    cfg: &TrainConfig,
    data: &Dataset,
    run: &RunPaths,
    resume: bool,
) -> Result<TrainSummary> {
    train(cfg, data, run, resume, &mut |_| {}, &AtomicBool::new(false))
}

fn losses(run: &RunPaths) -> Vec<(u64, f64)> {
    let rows: Vec<TrainRow> = read_csv(&run.train_csv()).expect("train.csv");
    rows.iter().map(|r| (r.step, r.loss)).collect()
}

#[test]
fn tiny_training_writes_rows_scheduled_checkpoints_and_last() {
    let (_dir, run) = temp_run();
    let data = synthetic_dataset(4, 6, 20);
    let mut events = Vec::new();
    let summary = train(
        &tiny_cfg(10),
        &data,
        &run,
        false,
        &mut |e| events.push(e),
        &AtomicBool::new(false),
    )
    .expect("train");
    assert_eq!(summary.final_step, 10);
    let names: Vec<String> = summary
        .checkpoints
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "step_000004.safetensors",
            "step_000008.safetensors",
            "step_000010.safetensors"
        ]
    );
    let last = checkpoint::load(&run.last_checkpoint()).expect("last");
    assert_eq!(
        (last.step, last.optim_step, last.sampler.next_step),
        (10, 10, 11)
    );
    let rows = losses(&run);
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    assert!(rows.iter().all(|r| r.1.is_finite()));
    assert!(matches!(
        events.first(),
        Some(TrainEvent::Started {
            total_steps: 10,
            start_step: 0,
            ..
        })
    ));
    assert!(matches!(
        events.last(),
        Some(TrainEvent::Finished { step: 10, .. })
    ));
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, TrainEvent::Checkpoint { .. }))
            .count(),
        3
    );
    // The event JSON carries its tag.
    let json = serde_json::to_string(&events[0]).expect("json");
    assert!(json.starts_with(r#"{"event":"started""#), "{json}");
    // The encoder of the final checkpoint encodes frames of any size.
    let enc = JepaEncoder::from_checkpoint(&run.last_checkpoint(), &candle_core::Device::Cpu)
        .expect("encoder");
    let h = enc
        .encode(&data.frames[..2 * data.frame_bytes()], 20, 20)
        .expect("encode");
    assert_eq!(h.len(), 2 * enc.dim());
}

#[test]
fn training_reduces_the_loss() {
    let (_dir, run) = temp_run();
    let data = synthetic_dataset(4, 6, 16);
    let cfg = TrainConfig {
        lr: 1e-3,
        ..tiny_cfg(30)
    };
    train_quietly(&cfg, &data, &run, false).expect("train");
    let rows: Vec<TrainRow> = read_csv(&run.train_csv()).expect("rows");
    let first: f64 = rows[..5].iter().map(|r| r.loss).sum();
    let last: f64 = rows[rows.len() - 5..].iter().map(|r| r.loss).sum();
    assert!(last < first, "loss did not fall: {first} → {last}");
    // The variance term falls as the encoder spreads h.
    assert!(rows[rows.len() - 1].loss_var < rows[0].loss_var);
}

#[test]
fn resumed_run_has_the_losses_of_an_uninterrupted_run() {
    let data = synthetic_dataset(4, 6, 16);
    let (_full_dir, full) = temp_run();
    train_quietly(&tiny_cfg(12), &data, &full, false).expect("full");

    let (_part_dir, part) = temp_run();
    train_quietly(&tiny_cfg(6), &data, &part, false).expect("first half");
    let summary = train_quietly(&tiny_cfg(12), &data, &part, true).expect("resume");
    assert_eq!((summary.start_step, summary.final_step), (6, 12));

    let (a, b) = (losses(&full), losses(&part));
    assert_eq!(a.len(), 12);
    assert_eq!(
        a.iter().map(|r| r.0).collect::<Vec<_>>(),
        b.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    for ((step, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            (x - y).abs() <= 1e-6 * x.abs().max(1.0),
            "step {step}: {x} vs {y}"
        );
    }
}

#[test]
fn cancel_writes_last_and_resume_continues() {
    let (_dir, run) = temp_run();
    let data = synthetic_dataset(3, 5, 16);
    let cancel = AtomicBool::new(false);
    let mut seen = 0;
    let err = train(
        &tiny_cfg(10),
        &data,
        &run,
        false,
        &mut |e| {
            if let TrainEvent::Step { step: 3, .. } = e {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            seen += 1;
        },
        &cancel,
    )
    .expect_err("cancelled");
    assert!(matches!(err, ModelError::Cancelled));
    assert!(seen > 0);
    assert_eq!(
        checkpoint::load(&run.last_checkpoint()).expect("last").step,
        3
    );
    let summary = train_quietly(&tiny_cfg(10), &data, &run, true).expect("resume");
    assert_eq!((summary.start_step, summary.final_step), (3, 10));
    assert_eq!(losses(&run).len(), 10);
}

#[test]
fn resume_refuses_a_missing_or_mismatched_checkpoint() {
    let (_dir, run) = temp_run();
    let data = synthetic_dataset(3, 5, 16);
    let err = train_quietly(&tiny_cfg(4), &data, &run, true).expect_err("no last");
    assert!(err.to_string().contains("last.safetensors"), "{err}");
    train_quietly(&tiny_cfg(4), &data, &run, false).expect("train");
    let mut other = tiny_cfg(8);
    other.model.hidden = 16;
    let err = train_quietly(&other, &data, &run, true).expect_err("mismatch");
    assert!(err.to_string().contains("different model config"), "{err}");
}

#[test]
fn plan_eval_writes_a_planning_row_per_checkpoint() {
    let (_dir, run) = temp_run();
    let data =
        crate::world::generate_dataset(crate::world::Preset::RandomWalk, 3, Some(30), 1, None)
            .expect("data");
    let cfg = TrainConfig {
        plan_eval: true,
        ..tiny_cfg(8)
    };
    let mut evals = 0;
    let summary = train(
        &cfg,
        &data,
        &run,
        false,
        &mut |e| {
            if matches!(e, TrainEvent::Eval { .. }) {
                evals += 1;
            }
        },
        &AtomicBool::new(false),
    )
    .expect("train");
    assert_eq!(evals, 2);
    let rows: Vec<PlanningRow> = read_csv(&run.planning_csv()).expect("planning csv");
    assert_eq!(rows.iter().map(|r| r.step).collect::<Vec<_>>(), vec![4, 8]);
    assert_eq!(summary.planning, rows);
    assert!(rows.iter().all(|r| r.num_nodes_h >= 1));
}
