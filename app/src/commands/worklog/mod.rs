//! `worldbench worklog export`: a run's worklog post with its plots and tables, and FINDINGS.md.

mod canvas;
mod font;
mod hgraph_plot;
mod plots;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use worldbench_storage::success_criteria::SuccessCriteria;
use worldbench_storage::worklog::{export_post, Draft, ExportedPost, Plot, RunData};
use worldbench_storage::Workspace;

use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum WorklogCommand {
    /// Write worklog/<ts>.<concept>/post.md for a run (plots and tables beside it) and update FINDINGS.md.
    Export(WorklogExportArgs),
}

#[derive(Debug, Args)]
pub struct WorklogExportArgs {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// The concept the post is about; it names the post's folder.
    #[arg(long)]
    pub concept: String,
    /// Markdown with `## Objective`, `## Diagnosis` and `## Next changes` sections (default: the run's
    /// draft in worklog/drafts/, if any).
    #[arg(long, value_name = "FILE.md")]
    pub draft: Option<PathBuf>,
}

pub fn run(workspace: Option<PathBuf>, cmd: WorklogCommand) -> Result<()> {
    match cmd {
        WorklogCommand::Export(args) => {
            let ws = workspace_dir::open(workspace)?;
            let default_draft = Draft::path_for_run(&ws.worklog_dir(), &args.run);
            let draft = if let Some(p) = &args.draft {
                Draft::read(p)?
            } else if default_draft.is_file() {
                Draft::read(&default_draft)?
            } else {
                Draft::default()
            };
            let post = export(&ws, &args.run, &args.concept, &draft)?;
            println!("{}", post.post.display());
            Ok(())
        }
    }
}

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
