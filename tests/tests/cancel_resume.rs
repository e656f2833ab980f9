//! A cancelled run writes `last` and says so in run.json; `--resume` finishes it.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;
use worldbench_tests::{gen_dataset, ok, smoke_train_command, worldbench};

fn manifest(run: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
        .expect("json")
}

#[test]
fn sigterm_cancels_with_last_written_and_resume_completes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen_dataset(&ws, "g", &["--episodes", "2", "--steps", "30"]);

    let mut child = smoke_train_command(&ws, &data, "400", "5,400")
        .args(["--title", "cancel me"])
        .args(["--progress", "json", "--plan-eval", "off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn train");
    let stdout = child.stdout.take().expect("stdout");
    let mut run_dir = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if run_dir.is_none() && !line.starts_with('{') {
            run_dir = Some(std::path::PathBuf::from(line.trim()));
            continue;
        }
        let Ok(event) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if event["event"] == "checkpoint" {
            // The first checkpoint is written: ask the trainer to stop, as the app's Cancel does.
            let status = std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("kill");
            assert!(status.success());
            break;
        }
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "a cancelled run exits cleanly");
    let run = run_dir.expect("train printed its run folder first");
    let m = manifest(&run);
    assert_eq!(m["status"], "cancelled", "{m}");
    assert!(run.join("checkpoints/last.safetensors").is_file());
    assert!(run.join("checkpoints/step_000005.safetensors").is_file());
    assert!(!run.join("checkpoints/step_000400.safetensors").exists());

    // Resume finishes the run with its own config (400 steps).
    ok(worldbench(&ws)
        .args(["train", "--progress", "none", "--resume"])
        .arg(&run));
    let m = manifest(&run);
    assert_eq!(m["status"], "completed", "{m}");
    assert!(run.join("checkpoints/step_000400.safetensors").is_file());
}
