//! The desktop app, driven through its accessibility tree (egui_kittest): panels switch, a smoke run
//! launched from the Train panel completes and shows in Runs and Checkpoints, Cancel leaves `last`, a
//! corrupt run.json is reported by name, and one wgpu snapshot per panel.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use worldbench::gui::jobs::{JobKind, JobState};
use worldbench::gui::panels::train::{TrainForm, TrainState};
use worldbench::gui::{PanelId, State, WorldbenchApp};
use worldbench_storage::metrics::write_csv;
use worldbench_storage::{PlanningRow, RunKind, RunManifest, RunPaths, RunStatus, TrainRow};
use worldbench_tests::{binary, small_dataset, smoke_train_command};

/// Frames (each waiting up to 100 ms for job output) before a test gives up on a job.
const MAX_WAIT_FRAMES: usize = 6000;

fn app(ws: &Path, state: State) -> Harness<'static, WorldbenchApp> {
    let ws = ws.to_path_buf();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |_cc| WorldbenchApp::new(ws, state, binary()).expect("app"));
    harness.state_mut().wait_for_runs();
    harness.run_ok();
    harness
}

/// Steps frames until `done` holds for the app (waiting on job output between frames).
fn drive_until(
    harness: &mut Harness<'_, WorldbenchApp>,
    what: &str,
    done: impl Fn(&WorldbenchApp) -> bool,
) {
    for _ in 0..MAX_WAIT_FRAMES {
        harness.step();
        if done(harness.state()) {
            return;
        }
        harness
            .state_mut()
            .wait_for_job_update(Duration::from_millis(100));
    }
    panic!(
        "gave up waiting for {what}; errors: {:?}",
        harness.state().errors()
    );
}

fn train_job(app: &WorldbenchApp) -> Option<&worldbench::gui::jobs::Job> {
    app.jobs()
        .jobs()
        .iter()
        .rev()
        .find(|j| j.kind == JobKind::Train)
}

fn click_panel(harness: &mut Harness<'_, WorldbenchApp>, label: &str) {
    harness.get_by_role_and_label(Role::Button, label).click();
    harness.run_ok();
}

fn manifest(run: &Path) -> RunManifest {
    RunManifest::read(&run.join("run.json")).expect("run.json")
}

#[test]
fn the_left_bar_and_shortcuts_switch_panels_and_f1_opens_help() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut harness = app(tmp.path(), State::default());
    assert_eq!(harness.state().panel(), PanelId::Datasets);
    // An empty workspace offers the demo dataset in one click.
    harness.get_by_label("Generate demo dataset");

    click_panel(&mut harness, "Runs");
    assert_eq!(harness.state().panel(), PanelId::Runs);
    harness.get_by_label("Runs of this workspace");
    click_panel(&mut harness, "Checkpoints");
    assert_eq!(harness.state().panel(), PanelId::Checkpoints);
    harness.get_by_label("Checkpoints of a run");

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num2);
    harness.run_ok();
    assert_eq!(harness.state().panel(), PanelId::Train);
    harness.get_by_label("Train a world model");
    // An attempt without a gate cannot be launched.
    harness.get_by_label("Attempt").click();
    harness.run_ok();
    assert_eq!(harness.state().state().train.form.kind, RunKind::Attempt);
    assert!(harness.query_by_label("Launch attempt").is_some());

    harness.key_press(egui::Key::F1);
    harness.run_ok();
    harness.get_by_label("Keyboard shortcuts");
    harness.get_by_label("Ctrl+Enter");
    // The panel choice is part of the persisted state.
    assert_eq!(harness.state().state().panel, PanelId::Train);
}

#[test]
fn a_smoke_run_launched_from_the_train_panel_appears_in_runs_and_checkpoints() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let data = small_dataset(ws, "g", "0");
    let mut harness = app(ws, State::default());
    click_panel(&mut harness, "Train");
    assert_eq!(
        harness.state().state().train.form.dataset.as_deref(),
        Some(data.as_path()),
        "the only dataset is chosen"
    );

    harness.get_by_label("Preset").click();
    harness.run_ok();
    harness.get_by_role_and_label(Role::Button, "tiny").click();
    harness.run_ok();
    harness.get_by_label("Steps").set_value_accesskit(6.0);
    harness
        .get_by_label("Checkpoint steps")
        .set_text_value_accesskit("3,6");
    harness
        .get_by_label("Title")
        .set_text_value_accesskit("gui smoke");
    harness.run_ok();
    let form = harness.state().state().train.form;
    assert_eq!(
        (form.preset.as_str(), form.steps, form.checkpoints.as_str()),
        ("tiny", 6, "3,6")
    );
    harness
        .get_by_label("Evaluate planning at each checkpoint")
        .click();
    harness.run_ok();
    if !harness.state().state().train.form.plan_eval {
        harness
            .get_by_label("Evaluate planning at each checkpoint")
            .click();
        harness.run_ok();
    }
    assert!(harness.state().state().train.form.plan_eval);

    harness.get_by_label("Launch smoke run").click();
    drive_until(&mut harness, "the smoke run to finish", |app| {
        train_job(app).is_some_and(|j| !j.state.is_active())
    });
    let job = train_job(harness.state()).expect("job").clone();
    assert_eq!(
        job.state,
        JobState::Completed,
        "errors: {:?}",
        harness.state().errors()
    );
    assert_eq!(job.step, 6);
    assert_eq!(
        job.evals.iter().map(|r| r.step).collect::<Vec<_>>(),
        vec![3, 6],
        "metrics of each checkpoint landed"
    );
    let run = job.run_dir.clone().expect("run dir");
    assert_eq!(manifest(&run).status, RunStatus::Completed);
    assert_eq!(manifest(&run).title, "gui smoke");

    harness.state_mut().wait_for_runs();
    harness.run_ok();
    click_panel(&mut harness, "Runs");
    harness.get_by_label("completed");
    harness.get_by_label("6 / 6");
    harness
        .get_by_role_and_label(Role::Button, "gui smoke")
        .click();
    harness.run_ok();
    click_panel(&mut harness, "Checkpoints");
    for file in [
        "step_000003.safetensors",
        "step_000006.safetensors",
        "last.safetensors",
    ] {
        harness.get_by_label(file);
    }
    // Both checkpoints have metrics: a verdict each, and no Evaluate button.
    assert_eq!(
        harness.query_all_by_label("pass").count() + harness.query_all_by_label("fail").count(),
        2,
        "one verdict per evaluated checkpoint"
    );
    assert!(harness.query_by_label_contains("Evaluate step").is_none());
}

#[test]
fn cancel_stops_a_run_and_leaves_last() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "0");
    let form = TrainForm {
        preset: "tiny".into(),
        steps: 3000,
        checkpoints: "5,3000".into(),
        plan_eval: false,
        title: "cancel me".into(),
        ..TrainForm::default()
    };
    let state = State {
        panel: PanelId::Train,
        train: TrainState {
            form,
            ..TrainState::default()
        },
        ..State::default()
    };
    let mut harness = app(ws, state);

    harness.get_by_label("Launch smoke run").click();
    drive_until(&mut harness, "the first checkpoint", |app| {
        train_job(app).is_some_and(|j| !j.checkpoints.is_empty())
    });
    harness.run_ok();
    harness.get_by_label("Cancel").click();
    drive_until(&mut harness, "the cancelled run to exit", |app| {
        train_job(app).is_some_and(|j| !j.state.is_active())
    });
    let job = train_job(harness.state()).expect("job").clone();
    assert_eq!(
        job.state,
        JobState::Cancelled,
        "errors: {:?}",
        harness.state().errors()
    );
    let run = job.run_dir.expect("run dir");
    assert_eq!(manifest(&run).status, RunStatus::Cancelled);
    assert!(run.join("checkpoints/last.safetensors").is_file());
    assert!(!run.join("checkpoints/step_003000.safetensors").exists());

    // The stopped run can be resumed from the Checkpoints panel.
    harness.state_mut().wait_for_runs();
    harness.run_ok();
    click_panel(&mut harness, "Checkpoints");
    harness.get_by_label("Resume run");
}

#[test]
fn a_corrupt_run_json_is_reported_by_name_without_a_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("runs/2020-01-01_00-00-00.broken");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(bad.join("run.json"), "{ this is not json").expect("write");
    let mut harness = app(
        tmp.path(),
        State {
            panel: PanelId::Runs,
            ..State::default()
        },
    );
    let shown = bad.join("run.json").display().to_string();
    assert!(
        harness.state().errors().iter().any(|e| e.contains(&shown)),
        "{:?}",
        harness.state().errors()
    );
    harness.get_by_label_contains(&shown);
    click_panel(&mut harness, "Checkpoints");
    harness.get_by_label("Dismiss all").click();
    harness.run_ok();
    assert!(harness.state().errors().is_empty());
}

// ---- snapshots -------------------------------------------------------------------------------

fn planning_row(step: u64, quality: f64) -> PlanningRow {
    PlanningRow {
        step,
        num_nodes_h: 40 + step / 100,
        num_edges_h: 120 + step / 50,
        reach_h_median: 0.3 + quality,
        reach_h_p10: 0.1 + quality,
        reach_h_p90: 0.6 + quality / 2.0,
        h_local_success: 0.6 + quality,
        test1_success: u8::from(quality > 0.2),
        test1_steps: 14,
        test2_success: u8::from(quality > 0.3),
        test2_steps: 9,
        merge_radius: 0.04,
        eval_secs: 1.5,
    }
}

/// A run folder with fixed times, losses, metrics and (dummy) checkpoint files.
fn fixed_run(
    ws: &Path,
    name: &str,
    title: &str,
    status: RunStatus,
    hidden: u64,
    steps_done: u64,
) -> PathBuf {
    let run = RunPaths::new(ws.join("runs").join(name));
    run.create_dirs().expect("mkdir");
    let m = RunManifest {
        title: title.into(),
        kind: RunKind::Smoke,
        config: serde_json::json!({"steps": 2000, "lr": 0.0003, "model": {"hidden": hidden, "latent_dim": 64}}),
        dataset_path: "datasets/demo".into(),
        device: "cpu".into(),
        started: "2025-03-01T10:00:00+00:00".into(),
        finished: Some(format!("2025-03-01T10:{:02}:30+00:00", steps_done / 100)),
        status,
        ..RunManifest::default()
    };
    m.write(&run.manifest()).expect("run.json");
    let rows: Vec<TrainRow> = (1..=steps_done / 20)
        .map(|i| {
            let step = i * 20;
            let loss = 2.0 * (-(step as f64) / (300.0 + hidden as f64)).exp() + 0.05;
            TrainRow {
                step,
                wall_s: step as f64 / 20.0,
                loss,
                loss_pred: loss * 0.6,
                loss_var: loss * 0.3,
                loss_cov: loss * 0.1,
                lr: 0.0003,
                h_std: 0.5,
                h_norm: 3.0,
                steps_per_s: 20.0,
            }
        })
        .collect();
    write_csv(&run.train_csv(), &rows).expect("train.csv");
    let ckpts: Vec<u64> = [100, 1000, 2000]
        .into_iter()
        .filter(|&s| s <= steps_done)
        .collect();
    let evals: Vec<PlanningRow> = ckpts
        .iter()
        .take(ckpts.len().saturating_sub(1).max(1))
        .map(|&s| planning_row(s, s as f64 / 5000.0))
        .collect();
    write_csv(&run.planning_csv(), &evals).expect("planning csv");
    for s in ckpts {
        std::fs::write(run.checkpoint(s), vec![0u8; 2048]).expect("ckpt");
    }
    std::fs::write(run.last_checkpoint(), vec![0u8; 2048]).expect("last");
    run.root
}

/// `tests/snapshots/` (accept new images with `UPDATE_SNAPSHOTS=1`).
fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

#[test]
fn snapshot_of_each_panel() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "demo", "0");
    let a = fixed_run(
        ws,
        "2025-03-01_10-00-00.baseline",
        "baseline",
        RunStatus::Completed,
        256,
        2000,
    );
    let b = fixed_run(
        ws,
        "2025-03-01_11-00-00.wider",
        "wider predictor",
        RunStatus::Cancelled,
        512,
        1200,
    );
    let mut state = State::default();
    state.runs.selected = vec![a.clone(), b];
    state.checkpoints.run = Some(a);
    let ws_path = ws.to_path_buf();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |_cc| WorldbenchApp::new(ws_path, state, binary()).expect("app"));
    harness.state_mut().wait_for_runs();
    harness.run_ok();
    assert!(
        harness.state().errors().is_empty(),
        "{:?}",
        harness.state().errors()
    );

    let mut results = egui_kittest::SnapshotResults::new();
    for (label, name) in [
        ("Datasets", "panel_datasets"),
        ("Train", "panel_train"),
        ("Runs", "panel_runs"),
        ("Checkpoints", "panel_checkpoints"),
    ] {
        click_panel(&mut harness, label);
        if label == "Datasets" {
            // Show the dataset's frames, histogram and map (loaded in the background).
            harness.get_by_label("demo").click();
            harness.step();
            assert!(harness
                .state_mut()
                .datasets_mut()
                .wait_for_load(Duration::from_secs(30)));
        }
        // Let lazily decoded images and plots settle.
        for _ in 0..4 {
            harness.step();
        }
        harness.run_ok();
        if label == "Datasets" {
            // The temporary workspace's path differs on every run: hide it from the image.
            // (A fixed width: the path's own width varies with its random letters.)
            let rect = harness.get_by_label_contains("datasets/demo").rect();
            harness.mask(egui::Rect::from_min_size(
                rect.min,
                egui::vec2(600.0, rect.height()),
            ));
        }
        let options = egui_kittest::SnapshotOptions::new().output_path(snapshot_dir());
        results.add(harness.try_snapshot_options(name, &options));
    }
    results.unwrap();
}

/// Stops a long training child if the test fails before it does.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_run_started_before_the_app_is_followed_and_can_be_cancelled_from_it() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let data = small_dataset(ws, "g", "0");
    let mut child = smoke_train_command(ws, &data, "100000", "100000")
        .args([
            "--title",
            "outside",
            "--plan-eval",
            "off",
            "--progress",
            "none",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn train");
    let stdout = child.stdout.take().expect("stdout");
    let mut child = KillOnDrop(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("run folder line");
    let run = PathBuf::from(first.trim());
    assert_eq!(manifest(&run).status, RunStatus::Running);

    let mut harness = app(
        ws,
        State {
            panel: PanelId::Train,
            ..State::default()
        },
    );
    let followed = |app: &WorldbenchApp| {
        app.jobs()
            .jobs()
            .iter()
            .find(|j| j.kind == JobKind::Follow && j.run_dir.as_deref() == Some(run.as_path()))
            .cloned()
    };
    let job = followed(harness.state()).expect("the running run is followed on start");
    assert_eq!(job.pid, Some(child.0.id()));
    harness.run_ok();
    harness.get_by_label("Cancel").click();
    drive_until(&mut harness, "the followed run to stop", |app| {
        followed(app).is_some_and(|j| !j.state.is_active())
    });
    assert_eq!(
        followed(harness.state()).expect("job").state,
        JobState::Cancelled
    );
    assert!(child.0.wait().expect("wait").success());
    assert_eq!(manifest(&run).status, RunStatus::Cancelled);
    assert!(run.join("checkpoints/last.safetensors").is_file());
}
