//! What panels ask the app to do. Panels push commands while drawing; the app applies them after the
//! frame (like rerun's `SystemCommand`), so no panel reaches into another's state.

use std::path::PathBuf;

use super::jobs::{JobId, JobSpec};
use super::panels::queue::QueueOp;
use super::panels::runs::annotations::RunsWrite;
use super::PanelId;

/// A request from a panel to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum AppCommand {
    /// Show an error to the user: the message names the file and says what to do.
    ShowError(String),
    /// Open the Train panel with this dataset selected.
    UseDatasetForTraining(PathBuf),
    /// Start a child process of the `worldbench` binary.
    Launch(Box<JobSpec>),
    /// Stop a job (SIGTERM: a training run writes `last` first).
    Cancel(JobId),
    /// Show another panel.
    ShowPanel(PanelId),
    /// Open the Checkpoints panel on this run.
    ShowCheckpoints(PathBuf),
    /// Re-read the runs of the workspace.
    RefreshRuns,
    /// Generate the demo dataset into `<workspace>/datasets/demo-corner-loops` (a job).
    GenerateDemoDataset,
    /// Choose this (complete) gate for the next attempt in the Train panel.
    UseGateForTraining(PathBuf),
    /// Open the H-graph panel (checkpoint view) on this checkpoint file.
    OpenHGraph(PathBuf),
    /// Change the type of the plan card in this file (atomic rewrite, change log appended).
    SetCardType {
        card: PathBuf,
        card_type: worldbench_storage::plan_cards::CardType,
    },
    /// Change the workspace's queue (cancel, requeue, move a job), off the UI thread.
    Queue(QueueOp),
    /// Cancel the Slurm job of this run (`scancel`, off the UI thread, through the job that
    /// follows the run; the run is followed first when no job is on it).
    CancelSlurm { run: PathBuf, job_id: String },
    /// Open the Sweeps view on this sweep folder.
    ShowSweep(PathBuf),
    /// Select these runs in the Runs panel (its comparison) and show it.
    SelectRuns(Vec<PathBuf>),
    /// Write runs' annotations or add a runs folder (All runs view), off the UI thread.
    WriteRuns(RunsWrite),
}
