//! Shared fixtures of the fuzz targets: a tiny valid dataset in both formats, written once per
//! process into a temporary folder; each target overwrites one of its files with the input.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use worldbench_storage::dataset::{write_native, write_traj_folder, DatasetSource};
use worldbench_storage::{Dataset, ACTION_NAMES};

/// 5 frames of 2×3 pixels in two episodes, with tiles and a valid 14 × 16 map.
pub fn tiny_dataset() -> Dataset {
    let (height, width, n) = (2, 3, 5);
    Dataset {
        name: "tiny".to_string(),
        source: DatasetSource::Memory,
        height,
        width,
        frames: (0..n * height * width * 3)
            .map(|v| (v * 7 % 251) as u8)
            .collect(),
        actions: vec![4, 0, 1, 3, 2],
        episode: vec![0, 0, 1, 1, 1],
        tiles: Some(vec![[12, 1], [12, 2], [12, 1], [11, 1], [11, 0]]),
        action_names: ACTION_NAMES.iter().map(|s| (*s).to_string()).collect(),
        map: Some(format!("{}\n", ".".repeat(16)).repeat(14)),
        generator: None,
        layouts: None,
    }
}

pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    /// A native dataset folder.
    pub native: PathBuf,
    /// A trajectory folder.
    pub traj: PathBuf,
}

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        let (native, traj) = (root.join("n"), root.join("t"));
        write_native(&native, &tiny_dataset()).expect("native");
        write_traj_folder(&traj, &tiny_dataset()).expect("traj");
        if let Some(dir) = std::env::var_os("WORLDBENCH_FUZZ_SEEDS") {
            write_seeds(Path::new(&dir), &native, &traj);
        }
        Fixture {
            _tmp: tmp,
            root,
            native,
            traj,
        }
    })
}

/// Overwrites `path` with `bytes`, runs `f`, then restores the file's original content.
pub fn with_file<T>(path: &Path, bytes: &[u8], f: impl FnOnce() -> T) -> T {
    let original = std::fs::read(path).ok();
    std::fs::write(path, bytes).expect("write input");
    let out = f();
    if let Some(original) = original {
        std::fs::write(path, original).expect("restore");
    }
    out
}

/// Writes a seed corpus for every target into `<dir>/<target>/` (run any target once with
/// `WORLDBENCH_FUZZ_SEEDS=<dir>` set): the fixture's own files, with the selector byte where a
/// target takes one, and small valid CSVs, run.json, gate and worldbench.toml.
fn write_seeds(dir: &Path, native: &Path, traj: &Path) {
    let read = |p: PathBuf| std::fs::read(p).expect("fixture file");
    let put = |target: &str, name: &str, bytes: &[u8]| {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).expect("seed dir");
        std::fs::write(d.join(name), bytes).expect("seed");
    };
    let pick = |b: u8, bytes: Vec<u8>| [vec![b], bytes].concat();
    put(
        "dataset_native",
        "json",
        &pick(0, read(native.join("dataset.json"))),
    );
    put(
        "dataset_native",
        "data",
        &pick(1, read(native.join("data.safetensors"))),
    );
    put(
        "dataset_native",
        "map",
        &pick(2, read(native.join("map.txt"))),
    );
    put(
        "safetensors_header",
        "data",
        &read(native.join("data.safetensors")),
    );
    put(
        "npz",
        "actions",
        &pick(0, read(traj.join("traj_1/actions.npz"))),
    );
    put(
        "npz",
        "infos",
        &pick(1, read(traj.join("traj_1/infos.npz"))),
    );
    put(
        "png_folder",
        "png",
        &read(traj.join("traj_1/states/state_1.png")),
    );
    put("map_txt", "map", &read(native.join("map.txt")));
    put(
        "csv",
        "train",
        b"step,wall_s,loss,loss_pred,loss_var,loss_cov,lr,h_std,h_norm,steps_per_s\n1,0.5,1.25,1,0.2,0.05,0.0003,0.9,3.5,20.5\n",
    );
    put(
        "csv",
        "planning",
        b"step,num_nodes_h,num_edges_h,reach_h_median,reach_h_p10,reach_h_p90,h_local_success,test1_success,test1_steps,test2_success,test2_steps,merge_radius,eval_secs\n100,22,208,1,1,1,1,0,6,0,3,0.08,0.03\n",
    );
    put(
        "their_csv",
        "loss",
        b"step,elapsed_seconds,cumulative_flops,loss_world,loss_jepa\n0,0.5,5000000,2.0,nan\n10,5.0,55000000,1.5,1.0\n",
    );
    let run = serde_json::json!({
        "title": "t", "kind": "smoke", "argv": ["worldbench", "train"], "config": {"steps": 10},
        "seed": 0, "git_commit": null, "app_version": "0.1.0", "dataset_path": "/d",
        "dataset_hash": "ab", "device": "cpu", "gate": null, "started": "2026-01-01T00:00:00+00:00",
        "finished": null, "status": "running", "error": null, "pid": 1
    });
    put("run_json", "run", run.to_string().as_bytes());
    put(
        "resumes_jsonl",
        "resumes",
        b"{\"at\":\"2026-01-01T10:00:00+00:00\",\"from_step\":400,\"after\":\"cancelled\"}\n",
    );
    let gate = serde_json::to_vec_pretty(&worldbench_storage::Gate::template()).expect("gate");
    put("gate_json", "gate", &gate);
    put(
        "worldbench_toml",
        "toml",
        b"[success]\nreach_h_median = { target = 0.9, acceptable = 0.7, failure = 0.3 }\nh_local_success_min = 0.5\ntest1_success = true\n",
    );
    put(
        "sweep_toml",
        "toml",
        b"title = \"t\"\nseeds = [0, 1]\n[base]\ndata = \"d\"\npreset = \"tiny\"\nsteps = 6\n[grid]\n\"model.hidden\" = [8, 16]\nlr = [0.001]\n[[cells]]\nlr = 0.01\n",
    );
    put(
        "plan_card",
        "card",
        b"+++\nid = \"x\"\ntitle = \"X\"\ntype = \"ready\"\nurgency = \"high\"\ndepends_on = [\"y\"]\n+++\n## Phase 1\n- [ ] [P1-T1] train | deliverable: runs/a | done-when: reach_h_p10 >= 0.9 at step 5000 | runs: a\n- [ ] [P1-R1] review | reflection: midpoint | evidence: plots | criteria: p10 rises | depends: P1-T1\n",
    );
    put(
        "ticket_toml",
        "ticket",
        b"id = \"TICKET-001\"\ngoal = \"g\"\nstatus = \"open\"\ndeep_change = true\n[[acceptance]]\ncondition = \"test1_success\"\n[approval]\nby = \"a\"\nwhen = \"now\"\n",
    );
    put(
        "ticket_toml",
        "experiment",
        b"id = \"e\"\ntitle = \"E\"\n[[sub]]\nname = \"a\"\nruns = [\"r\"]\n[criteria.reach_h_p10]\ntarget = 0.9\nacceptable = 0.5\nfailure = 0.2\n",
    );
}
