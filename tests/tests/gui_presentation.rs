//! The app as a daily user reads it (issue 11): plots agree with their tables, the planning tables
//! fit a 1280 px window with the verdict in view, the Checkpoints header shows the step `last`
//! holds, the Train form says what the preset does and refuses a checkpoint list it cannot run, an
//! attempt is titled from its gate, Resume is offered where a stopped run is shown, the Train panel
//! re-opens the last run after a restart, and a dataset folder can be opened by typing its path.

use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use worldbench::gui::panels::train::{TrainForm, TrainState};
use worldbench::gui::{PanelId, State, WorldbenchApp};
use worldbench_storage::metrics::{read_csv, write_csv};
use worldbench_storage::tensors::{write_safetensors, Dtype, TensorBlob};
use worldbench_storage::{PlanningRow, RunKind, RunPaths, RunStatus};
use worldbench_tests::small_dataset;

mod gui_common;
use gui_common::{app, click_panel, fixed_run, settle};

/// The window's width less the panel's margin: every cell must end left of it.
const WIDTH: f32 = 1280.0 - 8.0;

/// Asserts that every node labelled `label` lies inside the 1280 px window.
fn assert_in_window(harness: &Harness<'_, WorldbenchApp>, label: &str) {
    let mut n = 0;
    for node in harness.query_all_by_label(label) {
        let rect = node.rect();
        assert!(
            rect.max.x <= WIDTH && rect.min.x >= 0.0,
            "{label:?} is cut off at the window's edge: {rect:?}"
        );
        n += 1;
    }
    assert!(n > 0, "no {label:?} shown");
}

/// Two runs (the second cancelled, its `last` at step 1214 while train.csv ends at 1200).
fn two_runs(ws: &Path) -> (PathBuf, PathBuf) {
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
    let meta = [("step".to_string(), "1214".to_string())].into();
    let weights = TensorBlob::new(Dtype::U8, vec![8], vec![0u8; 8]);
    write_safetensors(
        &RunPaths::new(b.clone()).last_checkpoint(),
        &[("w".into(), weights)],
        Some(meta),
    )
    .expect("last");
    (a, b)
}

#[test]
fn a_metric_constant_over_checkpoints_is_plotted_at_its_value() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = two_runs(tmp.path());
    // reach p10 = 1.000 at every checkpoint of both runs.
    for run in [&a, &b] {
        let csv = RunPaths::new(run.clone()).planning_csv();
        let mut rows: Vec<PlanningRow> = read_csv(&csv).expect("planning csv");
        for r in &mut rows {
            r.reach_h_p10 = 1.0;
        }
        write_csv(&csv, &rows).expect("planning csv");
    }
    let mut state = State {
        panel: PanelId::Runs,
        ..State::default()
    };
    state.runs.selected = vec![a, b];
    let mut harness = app(tmp.path(), state);
    harness.run_ok();
    assert_eq!(harness.state().state().runs.compare_metric, "reach_h_p10");
    let memory = egui_plot::PlotMemory::load(&harness.ctx, egui::Id::unique("compare_metric_plot"))
        .expect("the metric plot is shown");
    let y = memory.bounds().range_y();
    assert!(
        y.contains(&1.0) && *y.start() > 0.5 && *y.end() < 1.5,
        "the plot's y range {y:?} must be around the table's 1.000"
    );
    // The loss plot's axis is on the data too.
    let loss = egui_plot::PlotMemory::load(&harness.ctx, egui::Id::unique("compare_loss"))
        .expect("the loss plot is shown");
    let y = loss.bounds().range_y();
    assert!(*y.start() > -2.0 && *y.end() < 1.0, "log10 range {y:?}");
    // The legends are rows above the plots, never over the curves.
    let frames = [*memory.transform().frame(), *loss.transform().frame()];
    let mut legends = 0;
    for entry in harness.query_all_by_label("— baseline") {
        legends += 1;
        for frame in frames {
            assert!(
                !frame.intersects(entry.rect()),
                "a legend entry at {:?} lies over a plot at {frame:?}",
                entry.rect()
            );
        }
    }
    assert_eq!(legends, 2, "a legend row above each plot");
}

#[test]
fn the_planning_tables_fit_the_window_with_the_verdict_first() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = two_runs(tmp.path());
    let mut state = State {
        panel: PanelId::Checkpoints,
        ..State::default()
    };
    state.checkpoints.run = Some(a.clone());
    state.train.last_run = Some(a);
    let mut harness = app(tmp.path(), state);
    settle(&mut harness);
    // The last columns are the metrics against the world (the fixture's rows have them all).
    for label in [
        "verdict",
        "test2",
        "fail",
        "FAIL (9)",
        "purity",
        "path\nagree",
    ] {
        assert_in_window(&harness, label);
    }
    let verdict = harness.get_by_label("verdict").rect();
    let checkpoint = harness.get_by_label("checkpoint").rect();
    assert!(verdict.max.x < checkpoint.min.x, "the verdict comes first");

    // The Train panel re-opens the last run shown (as after a restart), its table in the window.
    click_panel(&mut harness, "Train");
    assert!(harness
        .query_by_label_contains("No training run yet")
        .is_none());
    harness.get_by_label("baseline");
    for label in ["verdict", "test2", "fail", "path\nagree"] {
        assert_in_window(&harness, label);
    }

    // A cancelled run: Checkpoints says the step `last` holds (1214), not train.csv's last (1200),
    // and Resume is offered in Checkpoints, Runs and Train alike.
    harness.state_mut().checkpoints_panel_mut().state.run = Some(b.clone());
    click_panel(&mut harness, "Checkpoints");
    settle(&mut harness);
    harness.get_by_label("· 1214 / 2000 steps");
    harness.get_by_label("Resume run");
    click_panel(&mut harness, "Runs");
    assert_eq!(
        harness.query_all_by_label("Resume run").count(),
        1,
        "only the cancelled run"
    );
    drop(harness);
    // Restarted with the cancelled run as the last one shown in Train.
    let state = State {
        panel: PanelId::Train,
        train: TrainState {
            last_run: Some(b),
            ..TrainState::default()
        },
        ..State::default()
    };
    let mut harness = app(tmp.path(), state);
    harness.get_by_label("wider predictor");
    // The same step count as the Checkpoints header (`last`'s, read in the background).
    let mut shown = false;
    for _ in 0..200 {
        harness.step();
        if harness.query_by_label("· 1214 / 2000 steps").is_some() {
            shown = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        shown,
        "the Train panel counts the steps as Checkpoints does"
    );
    harness.get_by_label("Resume run").click();
    harness.run_ok();
    let resumed = harness
        .state()
        .jobs()
        .jobs()
        .iter()
        .any(|j| j.kind == worldbench::gui::jobs::JobKind::Resume);
    assert!(resumed, "Resume in the Train panel launched the resume job");
}

#[test]
fn the_train_form_says_what_the_preset_does_and_refuses_unreachable_checkpoints() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let data = small_dataset(ws, "g", "0");
    let gate = ws
        .join("gates")
        .join("2025-03-01_10-00-00.a-rather-long-hypothesis-gate-title-for-the-form.json");
    let form = TrainForm {
        dataset: Some(data),
        preset: "tiny".into(),
        steps: 3000,
        plan_eval: false,
        title: "gui smoke".into(),
        gate: Some(gate),
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
    // The preset's schedule for these Steps, and its choice of no planning evaluation, in words.
    harness.get_by_label("Checkpoints at steps 10, 3000 (the tiny preset's schedule)");
    harness.get_by_label_contains("The tiny preset turns planning evaluation off");
    // A long gate name is cut in the middle: "Choose gate…" stays in the form's column.
    harness.get_by_label_contains("2025-03-01_10");
    let choose = harness.get_by_label("Choose gate…").rect();
    assert!(choose.max.x < 640.0, "Choose gate… at {choose:?}");

    // A checkpoint past Steps is an error, and Launch says why it is disabled.
    harness
        .get_by_label("Checkpoint steps")
        .set_text_value_accesskit("5,4000");
    harness.run_ok();
    harness.get_by_label(
        "checkpoint schedule: step 4000 can never be reached, the run has 3000 steps",
    );
    assert!(harness
        .get_by_label("Launch smoke run")
        .accesskit_node()
        .is_disabled());
    harness.get_by_label_contains("Cannot launch: checkpoint schedule");
    harness
        .get_by_label("Checkpoint steps")
        .set_text_value_accesskit("5,3000");
    harness.run_ok();
    harness.get_by_label("Checkpoints at steps 5, 3000");
    assert!(!harness
        .get_by_label("Launch smoke run")
        .accesskit_node()
        .is_disabled());

    // Switching to an attempt titles it from the gate, not with the smoke run's title.
    harness.get_by_label("Attempt").click();
    harness.run_ok();
    let form = harness.state().state().train.form;
    assert_eq!(form.kind, RunKind::Attempt);
    assert_eq!(
        form.title,
        "attempt: a-rather-long-hypothesis-gate-title-for-the-form"
    );
}

#[test]
fn a_dataset_folder_can_be_opened_by_typing_its_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let data = small_dataset(elsewhere.path(), "outside", "0");
    let mut harness = app(tmp.path(), State::default());
    // The field keeps its size: it does not widen the list, frame after frame.
    let before = harness.get_by_label("Path").rect();
    for _ in 0..20 {
        harness.step();
    }
    assert_eq!(harness.get_by_label("Path").rect(), before);
    harness
        .get_by_label("Path")
        .set_text_value_accesskit(&data.display().to_string());
    harness.run_ok();
    harness.get_by_role_and_label(Role::Button, "Open").click();
    harness.run_ok();
    assert_eq!(
        harness.state().state().datasets.selected.as_deref(),
        Some(data.as_path())
    );
    // A path that is not a folder is said so.
    harness
        .get_by_label("Path")
        .set_text_value_accesskit("/no/such/folder");
    harness.run_ok();
    harness.get_by_role_and_label(Role::Button, "Open").click();
    harness.run_ok();
    harness.get_by_label("/no/such/folder is not a folder");
}

#[test]
fn the_trajectory_list_fills_the_panel_and_follows_the_current_trajectory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    worldbench_tests::gen_dataset(ws, "many", &["--episodes", "60", "--steps", "3"]);
    let mut harness = app(ws, State::default());
    harness.get_by_label("many").click();
    settle(&mut harness);
    let rows = harness.query_all_by_label_contains(" frames").count();
    assert!(rows > 9, "the list shows {rows} rows and then empty space");

    // Jump to the last frame (in trajectory 59): the list scrolls to it.
    let last = harness
        .state_mut()
        .datasets_mut()
        .loaded_frames()
        .expect("loaded");
    harness
        .get_by_role_and_label(Role::Slider, "Frame")
        .set_value_accesskit(last as f64 - 1.0);
    harness.run_ok();
    let row = harness.get_by_label_contains("Trajectory 59:").rect();
    let header = harness.get_by_label("Trajectories").rect();
    assert!(
        row.min.y > header.max.y && row.max.y <= 784.0,
        "row at {row:?}, below the list's header at {header:?} and in the window"
    );
    // Clicking a trajectory in the list shows it and the list does not jump away.
    harness.get_by_label_contains("Trajectory 57:").click();
    harness.run_ok();
    let frame = harness.state_mut().datasets_mut().frame();
    assert_eq!(frame, 57 * (last / 60), "the first frame of trajectory 57");
    harness.get_by_label_contains("Trajectory 59:");
}

#[test]
fn the_worklog_status_wraps_inside_the_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = State {
        panel: PanelId::Worklog,
        ..State::default()
    };
    let mut harness = app(tmp.path(), state);
    let long = format!(
        "Exported {}",
        ["a-long-folder-name"; 12].join("/") + "/post.md with every plot and table"
    );
    harness
        .state_mut()
        .worklog_panel_mut()
        .status
        .clone_from(&long);
    harness.run_ok();
    let rect = harness.get_by_label(&long).rect();
    assert!(rect.max.x <= WIDTH, "the status line ends at {rect:?}");
}
