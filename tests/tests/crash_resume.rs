//! `kill -9` at chosen moments (a checkpoint write in progress, between a checkpoint and its
//! evaluation, during a metrics write, between two checkpoints), then `--resume`: every file
//! parses, the run shows as `interrupted` until it is resumed, the killed writer's temporary files
//! are removed, and the finished run equals an uninterrupted one (losses, checkpoint weights and AdamW
//! moments, exactly one planning row per checkpoint).
//!
//! The kill comes from the trainer itself: `WORLDBENCH_FAILPOINT` (storage's `failpoint` module)
//! makes it SIGKILL itself at the named point, so each case kills at exactly that moment.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use worldbench_model::checkpoint::Checkpoint;
use worldbench_storage::{read_csv, PlanningRow, TrainRow};
use worldbench_tests::{ok, run_folder, small_dataset, smoke_train_command, worldbench};

const STEPS: &str = "30";
const CHECKPOINTS: &str = "10,20,30";

fn train(ws: &Path, data: &Path, title: &str) -> std::process::Command {
    let mut cmd = smoke_train_command(ws, data, STEPS, CHECKPOINTS);
    cmd.args(["--title", title, "--progress", "none", "--plan-eval", "on"]);
    cmd
}

fn status_in_list(ws: &Path, run: &Path) -> String {
    let list: Value =
        serde_json::from_str(&ok(worldbench(ws).args(["runs", "list", "--json"]))).expect("json");
    let entry = list
        .as_array()
        .expect("array")
        .iter()
        .find(|r| Path::new(r["dir"].as_str().unwrap_or_default()) == run)
        .unwrap_or_else(|| panic!("{} not listed in {list}", run.display()))
        .clone();
    entry["status"].as_str().expect("status").to_string()
}

/// The loss columns of train.csv (wall time and speed differ between runs by nature).
fn losses(run: &Path) -> Vec<[f64; 8]> {
    read_csv::<TrainRow>(&run.join("metrics/train.csv"))
        .expect("train.csv parses")
        .iter()
        .map(|r| {
            [
                r.step as f64,
                r.loss,
                r.loss_pred,
                r.loss_var,
                r.loss_cov,
                r.lr,
                r.h_std,
                r.h_norm,
            ]
        })
        .collect()
}

/// The planning rows without their timing.
fn planning(run: &Path) -> Vec<PlanningRow> {
    read_csv::<PlanningRow>(&run.join("metrics/planning_metrics.csv"))
        .expect("planning_metrics.csv parses")
        .into_iter()
        .map(|mut r| {
            r.eval_secs = 0.0;
            r
        })
        .collect()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn temp_files(run: &Path) -> Vec<PathBuf> {
    ["", "metrics", "checkpoints", "logs"]
        .iter()
        .flat_map(|d| files(&run.join(d)))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".tmp-"))
        })
        .collect()
}

/// Everything a reader may open after the kill parses: run.json, both CSVs, every checkpoint.
fn assert_all_files_parse(run: &Path) {
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
            .expect("run.json parses");
    assert_eq!(
        m["status"], "running",
        "a killed run's manifest says running"
    );
    for csv in ["train.csv", "planning_metrics.csv"] {
        let p = run.join("metrics").join(csv);
        if p.exists() {
            if csv == "train.csv" {
                read_csv::<TrainRow>(&p).expect("train.csv parses");
            } else {
                read_csv::<PlanningRow>(&p).expect("planning csv parses");
            }
        }
    }
    for ck in files(&run.join("checkpoints")) {
        let name = ck.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".safetensors") && !name.starts_with('.') {
            worldbench_model::checkpoint::load(&ck)
                .unwrap_or_else(|e| panic!("{} does not load: {e}", ck.display()));
        }
    }
}

/// Every checkpoint of the run, decoded: step, sampler state, config, weights and AdamW moments
/// (the files' header order is not fixed, their content is).
fn checkpoints(run: &Path) -> Vec<(String, Checkpoint)> {
    files(&run.join("checkpoints"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                worldbench_model::checkpoint::load(&p).expect("checkpoint loads"),
            )
        })
        .collect()
}

#[test]
fn kill_9_at_each_moment_then_resume_equals_the_uninterrupted_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = small_dataset(&ws, "g", "3");
    let reference = run_folder(&ok(&mut train(&ws, &data, "crash reference")));
    let want_losses = losses(&reference);
    let want_planning = planning(&reference);
    let want_ckpts = checkpoints(&reference);
    assert_eq!(
        want_planning.iter().map(|r| r.step).collect::<Vec<_>>(),
        [10, 20, 30]
    );
    assert_eq!(want_losses.len(), 30, "tiny logs every step");

    let cases = [
        // A checkpoint write in progress (its temporary file half full, not renamed).
        ("mid_write:step_000020.safetensors", true),
        ("mid_write:last.safetensors@2", true),
        // Between a checkpoint and its evaluation; at the final step too.
        ("after_checkpoint:20", false),
        ("after_checkpoint:30", false),
        // During a metrics write, and right after an evaluation.
        ("mid_write:planning_metrics.csv@2", true),
        ("after_eval:10", false),
        // Between checkpoints: train.csv holds rows past `last`.
        ("after_log:15", false),
    ];
    std::thread::scope(|s| {
        for (i, (point, leaves_temp)) in cases.iter().enumerate() {
            let (ws, data) = (&ws, &data);
            let (want_losses, want_planning, want_ckpts) =
                (&want_losses, &want_planning, &want_ckpts);
            s.spawn(move || {
                let out = train(ws, data, &format!("crash {i}"))
                    .env("WORLDBENCH_FAILPOINT", point)
                    .output()
                    .expect("spawn train");
                assert_eq!(
                    out.status.signal(),
                    Some(9),
                    "{point}: the trainer should have been killed: {out:?}"
                );
                let run = run_folder(&String::from_utf8_lossy(&out.stdout));
                assert_all_files_parse(&run);
                assert_eq!(status_in_list(ws, &run), "interrupted", "{point}");
                assert_eq!(
                    !temp_files(&run).is_empty(),
                    *leaves_temp,
                    "{point}: temp files {:?}",
                    temp_files(&run)
                );

                let resumed = ok(worldbench(ws)
                    .args(["train", "--progress", "none", "--resume"])
                    .arg(&run));
                assert_eq!(run_folder(&resumed), run);
                assert_eq!(status_in_list(ws, &run), "completed", "{point}");
                assert!(temp_files(&run).is_empty(), "{point}: temp files left");
                assert_eq!(&losses(&run), want_losses, "{point}: losses differ");
                assert_eq!(
                    &planning(&run),
                    want_planning,
                    "{point}: one planning row per checkpoint, equal to the reference"
                );
                let got = checkpoints(&run);
                assert_eq!(
                    got.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
                    want_ckpts
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>(),
                    "{point}"
                );
                for ((name, a), (_, b)) in got.iter().zip(want_ckpts) {
                    assert!(a == b, "{point}: {name} differs from the reference");
                }
            });
        }
    });
}
