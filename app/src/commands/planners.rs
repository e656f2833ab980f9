//! The planners of `plan` and `eval --layouts`: parsing `--planner`, building each planner, printing
//! sweeps.

use anyhow::{Context, Result};
use worldbench_model::eval::HGraph;
use worldbench_model::planners::{
    build_planner, LatticeConfig, MpcConfig, PlannerInputs, PlannerKind, PlannerSweep, Predictor,
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

/// One line per planner: all pairs, same-room, cross-room, long pairs, mean final latent distance.
pub fn print_sweeps(title: &str, sweeps: &[PlannerSweep]) {
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
}
