//! Exporting a post: folder, tables, plots (drawn by the caller), `post.md`, `post.json`, FINDINGS.md.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::draft::Draft;
use super::findings::{write_findings, PostMeta, POST_META_FILE};
use super::name::{concept_folder_name, create_post_dir};
use super::post::{checkpoint_columns, checkpoint_rows, render_post};
use super::run_data::RunData;
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};
use crate::success_criteria::{fmt_num, SuccessCriteria};
use crate::workspace::Workspace;

/// A plot of a post: the PNG file beside it, or why it was not drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plot {
    pub caption: String,
    /// File name in the post folder, when drawn.
    pub file: Option<String>,
    /// Why it was not drawn.
    pub note: String,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedPost {
    /// `worklog/<ts>.<concept>/`.
    pub dir: PathBuf,
    /// `…/post.md`.
    pub post: PathBuf,
    pub meta: PostMeta,
}

/// The CSV tables written beside every post.
pub const POST_TABLES: [&str; 2] = ["checkpoint_results.csv", "criteria.csv"];

/// Exports the post of the run in `run_dir` under `concept`. `draw_plots` gets the new post folder
/// and the run's data and writes PNGs there. The concept is checked before anything is written;
/// an existing post is never overwritten; FINDINGS.md is rewritten last.
pub fn export_post(
    ws: &Workspace,
    run_dir: &Path,
    concept: &str,
    draft: &Draft,
    criteria: &SuccessCriteria,
    draw_plots: &mut dyn FnMut(&Path, &RunData) -> Vec<Plot>,
) -> Result<ExportedPost> {
    concept_folder_name(concept).map_err(|p| StorageError::invalid(ws.worklog_dir(), p))?;
    let run = RunData::read(run_dir, &ws.runs_dir(), criteria)?;
    let dir = create_post_dir(&ws.worklog_dir(), concept)?;
    write_tables(&dir, &run)?;
    let plots = draw_plots(&dir, &run);
    let now = chrono::Local::now();
    let date = now.format("%Y-%m-%d %H:%M").to_string();
    let text = render_post(concept.trim(), &date, &run, draft, &plots, &POST_TABLES);
    let post = dir.join("post.md");
    write_atomic(&post, text.as_bytes())?;
    let j = &run.judgement;
    let key_metrics = j.judged().map_or_else(Vec::new, |c| {
        c.metrics
            .iter()
            .map(|m| format!("{}={}", m.metric, fmt_num(m.value)))
            .collect()
    });
    let meta = PostMeta {
        concept: concept.trim().to_string(),
        folder: dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        date,
        run: run_dir.display().to_string(),
        outcome: j.outcome().into(),
        status: j.status().into(),
        recommendation: j.recommendation.as_str().into(),
        judged_step: j.judged_step,
        key_metrics,
    };
    meta.write(&dir.join(POST_META_FILE))?;
    write_findings(&ws.findings_path(), &ws.worklog_dir())?;
    Ok(ExportedPost { dir, post, meta })
}

fn write_tables(dir: &Path, run: &RunData) -> Result<()> {
    let mut csv = checkpoint_columns().join(",");
    csv.push('\n');
    for row in checkpoint_rows(run) {
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    write_atomic(&dir.join(POST_TABLES[0]), csv.as_bytes())?;
    let mut csv = String::from("step,metric,value,target,acceptable,failure,level,met\n");
    for c in &run.judgement.checkpoints {
        for m in &c.metrics {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{},{}",
                c.step,
                m.metric,
                m.value,
                m.thresholds.target,
                m.thresholds.acceptable,
                m.thresholds.failure,
                m.level.label(),
                m.level.is_met()
            );
        }
    }
    write_atomic(&dir.join(POST_TABLES[1]), csv.as_bytes())
}
