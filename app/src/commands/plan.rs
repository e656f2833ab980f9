//! `worldbench plan`: plan from a start tile to a goal tile with a checkpoint's h-graph, execute it in the
//! world with re-planning after every step; or `--sweep N` pairs of visited tiles.

use anyhow::{bail, Context, Result};
use worldbench_model::checkpoint;
use worldbench_model::config::CandleDevice;
use worldbench_model::eval::{encode_dataset, plan_and_execute, plan_sweep, HGraph};
use worldbench_model::train::JepaEncoder;
use worldbench_model::world::Tile;
use worldbench_model::FrameEncoder;

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
    let run = open_run(&args.run)?;
    let path = select_checkpoints(&run.paths, &args.checkpoint)?.remove(0);
    let ckpt = checkpoint::load(&path)?;
    let encoder = JepaEncoder::from_checkpoint(&path, &ckpt.config.candle_device()?)?;
    let h = encode_dataset(&encoder, &run.data)?;
    let graph = HGraph::build(&h, encoder.dim(), &run.data)?;

    if let Some((start, goal)) = tiles {
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
    }
    if let Some(max_pairs) = args.sweep {
        let report = plan_sweep(&encoder, &run.data, &graph, &run.world, max_pairs, 0)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!(
                "sweep: {}/{} pairs succeed ({:.1} %), mean steps / shortest {:.2}",
                report.successes,
                report.pairs,
                100.0 * report.success_fraction,
                report.mean_steps_ratio
            );
        }
    }
    Ok(())
}

fn parse_tile(flag: &str, text: &str) -> Result<Tile> {
    text.parse::<Tile>()
        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}
