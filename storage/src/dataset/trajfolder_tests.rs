//! Tests of reading and writing trajectory folders.

use std::path::Path;

use super::npz::{write_npz, NpzEntry, NumArray};
use super::testutil::tiny_dataset;
use super::trajfolder::{buttons_to_actions, numbered, read_traj_folder};
use super::trajfolder_write::write_traj_folder;
use super::{Dataset, DatasetSource};

fn written(ds: &Dataset) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_traj_folder(tmp.path(), ds).unwrap();
    tmp
}

fn err_of(root: &Path) -> String {
    read_traj_folder(root).unwrap_err().to_string()
}

/// One episode of `n` 1×1 frames whose red channel is the frame index.
fn counting(n: usize) -> Dataset {
    let mut ds = tiny_dataset();
    ds.height = 1;
    ds.width = 1;
    ds.frames = (0..n).flat_map(|i| [i as u8, 0, 0]).collect();
    ds.actions = vec![0; n];
    ds.episode = vec![0; n];
    ds.tiles = None;
    ds
}

fn write_rgba_png(path: &Path, w: u32, h: u32, rgba: &[u8]) {
    image::save_buffer(path, rgba, w, h, image::ExtendedColorType::Rgba8).unwrap();
}

#[test]
fn roundtrip_frames_actions_episodes_tiles() {
    let ds = tiny_dataset();
    let tmp = written(&ds);
    assert!(tmp.path().join("traj_1/states/state_2.png").is_file());
    assert!(tmp.path().join("traj_0/infos.npz").is_file());
    let got = read_traj_folder(tmp.path()).unwrap();
    assert_eq!((got.height, got.width), (2, 3));
    assert_eq!(got.frames, ds.frames);
    assert_eq!(got.actions, ds.actions);
    assert_eq!(got.episode, vec![0, 0, 1, 1, 1]);
    assert_eq!(got.tiles, ds.tiles);
    assert_eq!(got.action_names, ds.action_names);
    assert_eq!(
        got.source,
        DatasetSource::TrajFolder {
            root: tmp.path().to_path_buf()
        }
    );
}

#[test]
fn episodes_starting_elsewhere_keep_their_tiles() {
    let mut ds = tiny_dataset();
    ds.tiles = Some(vec![[3, 4], [3, 5], [12, 1], [11, 1], [11, 0]]);
    let tmp = written(&ds);
    assert_eq!(read_traj_folder(tmp.path()).unwrap().tiles, ds.tiles);
}

#[test]
fn infos_positions_map_to_tiles_after_each_action() {
    let tmp = written(&counting(3));
    write_npz(
        &tmp.path().join("traj_0/infos.npz"),
        &[
            NpzEntry::I64 {
                name: "agent_x",
                shape: vec![3],
                data: &[10, 17, 17],
            },
            NpzEntry::I64 {
                name: "agent_y",
                shape: vec![3],
                data: &[48, 43, 43],
            },
        ],
    )
    .unwrap();
    let got = read_traj_folder(tmp.path()).unwrap();
    // frame 0 at the start pixel (4, 48); frame 1 after action 0 at (10, 48); frame 2 at (17, 43).
    assert_eq!(got.tiles, Some(vec![[12, 1], [12, 2], [10, 4]]));
}

#[test]
fn trajectories_in_natural_order() {
    let ds = tiny_dataset();
    let tmp = written(&ds);
    std::fs::rename(tmp.path().join("traj_0"), tmp.path().join("traj_10")).unwrap();
    std::fs::rename(tmp.path().join("traj_1"), tmp.path().join("traj_2")).unwrap();
    let got = read_traj_folder(tmp.path()).unwrap();
    assert_eq!(got.episode, vec![2, 2, 2, 10, 10]);
    assert_eq!(got.actions, vec![1, 3, 2, 4, 0]);
    assert_eq!(got.frame(0), ds.frame(2));
}

#[test]
fn states_in_natural_order() {
    let tmp = written(&counting(12));
    let got = read_traj_folder(tmp.path()).unwrap();
    let reds: Vec<u8> = (0..12).map(|i| got.frame(i)[0]).collect();
    assert_eq!(reds, (0..12).collect::<Vec<u8>>());
}

#[test]
fn gap_in_state_numbering_is_an_error() {
    let tmp = written(&counting(4));
    std::fs::remove_file(tmp.path().join("traj_0/states/state_1.png")).unwrap();
    let e = err_of(tmp.path());
    assert!(e.contains("state_1.png is missing"), "{e}");
}

#[test]
fn action_count_must_match_png_count() {
    let tmp = written(&counting(2));
    write_npz(
        &tmp.path().join("traj_0/actions.npz"),
        &[NpzEntry::U8 {
            name: "arr_0",
            shape: vec![4],
            data: &[0, 1, 2, 3],
        }],
    )
    .unwrap();
    let e = err_of(tmp.path());
    assert!(
        e.contains("actions.npz") && e.contains("T = 4") && e.contains("2 state PNGs"),
        "{e}"
    );
}

#[test]
fn one_d_action_ids_under_first_array_name() {
    let tmp = written(&counting(3));
    write_npz(
        &tmp.path().join("traj_0/actions.npz"),
        &[NpzEntry::I64 {
            name: "arr_0",
            shape: vec![3],
            data: &[4, 0, 2],
        }],
    )
    .unwrap();
    assert_eq!(read_traj_folder(tmp.path()).unwrap().actions, vec![4, 0, 2]);
    write_npz(
        &tmp.path().join("traj_0/actions.npz"),
        &[NpzEntry::I64 {
            name: "arr_0",
            shape: vec![3],
            data: &[4, 7, 2],
        }],
    )
    .unwrap();
    let e = err_of(tmp.path());
    assert!(e.contains("actions.npz") && e.contains("[1] = 7"), "{e}");
}

#[test]
fn buttons_map_to_first_pressed_direction() {
    #[rustfmt::skip]
    let rows = vec![
        0., 0., 0., 0., 0., 0., 0., 0., // nothing: noop
        1., 1., 0., 1., 0., 0., 0., 0., // A, B, START only: noop
        0., 0., 0., 0., 1., 0., 0., 1., // UP + RIGHT: up
        0., 0., 0., 0., 0., 1., 1., 0., // DOWN + LEFT: down
        0., 0., 0., 0., 0., 0., 1., 0., // LEFT
        1., 0., 0., 0., 0., 0., 0., 1., // A + RIGHT: right
    ];
    let arr = NumArray {
        shape: vec![6, 8],
        values: rows,
    };
    assert_eq!(buttons_to_actions(&arr), vec![0, 0, 1, 2, 3, 4]);
}

#[test]
fn rgba_and_gray_pngs_become_rgb() {
    let tmp = written(&counting(2));
    write_rgba_png(
        &tmp.path().join("traj_0/states/state_0.png"),
        1,
        1,
        &[10, 20, 30, 128],
    );
    image::save_buffer(
        tmp.path().join("traj_0/states/state_1.png"),
        &[77],
        1,
        1,
        image::ExtendedColorType::L8,
    )
    .unwrap();
    let got = read_traj_folder(tmp.path()).unwrap();
    assert_eq!(got.frames, vec![10, 20, 30, 77, 77, 77]);
}

#[test]
fn frame_of_another_size_is_named() {
    let tmp = written(&counting(3));
    write_rgba_png(&tmp.path().join("traj_0/states/state_2.png"), 2, 1, &[0; 8]);
    let e = err_of(tmp.path());
    assert!(
        e.contains("state_2.png") && e.contains("2×1") && e.contains("one size"),
        "{e}"
    );
}

#[test]
fn corrupt_png_is_named() {
    let tmp = written(&counting(2));
    std::fs::write(tmp.path().join("traj_0/states/state_1.png"), b"nope").unwrap();
    let e = err_of(tmp.path());
    assert!(
        e.contains("state_1.png") && e.contains("not a readable PNG"),
        "{e}"
    );
}

#[test]
fn natural_number_parsing() {
    assert_eq!(numbered("state_10.png", "state_", ".png"), Some(10));
    assert_eq!(numbered("state_.png", "state_", ".png"), None);
    assert_eq!(numbered("state_1a.png", "state_", ".png"), None);
    assert_eq!(numbered("traj_7", "traj_", ""), Some(7));
}

#[test]
fn writer_refuses_actions_without_buttons() {
    let mut ds = tiny_dataset();
    ds.actions[1] = 9;
    let tmp = tempfile::tempdir().unwrap();
    let e = write_traj_folder(tmp.path(), &ds).unwrap_err().to_string();
    assert!(e.contains("action 9 at frame 1"), "{e}");
}
