//! Layouts and planners from the command line: `data gen --layout`, `plan --planner … --sweep`,
//! `eval --layouts`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use worldbench_tests::{fails, gen_dataset, noop_dataset, ok, run, smoke_train, worldbench};

#[test]
fn two_rooms_dataset_plans_with_every_planner_and_held_out_layouts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen_dataset(
        &ws,
        "tr",
        &[
            "--layout",
            "two-rooms",
            "--layout-seed",
            "4",
            "--episodes",
            "2",
            "--steps",
            "30",
        ],
    );
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("dataset.json")).expect("dataset.json"),
    )
    .expect("json");
    let text = json.to_string();
    assert!(text.contains("\"layout\":\"two-rooms\""), "{text}");
    assert!(text.contains("\"layout_seed\":4"), "{text}");
    let map = std::fs::read_to_string(data.join("map.txt")).expect("map.txt");
    let col7: String = map.lines().map(|l| &l[7..8]).collect();
    assert_eq!(col7, "######.#######");

    // A mixed-layout dataset names each episode's layout.
    let mixed = gen_dataset(
        &ws,
        "mixed",
        &[
            "--layout",
            "two-rooms",
            "--layout-seed",
            "0..3",
            "--episodes",
            "4",
            "--steps",
            "5",
        ],
    );
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(mixed.join("dataset.json")).expect("dataset.json"),
    )
    .expect("json");
    let text = json.to_string();
    assert!(
        text.contains(
            r#""episode_layouts":["two-rooms:0","two-rooms:1","two-rooms:2","two-rooms:0"]"#
        ),
        "{text}"
    );
    ok(worldbench(&ws).args(["data", "check"]).arg(&mixed));
    // Every layout's map is kept; map.txt stays the first one's, for older readers.
    let maps: Vec<String> = (0..3)
        .map(|s| {
            std::fs::read_to_string(mixed.join(format!("maps/two-rooms-{s}.txt"))).expect("map")
        })
        .collect();
    assert!(maps[0] != maps[1] && maps[1] != maps[2], "{maps:?}");
    assert_eq!(
        std::fs::read_to_string(mixed.join("map.txt")).expect("map.txt"),
        maps[0]
    );
    assert_eq!(json["layouts"]["episode"], serde_json::json!([0, 1, 2, 0]));
    assert_eq!(json["layouts"]["maps"][2]["file"], "maps/two-rooms-2.txt");
    // `data check` reads every map: a bad one is named.
    std::fs::write(mixed.join("maps/two-rooms-2.txt"), "#.#\n").expect("break a map");
    let err = fails(worldbench(&ws).args(["data", "check"]).arg(&mixed));
    assert!(
        err.contains("two-rooms-2.txt") && err.contains("not a valid tile map"),
        "{err}"
    );

    let err = fails(
        worldbench(&ws)
            .args(["data", "gen", "--layout", "spiral", "--out"])
            .arg(ws.join("x")),
    );
    assert!(err.contains("unknown layout \"spiral\""), "{err}");

    let run = smoke_train(&ws, &data, "4", "4", &["--progress", "none"]);
    let mpc = [
        "--mpc-horizon",
        "3",
        "--mpc-samples",
        "8",
        "--mpc-iterations",
        "1",
        "--mpc-elites",
        "2",
    ];
    let sweeps: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["plan", "--run"])
        .arg(&run)
        .args(["--planner", "graph,lattice,mpc", "--sweep", "6", "--json"])
        .args(mpc)))
    .expect("plan --sweep --json");
    let sweeps = sweeps.as_array().expect("one sweep per planner");
    let names: Vec<&str> = sweeps
        .iter()
        .filter_map(|s| s["planner"].as_str())
        .collect();
    assert_eq!(names, ["graph", "lattice", "mpc"]);
    for s in sweeps {
        assert_eq!(s["all"]["pairs"], 6, "{s}");
        let same = s["same_room"]["pairs"].as_u64().expect("same");
        let cross = s["cross_room"]["pairs"].as_u64().expect("cross");
        assert_eq!(same + cross, 6, "{s}");
        assert!(s["mean_final_distance"].as_f64().is_some(), "{s}");
    }

    let one: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["plan", "--run"])
        .arg(&run)
        .args([
            "--planner",
            "mpc",
            "--start",
            "12,1",
            "--goal",
            "12,5",
            "--json",
        ])
        .args(mpc)))
    .expect("plan --planner mpc --json");
    assert_eq!(one[0]["planner"], "mpc");
    assert!(one[0]["final_distance"].as_f64().is_some(), "{one}");

    let held: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["eval", "--run"])
        .arg(&run)
        .args([
            "--layouts",
            "two-rooms:0..2",
            "--pairs",
            "3",
            "--planner",
            "lattice,graph",
            "--json",
        ])))
    .expect("eval --layouts --json");
    let held = held.as_array().expect("per planner");
    assert_eq!(held.len(), 2);
    assert_eq!(held[0]["planner"], "lattice");
    assert_eq!(held[0]["all"]["pairs"], 6);

    let err = fails(
        worldbench(&ws)
            .args(["eval", "--run"])
            .arg(&run)
            .args(["--layouts", "two-rooms:3..1"]),
    );
    assert!(err.contains("the range is empty"), "{err}");
    let err = fails(worldbench(&ws).args(["plan", "--run"]).arg(&run).args([
        "--planner",
        "dfs",
        "--sweep",
        "2",
    ]));
    assert!(err.contains("unknown planner \"dfs\""), "{err}");
}

/// The planners' columns of planning_metrics.csv: written by training (`plan_eval_planners`), by
/// `plan --sweep` and `eval --planner`, and judged by a success criterion that names a planner.
/// A 4-step smoke run on `data` whose checkpoint evaluation sweeps `planners`.
fn train_evaluating(ws: &Path, data: &Path, planners: &str) -> PathBuf {
    smoke_train(
        ws,
        data,
        "4",
        "4",
        &[
            "--progress",
            "none",
            "--set",
            "plan_eval=on",
            "--set",
            &format!("plan_eval_planners={planners}"),
        ],
    )
}

#[test]
fn planner_columns_are_written_and_judged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = gen_dataset(
        &ws,
        "tr",
        &["--layout", "two-rooms", "--episodes", "2", "--steps", "30"],
    );
    let run = train_evaluating(&ws, &data, "lattice");
    let csv = run.join("metrics/planning_metrics.csv");
    let rows = || -> Vec<std::collections::HashMap<String, String>> {
        let text = std::fs::read_to_string(&csv).expect("planning_metrics.csv");
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .expect("header")
            .split(',')
            .map(String::from)
            .collect();
        lines
            .map(|l| {
                header
                    .iter()
                    .cloned()
                    .zip(l.split(',').map(String::from))
                    .collect()
            })
            .collect()
    };
    let fraction = |v: &str| v.parse::<f64>().ok().filter(|f| (0.0..=1.0).contains(f));
    let r = &rows()[0];
    assert_eq!(r["step"], "4");
    for key in ["lattice_success", "lattice_long_success"] {
        assert!(fraction(&r[key]).is_some(), "{key} = {:?}", r[key]);
    }
    assert!(r["lattice_final_distance"].parse::<f64>().is_ok());
    for key in ["graph_success", "mpc_success", "mpc_final_distance"] {
        assert_eq!(r[key], "", "{key}: not evaluated");
    }

    // plan --sweep fills its planner's columns of the checkpoint's row, keeping the others.
    ok(worldbench(&ws).args(["plan", "--run"]).arg(&run).args([
        "--planner",
        "mpc",
        "--sweep",
        "4",
        "--mpc-horizon",
        "3",
        "--mpc-samples",
        "8",
        "--mpc-iterations",
        "1",
        "--mpc-elites",
        "2",
    ]));
    let after = rows();
    assert_eq!(after.len(), 1);
    assert!(
        fraction(&after[0]["mpc_success"]).is_some(),
        "{:?}",
        after[0]
    );
    assert_eq!(after[0]["lattice_success"], r["lattice_success"]);

    // eval --planner graph writes graph's columns and keeps mpc's and lattice's.
    let json: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["eval", "--run"])
        .arg(&run)
        .args(["--planner", "graph", "--pairs", "4", "--json"])))
    .expect("eval --json");
    assert!(json[0]["graph_success"].as_f64().is_some(), "{json}");
    let evaluated = rows();
    assert!(fraction(&evaluated[0]["graph_success"]).is_some());
    assert_eq!(evaluated[0]["mpc_success"], after[0]["mpc_success"]);
    assert_eq!(evaluated[0]["lattice_success"], r["lattice_success"]);

    // A success criterion that names a planner judges its column.
    let mpc: f64 = evaluated[0]["mpc_success"].parse().expect("mpc_success");
    std::fs::write(
        ws.join("worldbench.toml"),
        format!(
            "[success.mpc_success]\ntarget = 1.0\nacceptable = {mpc}\nfailure = -1.0\n\
             [success.lattice_long_success]\ntarget = 2.0\nacceptable = 2.0\nfailure = 1.5\n"
        ),
    )
    .expect("worldbench.toml");
    let draft = ws.join("draft.md");
    std::fs::write(&draft, "## Objective\nPlan.\n").expect("draft");
    let post = ok(worldbench(&ws)
        .args(["worklog", "export", "--concept", "planners", "--draft"])
        .arg(&draft)
        .arg("--run")
        .arg(&run));
    let post =
        std::fs::read_to_string(post.lines().last().expect("post path").trim()).expect("post.md");
    let line = |key: &str| {
        post.lines()
            .find(|l| l.starts_with(&format!("| {key} ")))
            .unwrap_or_else(|| panic!("no {key} row in the post:\n{post}"))
            .to_string()
    };
    assert!(
        line("mpc_success").contains('✅'),
        "{}",
        line("mpc_success")
    );
    assert!(
        line("lattice_long_success").contains('❌'),
        "{}",
        line("lattice_long_success")
    );
    // A name that is no judged metric is refused, naming it.
    std::fs::write(
        ws.join("worldbench.toml"),
        "[success]\nmpc_final_distance = true\n",
    )
    .expect("worldbench.toml");
    let err = fails(
        worldbench(&ws)
            .args(["worklog", "export", "--concept", "planners2", "--draft"])
            .arg(&draft)
            .arg("--run")
            .arg(&run),
    );
    assert!(
        err.contains("mpc_final_distance: not a judged metric"),
        "{err}"
    );
}

/// A planner that cannot be built is named once, with its reason, and left out: the others plan and
/// their columns are written; the command fails only when no planner can be built. The data's
/// actions are all no-ops, so the lattice planner has no move to take a latent delta of.
#[test]
fn plan_and_eval_go_on_without_a_planner_that_cannot_be_built() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let data = noop_dataset(&ws, "noop", "3");
    // Training goes on too: its evaluation leaves the lattice out, and its log says why.
    let run_dir = train_evaluating(&ws, &data, "graph,lattice");
    let log = std::fs::read_to_string(run_dir.join("logs/stdout.log")).expect("stdout.log");
    let skipped: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l.split_once(' ')?.1).ok())
        .filter(|e| e["event"] == "planner_skipped")
        .collect();
    assert_eq!(skipped.len(), 1, "{log}");
    assert_eq!(skipped[0]["planner"], "lattice");
    assert_eq!(skipped[0]["step"], 4);
    let trained = std::fs::read_to_string(run_dir.join("metrics/planning_metrics.csv"))
        .expect("planning_metrics.csv");
    let mut lines = trained.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let cell = |key: &str| row[header.iter().position(|h| *h == key).expect(key)];
    assert!(cell("graph_success").parse::<f64>().is_ok(), "{trained}");
    assert_eq!(cell("lattice_success"), "", "{trained}");
    let mpc = [
        "--mpc-horizon",
        "2",
        "--mpc-samples",
        "4",
        "--mpc-iterations",
        "1",
        "--mpc-elites",
        "2",
    ];
    let warned = |stderr: &str| {
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("lattice planner cannot be built"))
            .collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains("no move transitions"), "{stderr}");
    };

    let (out, stdout, stderr) = run(worldbench(&ws)
        .args(["plan", "--run"])
        .arg(&run_dir)
        .args(["--planner", "graph,lattice,mpc", "--sweep", "4", "--json"])
        .args(mpc));
    assert!(out.status.success(), "{stderr}");
    warned(&stderr);
    let sweeps: Value = serde_json::from_str(&stdout).expect("plan --sweep --json");
    let sweeps = sweeps.as_array().expect("one entry per planner");
    let names: Vec<&str> = sweeps
        .iter()
        .filter_map(|s| s["planner"].as_str())
        .collect();
    assert_eq!(names, ["graph", "lattice", "mpc"]);
    assert!(
        sweeps[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("no move transitions")),
        "{}",
        sweeps[1]
    );
    for s in [&sweeps[0], &sweeps[2]] {
        assert_eq!(s["all"]["pairs"], 4, "{s}");
        assert!(s.get("error").is_none(), "{s}");
    }
    let csv = std::fs::read_to_string(run_dir.join("metrics/planning_metrics.csv"))
        .expect("planning_metrics.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let cell = |key: &str| row[header.iter().position(|h| *h == key).expect(key)];
    assert!(cell("graph_success").parse::<f64>().is_ok(), "{csv}");
    assert!(cell("mpc_success").parse::<f64>().is_ok(), "{csv}");
    assert_eq!(cell("lattice_success"), "", "{csv}");

    // One start and goal: the same.
    let (out, stdout, stderr) = run(worldbench(&ws).args(["plan", "--run"]).arg(&run_dir).args([
        "--planner",
        "lattice,graph",
        "--start",
        "12,1",
        "--goal",
        "12,5",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    warned(&stderr);
    let one: Value = serde_json::from_str(&stdout).expect("plan --json");
    assert_eq!(one[0]["planner"], "lattice");
    assert!(one[0]["error"].is_string(), "{one}");
    assert_eq!(one[1]["planner"], "graph");
    assert!(one[1]["success"].is_boolean(), "{one}");

    // eval: graph's columns, and the row names lattice's error.
    let (out, stdout, stderr) = run(worldbench(&ws).args(["eval", "--run"]).arg(&run_dir).args([
        "--planner",
        "lattice,graph",
        "--pairs",
        "4",
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    warned(&stderr);
    let rows: Value = serde_json::from_str(&stdout).expect("eval --json");
    assert!(rows[0]["graph_success"].as_f64().is_some(), "{rows}");
    assert!(rows[0]["lattice_success"].is_null(), "{rows}");
    assert!(
        rows[0]["planner_errors"]["lattice"]
            .as_str()
            .is_some_and(|e| e.contains("no move transitions")),
        "{rows}"
    );
    let (out, stdout, stderr) = run(worldbench(&ws).args(["eval", "--run"]).arg(&run_dir).args([
        "--layouts",
        "two-rooms:0..1",
        "--pairs",
        "2",
        "--planner",
        "lattice,graph",
    ]));
    assert!(out.status.success(), "{stderr}");
    warned(&stderr);
    assert!(stdout.contains("lattice  not built"), "{stdout}");

    // No planner that can be built: the command fails, naming the planner and the reason.
    for verb in [&["plan", "--sweep", "2"][..], &["eval", "--pairs", "2"][..]] {
        let err = fails(
            worldbench(&ws)
                .args(&verb[..1])
                .arg("--run")
                .arg(&run_dir)
                .args(&verb[1..])
                .args(["--planner", "lattice"]),
        );
        assert!(
            err.contains("no planner can be built") && err.contains("the lattice planner: "),
            "{err}"
        );
    }
}
