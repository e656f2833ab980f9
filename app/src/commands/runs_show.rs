//! `worldbench runs show <dir>`: one run of either kind, as the Runs panel shows it when opened.

use std::path::Path;

use crate::run_detail::read_detail;
use anyhow::Result;
use worldbench_storage::their_runs::Cell;

pub fn run(dir: &Path, json: bool) -> Result<()> {
    let d = read_detail(dir)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    let l = &d.listing;
    println!("{}  ({})", l.title, l.source.as_str());
    println!("folder:     {}", l.dir.display());
    if let Some(s) = l.status {
        println!("status:     {}", s.as_str());
    }
    println!("dataset:    {}", l.dataset);
    println!("started:    {}", l.started);
    println!(
        "steps:      {}",
        l.steps.map_or("-".into(), |s| s.to_string())
    );
    if let Some(loss) = l.last_loss {
        println!("last loss:  {loss}");
    }
    if !l.tags.is_empty() || l.starred || l.archived {
        println!(
            "marks:      tags [{}]{}{}",
            l.tags.join(", "),
            if l.starred { ", starred" } else { "" },
            if l.archived { ", archived" } else { "" }
        );
    }
    if let Some(c) = &d.git_commit {
        println!("git commit: {c}");
    }
    if let Some(diff) = &d.git_diff {
        println!("git diff:   {} lines", diff.lines().count());
    }
    if let Some(md) = &d.model_diff {
        println!(
            "model diff: {} key(s) differ from the {} preset",
            md.keys.len(),
            md.preset
        );
        for k in &md.keys {
            println!("  {} = {} (preset {})", k.key, k.run, k.preset);
        }
    }
    if let Some(p) = d.parameters {
        println!("parameters: {p}");
    }
    if let Some(f) = d.flops_per_step {
        println!("FLOPs/step: {f:.4e}");
    }
    println!(
        "loss:       {} rows; columns {}",
        d.loss.rows(),
        d.loss.names.join(",")
    );
    println!("planning:   {} rows", d.planning.rows());
    if d.planning.rows() > 0 {
        println!("  {}", d.planning.names.join(","));
        for r in 0..d.planning.rows() {
            let cells: Vec<String> = d.planning.row(r).iter().map(|(_, v)| fmt(*v)).collect();
            println!("  {}", cells.join(","));
        }
    }
    if !d.planning_anchor.names.is_empty() {
        println!("planning anchor: {} rows", d.planning_anchor.rows.len());
        println!("  {}", d.planning_anchor.names.join(","));
        for row in &d.planning_anchor.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Number(v) => fmt(*v),
                    Cell::Text(t) => t.clone(),
                })
                .collect();
            println!("  {}", cells.join(","));
        }
    }
    println!("checkpoints:");
    for c in &d.checkpoints {
        println!("  {}", c.display());
    }
    if !d.images.is_empty() {
        println!("image series:");
        for s in &d.images {
            println!("  {:<44} {} images", s.name, s.frames.len());
        }
    }
    println!("config:");
    for (k, v) in worldbench_storage::their_runs::columns::flatten(&d.config) {
        println!("  {k} = {v}");
    }
    if !l.notes.is_empty() {
        println!("notes:\n{}", l.notes);
    }
    Ok(())
}

fn fmt(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else {
        format!("{v}")
    }
}
