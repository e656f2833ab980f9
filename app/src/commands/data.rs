//! `worldbench data gen|info|check`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use worldbench_model::world::layouts::parse_layout_seeds;
use worldbench_model::world::{generate_dataset, generate_dataset_maps, Preset, WorldMap};
use worldbench_storage::dataset::{
    check_dataset, open_dataset_lazy, write_native, DatasetInfo, EpisodeLayouts, LayoutMap,
};

use crate::cli::{DataCheckArgs, DataCommand, DataGenArgs, DataInfoArgs};
use crate::workspace_dir;

pub fn run(workspace: Option<PathBuf>, cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Gen(args) => gen(workspace, &args),
        DataCommand::Info(args) => info(workspace, &args),
        DataCommand::Check(args) => check(workspace, &args),
    }
}

fn gen(workspace: Option<PathBuf>, args: &DataGenArgs) -> Result<()> {
    let preset: Preset = args
        .preset
        .parse()
        .map_err(|e| anyhow::anyhow!("--preset: {e}"))?;
    let layouts = match &args.layout {
        Some(name) => {
            let (layout, seeds) = parse_layout_seeds(&format!("{name}:{}", args.layout_seed))
                .map_err(|e| anyhow::anyhow!("--layout/--layout-seed: {e}"))?;
            Some((layout, seeds))
        }
        None => None,
    };
    let map = match &args.map {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the map", path.display()))?;
            Some(
                WorldMap::parse(&text)
                    .with_context(|| format!("{}: not a valid map", path.display()))?,
            )
        }
        None => None,
    };
    let out = match &args.out {
        Some(out) => out.clone(),
        None => workspace_dir::open(workspace)?
            .datasets_dir()
            .join(format!("{}-s{}", args.preset, args.seed)),
    };
    if out.exists() && std::fs::read_dir(&out).map_or(true, |mut d| d.next().is_some()) {
        bail!(
            "{}: already exists and is not empty; choose another --out (nothing was overwritten)",
            out.display()
        );
    }
    let mut ds = match &layouts {
        Some((layout, seeds)) => {
            let maps: Vec<WorldMap> = seeds.clone().map(|s| layout.map(s)).collect();
            generate_dataset_maps(preset, args.episodes, args.steps, args.seed, &maps)?
        }
        None => generate_dataset(preset, args.episodes, args.steps, args.seed, map)?,
    };
    if let (Some((layout, seeds)), Some(g)) = (&layouts, ds.generator.as_mut()) {
        // The first seed's map is map.txt; a mixed dataset names each episode's layout.
        g["layout"] = serde_json::json!(layout.name());
        g["layout_seed"] = serde_json::json!(seeds.start);
        if seeds.end - seeds.start > 1 {
            let n = seeds.end - seeds.start;
            let per_episode: Vec<String> = (0..args.episodes as u64)
                .map(|e| format!("{layout}:{}", seeds.start + e % n))
                .collect();
            g["episode_layouts"] = serde_json::json!(per_episode);
            // Every layout's map is kept (maps/<layout>-<seed>.txt), with each episode's index.
            ds.layouts = Some(EpisodeLayouts {
                maps: seeds
                    .clone()
                    .map(|s| LayoutMap {
                        layout: format!("{layout}:{s}"),
                        text: layout.map(s).to_text(),
                    })
                    .collect(),
                episode: (0..args.episodes as u64).map(|e| (e % n) as u32).collect(),
            });
        }
    }
    ds.name = out
        .file_name()
        .map_or_else(|| "dataset".into(), |n| n.to_string_lossy().into_owned());
    write_native(&out, &ds)?;
    ds.source = worldbench_storage::dataset::DatasetSource::Native { dir: out.clone() };
    let info = DatasetInfo::from_dataset(&ds);
    eprintln!("{info}");
    println!("{}", out.display());
    Ok(())
}

fn info(workspace: Option<PathBuf>, args: &DataInfoArgs) -> Result<()> {
    let path = super::resolve_dataset(workspace, &args.dataset)?;
    // Frames are not needed for the summary: read only the small per-frame arrays.
    let ds = open_dataset_lazy(&path)?;
    let info = DatasetInfo::from_lazy(&ds);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        println!("{info}");
    }
    Ok(())
}

/// Decodes everything; prints one line per bad file on stderr and fails when there is any.
fn check(workspace: Option<PathBuf>, args: &DataCheckArgs) -> Result<()> {
    let path = super::resolve_dataset(workspace, &args.dataset)?;
    let report = check_dataset(&path)?;
    for problem in &report.problems {
        eprintln!("bad: {problem}");
    }
    match report.problems.len() {
        0 => {
            println!("{}: ok, {} frames read", path.display(), report.frames);
            Ok(())
        }
        n => bail!(
            "{}: {n} problem{} (listed above; {} frames read)",
            path.display(),
            if n == 1 { "" } else { "s" },
            report.frames
        ),
    }
}
