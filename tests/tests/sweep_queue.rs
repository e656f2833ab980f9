//! Sweeps and the queue on the built binary, with tiny runs: a 2×2×2-seed grid runs to completion
//! through the queue and a second `sweep run` starts nothing; SIGKILL of the worker mid-sweep,
//! then `sweep run` again, finishes the sweep with no duplicate run; a killed trainer resumes from
//! `last`; `extend` and `retry` touch only their cells; two `queue work`s run each job once; a
//! malformed sweep.toml is refused naming the key and the line; `train --set`.

mod sweeps_common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use sweeps_common::*;
use worldbench_tests::{fails, ok, run, run_folder, worldbench};

#[test]
fn a_2x2x2_grid_runs_through_the_queue_and_running_it_again_starts_nothing() {
    let (_tmp, ws) = workspace();
    let file = sweep_file(
        &ws,
        "grid",
        "[0, 1]",
        "\"model.hidden\" = [8, 16]\nlr = [0.001, 0.0003]",
        "",
    );
    let out = ok(worldbench(&ws).args(["sweep", "run", "--wait"]).arg(&file));
    let sweep = PathBuf::from(out.lines().next().expect("the sweep folder first"));
    assert!(sweep.join("sweep.toml").is_file() && sweep.join("sweep.json").is_file());
    assert_eq!(sweep.parent(), Some(ws.join("sweeps").as_path()));
    assert_all_completed(&ws, &sweep, 8);
    let again = ok(worldbench(&ws).args(["sweep", "run", "--wait"]).arg(&file));
    assert_eq!(again.lines().next(), out.lines().next(), "the same sweep");
    assert_eq!(queue_jobs(&ws).len(), 8, "nothing new queued");
    assert_all_completed(&ws, &sweep, 8);
}

#[test]
fn sigkill_of_the_worker_mid_sweep_then_sweep_run_again_finishes_without_duplicates() {
    let (_tmp, ws) = workspace();
    let file = sweep_file(
        &ws,
        "killed",
        "[0, 1]",
        "\"model.hidden\" = [8, 16]\nlr = [0.001, 0.0003]",
        "",
    );
    let out = worldbench(&ws)
        .args(["sweep", "run", "--wait"])
        .arg(&file)
        .env("WORLDBENCH_FAILPOINT", "queue_started:000003")
        .output()
        .expect("spawn");
    assert_eq!(
        out.status.signal(),
        Some(9),
        "the worker was killed: {out:?}"
    );
    let sweep = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .expect("sweep folder"),
    );
    let cells = status(&ws, &sweep);
    let done = statuses(&cells)
        .iter()
        .filter(|s| *s == "completed")
        .count();
    assert!((2..8).contains(&done), "killed mid-sweep: {cells:?}");
    ok(worldbench(&ws).args(["sweep", "run", "--wait"]).arg(&sweep));
    assert_all_completed(&ws, &sweep, 8);
    let jobs = queue_jobs(&ws);
    assert_eq!(jobs.len(), 8);
    assert!(
        jobs.iter().all(|j| j["attempts"] == 1),
        "each job started once: {jobs:?}"
    );
}

/// The processes whose command line holds every one of `words`.
fn processes_with(words: &[&str]) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c);
                words.iter().all(|w| c.contains(w))
            })
        })
        .collect()
}

#[test]
fn a_worker_killed_between_spawning_a_trainer_and_recording_it_runs_the_job_exactly_once() {
    let (_tmp, ws) = workspace();
    let file = sweep_file(&ws, "window", "[0]", "lr = [0.001]", "");
    let out = ok(worldbench(&ws).args(["sweep", "run"]).arg(&file));
    let sweep = PathBuf::from(out.lines().next().expect("sweep folder"));
    // The worker dies right after its trainer is spawned, before the job records it.
    let killed = worldbench(&ws)
        .args(["queue", "work"])
        .env("WORLDBENCH_FAILPOINT", "queue_spawned:000001")
        .output()
        .expect("spawn");
    assert_eq!(killed.status.signal(), Some(9), "{killed:?}");
    // On disk (`queue list` would settle it): running, with no trainer recorded.
    let job = &worldbench_storage::queue::Queue::of_workspace(&ws)
        .list()
        .expect("queue")[0];
    assert_eq!((job.state.as_str(), job.pid), ("running", None));
    // Its trainer outlived it (own process group) unless it has already seen that the job does
    // not name it; either way it must end without training.
    let ws_text = ws.display().to_string();
    let orphans = processes_with(&["--queue-job", &ws_text]);
    ok(worldbench(&ws).args(["queue", "work"]));
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    for &pid in &orphans {
        while worldbench_storage::queue::process::pid_alive(pid) {
            assert!(
                std::time::Instant::now() < deadline,
                "the orphan trainer {pid} ends"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    assert_all_completed(&ws, &sweep, 1);
    let job = &queue_jobs(&ws)[0];
    assert_eq!(
        (&job["state"], &job["attempts"]),
        (&"completed".into(), &2.into()),
        "{job}"
    );
    let run = PathBuf::from(job["run"].as_str().expect("run"));
    let log = std::fs::read_to_string(run.join("logs/stdout.log")).expect("log");
    assert_eq!(
        log.matches("starting").count(),
        1,
        "one trainer trained: {log}"
    );
    assert!(
        !run.join("resumes.jsonl").exists(),
        "no resume: a fresh start"
    );
    // The second start trained it: no trainer was refused the run, and the orphan did not hold it.
    let stderr = std::fs::read_to_string(run.join("logs/queue-stderr.log")).unwrap_or_default();
    assert!(!stderr.contains("in use"), "{stderr}");
    let holder: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.lock")).expect("run.lock"))
            .expect("the last holder");
    let pid = holder["pid"].as_u64().expect("pid");
    assert!(orphans.iter().all(|&o| u64::from(o) != pid), "{orphans:?}");
    // By hand, a trainer the job does not name is refused before it writes anything.
    let e = fails(worldbench(&ws).args([
        "train",
        "--queue-job",
        "000001",
        "--data",
        "d",
        "--preset",
        "tiny",
        "--smoke",
    ]));
    assert!(
        e.contains("000001.json") && e.contains("does not name this process"),
        "{e}"
    );
    assert_eq!(runs_with_manifest(&ws), [run]);
}

#[test]
fn a_trainer_killed_after_a_checkpoint_is_resumed_from_last_by_the_queue() {
    let (_tmp, ws) = workspace();
    let file = sweep_file(&ws, "resume", "[0]", "lr = [0.001]", "");
    let out = ok(worldbench(&ws)
        .args(["sweep", "run", "--wait"])
        .arg(&file)
        .env("WORLDBENCH_FAILPOINT", "after_checkpoint:3"));
    let sweep = PathBuf::from(out.lines().next().expect("sweep folder"));
    assert_all_completed(&ws, &sweep, 1);
    let jobs = queue_jobs(&ws);
    assert_eq!(
        (jobs[0]["attempts"].as_u64(), jobs[0]["resume"].as_bool()),
        (Some(2), Some(true))
    );
    let run = PathBuf::from(jobs[0]["run"].as_str().expect("run"));
    let log = std::fs::read_to_string(run.join("logs/stdout.log")).expect("log");
    assert_eq!(log.matches("resuming").count(), 1, "{log}");
}

#[test]
fn extend_and_retry_touch_only_the_cells_they_should() {
    let (_tmp, ws) = workspace();
    // The cuda cell passes every check but cannot start on a build without CUDA: it fails.
    let file = sweep_file(
        &ws,
        "er",
        "[0]",
        "device = [\"cpu\", \"cuda\"]\nlr = [0.001]",
        "",
    );
    let (out, stdout, _) = run(worldbench(&ws).args(["sweep", "run", "--wait"]).arg(&file));
    assert!(!out.status.success(), "a failed cell fails --wait");
    let sweep = PathBuf::from(stdout.lines().next().expect("sweep folder"));
    let cells = status(&ws, &sweep);
    assert_eq!(statuses(&cells), ["completed", "failed"]);
    let cpu_run = PathBuf::from(cells[0]["run"].as_str().expect("run"));
    let cuda_log =
        PathBuf::from(cells[1]["run"].as_str().expect("run")).join("logs/queue-stderr.log");
    let finished = manifest(&cpu_run)["finished"].clone();
    let errors = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .matches("error:")
            .count()
    };
    assert_eq!(errors(&cuda_log), 1);

    let _ = run(worldbench(&ws)
        .args(["sweep", "retry", "--wait"])
        .arg(&sweep));
    assert_eq!(errors(&cuda_log), 2, "the failed cell ran again");
    assert_eq!(
        manifest(&cpu_run)["finished"],
        finished,
        "the completed cell was not touched"
    );
    assert_eq!(runs_with_manifest(&ws), vec![cpu_run.clone()]);

    let _ = run(worldbench(&ws)
        .args(["sweep", "extend", "--wait", "--values", "lr=0.002"])
        .arg(&sweep));
    let cells = status(&ws, &sweep);
    let got: Vec<(String, String)> = cells
        .iter()
        .map(|c| {
            (
                c["params"]["lr"].to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("0.001".into(), "completed".into()),
            ("0.001".into(), "failed".into()),
            ("0.002".into(), "completed".into()),
            ("0.002".into(), "failed".into()),
        ]
    );
    assert_eq!(manifest(&cpu_run)["finished"], finished);
    assert_eq!(
        errors(&cuda_log),
        2,
        "extend did not retry the old failed cell"
    );
    assert_eq!(runs_with_manifest(&ws).len(), 2);
    assert_eq!(queue_jobs(&ws).len(), 4);

    // The user's own file, unchanged by extend, still names this sweep: nothing new is queued.
    let (_, stdout, _) = run(worldbench(&ws).args(["sweep", "run", "--wait"]).arg(&file));
    assert_eq!(
        stdout.lines().next().map(PathBuf::from),
        Some(sweep.clone())
    );
    assert_eq!(queue_jobs(&ws).len(), 4);
    let registered = std::fs::read_to_string(sweep.join("sweep.toml")).expect("sweep.toml");
    assert!(registered.contains("0.002"), "{registered}");
    assert_eq!(
        std::fs::read_to_string(sweep.join("sweep.original.toml")).expect("original"),
        std::fs::read_to_string(&file).expect("file")
    );
}

#[test]
fn two_queue_workers_at_once_run_each_job_exactly_once() {
    let (_tmp, ws) = workspace();
    std::fs::write(ws.join("worldbench.toml"), "[queue]\nmax_parallel = 2\n").expect("config");
    let file = sweep_file(
        &ws,
        "two",
        "[0, 1]",
        "\"model.hidden\" = [8, 16]\nlr = [0.001, 0.0003]",
        "",
    );
    let out = ok(worldbench(&ws).args(["sweep", "run"]).arg(&file));
    let sweep = PathBuf::from(out.lines().next().expect("sweep folder"));
    assert_eq!(statuses(&status(&ws, &sweep)), vec!["queued"; 8]);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            worldbench(&ws)
                .args(["queue", "work"])
                .spawn()
                .expect("spawn worker")
        })
        .collect();
    for mut w in workers {
        assert!(w.wait().expect("worker").success());
    }
    assert_all_completed(&ws, &sweep, 8);
    let jobs = queue_jobs(&ws);
    assert!(jobs.iter().all(|j| j["attempts"] == 1), "{jobs:?}");
    for j in &jobs {
        let log = std::fs::read_to_string(
            Path::new(j["run"].as_str().expect("run")).join("logs/stdout.log"),
        )
        .expect("log");
        assert_eq!(
            log.matches("starting").count(),
            1,
            "one trainer per job: {log}"
        );
    }
}

#[test]
fn a_malformed_sweep_is_refused_naming_the_key_and_the_line_and_nothing_runs() {
    let (_tmp, ws) = workspace();
    let file = sweep_file(&ws, "bad", "[0]", "\"model.hidden\" = [8, \"wide\"]", "");
    for verb in ["check", "run"] {
        let e = fails(worldbench(&ws).args(["sweep", verb]).arg(&file));
        assert!(
            e.contains("bad.toml")
                && e.contains("line 11")
                && e.contains("grid.model.hidden")
                && e.contains("expected integer"),
            "{verb}: {e}"
        );
    }
    let file = sweep_file(&ws, "typo", "[0]", "learning_rate = [0.1]", "");
    let e = fails(worldbench(&ws).args(["sweep", "run"]).arg(&file));
    assert!(
        e.contains("line 11: grid.learning_rate") && e.contains("unknown config key"),
        "{e}"
    );
    let registered = std::fs::read_dir(ws.join("sweeps")).map_or(0, Iterator::count);
    assert_eq!(registered, 0, "nothing was registered");
    assert!(queue_jobs(&ws).is_empty());
    let gate = sweep_file(&ws, "nogate", "[0]", "lr = [0.1]", "kind = \"attempt\"");
    let e = fails(worldbench(&ws).args(["sweep", "check"]).arg(&gate));
    assert!(e.contains("gate"), "{e}");
}

#[test]
fn train_set_uses_the_key_registry() {
    let (_tmp, ws) = workspace();
    let data = ws.join("datasets/d");
    let base = |extra: &[&str]| {
        let mut c = worldbench(&ws);
        c.args(["train", "--data"])
            .arg(&data)
            .args([
                "--preset",
                "tiny",
                "--steps",
                "2",
                "--smoke",
                "--progress",
                "none",
                "--plan-eval",
                "off",
            ])
            .args(extra);
        c
    };
    let e = fails(&mut base(&["--set", "model.hidden=wide"]));
    assert!(e.contains("model.hidden") && e.contains("integer"), "{e}");
    let e = fails(&mut base(&["--set", "hidden=8"]));
    assert!(
        e.contains("\"hidden\"") && e.contains("model.hidden"),
        "{e}"
    );
    let run = run_folder(&ok(&mut base(&[
        "--set",
        "model.hidden=8",
        "--set",
        "lr=0.002",
    ])));
    let m = manifest(&run);
    assert_eq!(
        (
            m["config"]["model"]["hidden"].as_u64(),
            m["config"]["lr"].as_f64()
        ),
        (Some(8), Some(0.002))
    );
}
