//! Helpers of the sweep and queue tests on the built binary (`sweep_queue`, `queue_commands`).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use worldbench_storage::{read_csv, TrainRow};
use worldbench_tests::{ok, small_dataset, worldbench};

pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    small_dataset(&ws, "d", "1");
    (tmp, ws)
}

/// A sweep of tiny runs on dataset `d`: `grid` and `extra` are TOML lines.
pub fn sweep_file(ws: &Path, name: &str, seeds: &str, grid: &str, extra: &str) -> PathBuf {
    let text = format!(
        "title = \"{name}\"\nseeds = {seeds}\n{extra}\n[base]\ndata = \"d\"\npreset = \"tiny\"\nsteps = 6\ncheckpoints = [3, 6]\nplan_eval = false\n[grid]\n{grid}\n"
    );
    let p = ws.join(format!("{name}.toml"));
    std::fs::write(&p, text).expect("write sweep");
    p
}

pub fn status(ws: &Path, sweep: &Path) -> Vec<Value> {
    let out = ok(worldbench(ws)
        .args(["sweep", "status", "--json"])
        .arg(sweep));
    let v: Value = serde_json::from_str(&out).expect("status json");
    v["cells"].as_array().expect("cells").clone()
}

pub fn statuses(cells: &[Value]) -> Vec<String> {
    cells
        .iter()
        .map(|c| c["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

pub fn runs_with_manifest(ws: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(ws.join("runs"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.join("run.json").is_file());
    v.sort();
    v
}

pub fn manifest(run: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
        .expect("run.json parses")
}

pub fn train_steps(run: &Path) -> Vec<u64> {
    read_csv::<TrainRow>(&run.join("metrics/train.csv"))
        .expect("train.csv")
        .iter()
        .map(|r| r.step)
        .collect()
}

pub fn queue_jobs(ws: &Path) -> Vec<Value> {
    let v: Value =
        serde_json::from_str(&ok(worldbench(ws).args(["queue", "list", "--json"]))).expect("json");
    v.as_array().expect("jobs").clone()
}

/// Every cell completed, each with its own run whose manifest names the sweep and the cell and
/// whose config has the cell's values.
pub fn assert_all_completed(ws: &Path, sweep: &Path, n: usize) {
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

pub fn complete_gate(path: &Path) {
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

pub fn ids_and_states(ws: &Path) -> Vec<(String, String)> {
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
