//! `worldbench worklog export`: a run's worklog post with its plots and tables, and FINDINGS.md
//! (drawn by [`crate::report`], which the app's Worklog panel calls too); `worklog sweep`: a sweep's post.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use worldbench_storage::worklog::Draft;

use crate::report::export;
use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum WorklogCommand {
    /// Write worklog/<ts>.<concept>/post.md for a run (plots and tables beside it) and update FINDINGS.md.
    Export(WorklogExportArgs),
    /// Write worklog/<ts>.sweep-<name>/post.md for a sweep: its cells' mean ± std over seeds, the
    /// best cell with its seed spread, which parameter matters most, marginals, its gate, and the
    /// heatmap, marginal and parallel-coordinates plots as PNG.
    Sweep {
        /// The sweep folder (`sweeps/<ts>.<slug>`).
        sweep: PathBuf,
        /// The planning metric (a key of planning_metrics.csv).
        #[arg(long, default_value = "reach_h_p10")]
        metric: String,
    },
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
        WorklogCommand::Sweep { sweep, metric } => {
            let ws = workspace_dir::open(workspace)?;
            let metric = worldbench_storage::planning_metrics::lookup(&metric)?;
            let post = crate::report::export_sweep(&ws, &sweep, metric)?;
            println!("{}", post.display());
            Ok(())
        }
    }
}
