//! The CUDA path against the CPU (issue 18, item 2): the same tiny run trained for 20 steps on the
//! CPU and on CUDA gives the same losses within float tolerance, and a checkpoint written on CUDA
//! loads on the CPU and plans the same as on CUDA.
//!
//! Meaningful only in a build with the `cuda` feature on a machine with a GPU
//! (`packaging/build-cuda.sh --tests`, run by `packaging/gpu-check.sh`); anywhere else every test
//! prints `SKIPPED: no CUDA device (<why>)` and passes.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use worldbench_model::config::TrainConfig;
use worldbench_model::cuda::cuda_devices;
use worldbench_model::train::{train, JepaEncoder, TrainEvent};
use worldbench_model::world::{generate_dataset, Preset, World, WorldMap};
use worldbench_storage::{Dataset, PlanningRow, RunPaths};

const STEPS: u64 = 20;

/// The device's name, or `None` after printing why the test is skipped.
fn cuda_or_skip() -> Option<String> {
    match cuda_devices() {
        Ok(devices) => devices.into_iter().next().map(|d| d.name),
        Err(e) => {
            println!("SKIPPED: no CUDA device ({e})");
            None
        }
    }
}

fn dataset() -> Dataset {
    generate_dataset(Preset::RandomWalk, 4, Some(40), 11, None).expect("dataset")
}

fn config(device: &str) -> TrainConfig {
    let mut cfg = TrainConfig::preset("tiny").expect("tiny preset");
    cfg.steps = STEPS;
    cfg.checkpoint_steps = Vec::new();
    cfg.checkpoint_every = 0;
    cfg.plan_eval = false;
    cfg.seed = 3;
    cfg.device = device.into();
    cfg
}

/// Trains `STEPS` steps on `device` into `dir`; the loss of every step.
fn losses(device: &str, data: &Dataset, dir: &Path) -> Vec<f64> {
    let mut out = Vec::new();
    let mut progress = |e: TrainEvent| {
        if let TrainEvent::Step { loss, .. } = e {
            out.push(loss);
        }
    };
    let cancel = AtomicBool::new(false);
    train(
        &config(device),
        data,
        &RunPaths::new(dir),
        false,
        &mut progress,
        &cancel,
    )
    .unwrap_or_else(|e| panic!("training on {device}: {e}"));
    out
}

fn plan(checkpoint: &Path, device: &candle_core::Device, data: &Dataset) -> PlanningRow {
    let encoder = JepaEncoder::from_checkpoint(checkpoint, device).expect("encoder");
    let map = data
        .map
        .as_deref()
        .map(|t| WorldMap::parse(t).expect("map"));
    worldbench_model::eval::evaluate_checkpoint(&encoder, data, &World::new(map), STEPS, 0)
        .expect("evaluation")
}

#[test]
fn cpu_and_cuda_losses_agree_and_a_cuda_checkpoint_plans_the_same_on_the_cpu() {
    let Some(name) = cuda_or_skip() else { return };
    println!("CUDA device: {name}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = dataset();
    let cpu = losses("cpu", &data, &tmp.path().join("cpu"));
    let gpu = losses("cuda", &data, &tmp.path().join("cuda"));
    assert_eq!((cpu.len(), gpu.len()), (STEPS as usize, STEPS as usize));
    for (i, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
        println!(
            "step {:>2}: cpu {c:.6} cuda {g:.6} diff {:.2e}",
            i + 1,
            (c - g).abs()
        );
    }
    // The first step sees the same weights and batch: only float order differs. Later steps may
    // drift a little more (different conv and reduction orders compound through AdamW).
    let rel = |c: f64, g: f64| (c - g).abs() / c.abs().max(1e-6);
    assert!(
        rel(cpu[0], gpu[0]) < 1e-4,
        "step 1: cpu {} cuda {}",
        cpu[0],
        gpu[0]
    );
    for (i, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
        assert!(rel(*c, *g) < 1e-2, "step {}: cpu {c} cuda {g}", i + 1);
    }

    // The CUDA run's checkpoint, on the CPU and on CUDA: the same encodings, the same plans.
    let last = RunPaths::new(tmp.path().join("cuda")).last_checkpoint();
    let on_cpu = plan(&last, &candle_core::Device::Cpu, &data);
    let on_gpu = plan(
        &last,
        &candle_core::Device::new_cuda(0).expect("cuda:0"),
        &data,
    );
    println!("planning on cpu:  {on_cpu:?}\nplanning on cuda: {on_gpu:?}");
    assert_eq!(
        (on_cpu.num_nodes_h, on_cpu.num_edges_h),
        (on_gpu.num_nodes_h, on_gpu.num_edges_h),
        "the h-graph differs"
    );
    assert_eq!(
        (
            on_cpu.test1_success,
            on_cpu.test1_steps,
            on_cpu.test2_success,
            on_cpu.test2_steps
        ),
        (
            on_gpu.test1_success,
            on_gpu.test1_steps,
            on_gpu.test2_success,
            on_gpu.test2_steps
        ),
        "the plans differ"
    );
}

#[test]
fn without_a_device_cuda_is_refused_with_the_reason_not_a_panic() {
    if cuda_devices().is_ok() {
        println!("SKIPPED: this machine has a CUDA device");
        return;
    }
    let data = dataset();
    let tmp = tempfile::tempdir().expect("tempdir");
    let cancel = AtomicBool::new(false);
    let e = train(
        &config("cuda"),
        &data,
        &RunPaths::new(tmp.path()),
        false,
        &mut |_| {},
        &cancel,
    )
    .expect_err("no CUDA here")
    .to_string();
    assert!(e.contains("device \"cuda\" is not available"), "{e}");
    assert!(
        e.contains("built without CUDA")
            || e.contains("NVIDIA driver")
            || e.contains("no CUDA device"),
        "{e}"
    );
}
