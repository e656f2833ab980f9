//! Issue 15's diagnostics from the command line: a tiny training run writes the researchers'
//! diagnostics into planning_metrics.csv and its provenance (git state, model diff) into logs/;
//! `worldbench assess` judges a checkpoint by `[assessment]` of worldbench.toml.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use worldbench_tests::{fails, gen_dataset, ok, smoke_train, worldbench};

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The planning CSV as (header, rows of cells).
fn planning(run: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(run.join("metrics/planning_metrics.csv")).expect("csv");
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn a_tiny_run_writes_their_diagnostics_and_its_provenance_and_assess_judges_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen_dataset(
        &ws,
        "g",
        &[
            "--preset",
            "corner-loops",
            "--episodes",
            "3",
            "--steps",
            "40",
            "--seed",
            "3",
        ],
    );

    // Not a repository: no git files, never an error; the model diff is recorded all the same.
    let plain = smoke_train(&ws, &data, "6", "6", &["--progress", "none"]);
    assert!(!plain.join("logs/git.txt").exists());
    assert!(!plain.join("logs/git.diff").exists());
    let diff: Value = serde_json::from_str(
        &std::fs::read_to_string(plain.join("logs/model_diff.json")).expect("model_diff.json"),
    )
    .expect("json");
    assert_eq!(diff["preset"], "tiny");
    // --steps and --checkpoints differ from the preset; nothing else was changed.
    let keys: Vec<&str> = diff["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert!(keys.contains(&"steps"), "{keys:?}");
    assert!(!keys.contains(&"model.hidden"), "{keys:?}");

    // The diagnostics' columns, filled for a checkpoint of data with long enough episodes.
    let (header, rows) = planning(&plain);
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    for name in [
        "h_L",
        "h_inv_lr",
        "h_inv_ud",
        "h_noop_ratio",
        "h_q_L",
        "h_q_R",
        "h_q_U",
        "h_q_D",
        "h_hit1_at_k",
        "h_hit2_at_k",
        "h_mutual_rate",
        "h_median_neff1",
        "h_max_in_degree",
        "h_top1pct_mean_in_degree",
    ] {
        let v: f64 = rows[0][col(name)]
            .parse()
            .unwrap_or_else(|e| panic!("{name} = {:?}: {e}", rows[0][col(name)]));
        assert!(v.is_finite() && v >= 0.0, "{name} = {v}");
    }
    let hit1: f64 = rows[0][col("h_hit1_at_k")].parse().expect("hit1");
    assert!(hit1 <= 1.0);
    let in_max: f64 = rows[0][col("h_max_in_degree")].parse().expect("in-degree");
    assert!(
        in_max >= 10.0,
        "a most-pointed-at frame is in at least K lists on average: {in_max}"
    );

    // `worldbench eval` fills them too (the same evaluation).
    let rows: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["eval", "--run"])
        .arg(&plain)
        .args(["--checkpoint", "6", "--json"])))
    .expect("eval --json");
    let row = &rows[0];
    assert!(row["h_hit1_at_k"].as_f64().is_some(), "{row}");
    assert!(row["h_L"].as_f64().is_some_and(|l| l > 0.0), "{row}");

    // A repository with an uncommitted change: its commit and diff are recorded.
    if git(&ws, &["init", "-q"]).is_some() {
        std::fs::write(ws.join("notes.md"), "first\n").expect("write");
        git(&ws, &["add", "notes.md"]).expect("git add");
        git(&ws, &["commit", "-qm", "notes"]).expect("git commit");
        std::fs::write(ws.join("notes.md"), "first\nchanged\n").expect("write");
        let head = git(&ws, &["rev-parse", "HEAD"]).expect("head");
        let run = smoke_train(
            &ws,
            &data,
            "6",
            "6",
            &["--progress", "none", "--set", "model.hidden=48"],
        );
        let recorded = std::fs::read_to_string(run.join("logs/git.txt")).expect("git.txt");
        assert_eq!(recorded.trim(), head);
        let diff = std::fs::read_to_string(run.join("logs/git.diff")).expect("git.diff");
        assert!(diff.contains("+changed"), "{diff}");
        let model: Value = serde_json::from_str(
            &std::fs::read_to_string(run.join("logs/model_diff.json")).expect("model diff"),
        )
        .expect("json");
        let hidden = model["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["key"] == "model.hidden")
            .expect("model.hidden differs");
        assert_eq!(hidden["run"], 48);
        assert!(hidden["preset"].as_u64().is_some_and(|p| p != 48));

        // `runs show` (and the Runs panel's view of the run, which reads the same detail) shows them.
        let shown: Value = serde_json::from_str(&ok(worldbench(&ws)
            .args(["runs", "show"])
            .arg(&run)
            .arg("--json")))
        .expect("runs show --json");
        assert_eq!(shown["git_commit"].as_str(), Some(head.trim()));
        assert!(shown["git_diff"]
            .as_str()
            .is_some_and(|d| d.contains("+changed")));
        assert!(shown["model_diff"]["keys"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k["key"] == "model.hidden")));
        let text = ok(worldbench(&ws).args(["runs", "show"]).arg(&run));
        assert!(text.contains("model.hidden = 48 (preset "), "{text}");
    }

    // assess: the defaults, then thresholds from worldbench.toml.
    let card: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["assess", "--run"])
        .arg(&plain)
        .arg("--json")))
    .expect("assess --json");
    assert_eq!(card["step"], 6);
    let lines = card["scorecard"].as_array().expect("scorecard");
    assert_eq!(lines.len(), 14);
    let hit = lines
        .iter()
        .find(|l| l["key"] == "h_hit1_at_k")
        .expect("hit1 line");
    let expected = if hit1 >= 0.7 {
        "Good"
    } else if hit1 >= 0.5 {
        "Ok"
    } else {
        "Bad"
    };
    assert_eq!(hit["verdict"], expected, "{hit}");
    let config = ws.join("worldbench.toml");
    let mut toml = std::fs::read_to_string(&config).expect("worldbench.toml");
    toml.push_str("\n[assessment]\nh_hit1_at_k = { good = 1.5, ok = 1.2 }\n");
    std::fs::write(&config, &toml).expect("write");
    let text = ok(worldbench(&ws).args(["assess", "--run"]).arg(&plain));
    let line = text
        .lines()
        .find(|l| l.contains("hit1@K"))
        .expect("a hit1 line");
    assert!(
        line.contains("Bad") && line.contains("Good ≥ 1.500"),
        "{text}"
    );
    // A step without a row, and a bad threshold, are named.
    let err = fails(
        worldbench(&ws)
            .args(["assess", "--run"])
            .arg(&plain)
            .args(["--step", "7"]),
    );
    assert!(err.contains("no row for step 7"), "{err}");
    toml.push_str("h_inv_lr = { good = 0.5, ok = 0.1 }\n");
    std::fs::write(&config, &toml).expect("write");
    let err = fails(worldbench(&ws).args(["assess", "--run"]).arg(&plain));
    assert!(
        err.contains("worldbench.toml") && err.contains("h_inv_lr"),
        "{err}"
    );
}
