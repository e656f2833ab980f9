//! Their runs' status in `runs list` (completed / stopped / unknown, decided from their files:
//! a `final.pt`, or loss.csv's last step against `train_config.steps` and `log_schedule`) and
//! their `planning_anchor_metrics.csv` in `runs show`, every column, words kept. Hand-written
//! folders in their trainer's format, through the built binary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use worldbench_tests::{fails, ok, worldbench};

mod their_runs_common;
use their_runs_common::{their_run, write};

/// A run of theirs with this metadata.txt and loss.csv steps (nothing else).
fn run_with(root: &Path, name: &str, metadata: &str, steps: &[u64]) -> PathBuf {
    let dir = root.join(name);
    write(&dir, "metadata.txt", metadata);
    let mut csv = String::from("step,elapsed_seconds,cumulative_flops,loss_world\n");
    for s in steps {
        writeln!(csv, "{s},{s}.0,{},1.0", s * 1000).expect("write");
    }
    write(&dir, "metrics/loss.csv", csv);
    dir
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

#[test]
fn runs_list_gives_their_runs_a_status_from_their_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).expect("ws");
    let out = tmp.path().join("out");
    let schedule = "[train_config]\nsteps = 1000\nlog_schedule = \"10:100 50:None\"\n";
    // Reached 950, the last step below 1000 this schedule logs.
    let done = run_with(
        &out,
        "2026-01-01_00-00-00",
        schedule,
        &[0, 10, 100, 900, 950],
    );
    // Ended at 900: stopped early (or still training).
    let early = run_with(&out, "2026-01-02_00-00-00", schedule, &[0, 10, 100, 900]);
    // Ended early, but its trainer wrote final.pt.
    let final_pt = run_with(&out, "2026-01-03_00-00-00", schedule, &[0, 10]);
    write(&final_pt, "checkpoints/final.pt", "x");
    // No configured steps: unknown.
    let no_steps = run_with(
        &out,
        "2026-01-04_00-00-00",
        "[train_config]\nlr = 0.1\n",
        &[0, 10],
    );
    // No log_schedule: every step below 300 is logged, so 299 is the end.
    let every = run_with(
        &out,
        "2026-01-05_00-00-00",
        "[train_config]\nsteps = 300\n",
        &[0, 299],
    );
    // The test fixture: steps = 100000, loss.csv ends at 200.
    let fixture = their_run(&out, "2026-01-06_00-00-00");
    let root = out.display().to_string();
    let v = json(&ok(
        worldbench(&ws).args(["runs", "list", "--json", "--root", &root])
    ));
    let status = |d: &Path| {
        v.as_array()
            .expect("array")
            .iter()
            .find(|l| l["dir"] == d.display().to_string())
            .and_then(|l| l["status"].as_str())
            .unwrap_or_else(|| panic!("{} not listed: {v:#}", d.display()))
            .to_string()
    };
    assert_eq!(status(&done), "completed");
    assert_eq!(status(&early), "stopped");
    assert_eq!(status(&final_pt), "completed");
    assert_eq!(status(&no_steps), "unknown");
    assert_eq!(status(&every), "completed");
    assert_eq!(status(&fixture), "stopped");
    let text = ok(worldbench(&ws).args(["runs", "list", "--root", &root]));
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name}: {text}"))
            .to_string()
    };
    assert!(
        line("2026-01-02_00-00-00").starts_with("nes-ai     stopped"),
        "{text}"
    );
    assert!(
        line("2026-01-01_00-00-00").starts_with("nes-ai     completed"),
        "{text}"
    );
    let shown = ok(worldbench(&ws).args(["runs", "show"]).arg(&early));
    assert!(shown.contains("status:     stopped"), "{shown}");
}

const ANCHOR: &str = "step,h_metric,d_move,d_noop_p90,d_same_frame_p90,d_noise_floor,r_add,r_merge,r_edge,r_goal,num_nodes_h,reach_h_median\n\
100,cosine,0.25,0.05,0.01,0.02,0.125,0.0625,0.25,0.5,12,0.25\n\
200,cosine,0.3,nan,0.01,0.02,0.15,0.075,0.3,0.6,14,0.5\n";

#[test]
fn runs_show_reads_their_planning_anchor_metrics() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).expect("ws");
    let theirs = their_run(&tmp.path().join("out"), "2026-02-05_12-56-29");
    write(&theirs, "metrics/planning_anchor_metrics.csv", ANCHOR);
    let v = json(&ok(worldbench(&ws)
        .args(["runs", "show"])
        .arg(&theirs)
        .arg("--json")));
    let a = &v["planning_anchor"];
    let names: Vec<&str> = a["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        names,
        ANCHOR
            .lines()
            .next()
            .unwrap()
            .split(',')
            .collect::<Vec<_>>()
    );
    let rows = a["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], 100.0);
    assert_eq!(rows[0][1], "cosine");
    assert_eq!(rows[1][6], 0.15);
    assert!(rows[1][3].is_null(), "nan is not evaluated: {}", rows[1]);
    assert_eq!(rows[1][11], 0.5);
    let text = ok(worldbench(&ws).args(["runs", "show"]).arg(&theirs));
    assert!(text.contains("planning anchor: 2 rows"), "{text}");
    assert!(
        text.contains("  200,cosine,0.3,nan,0.01,0.02,0.15,0.075,0.3,0.6,14,0.5"),
        "{text}"
    );

    // A ragged row is refused, naming the file and the line.
    write(
        &theirs,
        "metrics/planning_anchor_metrics.csv",
        format!("{ANCHOR}300,cosine,0.3\n"),
    );
    let e = fails(worldbench(&ws).args(["runs", "show"]).arg(&theirs));
    assert!(
        e.contains("planning_anchor_metrics.csv") && e.contains("line 4") && e.contains("ragged"),
        "{e}"
    );
}
