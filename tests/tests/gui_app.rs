//! The desktop app, driven through its accessibility tree (egui_kittest): panels switch, a smoke run
//! launched from the Train panel completes and shows in Runs and Checkpoints, Cancel leaves `last`, a
//! cancelled run's `last` is evaluated and the run resumed with its whole loss curve, a corrupt
//! run.json is reported by name, and one wgpu snapshot per panel.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use worldbench::gui::jobs::{Job, JobKind, JobState};
use worldbench::gui::panels::train::{TrainForm, TrainState};
use worldbench::gui::{PanelId, State, WorldbenchApp};
use worldbench_storage::metrics::read_csv;
use worldbench_storage::{PlanningRow, RunKind, RunManifest, RunStatus, TrainRow};
use worldbench_tests::{binary, small_dataset, smoke_train_command};

mod gui_common;
use gui_common::{app, click_panel, fixed_run, settle, snapshot_dir};

/// Frames (each waiting up to 100 ms for job output) before a test gives up on a job.
const MAX_WAIT_FRAMES: usize = 6000;

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

fn train_job(app: &WorldbenchApp) -> Option<&Job> {
    job_of_kind(app, JobKind::Train)
}

/// The newest job of `kind`.
fn job_of_kind(app: &WorldbenchApp, kind: JobKind) -> Option<&Job> {
    app.jobs().jobs().iter().rev().find(|j| j.kind == kind)
}

/// The steps of a run's metrics/planning_metrics.csv, in file order.
fn planning_steps(run: &Path) -> Vec<u64> {
    read_csv::<PlanningRow>(&run.join("metrics/planning_metrics.csv"))
        .expect("planning csv")
        .iter()
        .map(|r| r.step)
        .collect()
}

/// Pass/fail verdicts shown (one per checkpoint row with metrics).
fn verdicts(harness: &Harness<'_, WorldbenchApp>) -> usize {
    harness.query_all_by_label("pass").count() + harness.query_all_by_label("fail").count()
}

/// Shows the Checkpoints panel once its background read of `last`'s step is done.
fn show_checkpoints(harness: &mut Harness<'_, WorldbenchApp>) {
    settle(harness);
    click_panel(harness, "Checkpoints");
    settle(harness);
}

/// The app on the Train panel, its form set for a tiny 3000-step run (checkpoints 5 and 3000)
/// that a test cancels early.
fn long_run_app(ws: &Path, title: &str, plan_eval: bool) -> Harness<'static, WorldbenchApp> {
    let form = TrainForm {
        preset: "tiny".into(),
        steps: 3000,
        checkpoints: "5,3000".into(),
        plan_eval,
        title: title.into(),
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
    app(ws, state)
}

/// Clicks Cancel on the running training job, waits for it to exit, checks it ended cancelled
/// and returns its run folder.
fn cancel_training(harness: &mut Harness<'static, WorldbenchApp>) -> PathBuf {
    harness.run_ok();
    harness.get_by_label("Cancel").click();
    drive_until(harness, "the cancelled run to exit", |app| {
        train_job(app).is_some_and(|j| !j.state.is_active())
    });
    let job = train_job(harness.state()).expect("job").clone();
    assert_eq!(
        job.state,
        JobState::Cancelled,
        "errors: {:?}",
        harness.state().errors()
    );
    job.run_dir.expect("run dir")
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

    settle(&mut harness);
    click_panel(&mut harness, "Runs");
    harness.get_by_label("completed");
    harness.get_by_label("6 / 6");
    harness
        .get_by_role_and_label(Role::Button, "gui smoke")
        .click();
    harness.run_ok();
    show_checkpoints(&mut harness);
    for file in ["step_000003", "step_000006", "last"] {
        harness.get_by_label(file);
    }
    // `last` holds step 6, which step_000006 has and is evaluated: `last` shows that row's metrics.
    harness.get_by_label("6 (rolling)");
    harness.get_by_label("same as step 6");
    // Both checkpoints have metrics, and so has `last`: a verdict each, and no Evaluate button.
    assert_eq!(
        verdicts(&harness),
        3,
        "one verdict per checkpoint row with metrics"
    );
    assert!(harness.query_by_label_contains("Evaluate").is_none());
    assert_eq!(planning_steps(&run), [3, 6], "no second row for `last`");
}

#[test]
fn cancel_stops_a_run_and_leaves_last() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "0");
    let mut harness = long_run_app(ws, "cancel me", false);

    harness.get_by_label("Launch smoke run").click();
    drive_until(&mut harness, "the first checkpoint", |app| {
        train_job(app).is_some_and(|j| !j.checkpoints.is_empty())
    });
    // While it trains, nothing on the Train or Checkpoints panel asks for a repaint every frame
    // (a spinner or an animated bar would, from egui's widget code): frames come when the app's
    // own code asks for them (progress events, a few a second; finished background reads).
    for panel in ["Checkpoints", "Train"] {
        settle(&mut harness);
        click_panel(&mut harness, panel);
        for _ in 0..3 {
            harness.step();
        }
        assert!(
            train_job(harness.state()).is_some_and(|j| j.state.is_active()),
            "still training"
        );
        let causes = harness.ctx.repaint_causes();
        assert!(
            causes.iter().all(|c| c.file.starts_with("app/src/")),
            "{panel}: a widget asks for a repaint every frame: {causes:?}"
        );
    }
    let run = cancel_training(&mut harness);
    assert_eq!(manifest(&run).status, RunStatus::Cancelled);
    assert!(run.join("checkpoints/last.safetensors").is_file());
    // The status in words (no raw backticks), and the run is remembered for the next start.
    harness.get_by_label_contains("The \"last\" checkpoint was written");
    assert_eq!(
        harness.state().state().train.last_run.as_deref(),
        Some(run.as_path())
    );
    // Resume is offered right there, too.
    settle(&mut harness);
    harness.get_by_label("Resume run");
    assert!(!run.join("checkpoints/step_003000.safetensors").exists());

    // The stopped run can be resumed from the Checkpoints panel.
    settle(&mut harness);
    click_panel(&mut harness, "Checkpoints");
    harness.get_by_label("Resume run");
}

#[test]
fn a_cancelled_runs_last_is_evaluated_and_resume_shows_the_whole_curve() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "0");
    let mut harness = long_run_app(ws, "resume me", true);

    // Train past the evaluated checkpoint at step 5, then cancel between scheduled checkpoints.
    harness.get_by_label("Launch smoke run").click();
    drive_until(
        &mut harness,
        "step 5's metrics and a few steps more",
        |app| train_job(app).is_some_and(|j| !j.evals.is_empty() && j.step >= 8),
    );
    let run = cancel_training(&mut harness);
    let last_step = worldbench_model::checkpoint::load(&run.join("checkpoints/last.safetensors"))
        .expect("last")
        .step;
    assert!((8..3000).contains(&last_step), "last at step {last_step}");
    let original: Vec<TrainRow> = read_csv(&run.join("metrics/train.csv")).expect("train.csv");
    assert_eq!(original.first().map(|r| r.step), Some(1));
    assert_eq!(planning_steps(&run), [5]);

    // `last` is not a scheduled checkpoint and has no metrics: the Checkpoints panel evaluates it.
    show_checkpoints(&mut harness);
    harness.get_by_label(&format!("{last_step} (rolling)"));
    assert_eq!(verdicts(&harness), 1, "only step 5 has metrics");
    // The button is at the right end of the wide table: scroll it into view first.
    let evaluate = format!("Evaluate last (step {last_step})");
    harness.get_by_label(&evaluate).scroll_to_me();
    harness.run_ok();
    harness.get_by_label(&evaluate).click();
    harness.run_ok();
    assert!(
        job_of_kind(harness.state(), JobKind::Eval).is_some(),
        "Evaluate started a job"
    );
    drive_until(&mut harness, "the evaluation of `last`", |app| {
        job_of_kind(app, JobKind::Eval).is_some_and(|j| !j.state.is_active())
    });
    assert_eq!(
        job_of_kind(harness.state(), JobKind::Eval)
            .expect("eval job")
            .state,
        JobState::Completed,
        "errors: {:?}",
        harness.state().errors()
    );
    assert_eq!(
        planning_steps(&run),
        [5, last_step],
        "a row for `last`'s step"
    );
    show_checkpoints(&mut harness);
    assert_eq!(
        verdicts(&harness),
        2,
        "step 5 and `last` show their metrics"
    );
    assert!(harness.query_by_label_contains("Evaluate").is_none());

    // Resume: the Train panel's live view starts with the run's earlier rows and metrics.
    harness.get_by_label("Resume run").click();
    harness.run_ok();
    click_panel(&mut harness, "Train");
    let resumed = |app: &WorldbenchApp| job_of_kind(app, JobKind::Resume).cloned();
    drive_until(&mut harness, "the resumed run to log past `last`", |app| {
        resumed(app).is_some_and(|j| j.losses.last().is_some_and(|p| p.step > last_step))
    });
    harness.run_ok();
    let job = resumed(harness.state()).expect("resume job");
    assert_eq!(job.start_step, last_step);
    assert_eq!(
        job.losses.first().map(|p| p.step),
        original.first().map(|r| r.step),
        "the curve starts at the run's first step"
    );
    assert!(
        job.losses.windows(2).all(|w| w[1].step == w[0].step + 1),
        "one point per logged step, no gap and no repeat at the resume"
    );
    for (point, row) in job.losses.iter().zip(&original) {
        if row.step <= last_step {
            assert_eq!((point.step, point.loss), (row.step, row.loss));
        }
    }
    assert_eq!(
        job.evals.iter().map(|r| r.step).collect::<Vec<_>>(),
        [5, last_step],
        "metrics already landed show too"
    );
    harness.get_by_label_contains("from step 1 to step");
    harness.get_by_label_contains(&format!("resumed at step {last_step}"));

    // The app restarted while the resumed run trains: it follows the run, with the whole curve too.
    let mut restarted = app(
        ws,
        State {
            panel: PanelId::Train,
            ..State::default()
        },
    );
    let followed = |app: &WorldbenchApp| job_of_kind(app, JobKind::Follow).cloned();
    drive_until(
        &mut restarted,
        "the followed run's rows past `last`",
        |app| followed(app).is_some_and(|j| j.losses.last().is_some_and(|p| p.step > last_step)),
    );
    let job = followed(restarted.state()).expect("follow job");
    assert_eq!(job.losses.first().map(|p| p.step), Some(1));
    assert!(job.losses.windows(2).all(|w| w[1].step == w[0].step + 1));
    assert_eq!(
        job.evals.iter().map(|r| r.step).collect::<Vec<_>>(),
        [5, last_step]
    );
    restarted.run_ok();
    restarted.get_by_label_contains("from step 1 to step");
    drop(restarted);

    harness.get_by_label("Cancel").click();
    drive_until(&mut harness, "the resumed run to stop", |app| {
        resumed(app).is_some_and(|j| !j.state.is_active())
    });
    assert_eq!(
        resumed(harness.state()).expect("job").state,
        JobState::Cancelled
    );
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
    state.runs.selected = vec![a.clone(), b.clone()];
    state.checkpoints.run = Some(a);
    // The Train panel re-opens the last run shown (here the cancelled one, with Resume).
    state.train.last_run = Some(b);
    let ws_path = ws.to_path_buf();
    worldbench_tests::require_wgpu_adapter();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |_cc| WorldbenchApp::new(ws_path, state, binary()).expect("app"));
    settle(&mut harness);
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
        }
        settle(&mut harness);
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
        // A few anti-aliased edge pixels differ between Mesa builds of the software adapter (5 of
        // the Datasets panel's 1,024,000 on this machine's Mesa); a real change moves hundreds.
        let options = egui_kittest::SnapshotOptions::new()
            .output_path(snapshot_dir())
            .max_failed_pixels(20);
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
    assert_eq!(job.pid(), Some(child.0.id()));
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
