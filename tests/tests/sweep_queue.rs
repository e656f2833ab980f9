//! Sweeps and the queue on the built binary, with tiny runs: a 2×2×2-seed grid runs to completion
//! through the queue and a second `sweep run` starts nothing; SIGKILL of the worker mid-sweep,
//! then `sweep run` again, finishes the sweep with no duplicate run; a killed trainer resumes from
//! `last`; `extend` and `retry` touch only their cells; two `queue work`s run each job once; a
//! malformed sweep.toml is refused naming the key and the line; attempts need a complete gate;
//! `queue move|cancel|requeue`; `--fail-fast`; `train --set`.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use worldbench_storage::{read_csv, TrainRow};
use worldbench_tests::{fails, ok, run, run_folder, small_dataset, worldbench};

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    small_dataset(&ws, "d", "1");
    (tmp, ws)
}

/// A sweep of tiny runs on dataset `d`: `grid` and `extra` are TOML lines.
fn sweep_file(ws: &Path, name: &str, seeds: &str, grid: &str, extra: &str) -> PathBuf {
    let text = format!(
        "title = \"{name}\"\nseeds = {seeds}\n{extra}\n[base]\ndata = \"d\"\npreset = \"tiny\"\nsteps = 6\ncheckpoints = [3, 6]\nplan_eval = false\n[grid]\n{grid}\n"
    );
    let p = ws.join(format!("{name}.toml"));
    std::fs::write(&p, text).expect("write sweep");
    p
}

fn status(ws: &Path, sweep: &Path) -> Vec<Value> {
    let out = ok(worldbench(ws)
        .args(["sweep", "status", "--json"])
        .arg(sweep));
    let v: Value = serde_json::from_str(&out).expect("status json");
    v["cells"].as_array().expect("cells").clone()
}

fn statuses(cells: &[Value]) -> Vec<String> {
    cells
        .iter()
        .map(|c| c["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn runs_with_manifest(ws: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(ws.join("runs"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.join("run.json").is_file());
    v.sort();
    v
}

fn manifest(run: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
        .expect("run.json parses")
}

fn train_steps(run: &Path) -> Vec<u64> {
    read_csv::<TrainRow>(&run.join("metrics/train.csv"))
        .expect("train.csv")
        .iter()
        .map(|r| r.step)
        .collect()
}

fn queue_jobs(ws: &Path) -> Vec<Value> {
    let v: Value =
        serde_json::from_str(&ok(worldbench(ws).args(["queue", "list", "--json"]))).expect("json");
    v.as_array().expect("jobs").clone()
}

/// Every cell completed, each with its own run whose manifest names the sweep and the cell and
/// whose config has the cell's values.
fn assert_all_completed(ws: &Path, sweep: &Path, n: usize) {
    let cells = status(ws, sweep);
    assert_eq!(statuses(&cells), vec!["completed"; n], "{cells:?}");
    let runs: BTreeSet<String> = cells
        .iter()
        .map(|c| c["run"].as_str().expect("run").to_string())
        .collect();
    assert_eq!(runs.len(), n, "one run per cell");
    assert_eq!(runs_with_manifest(ws).len(), n, "no other run was started");
    for c in &cells {
        let run = PathBuf::from(c["run"].as_str().expect("run"));
        let m = manifest(&run);
        assert_eq!(m["status"], "completed");
        assert_eq!(Path::new(m["sweep"].as_str().expect("sweep")), sweep);
        assert_eq!(m["seed"], c["seed"]);
        for (k, v) in c["params"].as_object().expect("params") {
            let mut at = &m["config"];
            for part in k.split('.') {
                at = &at[part];
            }
            assert_eq!(at, v, "{k} in {}", run.display());
        }
        assert_eq!(train_steps(&run), (1..=6).collect::<Vec<_>>());
    }
}

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

fn complete_gate(path: &Path) {
    let mut g = worldbench_storage::gate::Gate::template();
    g.failure_mode = "the h-graph is disconnected".into();
    for (i, h) in g.hypotheses.iter_mut().enumerate() {
        h.statement = format!("cause {i}");
        h.recommendation = format!("change {i}");
        h.upside = "graph connects".into();
        h.downside = "slower".into();
        h.false_positive_risk = "low".into();
        h.runtime_cost = "1 min".into();
        (h.upside_rating, h.risk_rating, h.cost_rating) = (4, 2, 1);
        h.deferred_reason = if i == 1 {
            String::new()
        } else {
            "later".into()
        };
    }
    g.chosen = Some(1);
    g.justification = "cheapest".into();
    g.write(path).expect("write gate");
}

#[test]
fn a_sweep_of_attempts_needs_a_complete_gate_recorded_in_the_sweep_and_every_run() {
    let (_tmp, ws) = workspace();
    let incomplete = ws.join("gates/incomplete.json");
    worldbench_storage::gate::Gate::template()
        .write(&incomplete)
        .expect("write gate");
    let file = sweep_file(
        &ws,
        "att",
        "[0]",
        "lr = [0.001, 0.002]",
        "kind = \"attempt\"\ngate = \"gates/incomplete.json\"",
    );
    let e = fails(worldbench(&ws).args(["sweep", "run"]).arg(&file));
    assert!(e.contains("incomplete") && e.contains("Missing"), "{e}");
    assert!(queue_jobs(&ws).is_empty(), "nothing was queued");

    let gate = ws.join("gates/complete.json");
    complete_gate(&gate);
    let file = sweep_file(
        &ws,
        "att2",
        "[0]",
        "lr = [0.001, 0.002]",
        "kind = \"attempt\"\ngate = \"gates/complete.json\"",
    );
    let out = ok(worldbench(&ws).args(["sweep", "run", "--wait"]).arg(&file));
    let sweep = PathBuf::from(out.lines().next().expect("sweep folder"));
    assert_all_completed(&ws, &sweep, 2);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(sweep.join("sweep.json")).expect("sweep.json"),
    )
    .expect("parses");
    assert_eq!(
        (
            state["kind"].as_str(),
            state["gate"].as_str().map(PathBuf::from)
        ),
        (Some("attempt"), Some(gate.clone()))
    );
    for run in runs_with_manifest(&ws) {
        let m = manifest(&run);
        assert_eq!(
            (m["kind"].as_str(), m["gate"].as_str().map(PathBuf::from)),
            (Some("attempt"), Some(gate.clone()))
        );
    }
}

fn ids_and_states(ws: &Path) -> Vec<(String, String)> {
    queue_jobs(ws)
        .iter()
        .map(|j| {
            (
                j["id"].as_str().unwrap_or_default().to_string(),
                j["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn queue_move_cancel_and_requeue_on_the_command_line() {
    let (_tmp, ws) = workspace();
    let file = sweep_file(&ws, "q", "[0]", "lr = [0.001, 0.002, 0.003]", "");
    let out = ok(worldbench(&ws).args(["sweep", "run"]).arg(&file));
    let sweep = PathBuf::from(out.lines().next().expect("sweep folder"));
    ok(worldbench(&ws).args(["queue", "move", "000003", "1"]));
    ok(worldbench(&ws).args(["queue", "cancel", "000002"]));
    let e = fails(worldbench(&ws).args(["queue", "requeue", "000001"]));
    assert!(e.contains("000001") && e.contains("queued"), "{e}");
    assert_eq!(
        ids_and_states(&ws),
        [
            ("000003".into(), "queued".into()),
            ("000001".into(), "queued".into()),
            ("000002".into(), "cancelled".into()),
        ]
    );
    ok(worldbench(&ws).args(["queue", "work"]));
    let jobs = queue_jobs(&ws);
    let started = |i: usize| jobs[i]["started"].as_str().unwrap_or_default().to_string();
    assert!(started(0) <= started(1), "the moved job ran first");
    assert_eq!(
        statuses(&status(&ws, &sweep)),
        ["completed", "cancelled", "completed"]
    );
    ok(worldbench(&ws).args(["queue", "requeue", "000002"]));
    ok(worldbench(&ws).args(["queue", "work"]));
    assert_all_completed(&ws, &sweep, 3);
}

#[test]
fn fail_fast_cancels_the_queued_cells_after_the_first_failure() {
    let (_tmp, ws) = workspace();
    // Every cell fails (no CUDA in this build); the first failure cancels the two still queued.
    let file = sweep_file(&ws, "ff", "[0, 1, 2]", "device = [\"cuda\"]", "");
    let (out, stdout, _) = run(worldbench(&ws)
        .args(["sweep", "run", "--wait", "--fail-fast"])
        .arg(&file));
    assert!(!out.status.success());
    let sweep = PathBuf::from(stdout.lines().next().expect("sweep folder"));
    assert_eq!(
        statuses(&status(&ws, &sweep)),
        ["failed", "cancelled", "cancelled"]
    );
}

#[test]
fn cancel_stops_a_running_cell_and_retry_resumes_it_from_last() {
    let (_tmp, ws) = workspace();
    let text = "title = \"c\"\nseeds = [0]\n[base]\ndata = \"d\"\npreset = \"tiny\"\nsteps = 200\ncheckpoints = [1, 200]\nplan_eval = false\n[grid]\nlr = [0.001]\n";
    let file = ws.join("c.toml");
    std::fs::write(&file, text).expect("write sweep");
    let out = ok(worldbench(&ws).args(["sweep", "run"]).arg(&file));
    let sweep = PathBuf::from(out.lines().next().expect("sweep folder"));
    let mut worker = worldbench(&ws)
        .args(["queue", "work"])
        .spawn()
        .expect("worker");
    // Wait (with a deadline) until the cell runs and has written `last`.
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(2);
    let run = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the cell never started"
        );
        let cells = status(&ws, &sweep);
        if let Some(run) = cells[0]["run"].as_str() {
            let run = PathBuf::from(run);
            if run.join("checkpoints/last.safetensors").exists() {
                break run;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    ok(worldbench(&ws).args(["sweep", "cancel"]).arg(&sweep));
    assert!(worker.wait().expect("worker").success());
    assert_eq!(statuses(&status(&ws, &sweep)), ["cancelled"]);
    assert_eq!(manifest(&run)["status"], "cancelled");
    let stopped_at = train_steps(&run).len();
    assert!(stopped_at < 200, "cancelled before the end");

    ok(worldbench(&ws)
        .args(["sweep", "retry", "--wait"])
        .arg(&sweep));
    assert_eq!(statuses(&status(&ws, &sweep)), ["completed"]);
    assert_eq!(
        runs_with_manifest(&ws),
        vec![run.clone()],
        "resumed in place"
    );
    assert_eq!(train_steps(&run), (1..=200).collect::<Vec<_>>());
    let jobs = queue_jobs(&ws);
    assert_eq!(jobs[0]["resume"], true);
}
