//! Layouts and planners from the command line: `data gen --layout`, `plan --planner … --sweep`,
//! `eval --layouts`.

use serde_json::Value;
use worldbench_tests::{fails, gen_dataset, ok, smoke_train, worldbench};

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
