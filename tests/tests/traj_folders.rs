//! Researchers' trajectory folders (`traj_*/states/state_*.png` + `actions.npz` + `infos.npz`), read in place.

use serde_json::Value;
use worldbench_model::world::{generate_dataset, Preset};
use worldbench_storage::dataset::write_traj_folder;
use worldbench_tests::{fails, ok, smoke_train, worldbench};

fn fixture(root: &std::path::Path) -> worldbench_storage::Dataset {
    let ds = generate_dataset(Preset::CornerLoops, 3, Some(12), 5, None).expect("generate");
    write_traj_folder(root, &ds).expect("write fixture");
    ds
}

#[test]
fn a_trajectory_folder_reads_like_the_native_format() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("trajs");
    let ds = fixture(&root);
    let ws = tmp.path().join("ws");
    let info: Value = serde_json::from_str(&ok(worldbench(&ws)
        .args(["data", "info", "--json"])
        .arg(&root)))
    .expect("json");
    assert_eq!(info["trajectories"], 3);
    assert_eq!(info["frames"], ds.len());
    let native = worldbench_storage::dataset::DatasetInfo::from_dataset(&ds);
    assert_eq!(
        info["tiles_visited"],
        native
            .tiles_visited
            .expect("generated datasets know their tiles"),
        "tiles from infos.npz match the generator's"
    );
}

#[test]
fn png_count_not_matching_actions_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("trajs");
    fixture(&root);
    let states = root.join("traj_1").join("states");
    let last = std::fs::read_dir(&states).expect("states").count() - 1;
    std::fs::remove_file(states.join(format!("state_{last}.png"))).expect("remove a frame");
    let ws = tmp.path().join("ws");
    let err = fails(worldbench(&ws).args(["data", "info"]).arg(&root));
    assert!(
        err.contains("traj_1") && err.contains("actions.npz"),
        "{err}"
    );
}

#[test]
fn training_runs_on_a_trajectory_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("trajs");
    fixture(&root);
    let ws = tmp.path().join("ws");
    let run = smoke_train(
        &ws,
        &root,
        "4",
        "4",
        &[
            "--title",
            "traj smoke",
            "--progress",
            "none",
            "--plan-eval",
            "off",
        ],
    );
    assert!(run.join("checkpoints/last.safetensors").is_file());
}
