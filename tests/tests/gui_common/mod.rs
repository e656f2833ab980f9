//! Helpers of the GUI tests: the app at 1280×800 on a workspace, clicking a panel, and run folders
//! with fixed times, losses, metrics and checkpoint files.
#![allow(dead_code)] // each test target uses some of them

use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use worldbench::gui::{State, WorldbenchApp};
use worldbench_storage::metrics::write_csv;
use worldbench_storage::tensors::{write_safetensors, Dtype, TensorBlob};
use worldbench_storage::train_config::{ModelConfig, TrainConfig};
use worldbench_storage::{PlanningRow, RunKind, RunManifest, RunPaths, RunStatus, TrainRow};
use worldbench_tests::binary;

pub fn app(ws: &Path, state: State) -> Harness<'static, WorldbenchApp> {
    let ws = ws.to_path_buf();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |_cc| WorldbenchApp::new(ws, state, binary()).expect("app"));
    settle(&mut harness);
    harness
}

/// Runs frames until the background work they start (run index, loads, reads) has all been applied.
pub fn settle<S>(harness: &mut Harness<'_, S>) {
    worldbench::gui::task_tracker::settle(std::time::Duration::from_mins(2), || {
        harness.run_ok();
    })
    .expect("the app's background work ends");
}

pub fn click_panel(harness: &mut Harness<'_, WorldbenchApp>, label: &str) {
    harness.get_by_role_and_label(Role::Button, label).click();
    harness.run_ok();
}

pub fn planning_row(step: u64, quality: f64) -> PlanningRow {
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
        // Metrics against the world, as a run of today writes them: the widest table.
        node_purity: Some(0.9 - quality / 2.0),
        tiles_per_node: Some(1.25),
        nodes_per_tile: Some(1.5 + quality),
        path_agreement: Some(0.4 + quality),
        ..Default::default()
    }
}

/// A run folder with fixed times, losses, metrics and (dummy) checkpoint files.
pub fn fixed_run(
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
        config: TrainConfig {
            steps: 2000,
            lr: 0.0003,
            model: ModelConfig {
                hidden: hidden as usize,
                latent_dim: 64,
                ..ModelConfig::default()
            },
            ..TrainConfig::default()
        },
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
    // `last`: only its header is read (for its step), so one small tensor and the step will do.
    let meta = [("step".to_string(), steps_done.to_string())].into();
    let weights = TensorBlob::new(Dtype::U8, vec![2048], vec![0u8; 2048]);
    write_safetensors(&run.last_checkpoint(), &[("w".into(), weights)], Some(meta)).expect("last");
    run.root
}

/// `tests/snapshots/` (accept new images with `UPDATE_SNAPSHOTS=1`).
pub fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

/// A mixed dataset of `layouts` corner-loop episodes of `steps` steps, episode `k` in `two-rooms:k`
/// (seed 1), with its layout index; and the layouts' maps.
pub fn mixed_two_rooms(
    layouts: usize,
    steps: usize,
) -> (
    worldbench_storage::Dataset,
    Vec<worldbench_model::world::WorldMap>,
) {
    use worldbench_model::world::{generate_dataset_maps, Layout, Preset};
    use worldbench_storage::dataset::{EpisodeLayouts, LayoutMap};
    let maps: Vec<_> = (0..layouts as u64)
        .map(|s| Layout::TwoRooms.map(s))
        .collect();
    let mut ds = generate_dataset_maps(Preset::CornerLoops, layouts, Some(steps), 1, &maps)
        .expect("generate");
    ds.layouts = Some(EpisodeLayouts {
        maps: maps
            .iter()
            .enumerate()
            .map(|(s, m)| LayoutMap {
                layout: format!("two-rooms:{s}"),
                text: m.to_text(),
            })
            .collect(),
        episode: (0..layouts as u32).collect(),
    });
    (ds, maps)
}
