//! `worldbench eval`: planning metrics of checkpoints, merged into metrics/planning_metrics.csv.
//!
//! Rows are keyed by step: `--checkpoint last` evaluates `last.safetensors` as the step its metadata
//! holds, and a row of a step already in the file is replaced, never added twice.

use anyhow::{Context, Result};
use worldbench_model::checkpoint;
use worldbench_model::config::CandleDevice;
use worldbench_model::eval::{encode_dataset, evaluate, HGraph};
use worldbench_model::planners::{random_pairs, sweep, sweep_dataset, write_sweeps, PlannerSweep};
use worldbench_model::train::JepaEncoder;
use worldbench_model::world::layouts::parse_layout_seeds;
use worldbench_model::world::World;
use worldbench_model::FrameEncoder;
use worldbench_storage::files::present;
use worldbench_storage::metrics::{merge_planning_rows, read_csv, PlannerColumns};
use worldbench_storage::planning_metrics::{self, PlanningMetric, Shown, STEP};
use worldbench_storage::PlanningRow;

use super::run_checkpoint::select_checkpoints;
use crate::cli::EvalArgs;
use crate::run_context::open_run;

pub fn run(args: &EvalArgs) -> Result<()> {
    if let Some(spec) = &args.layouts {
        return held_out(args, spec);
    }
    let kinds = super::planners::kinds(&args.planners)?;
    let run = open_run(&args.run)?;
    let paths = select_checkpoints(&run.paths, &args.checkpoint)?;
    let mut rows = Vec::new();
    // Per row: the planners that could not be built on its checkpoint, and why.
    let mut row_failures = Vec::new();
    for path in &paths {
        let ckpt = checkpoint::load(path)?;
        let encoder = JepaEncoder::from_checkpoint(path, &ckpt.config.candle_device()?)?;
        let started = std::time::Instant::now();
        let ev = evaluate(&encoder, &run.data, &run.world, ckpt.step, ckpt.seed)
            .with_context(|| format!("evaluating {}", path.display()))?;
        // Each --planner over --pairs random pairs of the dataset's worlds: its columns.
        let setup = super::planners::inputs(&args.planners, &encoder, &ev.graph, &ev.h, &run.data);
        let what = format!("{} (step {})", path.display(), ckpt.step);
        let (built, failed) = super::planners::usable(&kinds, &setup, &what)?;
        let sweeps = sweep_dataset(&built, &setup, args.pairs, ckpt.seed)
            .with_context(|| format!("planning with {}", path.display()))?;
        let mut row = ev.row;
        write_sweeps(&mut row, &sweeps);
        row.eval_secs = started.elapsed().as_secs_f64();
        if !args.json {
            eprintln!("evaluated {} (step {})", path.display(), ckpt.step);
        }
        rows.push(row);
        row_failures.push(failed);
    }
    // A row keeps the columns of planners not evaluated now (e.g. written by `plan --sweep`).
    let csv = run.paths.planning_csv();
    if present(&csv) {
        let old: Vec<PlanningRow> = read_csv(&csv)?;
        for row in &mut rows {
            let Some(prev) = old.iter().find(|r| r.step == row.step) else {
                continue;
            };
            for p in planning_metrics::PLANNERS {
                if kinds.iter().all(|k| k.name() != p) {
                    copy_planner(prev, row, p);
                }
            }
        }
    }
    // Under the file's lock: the trainer (or another eval) may be writing the same file.
    merge_planning_rows(&csv, &rows)?;
    if args.json {
        // Each row names the planners that could not be built on its checkpoint, and why.
        let mut out = Vec::new();
        for (row, failed) in rows.iter().zip(&row_failures) {
            let mut v = serde_json::to_value(row)?;
            if !failed.is_empty() {
                let errors: serde_json::Map<String, serde_json::Value> = failed
                    .iter()
                    .map(|f| (f.planner.clone(), f.error.clone().into()))
                    .collect();
                v["planner_errors"] = errors.into();
            }
            out.push(v);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_table(&rows);
    }
    Ok(())
}

/// `eval --layouts NAME:FROM..TO`: each planner on random pairs of each held-out layout (pairs seeded
/// by the layout seed), reported per planner over all the layouts.
fn held_out(args: &EvalArgs, spec: &str) -> Result<()> {
    let (layout, seeds) =
        parse_layout_seeds(spec).map_err(|e| anyhow::anyhow!("--layouts: {e}"))?;
    let kinds = super::planners::kinds(&args.planners)?;
    if args.checkpoint == "all" {
        anyhow::bail!("--layouts: give one checkpoint (a step or `last`), not `all`");
    }
    let run = open_run(&args.run)?;
    let path = select_checkpoints(&run.paths, &args.checkpoint)?.remove(0);
    let ckpt = checkpoint::load(&path)?;
    let encoder = JepaEncoder::from_checkpoint(&path, &ckpt.config.candle_device()?)?;
    let h = encode_dataset(&encoder, &run.data)?;
    let graph = HGraph::build(&h, encoder.dim(), &run.data)?;
    let setup = super::planners::inputs(&args.planners, &encoder, &graph, &h, &run.data);
    let what = format!("{} (step {})", path.display(), ckpt.step);
    let (built, failed) = super::planners::usable(&kinds, &setup, &what)?;
    let mut totals: Vec<PlannerSweep> = Vec::new();
    for seed in seeds.clone() {
        let world = World::new(Some(layout.map(seed)));
        let pairs = random_pairs(&world, args.pairs, seed);
        for (i, &kind) in built.iter().enumerate() {
            let mut planner = super::planners::build(kind, &setup)?;
            let s = sweep(planner.as_mut(), &world, &pairs, Some((layout, seed)))
                .with_context(|| format!("planning on {layout} seed {seed} with {kind}"))?;
            match totals.get_mut(i) {
                Some(t) => t.merge(&s),
                None => totals.push(s),
            }
        }
    }
    if args.json {
        let done = totals
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
        let all = super::planners::json_per_planner(&kinds, done, &failed);
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        super::planners::print_sweeps(
            &format!(
                "{} (step {}) on {layout} seeds {}..{}, {} pairs each",
                path.display(),
                ckpt.step,
                seeds.start,
                seeds.end,
                args.pairs
            ),
            &totals,
            &failed,
        );
    }
    Ok(())
}

/// Copies the columns of `planner` from `from` to `to`.
fn copy_planner(from: &PlanningRow, to: &mut PlanningRow, planner: &str) {
    let Some(group) = planning_metrics::planner_group(planner) else {
        return;
    };
    let v = |m: &PlanningMetric| Some(m.of(from)).filter(|x| !x.is_nan());
    to.set_planner(
        planner,
        PlannerColumns {
            success: v(group[0]),
            long_success: v(group[1]),
            final_distance: v(group[2]),
        },
    );
}

/// The rows as a table: the step, then every metric the registry shows in eval's table, each
/// column as wide as its widest cell.
pub fn print_table(rows: &[PlanningRow]) {
    print!("{}", table_text(rows));
}

fn table_text(rows: &[PlanningRow]) -> String {
    // A planner's columns only when some row has them (the planners evaluated).
    let planner_column = |m: &PlanningMetric| {
        planning_metrics::PLANNERS
            .iter()
            .any(|p| planning_metrics::planner_group(p).is_some_and(|g| g.contains(&m)))
    };
    let metrics: Vec<&PlanningMetric> = std::iter::once(&STEP)
        .chain(planning_metrics::shown(Shown::Detail))
        .filter(|m| !planner_column(m) || rows.iter().any(|r| !m.of(r).is_nan()))
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| metrics.iter().map(|m| m.text(r)).collect())
        .collect();
    let widths: Vec<usize> = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain(std::iter::once(m.label.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |texts: &mut dyn Iterator<Item = &str>| {
        let cols: Vec<String> = texts
            .zip(&widths)
            .map(|(t, w)| format!("{t:>w$}"))
            .collect();
        format!("{}\n", cols.join(" "))
    };
    let mut out = line(&mut metrics.iter().map(|m| m.label));
    for c in &cells {
        out.push_str(&line(&mut c.iter().map(String::as_str)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_a_column_per_registry_metric() {
        let row = PlanningRow {
            step: 100,
            num_nodes_h: 12,
            num_edges_h: 30,
            reach_h_median: 0.5,
            reach_h_p10: 0.125,
            reach_h_p90: 1.0,
            h_local_success: 0.75,
            test1_success: 1,
            test1_steps: 14,
            test2_success: 0,
            test2_steps: 6,
            merge_radius: 0.05,
            eval_secs: 1.25,
            node_purity: Some(0.9),
            tiles_per_node: None,
            nodes_per_tile: None,
            path_agreement: None,
            ..Default::default()
        };
        let text = table_text(std::slice::from_ref(&row));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0]
                .trim_start()
                .starts_with("step nodes edges reach median"),
            "{text}"
        );
        assert!(
            lines[0].ends_with("radius secs purity tiles/node nodes/tile path agree"),
            "{text}"
        );
        assert!(
            lines[1].contains(" 0.900 ") && lines[1].ends_with(" -"),
            "{text}"
        );
        assert!(
            lines[1].contains("ok (14 steps)") && lines[1].contains("FAIL (6 steps)"),
            "{text}"
        );
        assert_eq!(lines[0].chars().count(), lines[1].chars().count(), "{text}");
        // A planner's columns appear once a row has them.
        let mut with = row;
        with.lattice_success = Some(0.75);
        with.lattice_long_success = Some(0.5);
        with.lattice_final_distance = Some(0.25);
        let text = table_text(&[with]);
        assert!(
            text.lines()
                .next()
                .unwrap()
                .ends_with("path agree lattice lattice long lattice dist"),
            "{text}"
        );
        assert!(text.contains(" 0.750 "), "{text}");
    }
}
