//! The Slurm backend: runs are submitted with `sbatch` to the cluster configured in
//! `[launch.slurm]` of `worldbench.toml`. A shared filesystem is assumed: the nodes see the
//! workspace (at `remote_workspace`) and write into the run folders, which the app follows as it
//! follows a local run.
//!
//! - [`script`]: the sbatch script (`logs/slurm.sbatch`), every argument quoted;
//! - [`state`]: job states from `squeue`/`scontrol`/`sacct`;
//! - [`record`]: `logs/slurm.json`, what the submitter recorded (job id, partition, title), and the
//!   run folders submitted whose trainer has not written run.json yet;
//! - here: [`submit`] (`sbatch --parsable`, argv), [`check`] (`launch check`), and
//!   [`SlurmLauncher`], the [`Launcher`] that submits one job per spec and polls it to its end.

pub mod record;
pub mod script;
pub mod state;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use worldbench_storage::atomic::write_atomic;
use worldbench_storage::{RunPaths, SlurmSettings};

use super::launcher::{JobHandle, LaunchEvent, LaunchFuture, Launcher, Sink};
use super::spec::JobSpec;
pub use record::{
    pending_manifest, record_path, recorded_job_id, recorded_partition, submitted_runs,
};
pub use script::{quote, SlurmScript, SlurmTask};
pub use state::SlurmState;

/// `logs/slurm.sbatch` of a run.
pub fn script_path(run: &Path) -> PathBuf {
    RunPaths::new(run).logs_dir().join("slurm.sbatch")
}

/// Where a local path is on the nodes: under `remote_workspace` instead of the workspace root.
pub fn remote_path(settings: &SlurmSettings, workspace: &Path, p: &Path) -> PathBuf {
    match (&settings.remote_workspace, p.strip_prefix(workspace)) {
        (Some(remote), Ok(rest)) => remote.join(rest),
        _ => p.to_path_buf(),
    }
}

/// The `worldbench` the nodes run: `binary`, else this one.
pub fn binary(settings: &SlurmSettings) -> Result<PathBuf> {
    match &settings.binary {
        Some(b) => Ok(b.clone()),
        None => std::env::current_exe().context("cannot find this worldbench binary"),
    }
}

/// Writes `logs/slurm.sbatch` into every task's run folder and submits it once (`sbatch
/// --parsable`, an argv). Returns the job id (`123`); task `i` of an array is `123_i`, recorded
/// in each run's `logs/slurm.json`. Slurm's own message is the error when it refuses.
pub fn submit(
    settings: &SlurmSettings,
    workspace: &Path,
    tasks: &[SlurmTask],
    max_parallel: Option<usize>,
) -> Result<String> {
    let bin = binary(settings)?;
    let remote: Vec<SlurmTask> = tasks
        .iter()
        .map(|t| SlurmTask {
            run: remote_path(settings, workspace, &t.run),
            argv: t
                .argv
                .iter()
                .map(|a| remote_path(settings, workspace, Path::new(a)).into_os_string())
                .collect(),
        })
        .collect();
    let text = SlurmScript {
        settings,
        binary: &bin,
        tasks: &remote,
        max_parallel,
    }
    .render()?;
    let first = tasks.first().context("nothing to submit")?;
    for t in tasks {
        let logs = RunPaths::new(&t.run).logs_dir();
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("{}: cannot create", logs.display()))?;
        write_atomic(&script_path(&t.run), text.as_bytes())?;
    }
    // Slurm's own log of the job (before the script's redirection) goes to the first run.
    let out_file = remote_path(settings, workspace, &RunPaths::new(&first.run).logs_dir()).join(
        if tasks.len() > 1 {
            "slurm-%A_%a.sbatch.out"
        } else {
            "slurm-%j.sbatch.out"
        },
    );
    let mut out_arg = OsString::from("--output=");
    out_arg.push(&out_file);
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(out_arg)
        .arg(script_path(&first.run))
        .output()
        .context("cannot run sbatch (is Slurm installed and on PATH?)")?;
    if !out.status.success() {
        bail!(
            "sbatch refused {}: {}",
            script_path(&first.run).display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let job_id = stdout
        .trim()
        .split(';')
        .next()
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        .with_context(|| format!("sbatch printed no job id: {stdout:?}"))?
        .to_string();
    for (i, t) in tasks.iter().enumerate() {
        let id = if tasks.len() > 1 {
            format!("{job_id}_{i}")
        } else {
            job_id.clone()
        };
        record::write(&t.run, &id, settings.partition.as_deref(), &t.argv)?;
    }
    Ok(job_id)
}

/// Whether `program` is an executable on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// What stops a submission, before anything is submitted: no `sbatch` on PATH, a partition
/// `sinfo` does not list, an unreadable workspace. Empty when all is well.
pub fn check(settings: &SlurmSettings, workspace: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for tool in ["sbatch", "squeue", "scontrol", "scancel", "sinfo"] {
        if !on_path(tool) {
            problems.push(format!(
                "no `{tool}` on PATH: install Slurm's client tools, or run where they are"
            ));
        }
    }
    if let Err(e) = std::fs::read_dir(workspace) {
        problems.push(format!(
            "{}: the workspace cannot be read: {e}",
            workspace.display()
        ));
    }
    if let Some(remote) = &settings.remote_workspace {
        if remote.is_absolute() && !remote.exists() && settings.remote_workspace.is_some() {
            // Not necessarily wrong (the nodes may mount it elsewhere), but say it.
            problems.push(format!(
                "remote_workspace {}: not visible from this machine; the nodes must see the workspace there",
                remote.display()
            ));
        }
    }
    if let Some(b) = &settings.binary {
        if !b.is_file() {
            problems.push(format!("binary {}: no such file", b.display()));
        }
    }
    if let (Some(partition), true) = (&settings.partition, on_path("sinfo")) {
        match Command::new("sinfo").args(["-h", "-o", "%P"]).output() {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                let names: Vec<&str> = text
                    .lines()
                    .map(|l| l.trim().trim_end_matches('*'))
                    .collect();
                if !names.contains(&partition.as_str()) {
                    problems.push(format!(
                        "partition {partition:?}: sinfo lists no such partition (there are: {})",
                        names.join(", ")
                    ));
                }
            }
            Ok(out) => problems.push(format!(
                "sinfo failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => problems.push(format!("cannot run sinfo: {e}")),
        }
    }
    problems
}

/// A [`Launcher`] that submits each job to Slurm and polls it (with backoff) to its end.
#[derive(Debug, Clone)]
pub struct SlurmLauncher {
    pub settings: SlurmSettings,
    pub workspace: PathBuf,
}

impl Launcher for SlurmLauncher {
    fn name(&self) -> &'static str {
        "Slurm"
    }

    fn run(&self, spec: &JobSpec, sink: Sink) -> LaunchFuture {
        let me = self.clone();
        let spec = spec.clone();
        Box::pin(async move {
            let Some(run) = spec.run_dir().map(Path::to_path_buf) else {
                sink.event(LaunchEvent::SpawnFailed(
                    "the Slurm backend runs jobs in a known run folder only".into(),
                ))
                .await;
                return;
            };
            let task = SlurmTask {
                run: run.clone(),
                argv: spec.argv(),
            };
            let submitted = tokio::task::spawn_blocking(move || {
                submit(&me.settings, &me.workspace, &[task], None)
            })
            .await;
            let job_id = match submitted {
                Ok(Ok(id)) => id,
                Ok(Err(e)) => {
                    sink.event(LaunchEvent::SpawnFailed(format!("{e:#}"))).await;
                    return;
                }
                Err(e) => {
                    sink.event(LaunchEvent::SpawnFailed(e.to_string())).await;
                    return;
                }
            };
            sink.event(LaunchEvent::Spawned(JobHandle::Slurm {
                job_id: job_id.clone(),
            }))
            .await;
            let end = wait_for(job_id).await;
            sink.event(LaunchEvent::Stdout(format!("slurm: {}", end.as_str())))
                .await;
            sink.event(LaunchEvent::Exited {
                success: end == SlurmState::Completed,
                code: Some(i32::from(end != SlurmState::Completed)),
            })
            .await;
        })
    }

    fn cancel(&self, handle: &JobHandle) -> Result<(), String> {
        match handle {
            JobHandle::Slurm { job_id } => scancel(job_id).map_err(|e| format!("{e:#}")),
            JobHandle::Local { .. } => Err("not a Slurm job".into()),
        }
    }

    fn is_alive(&self, handle: &JobHandle) -> bool {
        match handle {
            JobHandle::Slurm { job_id } => state::query(std::slice::from_ref(job_id))
                .get(job_id)
                .is_some_and(|s| !s.is_final()),
            JobHandle::Local { .. } => false,
        }
    }

    fn log_paths(&self, run_dir: &Path) -> Vec<PathBuf> {
        let logs = RunPaths::new(run_dir).logs_dir();
        let mut paths = vec![script_path(run_dir)];
        if let Ok(entries) = std::fs::read_dir(&logs) {
            let mut outs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("slurm-"))
                })
                .collect();
            outs.sort();
            paths.extend(outs);
        }
        paths.push(logs.join("stdout.log"));
        paths.push(logs.join("stderr.log"));
        paths
    }
}

/// `scancel <job>`: Slurm sends SIGTERM, the trainer writes `last` and stops.
pub fn scancel(job_id: &str) -> Result<()> {
    let out = Command::new("scancel")
        .arg(job_id)
        .output()
        .context("cannot run scancel")?;
    if !out.status.success() {
        bail!(
            "scancel {job_id}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Polls `job_id` with backoff until Slurm reports a final state (or forgets the job: then
/// `failed`, unless nothing ever answered).
pub async fn wait_for(job_id: String) -> SlurmState {
    let mut attempt = 0;
    let mut unknown = 0;
    loop {
        tokio::time::sleep(state::backoff(attempt)).await;
        attempt += 1;
        let id = job_id.clone();
        let states = tokio::task::spawn_blocking(move || state::query(&[id]))
            .await
            .unwrap_or_default();
        match states.get(&job_id) {
            Some(s) if s.is_final() => return *s,
            Some(_) => unknown = 0,
            None => {
                unknown += 1;
                if unknown >= 5 {
                    return SlurmState::Failed;
                }
            }
        }
    }
}
