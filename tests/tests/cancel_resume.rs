//! A cancelled run writes `last` and says so in run.json; `eval --checkpoint last` writes one metrics
//! row for the step `last` holds (again: still one row); `--resume` finishes it.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;
use worldbench_storage::{read_csv, PlanningRow};
use worldbench_tests::{gen_dataset, ok, smoke_train_command, worldbench};

/// The steps of the run's metrics/planning_metrics.csv, in file order.
fn planning_steps(run: &std::path::Path) -> Vec<u64> {
    read_csv::<PlanningRow>(&run.join("metrics/planning_metrics.csv"))
        .expect("planning csv")
        .iter()
        .map(|r| r.step)
        .collect()
}

/// `worldbench eval --run <run> --checkpoint <which> --json`: the steps of the rows it printed.
fn eval_steps(ws: &std::path::Path, run: &std::path::Path, which: &str) -> Vec<u64> {
    let rows: Value = serde_json::from_str(&ok(worldbench(ws)
        .args(["eval", "--run"])
        .arg(run)
        .args(["--checkpoint", which, "--json"])))
    .expect("eval --json");
    rows.as_array()
        .expect("an array of rows")
        .iter()
        .map(|r| r["step"].as_u64().expect("step"))
        .collect()
}

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

    // `last` is evaluated as the step it holds; evaluating it again replaces that row.
    let last_step = worldbench_model::checkpoint::load(&run.join("checkpoints/last.safetensors"))
        .expect("last")
        .step;
    assert!((5..400).contains(&last_step), "last at step {last_step}");
    assert_eq!(eval_steps(&ws, &run, "last"), [last_step]);
    assert_eq!(planning_steps(&run), [last_step]);
    assert_eq!(eval_steps(&ws, &run, "last"), [last_step]);
    assert_eq!(planning_steps(&run), [last_step], "no second row");

    // Resume finishes the run with its own config (400 steps) and keeps that row.
    ok(worldbench(&ws)
        .args(["train", "--progress", "none", "--resume"])
        .arg(&run));
    let m = manifest(&run);
    assert_eq!(m["status"], "completed", "{m}");
    assert!(run.join("checkpoints/step_000400.safetensors").is_file());
    assert_eq!(planning_steps(&run), [last_step]);
    // The resume is recorded (when, from which step, after what), and the worklog post says so.
    let resumes =
        worldbench_storage::resumes::read_resumes(&worldbench_storage::RunPaths::new(&run))
            .expect("resumes.jsonl");
    assert_eq!(resumes.len(), 1, "{resumes:?}");
    assert_eq!(resumes[0].from_step, last_step);
    assert_eq!(resumes[0].after, worldbench_storage::RunStatus::Cancelled);
    let post = ok(worldbench(&ws)
        .args(["worklog", "export", "--concept", "resumed", "--run"])
        .arg(&run));
    let text =
        std::fs::read_to_string(post.lines().last().expect("post path").trim()).expect("post");
    let line = format!(
        "- Stops and resumes: cancelled at step {last_step}, resumed from step {last_step} on "
    );
    assert!(text.contains(&line), "{line} missing:\n{text}");
    assert!(text.contains("; then completed at step 400\n"), "{text}");

    // Now `last` equals step 400: evaluating either gives the one row of step 400.
    assert_eq!(eval_steps(&ws, &run, "last"), [400]);
    assert_eq!(eval_steps(&ws, &run, "400"), [400]);
    assert_eq!(planning_steps(&run), [last_step, 400]);
}
