//! `worldbench launch check --backend slurm`: what stops a backend from running jobs (no sbatch
//! on PATH, no such partition, an unreadable workspace), said before anything is submitted.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Subcommand;
use worldbench_storage::SlurmSettings;

use crate::cli::Backend;
use crate::launch::slurm;
use crate::workspace_dir;

#[derive(Debug, Subcommand)]
pub enum LaunchCommand {
    /// Check that a backend can run jobs from this workspace; exits non-zero naming each problem.
    Check {
        #[arg(long, value_enum, default_value = "local")]
        backend: Backend,
    },
}

pub fn run(workspace: Option<PathBuf>, cmd: &LaunchCommand) -> Result<()> {
    let LaunchCommand::Check { backend } = cmd;
    let root = workspace_dir::resolve(workspace)?;
    match backend {
        Backend::Local => {
            std::fs::read_dir(&root).map_err(|e| {
                anyhow::anyhow!("{}: the workspace cannot be read: {e}", root.display())
            })?;
            println!("local: ok");
            Ok(())
        }
        Backend::Slurm => {
            let settings = SlurmSettings::read(&root.join("worldbench.toml"))?;
            let problems = slurm::check(&settings, &root);
            if !problems.is_empty() {
                bail!(
                    "the Slurm backend cannot run jobs from {}:\n  - {}",
                    root.display(),
                    problems.join("\n  - ")
                );
            }
            println!(
                "slurm: ok (partition {}, the nodes run {})",
                settings.partition.as_deref().unwrap_or("the default"),
                slurm::binary(&settings)?.display()
            );
            Ok(())
        }
    }
}
