//! The queue's and sweeps' other verbs on the built binary, with tiny runs: a sweep of attempts
//! needs a complete gate (recorded in sweep.json and every run); `queue move|cancel|requeue`;
//! `--fail-fast`; `sweep cancel` of a running cell and `sweep retry` resuming it from `last`.

mod sweeps_common;

use std::path::PathBuf;

use serde_json::Value;
use sweeps_common::*;
use worldbench_tests::{fails, ok, run, worldbench};

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
