//! `worldbench plan`: plan from a start tile to a goal tile with a checkpoint (`--planner graph`,
//! `lattice` or `mpc`; several comma-separated), executing in the world with re-planning after
//! every step; or `--sweep N` pairs, same-room and cross-room apart on a built-in layout.

use anyhow::{bail, Context, Result};
use worldbench_model::checkpoint;
use worldbench_model::config::CandleDevice;
use worldbench_model::eval::{encode_dataset, evaluate_checkpoint, plan_and_execute, HGraph};
use worldbench_model::planners::{sweep_dataset, write_sweeps, PlannerKind};
use worldbench_model::train::JepaEncoder;
use worldbench_model::world::layouts::layout_of;
use worldbench_model::world::Tile;
use worldbench_model::FrameEncoder;
use worldbench_storage::metrics::{merge_planning_rows, update_planning_row};

use super::planners::{build, inputs, json_per_planner, kinds, print_sweeps, usable};
use super::run_checkpoint::select_checkpoints;
use crate::cli::PlanArgs;
use crate::run_context::open_run;

pub fn run(args: &PlanArgs) -> Result<()> {
    let tiles = match (&args.start, &args.goal) {
        (Some(s), Some(g)) => Some((parse_tile("--start", s)?, parse_tile("--goal", g)?)),
        (None, None) if args.sweep.is_some() => None,
        _ => bail!("give --start and --goal tiles (row,col), or --sweep <pairs>"),
    };
    if args.checkpoint == "all" {
        bail!("--checkpoint all: plan uses one checkpoint; give a step number or `last`");
    }
    let kinds = kinds(&args.planners)?;
    let run = open_run(&args.run)?;
    let path = select_checkpoints(&run.paths, &args.checkpoint)?.remove(0);
    let ckpt = checkpoint::load(&path)?;
    let encoder = JepaEncoder::from_checkpoint(&path, &ckpt.config.candle_device()?)?;
    let h = encode_dataset(&encoder, &run.data)?;
    let graph = HGraph::build(&h, encoder.dim(), &run.data)?;
    let setup = inputs(&args.planners, &encoder, &graph, &h, &run.data);
    // A planner that cannot be built is named once and left out; the others plan.
    let what = format!("{} (step {})", path.display(), ckpt.step);
    let (built, failed) = usable(&kinds, &setup, &what)?;

    if let Some((start, goal)) = tiles {
        if kinds == [PlannerKind::Graph] {
            // The graph planner's own outcome: its planned node paths and why it stopped.
            let outcome = plan_and_execute(&run.world, &encoder, &graph, start, goal)
                .with_context(|| format!("planning {start} → {goal} with {}", path.display()))?;
            if args.json {
                let mut v = serde_json::to_value(&outcome)?;
                v["start"] = serde_json::json!(start.to_string());
                v["goal"] = serde_json::json!(goal.to_string());
                v["checkpoint_step"] = serde_json::json!(ckpt.step);
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                let visited: Vec<String> = outcome.tiles.iter().map(ToString::to_string).collect();
                println!("checkpoint: {} (step {})", path.display(), ckpt.step);
                println!(
                    "{start} → {goal}: {}",
                    if outcome.success { "success" } else { "FAILED" }
                );
                println!(
                    "steps: {} (shortest {}, budget {}); {}",
                    outcome.steps,
                    outcome.shortest_len,
                    outcome.budget,
                    outcome.stop.describe()
                );
                println!("tiles: {}", visited.join(" → "));
            }
        } else {
            let mut all = Vec::new();
            for &kind in &built {
                let mut planner = build(kind, &setup)?;
                let o = planner
                    .run(&run.world, start, goal)
                    .with_context(|| format!("planning {start} → {goal} with {kind}"))?;
                if !args.json {
                    let visited: Vec<String> = o.tiles.iter().map(ToString::to_string).collect();
                    println!(
                        "{kind}: {start} → {goal}: {}; steps {} (shortest {}, budget {}); final latent distance {:.3}",
                        if o.success { "success" } else { "FAILED" },
                        o.steps,
                        o.shortest_len,
                        o.budget,
                        o.final_distance
                    );
                    println!("  tiles: {}", visited.join(" → "));
                }
                let mut v = serde_json::to_value(&o)?;
                v["planner"] = serde_json::json!(kind.name());
                all.push(v);
            }
            if args.json {
                let all = json_per_planner(&kinds, all, &failed);
                println!("{}", serde_json::to_string_pretty(&all)?);
            }
        }
    }
    if let Some(max_pairs) = args.sweep {
        // Pairs shared out over the dataset's worlds (each layout of a mixed dataset).
        let sweeps = sweep_dataset(&built, &setup, max_pairs, 0)?;
        let n_pairs = sweeps.first().map_or(0, |s| s.all.pairs);
        let layout = layout_of(&run.data);
        // Each planner's columns of this checkpoint's row (the whole row when it has none yet).
        let csv = run.paths.planning_csv();
        if !update_planning_row(&csv, ckpt.step, |r| write_sweeps(r, &sweeps))? {
            let mut row =
                evaluate_checkpoint(&encoder, &run.data, &run.world, ckpt.step, ckpt.seed)
                    .with_context(|| format!("evaluating {}", path.display()))?;
            write_sweeps(&mut row, &sweeps);
            merge_planning_rows(&csv, &[row])?;
        }
        if args.json {
            let done = sweeps
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?;
            let all = json_per_planner(&kinds, done, &failed);
            println!("{}", serde_json::to_string_pretty(&all)?);
        } else {
            let on = match (&run.data.layouts, layout) {
                (Some(l), _) => format!("the dataset's {} layouts", l.maps.len()),
                (None, Some((l, s))) => format!("{l} seed {s}"),
                (None, None) => "the dataset's map".to_string(),
            };
            print_sweeps(&format!("sweep: {n_pairs} pairs on {on}"), &sweeps, &failed);
        }
    }
    Ok(())
}

fn parse_tile(flag: &str, text: &str) -> Result<Tile> {
    text.parse::<Tile>()
        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}
