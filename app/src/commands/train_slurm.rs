//! `worldbench train … --backend slurm`: checks the run as `train` would, makes its run folder,
//! then submits it with sbatch (`launch::slurm::submit`) and prints the run folder. The job runs
//! `train … --run-dir <run>` on a node; a requeued job resumes from `last`.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Result;
use worldbench_storage::run::RunKind;
use worldbench_storage::RunPaths;

use crate::cli::TrainArgs;
use crate::launch::slurm::{self, SlurmTask};
use crate::workspace_dir;

/// Submits the run; returns its folder once Slurm accepted it.
pub fn submit(workspace: Option<PathBuf>, args: &TrainArgs) -> Result<PathBuf> {
    let ws = workspace_dir::open(workspace.clone())?;
    let (settings, root) = super::queue_slurm::checked_settings(&ws)?;
    let mut made = false;
    let (run, argv) = if let Some(run) = &args.resume {
        let run = std::path::absolute(run)?;
        worldbench_storage::RunManifest::read(&RunPaths::new(&run).manifest())?;
        let argv: Vec<OsString> = vec![
            "train".into(),
            "--resume".into(),
            run.clone().into(),
            "--progress".into(),
            "none".into(),
        ];
        (run, argv)
    } else {
        // What `train` refuses is refused here, before a folder is made or a job submitted.
        let data_arg = args
            .data
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("--data is required for a new run"))?;
        super::resolve_dataset(workspace, data_arg)?;
        let kind = if args.smoke {
            RunKind::Smoke
        } else {
            RunKind::Attempt
        };
        super::train::check_gate(kind, args.gate.as_deref())?;
        let cfg = super::train::config_from_args(args)?;
        super::train::check_device(&cfg.device)?;
        let run = if let Some(dir) = &args.run_dir {
            std::path::absolute(dir)?
        } else {
            made = true;
            std::path::absolute(ws.new_run_dir(&args.title)?.root)?
        };
        RunPaths::new(&run).create_dirs()?;
        let mut argv: Vec<OsString> = vec!["--workspace".into(), root.clone().into()];
        argv.extend(train_args_without_backend(std::env::args_os().collect()));
        if args.run_dir.is_none() {
            argv.push("--run-dir".into());
            argv.push(run.clone().into());
        }
        (run, argv)
    };
    let task = SlurmTask {
        run: run.clone(),
        argv,
    };
    let job = match slurm::submit(&settings, &root, &[task], None) {
        Ok(job) => job,
        Err(e) => {
            // Nothing ran in the folder made for it: leave no empty run behind.
            if made {
                let _ = std::fs::remove_dir_all(&run);
            }
            return Err(e.context("nothing was submitted"));
        }
    };
    eprintln!(
        "submitted Slurm job {job}{}; the script is {}",
        settings
            .partition
            .as_ref()
            .map_or(String::new(), |p| format!(" to partition {p}")),
        slurm::script_path(&run).display()
    );
    println!("{}", run.display());
    Ok(run)
}

/// `train` and its arguments from this process's argv, without `--backend …` (the job runs
/// locally on its node) and without the global `--workspace` (given again, absolute).
fn train_args_without_backend(all: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut seen_train = false;
    let mut it = all.into_iter().skip(1);
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if !seen_train {
            if s == "--workspace" {
                it.next();
            } else if s == "train" {
                seen_train = true;
                out.push(a);
            }
            continue;
        }
        if s == "--backend" {
            it.next();
        } else if s.starts_with("--backend=") {
        } else if s == "--workspace" {
            it.next();
        } else if !s.starts_with("--workspace=") {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_backend_and_workspace_keeps_the_rest() {
        let argv: Vec<OsString> = [
            "worldbench",
            "--workspace",
            "/ws",
            "train",
            "--title=--backend x",
            "--backend",
            "slurm",
            "--steps",
            "4",
            "--backend=slurm",
            "--smoke",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let got = train_args_without_backend(argv);
        let got: Vec<&str> = got.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            got,
            ["train", "--title=--backend x", "--steps", "4", "--smoke"]
        );
    }
}
