//! `worldbench train`: a new run (smoke or attempt) or `--resume` of a stopped one.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use worldbench_model::config::TrainConfig;
use worldbench_model::train::{train, TrainEvent};
use worldbench_model::ModelError;
use worldbench_storage::config_keys::apply_assignment;
use worldbench_storage::dataset::{dataset_hash, open_dataset};
use worldbench_storage::gate::Gate;
use worldbench_storage::provenance;
use worldbench_storage::resumes::{append_resume, checkpoint_file_step, Resume};
use worldbench_storage::run::{git_commit_of, RunKind, RunManifest, RunStatus};
use worldbench_storage::run_lock::{observed_status, RunLock};
use worldbench_storage::RunPaths;

use crate::cli::{OnOff, TrainArgs};
use crate::progress::Progress;
use crate::workspace_dir;

/// Runs (or resumes) training; returns the run folder.
pub fn run(workspace: Option<PathBuf>, args: &TrainArgs) -> Result<PathBuf> {
    if args.backend == crate::cli::Backend::Slurm {
        return super::train_slurm::submit(workspace, args);
    }
    if let Some(id) = &args.queue_job {
        confirm_queue_job(workspace.clone(), id)?;
    }
    if let Some(run_dir) = &args.resume {
        return resume(run_dir, args);
    }
    let ticket = match &args.ticket {
        Some(id) => Some(super::tickets::launch_link(
            &workspace_dir::open(workspace.clone())?,
            id,
        )?),
        None => None,
    };
    let data_arg = args
        .data
        .as_deref()
        .context("--data is required for a new run")?;
    let data_path = super::resolve_dataset(workspace.clone(), data_arg)?;
    let kind = if args.smoke {
        RunKind::Smoke
    } else {
        RunKind::Attempt
    };
    let gate_path = check_gate(kind, args.gate.as_deref())?;
    let cfg = config_from_args(args)?;
    check_device(&cfg.device)?;
    let facts = super::train_device::local_device_facts(&cfg.device)?;
    let ds = open_dataset(&data_path)?;

    let ws = workspace_dir::open(workspace)?;
    let run = match &args.run_dir {
        Some(dir) => given_run_dir(dir)?,
        None => ws.new_run_dir(&args.title)?,
    };
    run.create_dirs()
        .with_context(|| format!("{}: cannot create the run folder", run.root.display()))?;
    let lock = RunLock::acquire(&run, "train")?;
    let manifest = RunManifest {
        title: args.title.clone(),
        kind,
        argv: std::env::args().collect(),
        config: cfg.clone(),
        seed: cfg.seed,
        git_commit: git_commit_of(ws.root()),
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset_path: absolute(&data_path).display().to_string(),
        dataset_hash: dataset_hash(&data_path)?,
        device: cfg.device.clone(),
        gate: gate_path.map(|p| absolute(&p).display().to_string()),
        started: chrono::Local::now().to_rfc3339(),
        finished: None,
        status: RunStatus::Running,
        error: None,
        pid: Some(std::process::id()),
        sweep: args
            .sweep
            .as_ref()
            .map(|p| absolute(p).display().to_string()),
        cell: args.cell.clone(),
        ticket,
        slurm_job_id: worldbench_storage::run::slurm_job_id_from_env(),
        device_name: facts.device_name,
        driver_version: facts.driver_version,
        cuda_version: facts.cuda_version,
    };
    manifest.write(&run.manifest())?;
    let preset = args.preset.as_deref().unwrap_or("default");
    let diff =
        provenance::model_diff(preset, &cfg).map_err(|e| anyhow::anyhow!("--preset: {e}"))?;
    provenance::write_provenance(&run, provenance::git_state_of(ws.root()).as_ref(), &diff)?;
    say_run_folder(&run);
    execute(&run, manifest, &cfg, &ds, false, args)?;
    drop(lock);
    Ok(run.root)
}

/// A trainer started by the queue's worker waits for the queue lock, which the worker holds until
/// it has recorded this process in the job, and goes on only if the job names it: when the worker
/// was killed before that, the next worker starts the job again and this trainer does nothing.
fn confirm_queue_job(workspace: Option<PathBuf>, id: &str) -> Result<()> {
    let ws = workspace_dir::open(workspace)?;
    let queue = worldbench_storage::queue::Queue::of_workspace(ws.root());
    let g = queue.lock()?;
    g.confirm_trainer(id, std::process::id())?;
    Ok(())
}

fn resume(run_dir: &Path, args: &TrainArgs) -> Result<PathBuf> {
    let run = RunPaths::new(run_dir);
    // A folder that is not a readable run is refused before anything is written into it.
    RunManifest::read(&run.manifest())?;
    // Refuses a run that another trainer holds, naming it; then reads the manifest as the holder
    // that just finished (if any) left it.
    let lock = RunLock::acquire(&run, "train --resume")?;
    let mut manifest = RunManifest::read(&run.manifest())?;
    let interrupted = manifest.status == RunStatus::Running;
    if manifest.status == RunStatus::Completed {
        bail!(
            "{}: this run has already completed; start a new run instead",
            run.manifest().display()
        );
    }
    let cfg: TrainConfig = manifest.config.clone();
    if !worldbench_storage::files::present(&run.last_checkpoint()) {
        bail!(
            "{}: no `last` checkpoint to resume from; start a new run instead",
            run.last_checkpoint().display()
        );
    }
    let data_path = PathBuf::from(&manifest.dataset_path);
    let ds = open_dataset(&data_path)?;
    let hash = dataset_hash(&data_path)?;
    if hash != manifest.dataset_hash {
        bail!(
            "{}: the dataset changed since the run started (hash {} ≠ {}); resuming would train on other data",
            data_path.display(),
            hash,
            manifest.dataset_hash
        );
    }
    // Where training goes on from, and how the run had stopped, for the worklog post.
    let resume_record = Resume {
        at: worldbench_storage::now_rfc3339(),
        from_step: checkpoint_file_step(&run.last_checkpoint())?,
        after: if interrupted {
            RunStatus::Interrupted
        } else {
            manifest.status
        },
    };
    append_resume(&run, &resume_record)?;
    manifest.status = RunStatus::Running;
    manifest.finished = None;
    manifest.error = None;
    manifest.pid = Some(std::process::id());
    if let Some(id) = worldbench_storage::run::slurm_job_id_from_env() {
        manifest.slurm_job_id = Some(id);
    }
    manifest.write(&run.manifest())?;
    say_run_folder(&run);
    let mut err = std::io::stderr();
    if interrupted {
        let _ = writeln!(
            err,
            "{}: the run was interrupted (its trainer died without stopping); resuming from `last`",
            run.root.display()
        );
    }
    for tmp in &lock.removed_temp_files {
        let _ = writeln!(err, "removed {} (left by a killed writer)", tmp.display());
    }
    execute(&run, manifest, &cfg, &ds, true, args)?;
    drop(lock);
    Ok(run.root)
}

fn execute(
    run: &RunPaths,
    mut manifest: RunManifest,
    cfg: &TrainConfig,
    ds: &worldbench_storage::Dataset,
    resume: bool,
    args: &TrainArgs,
) -> Result<()> {
    let cancel = super::train_signals::cancel_flag();
    let mut progress = Progress::new(args.progress);
    let mut log = RunLog::open(run);
    log.line(&format!(
        "{} {}",
        if resume { "resuming" } else { "starting" },
        run.root.display()
    ));
    let result = train(
        cfg,
        ds,
        run,
        resume,
        &mut |event: TrainEvent| {
            log.event(&event);
            progress.event(&event);
        },
        &cancel,
    );
    manifest.finished = Some(chrono::Local::now().to_rfc3339());
    manifest.pid = None;
    let outcome = match result {
        Ok(_) => {
            manifest.status = RunStatus::Completed;
            Ok(())
        }
        Err(ModelError::Cancelled) if super::train_signals::got_usr2() => {
            let (requeued, what) = super::train_signals::requeue_on_slurm();
            manifest.status = if requeued {
                RunStatus::Preempted
            } else {
                RunStatus::Cancelled
            };
            progress.message(&what);
            manifest.error = Some(what);
            Ok(())
        }
        Err(ModelError::Cancelled) => {
            manifest.status = RunStatus::Cancelled;
            progress.message(
                "cancelled: `last` was written; resume with `worldbench train --resume <run>`",
            );
            Ok(())
        }
        Err(err) => {
            manifest.status = RunStatus::Failed;
            manifest.error = Some(err.to_string());
            log.error(&err.to_string());
            Err(anyhow::Error::new(err)
                .context(format!("training failed in {}", run.root.display())))
        }
    };
    manifest.write(&run.manifest())?;
    log.line(&format!("status: {:?}", manifest.status));
    outcome
}

/// Refuses an attempt without a complete gate; returns the gate's path to record.
pub(crate) fn check_gate(kind: RunKind, gate: Option<&Path>) -> Result<Option<PathBuf>> {
    match (kind, gate) {
        (RunKind::Smoke, g) => Ok(g.map(Path::to_path_buf)),
        (RunKind::Attempt, None) => bail!(
            "a training attempt needs a hypothesis gate: pass --gate <gate.json> (create one with `worldbench gate new`), \
             or --smoke for a setup check; nothing was launched"
        ),
        (RunKind::Attempt, Some(path)) => {
            let gate = Gate::read(path)?;
            let missing = gate.missing_fields();
            if !missing.is_empty() {
                bail!(
                    "{}: the hypothesis gate is incomplete; nothing was launched. Missing:\n  - {}",
                    path.display(),
                    missing.join("\n  - ")
                );
            }
            Ok(Some(path.to_path_buf()))
        }
    }
}

pub(crate) fn config_from_args(args: &TrainArgs) -> Result<TrainConfig> {
    let preset = args.preset.as_deref().unwrap_or("default");
    let mut cfg = TrainConfig::preset(preset).map_err(|e| anyhow::anyhow!("--preset: {e}"))?;
    if let Some(steps) = args.steps {
        if steps == 0 {
            bail!("--steps must be at least 1");
        }
        cfg.steps = steps;
    }
    if let Some(seed) = args.seed {
        cfg.seed = seed;
    }
    if let Some(list) = &args.checkpoints {
        let unreachable: Vec<String> = list
            .iter()
            .filter(|&&s| s == 0 || s > cfg.steps)
            .map(u64::to_string)
            .collect();
        if !unreachable.is_empty() {
            bail!(
                "--checkpoints: step{} {} can never be reached: the run has {} steps (give steps from 1 to {})",
                if unreachable.len() == 1 { "" } else { "s" },
                unreachable.join(", "),
                cfg.steps,
                cfg.steps
            );
        }
        cfg.checkpoint_steps.clone_from(list);
        cfg.checkpoint_every = 0;
    }
    cfg.plan_eval = args.plan_eval == OnOff::On;
    cfg.device.clone_from(&args.device);
    for assignment in &args.set {
        apply_assignment(&mut cfg, assignment).map_err(|e| anyhow::anyhow!("--set: {e}"))?;
    }
    Ok(cfg)
}

/// Prints the run folder on stdout. A closed stdout (the process that started the trainer is
/// gone) must not stop the run, so a failed write is ignored rather than a panic.
fn say_run_folder(run: &RunPaths) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", run.root.display());
    let _ = out.flush();
}

/// `--run-dir`: an existing folder that holds no run yet (the queue creates it before it starts
/// the trainer, so that it knows the run's folder however the trainer ends).
fn given_run_dir(dir: &Path) -> Result<RunPaths> {
    let run = RunPaths::new(dir);
    if !dir.is_dir() {
        bail!("{}: --run-dir must be an existing folder", dir.display());
    }
    if run.manifest().exists() {
        // A run interrupted before its first checkpoint has nothing to resume: it starts again here.
        let written = RunManifest::read(&run.manifest())?.status;
        let restartable = observed_status(&run, written) == RunStatus::Interrupted
            && !worldbench_storage::files::present(&run.last_checkpoint());
        if !restartable {
            bail!(
                "{}: this folder already holds a run; resume it with `worldbench train --resume`",
                run.manifest().display()
            );
        }
        for csv in [run.train_csv(), run.planning_csv()] {
            if csv.exists() {
                std::fs::remove_file(&csv)
                    .with_context(|| format!("{}: cannot remove", csv.display()))?;
            }
        }
    }
    Ok(run)
}

pub(crate) fn check_device(device: &str) -> Result<()> {
    match device {
        "cuda" if !cfg!(feature = "cuda") => bail!(
            "--device cuda: this worldbench was built without CUDA support; build one with packaging/build-cuda.sh \
             (see README, \"CUDA\"), or use --device cpu"
        ),
        "cpu" | "cuda" => Ok(()),
        other => bail!("--device {other}: unknown device; use cpu or cuda"),
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `logs/stdout.log` (events as JSON lines) and `logs/stderr.log` (errors), appended.
struct RunLog {
    out: Option<std::fs::File>,
    err_path: PathBuf,
}

impl RunLog {
    fn open(run: &RunPaths) -> Self {
        let _ = std::fs::create_dir_all(run.logs_dir());
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(run.logs_dir().join("stdout.log"))
            .ok();
        Self {
            out,
            err_path: run.logs_dir().join("stderr.log"),
        }
    }

    fn line(&mut self, msg: &str) {
        if let Some(f) = &mut self.out {
            let _ = writeln!(f, "{} {msg}", chrono::Local::now().to_rfc3339());
        }
    }

    fn event(&mut self, event: &TrainEvent) {
        // Step events are many; the log keeps the ones a researcher greps for.
        if matches!(event, TrainEvent::Step { .. }) {
            return;
        }
        if let Ok(json) = serde_json::to_string(event) {
            self.line(&json);
        }
    }

    fn error(&mut self, msg: &str) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.err_path)
        {
            let _ = writeln!(f, "{} {msg}", chrono::Local::now().to_rfc3339());
        }
    }
}
