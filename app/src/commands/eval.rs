//! `worldbench eval`: planning metrics of checkpoints, merged into metrics/planning_metrics.csv.
//!
//! Rows are keyed by step: `--checkpoint last` evaluates `last.safetensors` as the step its metadata
//! holds, and a row of a step already in the file is replaced, never added twice.

use anyhow::{Context, Result};
use worldbench_model::checkpoint;
use worldbench_model::eval::evaluate_checkpoint;
use worldbench_model::train::JepaEncoder;
use worldbench_storage::metrics::{read_csv, write_csv};
use worldbench_storage::PlanningRow;

use super::run_checkpoint::{open_run, select_checkpoints};
use crate::cli::EvalArgs;

pub fn run(args: &EvalArgs) -> Result<()> {
    let run = open_run(&args.run)?;
    let paths = select_checkpoints(&run.paths, &args.checkpoint)?;
    let mut rows = Vec::new();
    for path in &paths {
        let ckpt = checkpoint::load(path)?;
        let encoder = JepaEncoder::from_checkpoint(path, &ckpt.config.candle_device()?)?;
        let row = evaluate_checkpoint(&encoder, &run.data, &run.world, ckpt.step, ckpt.seed)
            .with_context(|| format!("evaluating {}", path.display()))?;
        if !args.json {
            eprintln!("evaluated {} (step {})", path.display(), ckpt.step);
        }
        rows.push(row);
    }
    merge_rows(&run.paths.planning_csv(), &rows)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_table(&rows);
    }
    Ok(())
}

/// Replaces the rows of the same steps in the CSV and keeps the others, in step order.
fn merge_rows(csv: &std::path::Path, new: &[PlanningRow]) -> Result<()> {
    let mut all: Vec<PlanningRow> = if worldbench_storage::files::present(csv) {
        read_csv(csv)?
    } else {
        Vec::new()
    };
    all.retain(|r| new.iter().all(|n| n.step != r.step));
    all.extend_from_slice(new);
    all.sort_by_key(|r| r.step);
    write_csv(csv, &all)?;
    Ok(())
}

pub fn print_table(rows: &[PlanningRow]) {
    println!(
        "{:>7} {:>6} {:>6} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9} {:>7} {:>7}",
        "step",
        "nodes",
        "edges",
        "reach_md",
        "reach_10",
        "reach_90",
        "local",
        "test1",
        "test2",
        "radius",
        "secs"
    );
    for r in rows {
        println!(
            "{:>7} {:>6} {:>6} {:>8.3} {:>8.3} {:>8.3} {:>7.3} {:>9} {:>9} {:>7.4} {:>7.2}",
            r.step,
            r.num_nodes_h,
            r.num_edges_h,
            r.reach_h_median,
            r.reach_h_p10,
            r.reach_h_p90,
            r.h_local_success,
            format!(
                "{} ({})",
                if r.test1_success == 1 { "ok" } else { "FAIL" },
                r.test1_steps
            ),
            format!(
                "{} ({})",
                if r.test2_success == 1 { "ok" } else { "FAIL" },
                r.test2_steps
            ),
            r.merge_radius,
            r.eval_secs
        );
    }
}
