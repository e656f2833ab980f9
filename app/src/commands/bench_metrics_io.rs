//! `worldbench bench metrics-io`: what a run's `metrics/train.csv` costs the disk, for the schedule
//! of a preset, written the way the trainer writes it now (one appended line per logged step, an
//! fsync at each checkpoint) against the way it did before (the whole file rewritten atomically,
//! with its fsyncs, after every logged step). Both run here, in one command, on this disk.

use std::time::Instant;

use anyhow::{bail, Result};
use serde::Serialize;
use worldbench_model::config::TrainConfig;
use worldbench_storage::metrics::{write_csv, CsvAppender};
use worldbench_storage::TrainRow;

use crate::cli::BenchMetricsIoArgs;

#[derive(Debug, Serialize)]
struct Strategy {
    name: &'static str,
    bytes_written: u64,
    fsyncs: u64,
    wall_secs: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    preset: String,
    steps: u64,
    rows: u64,
    checkpoints: u64,
    final_file_bytes: u64,
    strategies: Vec<Strategy>,
}

/// A row as the trainer writes one: shortest round-trip decimals of f32 values.
fn row(step: u64) -> TrainRow {
    let x = step as f64;
    let f = |v: f64| f64::from(v as f32);
    TrainRow {
        step,
        wall_s: f(x * 0.041_7),
        loss: f(1.0 + 1.0 / (1.0 + x * 0.01)),
        loss_pred: f(0.1 / (1.0 + x * 0.013)),
        loss_var: f(0.5 / (1.0 + x * 0.007)),
        loss_cov: f(3.0 + (x * 0.1).sin()),
        lr: 3e-4,
        h_std: f(0.8 + 0.01 * (x * 0.3).cos()),
        h_norm: f(7.9 + 0.1 * (x * 0.2).sin()),
        steps_per_s: f(24.0 + (x * 0.05).sin()),
    }
}

pub fn run(args: &BenchMetricsIoArgs) -> Result<()> {
    let mut cfg = TrainConfig::preset(&args.preset)?;
    cfg.steps = args.steps;
    let logged: Vec<u64> = (1..=cfg.steps).filter(|&s| cfg.is_log_step(s)).collect();
    let checkpoints = (1..=cfg.steps)
        .filter(|&s| cfg.is_checkpoint_step(s))
        .count() as u64;
    let dir = tempfile::Builder::new()
        .prefix("worldbench-metrics-io-")
        .tempdir_in(
            args.dir
                .as_deref()
                .unwrap_or(std::env::temp_dir().as_path()),
        )?;

    // Before: the whole file after every logged row (write_atomic: file fsync + folder fsync).
    let before_path = dir.path().join("rewrite.csv");
    let t = Instant::now();
    let mut rows = Vec::with_capacity(logged.len());
    let mut before_bytes = 0u64;
    for &step in &logged {
        rows.push(row(step));
        write_csv(&before_path, &rows)?;
        before_bytes += std::fs::metadata(&before_path)?.len();
    }
    let before = Strategy {
        name: "rewrite the file at every logged step (before)",
        bytes_written: before_bytes,
        fsyncs: 2 * logged.len() as u64,
        wall_secs: t.elapsed().as_secs_f64(),
    };

    // Now: append each row, fsync at each checkpoint.
    let after_path = dir.path().join("append.csv");
    let t = Instant::now();
    let mut app = CsvAppender::<TrainRow>::open(&after_path, &[])?;
    let mut syncs = 0;
    for step in 1..=cfg.steps {
        if cfg.is_log_step(step) {
            app.append(&row(step))?;
        }
        if cfg.is_checkpoint_step(step) {
            app.sync()?;
            syncs += 1;
        }
    }
    let after = Strategy {
        name: "append each row, fsync at checkpoints (now)",
        bytes_written: app.bytes_written,
        fsyncs: syncs,
        wall_secs: t.elapsed().as_secs_f64(),
    };
    drop(app);
    let (a, b) = (std::fs::read(&after_path)?, std::fs::read(&before_path)?);
    if a != b {
        bail!("the appended train.csv differs from the rewritten one: a bug in the appender");
    }
    let report = Report {
        preset: args.preset.clone(),
        steps: cfg.steps,
        rows: logged.len() as u64,
        checkpoints,
        final_file_bytes: a.len() as u64,
        strategies: vec![before, after],
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "train.csv of a {}-step `{}` run: {} rows, {} checkpoints, {} bytes in the end (both ways byte-identical)",
        report.steps, report.preset, report.rows, report.checkpoints, report.final_file_bytes
    );
    println!(
        "{:<50} {:>14} {:>8} {:>10}",
        "", "bytes written", "fsyncs", "wall s"
    );
    for s in &report.strategies {
        println!(
            "{:<50} {:>14} {:>8} {:>10.3}",
            s.name, s.bytes_written, s.fsyncs, s.wall_secs
        );
    }
    let [b, a] = [&report.strategies[0], &report.strategies[1]];
    println!(
        "ratio: {:.0}× fewer bytes, {:.0}× fewer fsyncs, {:.1}× less time",
        b.bytes_written as f64 / a.bytes_written.max(1) as f64,
        b.fsyncs as f64 / a.fsyncs.max(1) as f64,
        b.wall_secs / a.wall_secs.max(1e-9)
    );
    Ok(())
}
