//! The Slurm backend on a real Slurm (`.ci/run` starts a single-node cluster with
//! `.ci/slurm-single-node.sh`; it has no accounting, so sacct is absent and state comes from
//! squeue/scontrol). Where no Slurm answers, each test prints that it was skipped and why, and
//! fails instead when `WORLDBENCH_REQUIRE_SLURM` is set (`.ci/run` sets it once it started one).
//! The tests take turns (one lock): the cluster and CI have few cores.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use worldbench_storage::{read_csv, TrainRow};
use worldbench_tests::{fails, ok, run_folder, small_dataset, smoke_train_command, worldbench};

static TURN: Mutex<()> = Mutex::new(());

/// Why Slurm cannot be used here, if it cannot.
fn no_slurm() -> Option<String> {
    match Command::new("sinfo").args(["-h", "-o", "%P %T"]).output() {
        Err(e) => Some(format!("no sinfo on PATH ({e}): Slurm is not installed")),
        Ok(out) if !out.status.success() => Some(format!(
            "sinfo failed (no controller running?): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(out) if out.stdout.is_empty() => Some("sinfo lists no partition".into()),
        Ok(_) => None,
    }
}

/// The default partition, from sinfo (`main*`).
fn partition() -> String {
    let out = Command::new("sinfo")
        .args(["-h", "-o", "%P"])
        .output()
        .expect("sinfo");
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("main").trim();
    text.lines()
        .map(str::trim)
        .find(|p| p.ends_with('*'))
        .unwrap_or(first)
        .trim_end_matches('*')
        .to_string()
}

macro_rules! slurm_or_skip {
    ($name:literal) => {{
        if let Some(why) = no_slurm() {
            // .ci/run sets it once it started a cluster: there, a missing Slurm is a failure.
            assert!(
                std::env::var_os("WORLDBENCH_REQUIRE_SLURM").is_none(),
                "{}: WORLDBENCH_REQUIRE_SLURM is set but {why}",
                $name
            );
            println!("SKIPPED {}: {why} (`.ci/run` starts one)", $name);
            eprintln!("SKIPPED {}: {why} (`.ci/run` starts one)", $name);
            return;
        }
        TURN.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }};
}

fn workspace() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = small_dataset(&ws, "d", "1");
    let cfg = ws.join("worldbench.toml");
    let text = format!(
        "{}\n[launch.slurm]\npartition = \"{}\"\n",
        std::fs::read_to_string(&cfg).unwrap_or_default(),
        partition()
    );
    std::fs::write(&cfg, text).expect("write worldbench.toml");
    (tmp, ws, data)
}

fn manifest(run: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).ok()?).ok()
}

fn status(run: &Path) -> String {
    manifest(run)
        .and_then(|m| m["status"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn job_id(run: &Path) -> String {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(run.join("logs/slurm.json")).expect("logs/slurm.json"),
    )
    .expect("slurm.json");
    v["slurm_job_id"]
        .as_str()
        .expect("slurm_job_id")
        .to_string()
}

fn rows(run: &Path) -> Vec<TrainRow> {
    read_csv::<TrainRow>(&run.join("metrics/train.csv")).unwrap_or_default()
}

/// Waits for `done`, failing with what the run's Slurm log says.
fn wait_for(run: &Path, what: &str, secs: u64, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > Duration::from_secs(secs) {
            let logs: String = std::fs::read_dir(run.join("logs"))
                .map(|d| {
                    d.flatten()
                        .filter(|e| e.file_name().to_string_lossy().ends_with(".out"))
                        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default();
            let squeue = Command::new("squeue").output().map_or(String::new(), |o| {
                String::from_utf8_lossy(&o.stdout).into_owned()
            });
            panic!(
                "{}: not {what} after {secs} s (status {:?})\nsqueue:\n{squeue}\nlogs:\n{logs}",
                run.display(),
                status(run)
            );
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn submit(ws: &Path, data: &Path, steps: &str, checkpoints: &str, title: &str) -> PathBuf {
    run_folder(&ok(smoke_train_command(ws, data, steps, checkpoints).args(
        [
            "--title",
            title,
            "--plan-eval",
            "off",
            "--progress",
            "none",
            "--backend",
            "slurm",
        ],
    )))
}

#[test]
fn a_tiny_run_completes_on_slurm_with_its_script_and_job_id() {
    let _turn = slurm_or_skip!("a_tiny_run_completes_on_slurm_with_its_script_and_job_id");
    let (_tmp, ws, data) = workspace();
    ok(worldbench(&ws).args(["launch", "check", "--backend", "slurm"]));
    let title = "it's \"$(touch pwned)\" `x`\nline two";
    let run = submit(&ws, &data, "6", "3,6", title);
    wait_for(&run, "completed", 120, || status(&run) == "completed");
    let m = manifest(&run).expect("run.json");
    assert_eq!(m["title"], title, "the title reached the trainer verbatim");
    assert_eq!(m["slurm_job_id"].as_str(), Some(job_id(&run).as_str()));
    assert_eq!(rows(&run).len(), 6);
    for f in [
        "checkpoints/step_000003.safetensors",
        "checkpoints/step_000006.safetensors",
        "checkpoints/last.safetensors",
        "logs/slurm.sbatch",
    ] {
        assert!(run.join(f).is_file(), "{f} missing");
    }
    let script = std::fs::read_to_string(run.join("logs/slurm.sbatch")).expect("script");
    assert!(script.contains("#SBATCH --requeue") && script.contains("--signal=B:USR2@"));
    assert!(!ws.join("pwned").exists() && !Path::new("pwned").exists());
}

#[test]
fn a_sweep_runs_as_one_job_array() {
    let _turn = slurm_or_skip!("a_sweep_runs_as_one_job_array");
    let (_tmp, ws, _data) = workspace();
    let file = ws.join("grid.toml");
    std::fs::write(
        &file,
        "title = \"grid\"\nseeds = [0, 1, 2]\n[base]\ndata = \"d\"\npreset = \"tiny\"\nsteps = 4\ncheckpoints = [4]\nplan_eval = false\n[grid]\nlr = [0.001]\n",
    )
    .expect("write sweep");
    let sweep = run_folder(&ok(worldbench(&ws)
        .args(["sweep", "run", "--backend", "slurm"])
        .arg(&file)));
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(sweep.join("sweep.json")).expect("sweep.json"),
    )
    .expect("json");
    let runs: Vec<PathBuf> = state["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| PathBuf::from(c["run"].as_str().expect("run")))
        .collect();
    assert_eq!(runs.len(), 3);
    let array = job_id(&runs[0]);
    assert!(array.ends_with("_0"), "{array}");
    let base = array.trim_end_matches("_0");
    for (i, run) in runs.iter().enumerate() {
        assert_eq!(job_id(run), format!("{base}_{i}"));
        wait_for(run, "completed", 180, || status(run) == "completed");
        assert_eq!(rows(run).len(), 4, "{}: metrics", run.display());
        assert_eq!(
            manifest(run).expect("run.json")["slurm_job_id"],
            format!("{base}_{i}")
        );
    }
    let out = ok(worldbench(&ws)
        .args(["sweep", "status", "--json"])
        .arg(&sweep));
    let v: Value = serde_json::from_str(&out).expect("status json");
    for c in v["cells"].as_array().expect("cells") {
        assert_eq!(c["status"], "completed", "{c}");
    }
}

#[test]
fn scancel_leaves_last_and_status_cancelled() {
    let _turn = slurm_or_skip!("scancel_leaves_last_and_status_cancelled");
    let (_tmp, ws, data) = workspace();
    let run = submit(&ws, &data, "5000", "5000", "cancel me");
    wait_for(&run, "training", 120, || rows(&run).len() >= 5);
    let out = Command::new("scancel")
        .arg(job_id(&run))
        .output()
        .expect("scancel");
    assert!(out.status.success());
    wait_for(&run, "cancelled", 60, || status(&run) == "cancelled");
    assert!(run.join("checkpoints/last.safetensors").is_file());
}

#[test]
fn usr2_requeues_and_resumes_to_the_same_losses() {
    let _turn = slurm_or_skip!("usr2_requeues_and_resumes_to_the_same_losses");
    let (_tmp, ws, data) = workspace();
    let steps = "300";
    let reference = run_folder(&ok(smoke_train_command(&ws, &data, steps, steps).args([
        "--title",
        "reference",
        "--plan-eval",
        "off",
        "--progress",
        "none",
    ])));
    let run = submit(&ws, &data, steps, steps, "preempted");
    wait_for(&run, "training", 120, || rows(&run).len() >= 20);
    let job = job_id(&run);
    let out = Command::new("scancel")
        .args(["--signal=USR2", "--batch", &job])
        .output()
        .expect("scancel --signal");
    assert!(out.status.success());
    wait_for(&run, "stopped by USR2", 60, || {
        manifest(&run)
            .and_then(|m| m["error"].as_str().map(|e| e.contains("requeued")))
            .unwrap_or(false)
    });
    // Requeued and waiting to restart: preempted, not cancelled, in run.json and `runs list`.
    assert_eq!(status(&run), "preempted");
    let listed: Value =
        serde_json::from_str(&ok(worldbench(&ws).args(["runs", "list", "--json"]))).expect("json");
    let row = listed
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["title"] == "preempted")
        .unwrap_or_else(|| panic!("no preempted run in {listed}"));
    assert_eq!(row["status"], "preempted", "{row}");
    // Slurm holds a requeued job back a while (BeginTime); let it start in 3 s. Not at once: slurmd
    // revokes the old instance's credential by the second, and a restart within that second is
    // killed as "Job credential revoked".
    for _ in 0..20 {
        let out = Command::new("scontrol")
            .args(["update", &format!("JobId={job}"), "StartTime=now+3"])
            .output()
            .expect("scontrol");
        if out.status.success() {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    wait_for(&run, "completed after the requeue", 180, || {
        status(&run) == "completed"
    });
    let resumed = rows(&run);
    let steps_seen: Vec<u64> = resumed.iter().map(|r| r.step).collect();
    let want: Vec<u64> = (1..=300).collect();
    assert_eq!(steps_seen, want, "every step once, none duplicated");
    let reference = rows(&reference);
    let (a, b) = (
        resumed.last().expect("rows"),
        reference.last().expect("rows"),
    );
    assert!(
        (a.loss - b.loss).abs() < 1e-9,
        "final loss {} after the requeue, {} uninterrupted",
        a.loss,
        b.loss
    );
    assert!(std::fs::read_to_string(run.join("resumes.jsonl"))
        .expect("resumes.jsonl")
        .contains("\"preempted\""));
}

fn sweep_cells(sweep: &Path) -> Vec<Value> {
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(sweep.join("sweep.json")).expect("sweep.json"),
    )
    .expect("json");
    state["cells"].as_array().expect("cells").clone()
}

fn cell_run(c: &Value) -> PathBuf {
    PathBuf::from(c["run"].as_str().expect("run"))
}

#[test]
fn sweep_cancel_and_retry_act_on_the_slurm_cells() {
    let _turn = slurm_or_skip!("sweep_cancel_and_retry_act_on_the_slurm_cells");
    let (_tmp, ws, _data) = workspace();
    // One task at a time: the first trains, the second waits in Slurm's queue.
    let cfg = ws.join("worldbench.toml");
    let text = std::fs::read_to_string(&cfg).expect("toml");
    let text = if text.contains("\n[queue]\n") {
        text.replace("\n[queue]\n", "\n[queue]\nmax_parallel = 1\n")
    } else {
        format!("[queue]\nmax_parallel = 1\n{text}")
    };
    std::fs::write(&cfg, text).expect("toml");
    let file = ws.join("long.toml");
    std::fs::write(
        &file,
        "title = \"long\"\nseeds = [0, 1]\n[base]\ndata = \"d\"\npreset = \"tiny\"\nsteps = 5000\ncheckpoints = [5000]\nplan_eval = false\n[grid]\nlr = [0.001]\n",
    )
    .expect("write sweep");
    let sweep = run_folder(&ok(worldbench(&ws)
        .args(["sweep", "run", "--backend", "slurm"])
        .arg(&file)));
    let cells = sweep_cells(&sweep);
    let (first, second) = (cell_run(&cells[0]), cell_run(&cells[1]));
    let (first_job, second_job) = (job_id(&first), job_id(&second));
    wait_for(&first, "training", 120, || rows(&first).len() >= 5);
    assert_eq!(status(&second), "", "the second task has not started");

    let out = ok(worldbench(&ws).args(["sweep", "cancel"]).arg(&sweep));
    assert!(out.contains("2 cell(s) cancelled"), "{out}");
    wait_for(&first, "cancelled", 60, || status(&first) == "cancelled");
    assert!(first.join("checkpoints/last.safetensors").is_file());
    let done_before = rows(&first).len();
    let v: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["sweep", "status", "--json"])
        .arg(&sweep)))
    .expect("status json");
    for c in v["cells"].as_array().expect("cells") {
        assert_eq!(c["status"], "cancelled", "{c}");
    }
    let array = first_job.split('_').next().unwrap_or("?").to_string();
    let queued = || {
        ok(Command::new("squeue").args(["-h", "-o", "%i"]))
            .lines()
            .any(|l| l.starts_with(&format!("{array}_")))
    };
    // The cancelled trainer's job leaves squeue once Slurm has seen it end.
    wait_for(&first, "gone from squeue", 60, || !queued());

    // Retry: one new array; the cell with `last` resumes in its folder, the other gets a new one.
    ok(worldbench(&ws).args(["sweep", "retry"]).arg(&sweep));
    let cells = sweep_cells(&sweep);
    assert_eq!(cell_run(&cells[0]), first, "resumed in its own folder");
    assert_ne!(cell_run(&cells[1]), second, "never started: a new folder");
    let (again_first, again_second) = (job_id(&first), job_id(&cell_run(&cells[1])));
    assert_ne!(again_first, first_job);
    assert_ne!(again_second, second_job);
    assert_eq!(
        again_first.split('_').next(),
        again_second.split('_').next(),
        "one job array"
    );
    wait_for(&first, "resumed from last", 120, || {
        rows(&first).len() > done_before + 3
    });
    assert!(first.join("resumes.jsonl").is_file());
    let out = ok(worldbench(&ws).args(["sweep", "cancel"]).arg(&sweep));
    assert!(out.contains("2 cell(s) cancelled"), "{out}");
    wait_for(&first, "cancelled again", 60, || {
        status(&first) == "cancelled"
    });
}

#[test]
fn launch_check_and_bad_submissions_say_what_is_wrong() {
    let _turn = slurm_or_skip!("launch_check_and_bad_submissions_say_what_is_wrong");
    let (_tmp, ws, data) = workspace();
    // No such partition: said by `launch check` and by a submission, before anything is submitted.
    let cfg = ws.join("worldbench.toml");
    let good = std::fs::read_to_string(&cfg).expect("toml");
    std::fs::write(
        &cfg,
        good.replace(
            &format!("partition = \"{}\"", partition()),
            "partition = \"nosuchpart\"",
        ),
    )
    .expect("write");
    let e = fails(worldbench(&ws).args(["launch", "check", "--backend", "slurm"]));
    assert!(e.contains("nosuchpart") && e.contains("sinfo"), "{e}");
    let before = std::fs::read_dir(ws.join("runs")).map_or(0, Iterator::count);
    let e = fails(smoke_train_command(&ws, &data, "4", "4").args(["--backend", "slurm"]));
    assert!(e.contains("nothing was submitted"), "{e}");
    assert_eq!(
        std::fs::read_dir(ws.join("runs")).map_or(0, Iterator::count),
        before
    );
    // Slurm itself refuses: its message is the error, and nothing is left queued.
    std::fs::write(&cfg, format!("{good}gres = \"bogus:1\"\n")).expect("write");
    let e = fails(smoke_train_command(&ws, &data, "4", "4").args(["--backend", "slurm"]));
    assert!(
        e.contains("sbatch refused") && e.contains("Invalid generic resource"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(ws.join("runs")).map_or(0, Iterator::count),
        before,
        "the refused run's folder is removed"
    );
    let squeue = Command::new("squeue")
        .args(["-h", "-t", "PENDING", "-o", "%i"])
        .output()
        .expect("squeue");
    assert!(squeue.stdout.is_empty(), "a job was left queued");
    // No sbatch on PATH.
    let e = fails(
        worldbench(&ws)
            .args(["launch", "check", "--backend", "slurm"])
            .env("PATH", ""),
    );
    assert!(e.contains("no `sbatch` on PATH"), "{e}");
    // An unknown key names its line.
    std::fs::write(&cfg, format!("{good}partiton = \"x\"\n")).expect("write");
    let e = fails(worldbench(&ws).args(["launch", "check", "--backend", "slurm"]));
    assert!(e.contains("partiton") && e.contains("line"), "{e}");
}

#[test]
fn runs_list_shows_a_pending_job_before_its_trainer_starts() {
    let _turn = slurm_or_skip!("runs_list_shows_a_pending_job_before_its_trainer_starts");
    let (_tmp, ws, data) = workspace();
    let cfg = ws.join("worldbench.toml");
    let text = std::fs::read_to_string(&cfg).expect("toml");
    std::fs::write(&cfg, format!("{text}extra = [\"--hold\"]\n")).expect("write");
    let run = submit(&ws, &data, "4", "4", "held");
    let list: Value =
        serde_json::from_str(&ok(worldbench(&ws).args(["runs", "list", "--json"]))).expect("json");
    let line = &list.as_array().expect("runs")[0];
    assert_eq!(line["status"], "pending", "{line}");
    assert_eq!(line["slurm_job_id"], job_id(&run).as_str());
    let text = ok(worldbench(&ws).args(["runs", "list"]));
    assert!(
        text.contains(&format!("slurm {}: pending", job_id(&run))),
        "{text}"
    );
    let out = Command::new("scancel")
        .arg(job_id(&run))
        .output()
        .expect("scancel");
    assert!(out.status.success());
}

/// Collects a job's events.
struct Events(Mutex<Vec<worldbench::launch::LaunchEvent>>);

impl worldbench::launch::EventSink for Events {
    fn event(
        &self,
        event: worldbench::launch::LaunchEvent,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(event);
        Box::pin(async {})
    }
}

#[test]
fn the_slurm_launcher_runs_a_queued_job_behind_the_launcher_seam() {
    use worldbench::launch::{
        JobCommand, JobHandle, JobSpec, LaunchEvent, Launcher, QueuedJob, SlurmLauncher,
    };
    let _turn = slurm_or_skip!("the_slurm_launcher_runs_a_queued_job_behind_the_launcher_seam");
    let (_tmp, ws, data) = workspace();
    let run = ws.join("runs").join("by the launcher");
    std::fs::create_dir_all(&run).expect("run folder");
    let mut settings =
        worldbench_storage::SlurmSettings::read(&ws.join("worldbench.toml")).expect("settings");
    settings.binary = Some(worldbench_tests::binary());
    let launcher = SlurmLauncher {
        settings,
        workspace: ws.clone(),
    };
    let spec = JobSpec::new(
        "queued",
        JobCommand::Queued(QueuedJob {
            workspace: ws.clone(),
            args: [
                "train",
                "--data",
                data.to_str().expect("utf-8"),
                "--preset=tiny",
                "--steps=4",
                "--checkpoints=4",
                "--smoke",
                "--plan-eval=off",
                "--progress=none",
                "--title=launcher $(x)",
            ]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
            run: Some(run.clone()),
            resume: false,
            job_id: None,
        }),
    );
    let events = std::sync::Arc::new(Events(Mutex::new(Vec::new())));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(launcher.run(&spec, events.clone()));
    let events = events.0.lock().expect("events").clone();
    let Some(LaunchEvent::Spawned(handle @ JobHandle::Slurm { .. })) = events.first() else {
        panic!("no Spawned(Slurm) first: {events:?}")
    };
    assert!(!launcher.is_alive(handle));
    assert_eq!(
        events.last(),
        Some(&LaunchEvent::Exited {
            success: true,
            code: Some(0)
        }),
        "{events:?}"
    );
    assert_eq!(status(&run), "completed");
    assert!(launcher
        .log_paths(&run)
        .iter()
        .any(|p| p.ends_with("logs/slurm.sbatch")));
}

/// Queues a tiny smoke run of `steps` steps titled `title`.
fn enqueue(
    queue: &worldbench_storage::queue::Queue,
    data: &Path,
    title: &str,
    steps: &str,
) -> worldbench_storage::queue::QueueJob {
    let args = [
        "train",
        "--data",
        data.to_str().expect("utf-8"),
        "--preset=tiny",
        &format!("--steps={steps}"),
        &format!("--checkpoints={steps}"),
        "--smoke",
        "--plan-eval=off",
        "--progress=none",
        &format!("--title={title}"),
    ];
    queue
        .lock()
        .expect("queue lock")
        .add(worldbench_storage::queue::NewJob {
            label: title.into(),
            title: title.into(),
            args: args.iter().map(|s| (*s).to_string()).collect(),
            ..worldbench_storage::queue::NewJob::default()
        })
        .expect("enqueue")
}

#[test]
fn queue_work_on_slurm_submits_each_queued_job_and_settles_it() {
    use worldbench_storage::queue::Queue;
    let _turn = slurm_or_skip!("queue_work_on_slurm_submits_each_queued_job_and_settles_it");
    let (_tmp, ws, data) = workspace();
    // One at a time: the second job is submitted only once the first has ended.
    let cfg = ws.join("worldbench.toml");
    let text = std::fs::read_to_string(&cfg).expect("worldbench.toml");
    std::fs::write(&cfg, format!("{text}\n[queue]\nmax_parallel = 1\n")).expect("write");
    let queue = Queue::of_workspace(&ws);
    for title in ["queued a", "queued b"] {
        enqueue(&queue, &data, title, "4");
    }
    let out = ok(worldbench(&ws).args(["queue", "work", "--backend", "slurm"]));
    let jobs = queue.list().expect("jobs");
    assert_eq!(jobs.len(), 2, "{out}");
    let mut slurm_ids = Vec::new();
    for j in &jobs {
        assert_eq!(j.state.as_str(), "completed", "{j:?}\n{out}");
        let run = j.run.as_ref().expect("the job's run folder");
        assert_eq!(status(run), "completed");
        let in_run = manifest(run).expect("run.json")["slurm_job_id"]
            .as_str()
            .map(str::to_string);
        assert_eq!(in_run.as_ref(), j.slurm_job_id.as_ref(), "{j:?}");
        assert_eq!(in_run, Some(job_id(run)));
        slurm_ids.push(in_run);
    }
    assert_ne!(slurm_ids[0], slurm_ids[1]);
    let (first, second) = (&jobs[0], &jobs[1]);
    assert!(
        second.started >= first.finished,
        "max_parallel = 1, yet the second started before the first ended: {jobs:?}"
    );
}

#[test]
fn queue_cancel_scancels_the_slurm_job_a_worker_follows() {
    use worldbench_storage::queue::Queue;
    let _turn = slurm_or_skip!("queue_cancel_scancels_the_slurm_job_a_worker_follows");
    let (_tmp, ws, data) = workspace();
    let queue = Queue::of_workspace(&ws);
    let job = enqueue(&queue, &data, "cancel from the queue", "5000");
    let worker = worldbench(&ws)
        .args(["queue", "work", "--backend", "slurm"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("queue work");
    let run_of = || {
        queue
            .list()
            .ok()
            .and_then(|jobs| jobs.into_iter().find(|j| j.id == job.id))
            .and_then(|j| j.run)
    };
    let start = Instant::now();
    let run = loop {
        if let Some(run) = run_of() {
            break run;
        }
        assert!(
            start.elapsed() < Duration::from_mins(2),
            "the worker never submitted the job"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    wait_for(&run, "training", 120, || rows(&run).len() >= 5);
    ok(worldbench(&ws).args(["queue", "cancel", &job.id]));
    wait_for(&run, "cancelled", 60, || status(&run) == "cancelled");
    let out = worker.wait_with_output().expect("the worker ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let jobs = queue.list().expect("jobs");
    let j = jobs.iter().find(|j| j.id == job.id).expect("the job");
    assert_eq!(j.state.as_str(), "cancelled", "{j:?}");
    assert_eq!(j.slurm_job_id.as_deref(), Some(job_id(&run).as_str()));
    assert!(run.join("checkpoints/last.safetensors").is_file());
}
