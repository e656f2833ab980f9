//! The planners of `plan` and `eval --layouts`: parsing `--planner`, building each planner, printing
//! sweeps.

use anyhow::{Context, Result};
use serde_json::Value;
use worldbench_model::eval::HGraph;
use worldbench_model::planners::{
    build_planner, buildable, LatticeConfig, MpcConfig, PlannerFailure, PlannerInputs, PlannerKind,
    PlannerSweep, Predictor,
};
use worldbench_storage::Dataset;

use crate::cli::PlannerArgs;

/// The planners `--planner` names, in order, without repeats.
pub fn kinds(args: &PlannerArgs) -> Result<Vec<PlannerKind>> {
    let mut out = Vec::new();
    for name in args
        .planner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let kind: PlannerKind = name
            .parse()
            .map_err(|e| anyhow::anyhow!("--planner: {e}"))?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    if out.is_empty() {
        anyhow::bail!("--planner: name at least one of graph, lattice, mpc");
    }
    Ok(out)
}

/// What every planner is built from.
pub fn inputs<'a>(
    args: &PlannerArgs,
    model: &'a dyn Predictor,
    graph: &'a HGraph,
    h: &'a [f32],
    data: &'a Dataset,
) -> PlannerInputs<'a> {
    PlannerInputs {
        model,
        graph,
        h,
        data,
        lattice: LatticeConfig {
            node_cap: args.lattice_node_cap,
            ..LatticeConfig::default()
        },
        mpc: MpcConfig {
            horizon: args.mpc_horizon,
            samples: args.mpc_samples,
            iterations: args.mpc_iterations,
            elites: args.mpc_elites,
            ..MpcConfig::default()
        },
    }
}

/// Builds the planner of `kind`, naming it in errors.
pub fn build<'a>(
    kind: PlannerKind,
    inputs: &PlannerInputs<'a>,
) -> Result<Box<dyn worldbench_model::planners::Planner + 'a>> {
    build_planner(kind, inputs).with_context(|| format!("building the {kind} planner"))
}

/// The planners of `kinds` that can be built from `inputs` (`what`: the checkpoint, for messages),
/// and the others with their reasons, each printed once on stderr; the others are left out and the
/// command goes on. An error naming every reason when no planner can be built.
pub fn usable(
    kinds: &[PlannerKind],
    inputs: &PlannerInputs<'_>,
    what: &str,
) -> Result<(Vec<PlannerKind>, Vec<PlannerFailure>)> {
    let (ok, failed) = buildable(kinds, inputs);
    if ok.is_empty() {
        let reasons: Vec<String> = failed
            .iter()
            .map(|f| format!("the {} planner: {}", f.planner, f.error))
            .collect();
        anyhow::bail!("no planner can be built on {what}: {}", reasons.join("; "));
    }
    for f in &failed {
        eprintln!(
            "warning: the {} planner cannot be built on {what}, planning with the others: {}",
            f.planner, f.error
        );
    }
    Ok((ok, failed))
}

/// One JSON value per planner of `kinds`, in order: the next of `done` (the built planners'
/// results, in order), or `{"planner": …, "error": …}` for one that could not be built.
pub fn json_per_planner(
    kinds: &[PlannerKind],
    done: Vec<Value>,
    failed: &[PlannerFailure],
) -> Vec<Value> {
    let mut done = done.into_iter();
    kinds
        .iter()
        .filter_map(|k| match failed.iter().find(|f| f.planner == k.name()) {
            Some(f) => Some(serde_json::json!({"planner": f.planner, "error": f.error})),
            None => done.next(),
        })
        .collect()
}

/// One line per planner: all pairs, same-room, cross-room, long pairs, mean final latent distance.
pub fn print_sweeps(title: &str, sweeps: &[PlannerSweep], failed: &[PlannerFailure]) {
    println!("{title}");
    for s in sweeps {
        println!(
            "  {:<8} all {}  same-room {}  cross-room {}  long {}  final distance {:.3}  steps/shortest {:.2}",
            s.planner,
            s.all.text(),
            s.same_room.text(),
            s.cross_room.text(),
            s.long.text(),
            s.mean_final_distance,
            s.mean_steps_ratio,
        );
    }
    for f in failed {
        println!("  {:<8} not built (see the warning above)", f.planner);
    }
}
