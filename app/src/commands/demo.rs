//! `worldbench demo`: the whole loop in one command — a demo dataset, a short run, its evaluation.

use anyhow::Result;
use worldbench_model::world::{generate_dataset, Preset};
use worldbench_storage::dataset::{write_native, DatasetInfo};
use worldbench_storage::Workspace;

use crate::cli::{DemoArgs, OnOff, TrainArgs};

/// The demo dataset's folder name under `datasets/`.
pub const DEMO_DATASET: &str = "demo-corner-loops";

pub fn run(ws: &Workspace, args: &DemoArgs) -> Result<()> {
    let data = ws.datasets_dir().join(DEMO_DATASET);
    if data.join("dataset.json").is_file() {
        eprintln!("using the demo dataset {}", data.display());
    } else {
        eprintln!("generating the demo dataset (corner loops, 40 episodes, seed 0) …");
        let mut ds = generate_dataset(Preset::CornerLoops, 40, None, 0, None)?;
        ds.name = DEMO_DATASET.into();
        write_native(&data, &ds)?;
        ds.source = worldbench_storage::dataset::DatasetSource::Native { dir: data.clone() };
        eprintln!("{}", DatasetInfo::from_dataset(&ds));
    }
    let train = TrainArgs {
        data: Some(data.clone()),
        resume: None,
        preset: Some("default".into()),
        steps: args.steps,
        seed: None,
        title: "demo".into(),
        smoke: true,
        gate: None,
        ticket: None,
        checkpoints: None,
        plan_eval: OnOff::On,
        vis_schedule: String::new(),
        plan_schedule: String::new(),
        device: "cpu".into(),
        progress: args.progress,
        set: Vec::new(),
        run_dir: None,
        sweep: None,
        cell: None,
        queue_job: None,
        backend: crate::cli::Backend::Local,
    };
    let run = super::train::run(Some(ws.root.clone()), &train)?;
    let rows = worldbench_storage::metrics::read_csv(
        &worldbench_storage::RunPaths::new(&run).planning_csv(),
    )?;
    println!();
    super::eval::print_table(&rows);
    println!();
    println!("workspace:  {}", ws.root.display());
    println!("dataset:    {}", data.display());
    println!("run:        {}", run.display());
    println!(
        "metrics:    {}",
        worldbench_storage::RunPaths::new(&run)
            .planning_csv()
            .display()
    );
    println!(
        "checkpoints {}",
        worldbench_storage::RunPaths::new(&run)
            .checkpoints_dir()
            .display()
    );
    Ok(())
}
