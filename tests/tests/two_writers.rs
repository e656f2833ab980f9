//! Two writers on one run folder: a second trainer is refused with a message that names the holder;
//! `eval` while the trainer writes planning rows, and two `eval`s at once, lose no row.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use serde_json::Value;
use worldbench_storage::{read_csv, PlanningRow};
use worldbench_tests::{fails, ok, small_dataset, smoke_train, smoke_train_command, worldbench};

fn planning_steps(run: &Path) -> Vec<u64> {
    read_csv::<PlanningRow>(&run.join("metrics/planning_metrics.csv"))
        .expect("planning csv parses")
        .iter()
        .map(|r| r.step)
        .collect()
}

/// Starts a trainer with JSON progress; returns it, its run folder, and its stdout lines.
fn start_trainer(
    ws: &Path,
    data: &Path,
    steps: &str,
    checkpoints: &str,
    plan_eval: &str,
) -> (
    Child,
    PathBuf,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = smoke_train_command(ws, data, steps, checkpoints)
        .args([
            "--title",
            "busy",
            "--progress",
            "json",
            "--plan-eval",
            plan_eval,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn train");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let run = PathBuf::from(lines.next().expect("run folder").expect("line").trim());
    (child, run, lines)
}

/// Reads progress lines until one whose `event` is `event`.
fn wait_for_event(lines: &mut impl Iterator<Item = std::io::Result<String>>, event: &str) -> Value {
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            if v["event"] == event {
                return v;
            }
        }
    }
    panic!("the trainer ended before a {event} event");
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[test]
fn a_second_trainer_on_a_run_is_refused_and_names_the_holder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = small_dataset(&ws, "g", "1");
    let (mut child, run, mut lines) = start_trainer(&ws, &data, "100000", "5", "off");
    wait_for_event(&mut lines, "checkpoint");
    let before = std::fs::read(run.join("run.json")).expect("run.json");
    let err = fails(
        worldbench(&ws)
            .args(["train", "--progress", "none", "--resume"])
            .arg(&run),
    );
    assert!(
        err.contains("run.lock")
            && err.contains(&format!("pid {}", child.id()))
            && err.contains("since")
            && err.contains("in use by train"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(run.join("run.json")).expect("run.json"),
        before,
        "the refused trainer wrote nothing"
    );
    sigterm(&child);
    for _ in lines.by_ref() {}
    assert!(child.wait().expect("wait").success());
    // Once the holder is gone the run can be resumed (and is, here, to its first steps again).
    let list: Value =
        serde_json::from_str(&ok(worldbench(&ws).args(["runs", "list", "--json"]))).expect("json");
    assert_eq!(list[0]["status"], "cancelled", "{list}");
}

#[test]
fn eval_while_the_trainer_writes_loses_no_row() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = small_dataset(&ws, "g", "2");
    let (mut child, run, mut lines) =
        start_trainer(&ws, &data, "40", "5,10,15,20,25,30,35,40", "on");
    wait_for_event(&mut lines, "eval");
    // Re-evaluate step 5 again and again while the trainer adds rows for the later checkpoints.
    let mut evals = 0;
    while child.try_wait().expect("try_wait").is_none() && evals < 20 {
        ok(worldbench(&ws)
            .args(["eval", "--run"])
            .arg(&run)
            .args(["--checkpoint", "5", "--json"]));
        evals += 1;
    }
    for _ in lines.by_ref() {}
    assert!(child.wait().expect("wait").success());
    assert!(evals >= 1);
    assert_eq!(planning_steps(&run), [5, 10, 15, 20, 25, 30, 35, 40]);
}

#[test]
fn two_evals_at_once_keep_both_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = small_dataset(&ws, "g", "4");
    let run = smoke_train(
        &ws,
        &data,
        "12",
        "2,4,6,8,10,12",
        &[
            "--title",
            "quiet",
            "--progress",
            "none",
            "--plan-eval",
            "off",
        ],
    );
    assert!(!run.join("metrics/planning_metrics.csv").exists());
    std::thread::scope(|s| {
        for step in ["2", "4", "6", "8", "10", "12"] {
            let (ws, run) = (&ws, &run);
            s.spawn(move || {
                ok(worldbench(ws).args(["eval", "--run"]).arg(run).args([
                    "--checkpoint",
                    step,
                    "--json",
                ]));
            });
        }
    });
    assert_eq!(planning_steps(&run), [2, 4, 6, 8, 10, 12]);
}
