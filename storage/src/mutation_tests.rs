//! Property tests over mutated valid files, the stable CI cover of `fuzz/`'s targets: every parser
//! of the storage layer gets a few thousand deterministic mutations of a valid input (bit flips,
//! interesting bytes, truncations, splices, insertions, deletions, random bytes) and must return
//! `Ok` or `Err`, never panic. A failing case prints its parser, case number and input.
//!
//! `WORLDBENCH_MUTATION_CASES` sets the number of cases per parser (default 1500).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::dataset::map::check_map_text;
use crate::dataset::npz::Npz;
use crate::dataset::testutil::tiny_dataset;
use crate::dataset::trajfolder::{decode_png, png_header};
use crate::dataset::{check_dataset, open_dataset_lazy, read_native, read_traj_folder};
use crate::dataset::{write_native, write_traj_folder};
use crate::gate::Gate;
use crate::metrics::{read_csv, PlanningRow, TrainRow};
use crate::mutate::{mutate, Rng};
use crate::run::RunManifest;
use crate::success_criteria::SuccessCriteria;
use crate::tensors::{parse_safetensors, read_safetensors_header};

fn cases() -> usize {
    std::env::var("WORLDBENCH_MUTATION_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

/// Fewer cases for the slow whole-folder readers (their parsers get `cases()` on their own).
fn folder_cases() -> usize {
    cases() / 5
}

/// Feeds `cases()` mutations of `seed` to `parse` and asserts that none panics; returns how many
/// were accepted (`Ok`) so that callers can check the seed itself is valid.
fn no_panics(name: &str, seed: &[u8], parse: impl FnMut(&[u8]) -> bool) -> usize {
    no_panics_n(name, seed, cases(), parse)
}

fn no_panics_n(name: &str, seed: &[u8], n: usize, mut parse: impl FnMut(&[u8]) -> bool) -> usize {
    assert!(parse(seed), "{name}: the valid seed must be accepted");
    let mut rng = Rng(name.bytes().fold(0xC0FF_EE00, |h: u64, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    }));
    let mut accepted = 0;
    for case in 0..n {
        let input = mutate(seed, &mut rng);
        let Ok(ok) = catch_unwind(AssertUnwindSafe(|| parse(&input))) else {
            panic!(
                "{name}: case {case} panicked on {} bytes: {:?}",
                input.len(),
                String::from_utf8_lossy(&input[..input.len().min(400)])
            )
        };
        accepted += usize::from(ok);
    }
    accepted
}

/// A parser that reads `file` from disk: writes each input there, then calls `read`.
fn via_file<'a>(
    file: &'a Path,
    mut read: impl FnMut() -> bool + 'a,
) -> impl FnMut(&[u8]) -> bool + 'a {
    move |bytes: &[u8]| {
        std::fs::write(file, bytes).unwrap();
        read()
    }
}

#[test]
fn native_dataset_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("n");
    write_native(&dir, &tiny_dataset()).unwrap();
    for name in ["dataset.json", "data.safetensors", "map.txt"] {
        let file = dir.join(name);
        let seed = std::fs::read(&file).unwrap();
        let open = || {
            let eager = read_native(&dir);
            let lazy = open_dataset_lazy(&dir);
            let check = check_dataset(&dir).unwrap();
            // The three readers agree on whether the folder is sound.
            assert_eq!(eager.is_ok(), lazy.is_ok(), "{name}");
            assert_eq!(eager.is_ok(), check.problems.is_empty(), "{name}");
            eager.is_ok()
        };
        no_panics(name, &seed, via_file(&file, open));
        std::fs::write(&file, &seed).unwrap();
    }
}

#[test]
fn safetensors_bytes_and_header() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("n");
    write_native(&dir, &tiny_dataset()).unwrap();
    let path = dir.join("data.safetensors");
    let seed = std::fs::read(&path).unwrap();
    no_panics("parse_safetensors", &seed, |b| {
        parse_safetensors(&path, b).is_ok()
    });
    let header = || {
        let f = std::fs::File::open(&path).unwrap();
        read_safetensors_header(&path, &f).is_ok()
    };
    no_panics("read_safetensors_header", &seed, via_file(&path, header));
}

#[test]
fn trajectory_folder_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("t");
    write_traj_folder(&root, &tiny_dataset()).unwrap();
    for name in [
        "traj_1/actions.npz",
        "traj_1/infos.npz",
        "traj_1/states/state_1.png",
    ] {
        let file = root.join(name);
        let seed = std::fs::read(&file).unwrap();
        let open = || {
            let lazy = open_dataset_lazy(&root);
            let eager = read_traj_folder(&root);
            let check = check_dataset(&root).unwrap();
            // A full decode never accepts what the header check refused.
            assert!(lazy.is_ok() || eager.is_err(), "{name}");
            assert_eq!(eager.is_ok(), check.problems.is_empty(), "{name}");
            eager.is_ok()
        };
        no_panics_n(name, &seed, folder_cases(), via_file(&file, open));
        std::fs::write(&file, &seed).unwrap();
    }
}

#[test]
fn npz_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("t");
    write_traj_folder(&root, &tiny_dataset()).unwrap();
    for name in ["traj_1/actions.npz", "traj_1/infos.npz"] {
        let file = root.join(name);
        let seed = std::fs::read(&file).unwrap();
        let read = || {
            Npz::open(&file).is_ok_and(|mut npz| {
                let names = npz.names();
                !names.is_empty() && names.iter().all(|n| npz.get(n).is_ok_and(|a| a.is_some()))
            })
        };
        no_panics(name, &seed, via_file(&file, read));
    }
}

#[test]
fn png_frames() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("t");
    write_traj_folder(&root, &tiny_dataset()).unwrap();
    let file = root.join("traj_1/states/state_1.png");
    let seed = std::fs::read(&file).unwrap();
    let read = || {
        let header = png_header(&file);
        let decoded = decode_png(&file);
        // The header check never refuses what decodes, and agrees on the size.
        match (&header, &decoded) {
            (Ok(size), Ok((w, h, _))) => assert_eq!(*size, (*w, *h)),
            (Err(e), Ok(_)) => panic!("header refused a decodable PNG: {e}"),
            _ => {}
        }
        decoded.is_ok()
    };
    no_panics("state png", &seed, via_file(&file, read));
}

#[test]
fn map_text() {
    let seed = tiny_dataset().map.unwrap();
    no_panics("map.txt text", seed.as_bytes(), |b| {
        check_map_text(&String::from_utf8_lossy(b)).is_ok()
    });
}

#[test]
fn metric_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let train = tmp.path().join("train.csv");
    let planning = tmp.path().join("planning_metrics.csv");
    std::fs::write(
        &train,
        "step,wall_s,loss,loss_pred,loss_var,loss_cov,lr,h_std,h_norm,steps_per_s\n\
         1,0.5,1.25,1.0,0.2,0.05,0.0003,0.9,3.5,20.5\n2,1,1.2,0.9,0.2,0.1,0.0003,0.9,3.4,21\n",
    )
    .unwrap();
    let seed = std::fs::read(&train).unwrap();
    no_panics(
        "train.csv",
        &seed,
        via_file(&train, || read_csv::<TrainRow>(&train).is_ok()),
    );
    std::fs::write(
        &planning,
        "step,num_nodes_h,num_edges_h,reach_h_median,reach_h_p10,reach_h_p90,h_local_success,\
         test1_success,test1_steps,test2_success,test2_steps,merge_radius,eval_secs\n\
         100,22,208,1,1,1,1,0,6,0,3,0.08,0.03\n",
    )
    .unwrap();
    let seed = std::fs::read(&planning).unwrap();
    no_panics(
        "planning_metrics.csv",
        &seed,
        via_file(&planning, || read_csv::<PlanningRow>(&planning).is_ok()),
    );
}

#[test]
fn run_json() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("run.json");
    let seed = serde_json::json!({
        "title": "t", "kind": "smoke", "argv": ["worldbench", "train"],
        "config": {"steps": 10}, "seed": 0, "git_commit": null, "app_version": "0.1.0",
        "dataset_path": "/d", "dataset_hash": "ab", "device": "cpu", "gate": null,
        "started": "2026-01-01T00:00:00+00:00", "finished": null, "status": "running",
        "error": null, "pid": 1
    })
    .to_string();
    // The seed need not stay valid as the manifest's fields change; no input may panic.
    let mut read = via_file(&path, || RunManifest::read(&path).is_ok());
    read(seed.as_bytes());
    let mut rng = Rng(7);
    for case in 0..cases() {
        let input = mutate(seed.as_bytes(), &mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| read(&input)));
        assert!(outcome.is_ok(), "run.json: case {case} panicked");
    }
}

#[test]
fn gate_json() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("gate.json");
    Gate::template().write(&path).unwrap();
    let seed = std::fs::read(&path).unwrap();
    no_panics(
        "gate json",
        &seed,
        via_file(&path, || {
            Gate::read(&path).map(|g| g.missing_fields()).is_ok()
        }),
    );
}

#[test]
fn worldbench_toml() {
    let seed = "[success]\nreach_h_median = { target = 0.9, acceptable = 0.7, failure = 0.3 }\n\
                h_local_success_min = 0.5\ntest1_success = true\n";
    no_panics("worldbench.toml", seed.as_bytes(), |b| {
        SuccessCriteria::parse(&String::from_utf8_lossy(b)).is_ok()
    });
}
