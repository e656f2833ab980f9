//! Researchers' runs in the app (issue 15): the Runs panel's All runs view lists their run (under
//! `[runs] roots`) beside ours with its source, opens it (planning rows, image series), compares it
//! with ours against cumulative FLOPs, and annotating it writes their experiment_metadata.txt and
//! notes.txt. Fixtures: their_runs_common and gui_common::fixed_run (no training).

use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use worldbench::gui::{State, WorldbenchApp};
use worldbench_storage::their_runs::{RunSource, XAxis};
use worldbench_storage::RunStatus;

mod gui_common;
mod their_runs_common;
use gui_common::{app, click_panel, fixed_run, settle};
use their_runs_common::their_run;

fn open_all_runs(ws: &Path) -> Harness<'static, WorldbenchApp> {
    let mut h = app(ws, State::default());
    click_panel(&mut h, "Runs");
    h.get_by_label("All runs").click();
    settle(&mut h);
    h
}

/// In `tmp`: a workspace with one completed run of ours, and an nes-ai output folder (not yet a
/// root) with one run of theirs: (workspace, our run, their output folder, their run).
fn our_run_and_theirs(tmp: &Path) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let ws = tmp.join("ws");
    let ours = fixed_run(
        &ws,
        "2025-03-01_10-00-00.ours",
        "our run",
        RunStatus::Completed,
        32,
        400,
    );
    let out = tmp.join("out.jepa_world_model_trainer");
    let theirs = their_run(&out, "2026-02-05_12-56-29");
    (ws, ours, out, theirs)
}

#[test]
fn their_run_is_listed_opened_compared_and_annotated() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (ws, ours, out, theirs) = our_run_and_theirs(tmp.path());
    std::fs::write(
        ws.join("worldbench.toml"),
        format!("[runs]\nroots = [{:?}]\n", out.display().to_string()),
    )
    .expect("toml");

    let mut h = open_all_runs(&ws);
    // Listed beside ours, each with its source.
    let listed: Vec<(String, RunSource)> = h
        .state_mut()
        .runs_panel_mut()
        .all
        .listings()
        .iter()
        .map(|l| (l.title.clone(), l.source))
        .collect();
    assert_eq!(
        listed,
        [
            ("our run".to_string(), RunSource::Worldbench),
            ("corner loops, big lr".to_string(), RunSource::NesAi)
        ]
    );
    h.get_by_label("nes-ai");
    h.get_by_label("worldbench");
    // The Status column: ours from run.json, theirs by storage's rule (loss.csv ends before the
    // last step their trainer logs: stopped), as `runs list` says.
    h.get_by_label("Status");
    h.get_by_label("completed");
    h.get_by_label("stopped");

    // Opened: its planning rows (every column), git commit, and an image of its series.
    h.get_by_label("corner loops, big lr").click();
    settle(&mut h);
    let d = h
        .state_mut()
        .runs_panel_mut()
        .all
        .opened()
        .expect("opened")
        .clone();
    assert_eq!(d.listing.source, RunSource::NesAi);
    assert_eq!(d.planning.rows(), 2);
    h.get_by_label("Planning metrics (2 rows)");
    h.get_by_label("h_inv_lr");
    h.get_by_label("git commit 0123456789abcdef");
    let first_image = theirs.join("vis_planning_exec/exec_0000200.png");
    assert!(h.state_mut().runs_panel_mut().all.shows_image(&first_image));
    // Another series, then its step slider: the step shown and the image file follow it.
    h.get_by_role_and_label(Role::ComboBox, "Image series")
        .scroll_to_me();
    h.run_ok();
    h.get_by_role_and_label(Role::ComboBox, "Image series")
        .click();
    h.run_ok();
    h.get_by_label("vis_planning_graph/graph_h (2)").click();
    settle(&mut h);
    // The step shown, and its file both named and drawn.
    let shows = |h: &mut Harness<'static, WorldbenchApp>, step: &str, other: &str| {
        h.get_by_label(&format!(
            "step {step}: vis_planning_graph/graph_h_0000{step}.png"
        ));
        assert!(h
            .query_by_label(&format!(
                "step {other}: vis_planning_graph/graph_h_0000{other}.png"
            ))
            .is_none());
        let file = theirs.join(format!("vis_planning_graph/graph_h_0000{step}.png"));
        assert!(h.state_mut().runs_panel_mut().all.shows_image(&file));
    };
    shows(&mut h, "200", "100");
    h.get_by_role_and_label(Role::Slider, "image step")
        .decrement_accesskit();
    settle(&mut h);
    shows(&mut h, "100", "200");
    // The keys a slider offers: the right arrow goes back to step 200.
    h.get_by_role_and_label(Role::Slider, "image step").focus();
    h.run_ok();
    h.key_press(egui::Key::ArrowRight);
    settle(&mut h);
    shows(&mut h, "200", "100");

    // Its checkpoint inspected in the app, as `ckpt inspect` does.
    h.get_by_label("Checkpoints (1)").click();
    h.run_ok();
    h.get_by_label("Inspect last.pt").click();
    settle(&mut h);
    let all = &h.state_mut().runs_panel_mut().all;
    let s = all
        .inspected()
        .cloned()
        .unwrap_or_else(|| panic!("not inspected: {:?}", all.inspect_error()));
    assert_eq!(s.scalar("global_step"), Some("200"));
    h.get_by_label("global_step = 200");
    h.get_by_label("model_state.encoder");
    h.get_by_label("Checkpoints (1)").click();
    h.run_ok();

    // Annotated from the app: their own files change, other keys stay.
    h.get_by_role_and_label(Role::TextInput, "Title")
        .scroll_to_me();
    h.run_ok();
    let title = h.get_by_role_and_label(Role::TextInput, "Title");
    title.focus();
    title.type_text(" (checked)");
    h.run_ok();
    h.get_by_label("Save title").click();
    settle(&mut h);
    let meta = std::fs::read_to_string(theirs.join("experiment_metadata.txt")).expect("meta");
    assert!(
        meta.contains("title = \"corner loops, big lr (checked)\""),
        "{meta}"
    );
    assert!(meta.contains("owner = \"lab\""), "{meta}");
    let notes = h.get_by_role_and_label(Role::MultilineTextInput, "Notes");
    notes.focus();
    notes.type_text("plateau after 100 steps");
    h.run_ok();
    h.get_by_label("Save notes").click();
    settle(&mut h);
    assert_eq!(
        std::fs::read_to_string(theirs.join("notes.txt")).expect("notes"),
        "plateau after 100 steps"
    );
    h.get_by_label("corner loops, big lr (checked)");

    // Compared with ours: Ctrl+click adds our run; the x-axis switches to cumulative FLOPs.
    h.get_by_label("our run")
        .click_modifiers(egui::Modifiers::COMMAND);
    settle(&mut h);
    h.get_by_label("Comparing 2 runs");
    h.get_by_label("cumulative FLOPs").click();
    settle(&mut h);
    let all = &mut h.state_mut().runs_panel_mut().all;
    assert_eq!(all.cross.x_axis, XAxis::CumulativeFlops);
    let compared: Vec<_> = all
        .compared()
        .iter()
        .map(|d| d.listing.dir.clone())
        .collect();
    assert_eq!(compared, [theirs.clone(), ours.clone()]);
    // Their FLOPs from their loss.csv; ours from the model's count, both > 0 at the last step.
    for d in all.compared() {
        let y = worldbench_storage::their_runs::world_loss_column(&d.loss).expect("loss");
        let c = worldbench_storage::their_runs::curve(
            &d.loss,
            y,
            XAxis::CumulativeFlops,
            d.flops_per_step,
        );
        assert!(c.last().expect("points")[0] > 0.0, "{}", d.listing.title);
    }
    // The world loss is plotted first: their loss_world and our loss.
    let plotted = |h: &mut Harness<'static, WorldbenchApp>| -> Vec<(String, Vec<f64>)> {
        h.state_mut()
            .runs_panel_mut()
            .all
            .cross
            .plotted()
            .iter()
            .map(|(n, p)| (n.clone(), p.iter().map(|p| p[1]).collect()))
            .collect()
    };
    let world = plotted(&mut h);
    assert_eq!(world.len(), 2);
    assert!(world[0].0.ends_with("· loss_world"), "{}", world[0].0);
    assert!(world[1].0.ends_with("· loss"), "{}", world[1].0);
    assert_eq!(world[0].1, [2.0, 1.25, 0.75]);
    // Another column, chosen by its label among those both runs have: their loss_jepa beside our
    // loss_pred; a column only one of them has (their loss_sigreg) is not offered.
    h.get_by_role_and_label(Role::ComboBox, "Compare column")
        .click();
    h.run_ok();
    assert!(h.query_by_label("loss_sigreg").is_none());
    h.get_by_label("loss_jepa / loss_pred").click();
    settle(&mut h);
    let pred = plotted(&mut h);
    assert!(pred[0].0.ends_with("· loss_jepa"), "{}", pred[0].0);
    assert!(pred[1].0.ends_with("· loss_pred"), "{}", pred[1].0);
    assert_eq!(pred[0].1, [1.5, 1.0, 0.5]);
    let ours_loss: Vec<f64> = world[1].1.iter().map(|l| l * 0.6).collect();
    assert_eq!(pred[1].1.len(), ours_loss.len());
    for (p, l) in pred[1].1.iter().zip(&ours_loss) {
        assert!((p - l).abs() < 1e-6, "{p} vs {l}");
    }
    // Still against cumulative FLOPs.
    assert_eq!(
        h.state_mut().runs_panel_mut().all.cross.x_axis,
        XAxis::CumulativeFlops
    );
    h.get_by_label("Config differences");
    // Their train_config.lr and our lr are one row (the fixture's 0.0003 both: no row), their
    // steps and ours one row with both values.
    h.get_by_label("steps (nes-ai train_config.steps)");
    assert!(h.query_by_label("train_config.steps").is_none());
    assert!(h.query_by_label("train_config.lr").is_none());
    assert!(h.query_by_label("lr (nes-ai train_config.lr)").is_none());

    // Archived runs leave the table unless shown.
    h.get_by_label("Clear selection").click();
    h.run_ok();
    h.get_by_label("corner loops, big lr (checked)").click();
    settle(&mut h);
    h.get_by_label("Archive").click();
    settle(&mut h);
    let meta = std::fs::read_to_string(theirs.join("experiment_metadata.txt")).expect("meta");
    assert!(meta.contains("archived = true"), "{meta}");
    assert!(h.query_by_label("corner loops, big lr (checked)").is_none());
    h.get_by_label("Show archived").click();
    settle(&mut h);
    h.get_by_label("corner loops, big lr (checked) (archived)");

    // Our run opened: its parameter count, counted by the model from its config.
    h.get_by_label("our run").click();
    settle(&mut h);
    let m = worldbench_storage::RunManifest::read(&ours.join("run.json")).expect("run.json");
    let params = worldbench_model::nn::jepa::param_count(&m.config.model);
    assert_eq!(
        h.state_mut()
            .runs_panel_mut()
            .all
            .opened()
            .and_then(|d| d.parameters),
        Some(params)
    );
    h.get_by_label_contains(&format!("model: {params} parameters · "));
}

/// "Add folder", the star and "Archive selected" go through the app's commands and write the
/// files: worldbench.toml's roots, our annotations.toml and their experiment_metadata.txt.
#[test]
fn a_typed_runs_folder_is_added_and_runs_are_starred_and_archived_in_bulk() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (ws, ours, out, theirs) = our_run_and_theirs(tmp.path());
    let mut h = open_all_runs(&ws);
    assert!(h.query_by_label("corner loops, big lr").is_none());
    let add = |h: &mut Harness<'static, WorldbenchApp>, folder: &Path| {
        let field = h.get_by_role_and_label(Role::TextInput, "or type a folder");
        field.focus();
        field.type_text(&folder.display().to_string());
        h.run_ok();
        h.get_by_label("Add folder").click();
        settle(h);
    };
    // A folder that does not exist is refused, naming it; worldbench.toml is not changed.
    let config = || std::fs::read_to_string(ws.join("worldbench.toml")).ok();
    let before = config();
    let missing = tmp.path().join("no such folder");
    add(&mut h, &missing);
    h.get_by_label(&format!("{}: not a folder", missing.display()));
    assert_eq!(config(), before);
    add(&mut h, &out);
    let toml = std::fs::read_to_string(ws.join("worldbench.toml")).expect("toml");
    assert!(toml.contains("out.jepa_world_model_trainer"), "{toml}");
    h.get_by_label("corner loops, big lr");

    // Starred: the first row's star is our run's.
    h.get_all_by_label("☆").next().expect("a star").click();
    settle(&mut h);
    let a = worldbench_storage::their_runs::read_annotations(&ours).expect("ours");
    assert!(a.starred);
    h.get_by_label("★");

    // Both selected, archived at once: both leave the table.
    h.get_by_label("our run").click();
    h.run_ok();
    h.get_by_label("corner loops, big lr")
        .click_modifiers(egui::Modifiers::COMMAND);
    settle(&mut h);
    h.get_by_label("2 selected");
    h.get_by_label("Archive selected").click();
    settle(&mut h);
    assert!(
        worldbench_storage::their_runs::read_annotations(&ours)
            .expect("ours")
            .archived
    );
    let meta = std::fs::read_to_string(theirs.join("experiment_metadata.txt")).expect("meta");
    assert!(meta.contains("archived = true"), "{meta}");
    h.get_by_label("Clear selection").click();
    h.run_ok();
    h.get_by_label("No runs match: add a runs folder, or change the filters.");
    h.get_by_label("Show archived").click();
    settle(&mut h);
    h.get_by_label("our run (archived)");
    h.get_by_label("corner loops, big lr (archived)");
}

/// What a daily user sees: their run opened in the All runs view, beside ours, at 1280×800.
#[test]
fn the_all_runs_view_at_1280x800() {
    worldbench_tests::require_wgpu_adapter();
    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    fixed_run(
        &ws,
        "2025-03-01_10-00-00.ours",
        "our run",
        RunStatus::Completed,
        32,
        400,
    );
    let out = tmp.path().join("out.jepa_world_model_trainer");
    their_run(&out, "2026-02-05_12-56-29");
    std::fs::write(
        ws.join("worldbench.toml"),
        format!("[runs]\nroots = [{:?}]\n", out.display().to_string()),
    )
    .expect("toml");
    let ws2 = ws.clone();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |_cc| {
            WorldbenchApp::new(ws2, State::default(), worldbench_tests::binary()).expect("app")
        });
    settle(&mut h);
    click_panel(&mut h, "Runs");
    h.get_by_label("All runs").click();
    settle(&mut h);
    h.get_by_label("corner loops, big lr").click();
    settle(&mut h);
    h.snapshot_options(
        "panel_all_runs",
        &egui_kittest::SnapshotOptions::new()
            .output_path(gui_common::snapshot_dir())
            .max_failed_pixels(20),
    );
}
