//! The core loop from the command line: generate → info → smoke train → checkpoints → eval → plan.

use std::path::Path;

use serde_json::Value;
use worldbench_tests::{fails, gen_dataset, ok, smoke_train, worldbench};

fn gen(ws: &Path, name: &str, episodes: &str, steps: &str) -> std::path::PathBuf {
    gen_dataset(
        ws,
        name,
        &[
            "--preset",
            "corner-loops",
            "--episodes",
            episodes,
            "--steps",
            steps,
            "--seed",
            "3",
        ],
    )
}

#[test]
fn generated_dataset_reports_its_counts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen(&ws, "g", "2", "30");
    let info: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["data", "info", "--json"])
        .arg(&data)))
    .expect("data info --json prints JSON");
    assert_eq!(info["trajectories"], 2);
    assert_eq!(info["frames"], 2 * 31, "{info}");
    assert_eq!(info["height"], 56);
    assert_eq!(info["width"], 64);
    let hist = info["action_histogram"].as_object().expect("histogram");
    let total: u64 = hist.values().filter_map(Value::as_u64).sum();
    assert_eq!(total, 62);
    assert!(info["tiles_visited"].as_u64().expect("tiles_visited") > 1);

    // By name, from the workspace.
    let by_name: Value =
        serde_json::from_str(&ok(worldbench(&ws).args(["data", "info", "--json", "g"])))
            .expect("json");
    assert_eq!(by_name["frames"], info["frames"]);
}

#[test]
fn gen_refuses_to_overwrite_a_dataset() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen(&ws, "g", "1", "10");
    let before = std::fs::read(data.join("data.safetensors")).expect("read");
    let err = fails(
        worldbench(&ws)
            .args(["data", "gen", "--episodes", "1", "--out"])
            .arg(&data),
    );
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        std::fs::read(data.join("data.safetensors")).expect("read"),
        before,
        "nothing on disk is lost"
    );
}

#[test]
fn smoke_run_writes_checkpoints_metrics_and_manifest_then_eval_and_plan_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen(&ws, "g", "3", "40");
    let run = smoke_train(
        &ws,
        &data,
        "12",
        "6,12",
        &[
            "--title",
            "test: planning setup smoke",
            "--progress",
            "none",
        ],
    );
    assert!(run.starts_with(ws.join("runs")), "{}", run.display());
    assert!(run
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".test-planning-setup-smoke")));
    for f in [
        "step_000006.safetensors",
        "step_000012.safetensors",
        "last.safetensors",
    ] {
        assert!(
            run.join("checkpoints").join(f).is_file(),
            "missing checkpoint {f}"
        );
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["kind"], "smoke");
    assert_eq!(manifest["title"], "test: planning setup smoke");
    assert!(manifest["dataset_hash"]
        .as_str()
        .is_some_and(|h| !h.is_empty()));
    assert!(manifest["finished"].is_string());

    let planning =
        std::fs::read_to_string(run.join("metrics/planning_metrics.csv")).expect("planning csv");
    let mut lines = planning.lines();
    assert_eq!(
        lines.next(),
        Some(
            "step,num_nodes_h,num_edges_h,reach_h_median,reach_h_p10,reach_h_p90,h_local_success,test1_success,\
             test1_steps,test2_success,test2_steps,merge_radius,eval_secs,node_purity,tiles_per_node,\
             nodes_per_tile,path_agreement,h_L,h_inv_lr,h_inv_ud,h_noop_ratio,h_q_L,h_q_R,h_q_U,\
             h_q_D,h_hit1_at_k,h_hit2_at_k,h_mutual_rate,h_median_neff1,h_max_in_degree,\
             h_top1pct_mean_in_degree,\
             graph_success,graph_long_success,graph_final_distance,lattice_success,lattice_long_success,\
             lattice_final_distance,mpc_success,mpc_long_success,mpc_final_distance"
        )
    );
    let steps: Vec<&str> = lines
        .map(|l| l.split(',').next().unwrap_or_default())
        .collect();
    assert_eq!(steps, ["6", "12"]);
    let train_csv = std::fs::read_to_string(run.join("metrics/train.csv")).expect("train csv");
    assert!(train_csv.lines().count() > 1);

    // eval of one checkpoint, as JSON
    let rows: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["eval", "--run"])
        .arg(&run)
        .args(["--checkpoint", "6", "--json"])))
    .expect("eval --json");
    let row = rows.as_array().and_then(|a| a.first()).expect("one row");
    assert_eq!(row["step"], 6);
    assert!(row["num_nodes_h"].as_u64().expect("nodes") >= 1);

    // plan between two tiles
    let plan: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["plan", "--run"])
        .arg(&run)
        .args(["--start", "12,1", "--goal", "7,8", "--json"])))
    .expect("plan --json");
    assert!(plan["success"].is_boolean(), "{plan}");
    assert!(plan["steps"].is_u64(), "{plan}");
}

#[test]
fn attempt_without_a_gate_is_refused_and_launches_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen(&ws, "g", "1", "10");
    let err = fails(
        worldbench(&ws)
            .args(["train", "--data"])
            .arg(&data)
            .args(["--preset", "tiny", "--steps", "2"]),
    );
    assert!(err.contains("--gate"), "{err}");
    let gate = tmp.path().join("broken.json");
    std::fs::write(&gate, "{ not json").expect("write");
    let err = fails(
        worldbench(&ws)
            .args(["train", "--data"])
            .arg(&data)
            .args(["--preset", "tiny", "--gate"])
            .arg(&gate),
    );
    assert!(err.contains("broken.json"), "{err}");
    // Checkpoint steps the run can never reach are named, not silently ignored.
    let err = fails(
        worldbench(&ws)
            .args(["train", "--data"])
            .arg(&data)
            .args(["--preset", "tiny", "--steps", "5", "--smoke"])
            .args(["--checkpoints", "0,3,999"]),
    );
    assert!(
        err.contains("--checkpoints") && err.contains("steps 0, 999 can never be reached"),
        "{err}"
    );
    let runs = std::fs::read_dir(ws.join("runs")).map_or(0, Iterator::count);
    assert_eq!(runs, 0, "no run folder was made");
}

#[test]
fn bad_inputs_give_clear_errors_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");

    // A missing folder.
    let err = fails(
        worldbench(&ws)
            .args(["data", "info"])
            .arg(tmp.path().join("nope")),
    );
    assert!(err.contains("nope"), "{err}");

    // A truncated safetensors.
    let data = gen(&ws, "g", "1", "10");
    let st = data.join("data.safetensors");
    let bytes = std::fs::read(&st).expect("read");
    std::fs::write(&st, &bytes[..bytes.len() / 2]).expect("truncate");
    let err = fails(worldbench(&ws).args(["data", "info"]).arg(&data));
    assert!(err.contains("data.safetensors"), "{err}");

    // A non-numeric tile.
    let err = fails(
        worldbench(&ws)
            .args(["plan", "--run"])
            .arg(tmp.path())
            .args(["--start", "a,b", "--goal", "7,8"]),
    );
    assert!(err.contains("a,b"), "{err}");
}
