//! Report rendering: a run's worklog post with its PNG plots (a small RGB canvas with egui's own font,
//! line charts of the metrics, and the h-graph of the last checkpoint drawn from the same view data
//! and tile colours as the app's H-graph panel). The CLI's `worklog export` and the app's Worklog
//! panel both call [`export`]; `worldbench worklog sweep` calls [`export_sweep`].

mod canvas;
mod hgraph_plot;
mod plots;
mod sweep_plots;
mod text;
mod ticks;

use std::path::Path;

use anyhow::{Context, Result};
use worldbench_storage::success_criteria::SuccessCriteria;
use worldbench_storage::worklog::{export_post, Draft, ExportedPost, Plot, RunData};
use worldbench_storage::Workspace;

pub use hgraph_plot::{hgraph_picture, HGraphPicture};

/// Exports the post of `run_dir` (the CLI and the app's Worklog panel both call this; it blocks, so
/// the app calls it off the UI thread).
pub fn export(
    ws: &Workspace,
    run_dir: &Path,
    concept: &str,
    draft: &Draft,
) -> Result<ExportedPost> {
    let criteria = SuccessCriteria::read(&ws.config_path())?;
    if !worldbench_storage::files::present(&run_dir.join("run.json")) {
        anyhow::bail!("{}: not a run folder (no run.json)", run_dir.display());
    }
    export_post(ws, run_dir, concept, draft, &criteria, &mut draw_plots)
        .with_context(|| format!("exporting the worklog post of {}", run_dir.display()))
}

/// The plots of a post, each written into `dir`; a plot that cannot be drawn says why.
fn draw_plots(dir: &Path, run: &RunData) -> Vec<Plot> {
    let mut out = Vec::new();
    let mut add = |caption: &str, file: &str, result: Result<()>| {
        out.push(match result {
            Ok(()) => Plot {
                caption: caption.into(),
                file: Some(file.into()),
                note: String::new(),
            },
            Err(e) => Plot {
                caption: caption.into(),
                file: None,
                note: format!("{e:#}"),
            },
        });
    };
    add(
        "Loss curves",
        "loss_curves.png",
        plots::loss_curves(&dir.join("loss_curves.png"), &run.train),
    );
    add(
        "Planning metrics over checkpoints",
        "planning_metrics.png",
        plots::planning_metrics(&dir.join("planning_metrics.png"), &run.planning),
    );
    add(
        "h-graph of the last checkpoint (node centres by PCA, coloured by tile)",
        "hgraph_last.png",
        hgraph_plot::hgraph_plot(&dir.join("hgraph_last.png"), run),
    );
    out
}

/// Writes `worklog/<ts>.sweep-<name>/post.md` for the sweep at `sweep_dir` over `metric` (its
/// cells' mean ± std, the best cell with its seed spread, Spearman importance, marginals, its
/// gate) with the heatmap, marginal-means and parallel-coordinates PNGs beside it; returns the
/// post's path.
pub fn export_sweep(
    ws: &Workspace,
    sweep_dir: &Path,
    metric: &worldbench_storage::planning_metrics::PlanningMetric,
) -> Result<std::path::PathBuf> {
    use worldbench_storage::sweep::{post, summary, SweepPaths, SweepState};
    let paths = SweepPaths::new(sweep_dir);
    let state = SweepState::read(&paths.state())
        .with_context(|| format!("{}: not a sweep folder", sweep_dir.display()))?;
    let obs = summary::observations(&state, metric);
    let name = sweep_dir
        .file_name()
        .map_or_else(|| "sweep".into(), |n| n.to_string_lossy().into_owned());
    let slug = name.split_once('.').map_or(name.as_str(), |(_, s)| s);
    let dir =
        worldbench_storage::worklog::create_post_dir(&ws.worklog_dir(), &format!("sweep {slug}"))?;
    let keys = summary::varied_keys(&obs);
    let mut plots = Vec::new();
    let mut add = |caption: &str, file: &str, result: Result<()>| {
        plots.push(match result {
            Ok(()) => Plot {
                caption: caption.into(),
                file: Some(file.into()),
                note: String::new(),
            },
            Err(e) => Plot {
                caption: caption.into(),
                file: None,
                note: format!("{e:#}"),
            },
        });
    };
    if keys.len() >= 2 {
        let h = summary::heatmap(&obs, &keys[0], &keys[1]);
        add(
            "Heatmap",
            "heatmap.png",
            sweep_plots::heatmap(&dir.join("heatmap.png"), &h, metric.label),
        );
    }
    add(
        "Marginal means",
        "marginals.png",
        sweep_plots::marginals(&dir.join("marginals.png"), &obs, metric.label),
    );
    add(
        "Parallel coordinates",
        "parallel.png",
        sweep_plots::parallel(&dir.join("parallel.png"), &obs, metric.label),
    );
    let md = post::render_sweep_post(sweep_dir, &state, metric, &obs, &plots);
    let post = dir.join("post.md");
    worldbench_storage::atomic::write_atomic(&post, md.as_bytes())?;
    Ok(post)
}
