//! Researchers' runs read in place (issue 15), through the built binary: `runs list` shows theirs
//! beside ours with a source column, `runs show` reads every part, `runs annotate` writes their
//! files (and ours), `ckpt inspect` reads a `torch.save` zip without Python; malformed inputs fail
//! naming the file. Fixtures: their_runs_common (folders written by the test), one run of ours
//! written with the storage API (no training).

use std::path::{Path, PathBuf};

use serde_json::Value;
use worldbench_model::ckpt_inspect::pt_writer::{write_pt, PtValue};
use worldbench_storage::metrics::write_csv;
use worldbench_storage::{RunManifest, RunPaths, RunStatus, TrainRow};
use worldbench_tests::{fails, ok, worldbench};

mod their_runs_common;
use their_runs_common::{their_run, their_run_with, write, PLANNING_UNPREFIXED};

/// One run of ours in `<ws>/runs/`, 3 logged steps.
fn our_run(ws: &Path) -> PathBuf {
    let run = RunPaths::new(ws.join("runs").join("2026-03-01_10-00-00.ours"));
    run.create_dirs().expect("mkdir");
    RunManifest {
        title: "ours".into(),
        dataset_path: "datasets/demo".into(),
        started: "2026-03-01T10:00:00+00:00".into(),
        status: RunStatus::Completed,
        ..RunManifest::default()
    }
    .write(&run.manifest())
    .expect("run.json");
    let rows: Vec<TrainRow> = [10u64, 20, 30]
        .iter()
        .map(|&step| TrainRow {
            step,
            wall_s: step as f64 / 10.0,
            loss: 1.0 / step as f64,
            loss_pred: 0.0,
            loss_var: 0.0,
            loss_cov: 0.0,
            lr: 0.0003,
            h_std: 0.0,
            h_norm: 0.0,
            steps_per_s: 10.0,
        })
        .collect();
    write_csv(&run.train_csv(), &rows).expect("train.csv");
    run.root().to_path_buf()
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

#[test]
fn runs_list_shows_theirs_beside_ours_from_roots_and_flags() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    let out_dir = tmp.path().join("out.jepa_world_model_trainer");
    let other = tmp.path().join("older_out");
    let ours = our_run(&ws);
    let theirs = their_run(&out_dir, "2026-02-05_12-56-29");
    let old = their_run_with(&other, "2025-11-30_08-00-00", PLANNING_UNPREFIXED);
    write(
        &ws,
        "worldbench.toml",
        format!("[runs]\nroots = [{:?}]\n", out_dir.display().to_string()),
    );

    let v = json(&ok(worldbench(&ws).args(["runs", "list", "--json"])));
    let lines = v.as_array().expect("array");
    assert_eq!(lines.len(), 2, "{v:#}");
    let by_dir = |d: &Path| {
        lines
            .iter()
            .find(|l| l["dir"] == d.display().to_string())
            .unwrap_or_else(|| panic!("{} not listed: {v:#}", d.display()))
            .clone()
    };
    let o = by_dir(&ours);
    assert_eq!(
        (o["source"].as_str(), o["step"].as_u64()),
        (Some("worldbench"), Some(30))
    );
    let t = by_dir(&theirs);
    assert_eq!(t["source"], "nes-ai");
    assert_eq!(t["title"], "corner loops, big lr");
    assert_eq!(t["dataset"], "data.gwbasic_rand_corner_loops2");
    assert_eq!(t["step"], 200);
    assert_eq!(t["last_loss"], 0.75);
    assert_eq!(t["started"], "2026-02-05T12:56:29");
    assert_eq!(t["last_planning"]["test1_success"], 1.0);
    assert_eq!(t["last_planning"]["reach_h_median"], 0.5);

    // --root adds a folder for this listing; the older version's columns get their p_ names.
    let other_s = other.display().to_string();
    let v = json(&ok(
        worldbench(&ws).args(["runs", "list", "--json", "--root", &other_s])
    ));
    let lines = v.as_array().expect("array");
    assert_eq!(lines.len(), 3, "{v:#}");
    let o = lines
        .iter()
        .find(|l| l["dir"] == old.display().to_string())
        .expect("old run");
    assert_eq!(o["last_planning"]["p_L"], 0.3);
    assert!(o["last_planning"].get("L").is_none(), "{o:#}");
    assert_eq!(o["title"], "corner loops, big lr");

    let text = ok(worldbench(&ws).args(["runs", "list", "--root", &other_s]));
    assert!(
        text.lines().next().expect("header").starts_with("source"),
        "{text}"
    );
    let their_line = text
        .lines()
        .find(|l| l.contains("2026-02-05_12-56-29"))
        .expect("their line");
    assert!(their_line.starts_with("nes-ai"), "{their_line}");
    assert!(their_line.contains("corner loops, big lr"), "{their_line}");
}

#[test]
fn runs_show_reads_every_part_of_their_run() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    let theirs = their_run(tmp.path(), "2026-02-05_12-56-29");
    let before = std::fs::read_dir(&theirs).expect("dir").count();
    let d = &theirs.display().to_string();
    let v = json(&ok(worldbench(&ws).args(["runs", "show", d, "--json"])));
    assert_eq!(v["listing"]["source"], "nes-ai");
    assert_eq!(v["git_commit"], "0123456789abcdef");
    assert!(v["git_diff"].as_str().expect("diff").contains("+lr = 3e-4"));
    assert_eq!(v["parameters"], 123_456);
    assert_eq!(v["flops_per_step"], 5e6);
    assert_eq!(v["config"]["train_config"]["batch_size"], 8);
    let names: Vec<&str> = v["planning"]["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        names.contains(&"h_inv_lr") && names.contains(&"test1_final_p_dist"),
        "{names:?}"
    );
    assert_eq!(
        v["planning"]["columns"][0],
        serde_json::json!([100.0, 200.0])
    );
    assert!(v["loss"]["names"]
        .as_array()
        .expect("loss")
        .contains(&"loss_sigreg".into()));
    let series: Vec<(String, usize)> = v["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name").to_string(),
                s["frames"].as_array().expect("frames").len(),
            )
        })
        .collect();
    assert_eq!(
        series,
        [
            ("vis_planning_exec/exec".to_string(), 1),
            ("vis_planning_graph/graph_h".to_string(), 2)
        ]
    );
    let text = ok(worldbench(&ws).args(["runs", "show", d]));
    assert!(text.contains("corner loops, big lr  (nes-ai)"), "{text}");
    assert!(text.contains("FLOPs/step: 5.0000e6"), "{text}");
    assert!(
        text.contains("vis_planning_graph/graph_h") && text.contains("2 images"),
        "{text}"
    );
    assert!(
        text.contains("train_config.data_root = data.gwbasic_rand_corner_loops2"),
        "{text}"
    );
    // Read in place: nothing was added (no notes.txt, no cache).
    assert_eq!(std::fs::read_dir(&theirs).expect("dir").count(), before);
}

#[test]
fn runs_show_of_ours_has_our_flops_per_step() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    let ours = our_run(&ws);
    let v = json(&ok(worldbench(&ws).args([
        "runs",
        "show",
        &ours.display().to_string(),
        "--json",
    ])));
    assert_eq!(v["listing"]["source"], "worldbench");
    let expected = worldbench_model::train::peak::train_flops_per_step(
        &worldbench_storage::train_config::TrainConfig::default().model,
    );
    assert_eq!(v["flops_per_step"].as_f64(), Some(expected));
    assert_eq!(
        v["loss"]["columns"][0],
        serde_json::json!([10.0, 20.0, 30.0])
    );
}

/// A tiny trained run of ours: `runs show` gives its parameter count, the model's count from
/// run.json's config, and it is what the checkpoint's own tensors add up to (its `enc` and `pred`
/// modules; the `optim` moments are not parameters).
#[test]
fn runs_show_of_a_trained_run_has_its_parameter_count() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    let data = worldbench_tests::small_dataset(&ws, "d", "1");
    let run = worldbench_tests::smoke_train(&ws, &data, "2", "2", &["--progress", "none"]);
    let v = json(&ok(worldbench(&ws)
        .args(["runs", "show"])
        .arg(&run)
        .arg("--json")));
    let params = v["parameters"].as_u64().expect("parameters");
    let ckpt = v["checkpoints"]
        .as_array()
        .and_then(|c| c.last())
        .and_then(Value::as_str)
        .expect("a checkpoint")
        .to_string();
    let inspected = json(&ok(
        worldbench(&ws).args(["ckpt", "inspect", &ckpt, "--json"])
    ));
    let module = |m: &str| {
        inspected["modules"]
            .as_array()
            .expect("modules")
            .iter()
            .find(|x| x["module"] == m)
            .and_then(|x| x["parameters"].as_u64())
            .unwrap_or_else(|| panic!("no module {m}: {inspected}"))
    };
    assert!(params > 0);
    assert_eq!(params, module("enc") + module("pred"));
    assert!(v["flops_per_step"].as_f64().is_some_and(|f| f > 0.0));
    let text = ok(worldbench(&ws).args(["runs", "show"]).arg(&run));
    assert!(text.contains(&format!("parameters: {params}")), "{text}");
}

#[test]
fn runs_annotate_writes_their_files_and_ours() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    let theirs = their_run(tmp.path(), "2026-02-05_12-56-29");
    let d = &theirs.display().to_string();
    ok(worldbench(&ws).args([
        "runs",
        "annotate",
        d,
        "--title",
        "renamed",
        "--note",
        "diverged at 150k",
        "--tag",
        "lr",
        "--tag",
        "corner",
        "--star",
    ]));
    let meta: String =
        std::fs::read_to_string(theirs.join("experiment_metadata.txt")).expect("meta");
    assert!(meta.contains("title = \"renamed\""), "{meta}");
    assert!(meta.contains("tags = \"lr, corner\""), "{meta}");
    assert!(
        meta.contains("starred = true") && meta.contains("archived = false"),
        "{meta}"
    );
    assert!(
        meta.contains("owner = \"lab\""),
        "their other keys stay: {meta}"
    );
    assert_eq!(
        std::fs::read_to_string(theirs.join("notes.txt")).expect("notes"),
        "diverged at 150k"
    );
    ok(worldbench(&ws).args([
        "runs",
        "annotate",
        d,
        "--untag",
        "lr",
        "--unstar",
        "--archive",
    ]));
    let v = json(&ok(worldbench(&ws).args(["runs", "show", d, "--json"])));
    assert_eq!(v["listing"]["tags"], serde_json::json!(["corner"]));
    assert_eq!(v["listing"]["starred"], false);
    assert_eq!(v["listing"]["archived"], true);
    assert_eq!(v["listing"]["title"], "renamed");

    let ours = our_run(&ws);
    let manifest = std::fs::read(ours.join("run.json")).expect("run.json");
    ok(worldbench(&ws).args([
        "runs",
        "annotate",
        &ours.display().to_string(),
        "--title",
        "mine",
        "--tag",
        "x",
    ]));
    assert_eq!(
        std::fs::read(ours.join("run.json")).expect("run.json"),
        manifest
    );
    assert!(ours.join("annotations.toml").is_file());
    let v = json(&ok(worldbench(&ws).args(["runs", "list", "--json"])));
    assert_eq!(v[0]["title"], "mine");
    assert_eq!(v[0]["tags"], serde_json::json!(["x"]));

    let e = fails(worldbench(&ws).args(["runs", "annotate", d]));
    assert!(e.contains("nothing to change"), "{e}");
    let e = fails(worldbench(&ws).args([
        "runs",
        "annotate",
        &tmp.path().display().to_string(),
        "--star",
    ]));
    assert!(e.contains("run folder"), "{e}");
}

/// The entry of a `ckpt inspect --json` list whose `key` is `value`.
fn named<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> Option<&'a serde_json::Value> {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|e| e[key] == value)
}

#[test]
fn ckpt_inspect_reads_their_last_pt() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    let theirs = their_run(tmp.path(), "2026-02-05_12-56-29");
    let pt = theirs.join("checkpoints/last.pt").display().to_string();
    let v = json(&ok(worldbench(&ws).args(["ckpt", "inspect", &pt, "--json"])));
    assert_eq!(v["format"], "pytorch-zip");
    let scalar = |n: &str| named(&v["scalars"], "name", n).map(|s| s["value"].clone());
    assert_eq!(scalar("global_step"), Some("200".into()));
    assert_eq!(
        scalar("optimizer_state.param_groups.0.lr"),
        Some("0.0003".into())
    );
    let parameters =
        |m: &str| named(&v["modules"], "module", m).and_then(|x| x["parameters"].as_u64());
    assert_eq!(parameters("model_state.encoder"), Some(4 * 27 + 4), "{v}");
    assert_eq!(parameters("model_state.predictor"), Some(48), "{v}");
    let text = ok(worldbench(&ws).args(["ckpt", "inspect", &pt]));
    assert!(
        text.contains("model_state.encoder.conv1.weight") && text.contains("[4, 3, 3, 3]"),
        "{text}"
    );
    assert!(text.contains("global_step = 200"), "{text}");
}

/// A file written by PyTorch itself (`tests/fixtures/torch_save/make_last_pt.py`, torch 2.15):
/// the layout of their trainer's `last.pt`, with an AdamW state, an int64 batch-norm counter and
/// a float16 buffer.
#[test]
fn ckpt_inspect_reads_a_file_torch_save_wrote() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    let pt = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/torch_save/last.pt");
    let v = json(&ok(worldbench(&ws).args(["ckpt", "inspect", pt, "--json"])));
    assert_eq!(v["format"], "pytorch-zip");
    let scalar = |n: &str| named(&v["scalars"], "name", n).map(|s| s["value"].clone());
    assert_eq!(scalar("global_step"), Some("100".into()));
    assert_eq!(
        scalar("optimizer_state.param_groups.0.betas"),
        Some("(0.9, 0.999)".into())
    );
    let tensor =
        |n: &str| named(&v["tensors"], "name", n).map(|t| (t["dtype"].clone(), t["shape"].clone()));
    assert_eq!(
        tensor("model_state.encoder.conv.weight"),
        Some(("f32".into(), serde_json::json!([4, 3, 3, 3])))
    );
    assert_eq!(
        tensor("model_state.encoder.bn.num_batches_tracked"),
        Some(("i64".into(), serde_json::json!([])))
    );
    assert_eq!(
        tensor("model_state.encoder.scale_half"),
        Some(("f16".into(), serde_json::json!([2])))
    );
    assert_eq!(
        tensor("optimizer_state.state.13.exp_avg_sq"),
        Some(("f32".into(), serde_json::json!([12])))
    );
    let parameters =
        |m: &str| named(&v["modules"], "module", m).and_then(|x| x["parameters"].as_u64());
    // conv 4·27 + 4, batch norm 4 · 4 + 1, layer norm 4 + 4, fc 4·8 + 8, the f16 buffer 2.
    assert_eq!(
        parameters("model_state.encoder"),
        Some(112 + 17 + 8 + 40 + 2)
    );
    assert_eq!(
        parameters("model_state.predictor"),
        Some(13 * 16 + 16 + 16 * 8 + 8)
    );
    assert_eq!(parameters("decoder_state.0"), Some(8 * 12 + 12));
    // AdamW: exp_avg and exp_avg_sq per trained parameter, and a step scalar for each of 14.
    let trained = 112 + 8 + 8 + 40 + 360 + 108;
    assert_eq!(parameters("optimizer_state.state"), Some(2 * trained + 14));
}

#[test]
fn malformed_inputs_fail_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");

    let bad_toml = their_run(tmp.path(), "bad_toml");
    write(&bad_toml, "metadata.txt", "[train_config\nlr = 1\n");
    let e = fails(worldbench(&ws).args(["runs", "show", &bad_toml.display().to_string()]));
    assert!(
        e.contains("bad_toml/metadata.txt") && e.contains("not valid TOML"),
        "{e}"
    );

    let ragged = their_run(tmp.path(), "ragged");
    write(
        &ragged,
        "metrics/loss.csv",
        "step,loss_world\n0,1.0\n1,0.5,9\n2,0.25\n",
    );
    let e = fails(worldbench(&ws).args(["runs", "show", &ragged.display().to_string()]));
    assert!(
        e.contains("ragged/metrics/loss.csv") && e.contains("line 3") && e.contains("ragged"),
        "{e}"
    );
    // The listing keeps the run and says what is wrong with it.
    let root = tmp.path().display().to_string();
    let v = json(&ok(
        worldbench(&ws).args(["runs", "list", "--json", "--root", &root])
    ));
    let line = v
        .as_array()
        .expect("array")
        .iter()
        .find(|l| l["dir"] == ragged.display().to_string())
        .expect("ragged listed")
        .clone();
    assert!(
        line["error"].as_str().expect("error").contains("loss.csv"),
        "{line:#}"
    );

    let pt = ragged.join("checkpoints/last.pt");
    let bytes = std::fs::read(&pt).expect("pt");
    let cut = tmp.path().join("cut.pt");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let e = fails(worldbench(&ws).args(["ckpt", "inspect", &cut.display().to_string()]));
    assert!(e.contains("cut.pt") && e.contains("truncated"), "{e}");

    let evil = tmp.path().join("evil.pt");
    let marker = tmp.path().join("ran");
    write_pt(
        &evil,
        &PtValue::Dict(vec![(
            PtValue::str("global_step"),
            PtValue::Call {
                module: "os".into(),
                name: "system".into(),
                arg: format!("touch {}", marker.display()),
            },
        )]),
    )
    .expect("evil.pt");
    let e = fails(worldbench(&ws).args(["ckpt", "inspect", &evil.display().to_string()]));
    assert!(
        e.contains("evil.pt") && e.contains("os.system") && e.contains("never executed"),
        "{e}"
    );
    assert!(!marker.exists());
}
