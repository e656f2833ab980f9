//! The desktop app (eframe + wgpu): panels, the job supervisor, and the persisted `State`.

pub mod command;

use std::path::PathBuf;

/// Opens the desktop app on the workspace `workspace` (created on first use).
pub fn run(workspace: PathBuf) -> anyhow::Result<()> {
    anyhow::bail!("the desktop app is not built yet (workspace {})", workspace.display())
}
