//! The Datasets panel, driven through its accessibility tree with egui_kittest: selecting a dataset,
//! scrubbing frames, a corrupt dataset, and a snapshot rendered with wgpu.

mod gui_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use worldbench::gui::command::AppCommand;
use worldbench::gui::panels::datasets::{DatasetsPanel, DatasetsState};
use worldbench_model::world::{generate_dataset, Preset};
use worldbench_storage::dataset::{write_native, write_traj_folder};
use worldbench_storage::{Dataset, Workspace};

/// What the harness drives: the panel and the commands it pushed.
struct Fixture {
    panel: DatasetsPanel,
    commands: Vec<AppCommand>,
}

/// A workspace in a tempdir with the dataset `loops` (2 corner-loop episodes of 10 steps = 22 frames).
fn workspace() -> (tempfile::TempDir, PathBuf, Dataset) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("ws");
    Workspace::open_or_create(&root).expect("workspace");
    let ds = generate_dataset(Preset::CornerLoops, 2, Some(10), 7, None).expect("generate");
    write_native(&root.join("datasets").join("loops"), &ds).expect("write");
    (tmp, root, ds)
}

fn harness(root: &Path, wgpu: bool) -> Harness<'static, Fixture> {
    let fixture = Fixture {
        panel: DatasetsPanel::new(root.to_path_buf(), DatasetsState::default()),
        commands: Vec::new(),
    };
    // A decoded frame can arrive while a run is under way, which asks for two frames more.
    let mut builder = Harness::builder()
        .with_size([1100.0, 820.0])
        .with_max_steps(8);
    if wgpu {
        worldbench_tests::require_wgpu_adapter();
        builder = builder.wgpu();
    }
    builder.build_ui_state(
        |ui, f: &mut Fixture| f.panel.show(ui, &mut f.commands),
        fixture,
    )
}

/// Runs frames until the panel's background work (the load, the frames it shows) is all applied.
fn until_loaded(h: &mut Harness<'static, Fixture>) {
    worldbench::gui::task_tracker::settle(Duration::from_mins(2), || {
        h.run();
    })
    .expect("the dataset loads");
    assert!(!h.state().panel.is_loading());
}

fn tile_label(ds: &Dataset, frame: usize) -> String {
    let [r, c] = ds.tiles.as_ref().expect("tiles")[frame];
    format!("Tile: {r},{c}")
}

#[test]
fn selecting_a_dataset_shows_its_frame_count() {
    let (_tmp, root, ds) = workspace();
    let mut h = harness(&root, false);
    h.run();
    assert!(h.query_by_label("Frames: 22").is_none());
    h.get_by_label("loops").click();
    until_loaded(&mut h);
    assert_eq!(ds.len(), 22);
    h.get_by_label("Frames: 22");
    h.get_by_label("Trajectories: 2");
    h.get_by_label(&tile_label(&ds, 0));
    assert_eq!(h.state().panel.loaded_frames(), Some(22));

    h.get_by_label("Train on this dataset").click();
    h.run();
    let want = AppCommand::UseDatasetForTraining(root.join("datasets").join("loops"));
    assert_eq!(h.state().commands, vec![want]);
    assert_eq!(
        h.state().panel.state().selected,
        Some(root.join("datasets").join("loops"))
    );
}

#[test]
fn scrubber_moves_with_keys_and_slider_and_the_tile_follows() {
    let (_tmp, root, ds) = workspace();
    let tiles = ds.tiles.clone().expect("tiles");
    let mut h = harness(&root, false);
    h.run();
    h.get_by_label("loops").click();
    until_loaded(&mut h);
    assert_eq!(h.state().panel.frame(), 0);

    h.key_press(egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().panel.frame(), 1);
    h.get_by_label(&tile_label(&ds, 1));

    // The slider: jump to the first frame on another tile than frame 0's.
    let f = (1..tiles.len())
        .find(|&i| tiles[i] != tiles[0])
        .expect("the agent moves");
    h.get_by_role_and_label(Role::Slider, "Frame")
        .set_value_accesskit(f as f64);
    h.run();
    assert_eq!(h.state().panel.frame(), f);
    h.get_by_label(&tile_label(&ds, f));
    assert!(h.query_by_label(&tile_label(&ds, 0)).is_none());

    // End: the last frame of the trajectory shown (the first of the two, frames 0 to 10), not the
    // dataset's last (21).
    h.key_press(egui::Key::End);
    h.run();
    assert_eq!(h.state().panel.frame(), 10);
    h.key_press(egui::Key::Home);
    h.run();
    assert_eq!(h.state().panel.frame(), 0);

    // Play advances at the chosen fps (simulated time: each step is 0.25 s); Space pauses.
    h.get_by_label("Play").click();
    h.step();
    h.step();
    h.step();
    assert!(h.state().panel.frame() > 0, "playing moves the frame");
    h.get_by_label("Pause");
    h.key_press(egui::Key::Space);
    h.run();
    h.get_by_label("Play");
    let paused_at = h.state().panel.frame();
    h.step();
    h.step();
    assert_eq!(h.state().panel.frame(), paused_at);

    // The second trajectory's entry jumps to its first frame (11).
    h.get_by_label("Trajectory 1: 11 frames").click();
    h.run();
    assert_eq!(h.state().panel.frame(), 11);
    h.get_by_label("Trajectory: 1 (frame 1 of 11)");
}

#[test]
fn a_mixed_dataset_shows_each_trajectorys_layout_and_its_map() {
    use worldbench_widgets::parse_walls;
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("ws");
    Workspace::open_or_create(&root).expect("workspace");
    let (ds, maps) = gui_common::mixed_two_rooms(3, 6);
    write_native(&root.join("datasets").join("mixed"), &ds).expect("write");
    let walls_of = |s: usize| parse_walls(&maps[s].to_text()).expect("walls");
    assert!(walls_of(0) != walls_of(1), "the layouts differ");

    let mut h = harness(&root, false);
    h.run();
    h.get_by_label("mixed").click();
    until_loaded(&mut h);
    h.get_by_label("Layouts: 3");
    h.get_by_label("Layout: two-rooms:0");
    h.get_by_label("Map of two-rooms:0");
    assert_eq!(h.state().panel.shown_walls(), Some(&walls_of(0)));
    // Each trajectory's row names its layout; choosing one shows that layout's map.
    h.get_by_label("Trajectory 2: 7 frames · two-rooms:2")
        .click();
    h.run();
    h.get_by_label("Layout: two-rooms:2");
    h.get_by_label("Map of two-rooms:2");
    assert_eq!(h.state().panel.frame(), 14);
    assert_eq!(h.state().panel.shown_walls(), Some(&walls_of(2)));
    h.get_by_label("Trajectory 1: 7 frames · two-rooms:1")
        .click();
    h.run();
    assert_eq!(h.state().panel.shown_walls(), Some(&walls_of(1)));
    assert!(h.query_by_label("Layout: two-rooms:2").is_none());
}

#[test]
fn a_corrupt_dataset_shows_an_error_and_does_not_panic() {
    let (_tmp, root, _ds) = workspace();
    let data = root.join("datasets").join("loops").join("data.safetensors");
    let bytes = std::fs::read(&data).expect("read");
    std::fs::write(&data, &bytes[..bytes.len() / 2]).expect("truncate");

    let mut h = harness(&root, false);
    h.run();
    h.get_by_label("loops").click();
    until_loaded(&mut h);
    assert_eq!(h.state().panel.loaded_frames(), None);
    let shown = h.get_by_label_contains("data.safetensors");
    // A `Role::Label` node keeps its text in its value.
    let text = shown.value().unwrap_or_default();
    assert!(text.starts_with("Could not open the dataset"), "{text}");
    let errors: Vec<&String> = h
        .state()
        .commands
        .iter()
        .filter_map(|c| match c {
            AppCommand::ShowError(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", h.state().commands);
    assert!(
        errors[0].contains(&data.display().to_string()),
        "{}",
        errors[0]
    );
    assert!(h.query_by_label("Frames: 22").is_none());
}

#[test]
fn opening_a_folder_that_is_no_dataset_shows_an_error() {
    let (tmp, root, _ds) = workspace();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let mut h = harness(&root, false);
    h.state_mut().panel.open_folder(empty.clone());
    until_loaded(&mut h);
    h.get_by_label("empty"); // listed under "Opened folders"
    h.get_by_label_contains("not a dataset");
    assert_eq!(h.state().panel.state().opened, vec![empty]);
}

#[test]
fn a_dropped_trajectory_folder_opens_too() {
    let (tmp, root, ds) = workspace();
    let traj = tmp.path().join("researcher_trajs");
    write_traj_folder(&traj, &ds).expect("write traj folder");
    let mut h = harness(&root, false);
    h.state_mut().panel.open_folder(traj.clone());
    until_loaded(&mut h);
    // The list entry and the heading (a trajectory folder is named after its folder).
    assert_eq!(h.get_all_by_label("researcher_trajs").count(), 2);
    h.get_by_label("Frames: 22");
    h.get_by_label("Trajectories: 2");
    assert_eq!(h.state().panel.state().selected, Some(traj));
    assert!(h.state().commands.is_empty(), "{:?}", h.state().commands);
}

#[test]
fn snapshot_of_the_panel() {
    let (_tmp, root, _ds) = workspace();
    let mut h = harness(&root, true);
    h.run();
    h.get_by_label("loops").click();
    until_loaded(&mut h);
    for _ in 0..7 {
        h.key_press(egui::Key::ArrowRight);
    }
    h.run();
    assert_eq!(h.state().panel.frame(), 7);
    h.remove_cursor();
    h.run();
    // The dataset's folder lies in a random tempdir: hide its line (a fixed width, whatever the text's).
    let path_rect = h
        .get_by_label_contains(&root.join("datasets").display().to_string())
        .rect();
    h.mask(egui::Rect::from_min_max(
        path_rect.min,
        egui::pos2(path_rect.min.x + 600.0, path_rect.max.y),
    ));
    // A few anti-aliased edge pixels differ between Mesa builds of the software adapter (6 on
    // this machine's Mesa); a real change moves hundreds.
    let options = SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"))
        .max_failed_pixels(20);
    h.snapshot_options("datasets_panel", &options);
}
