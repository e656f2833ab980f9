//! `post.json` beside each post (what FINDINGS.md lists) and `FINDINGS.md` itself.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};
use crate::worklog::post::cell;

/// The file beside `post.md` that holds its summary.
pub const POST_META_FILE: &str = "post.json";

/// The summary of one post.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PostMeta {
    /// The concept as typed.
    pub concept: String,
    /// The post folder's name under `worklog/`.
    pub folder: String,
    /// Local date and time of the export, `YYYY-MM-DD HH:MM`.
    pub date: String,
    /// The run folder's path.
    pub run: String,
    /// "SUCCESS" or "FAILURE".
    pub outcome: String,
    /// "completed" or "failed".
    pub status: String,
    /// "proceed" or "pivot".
    pub recommendation: String,
    /// The checkpoint the outcome refers to.
    pub judged_step: Option<u64>,
    /// `metric=value` of the judged checkpoint, e.g. "reach_h_median=0.412".
    pub key_metrics: Vec<String>,
}

impl PostMeta {
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| StorageError::invalid(path, format!("not a post summary: {e}")))
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| StorageError::invalid(path, format!("cannot encode: {e}")))?;
        write_atomic(path, &json)
    }
}

/// The posts under `worklog_dir` (folders with a `post.json`), sorted by folder name (so by date);
/// a broken summary is skipped and reported in the second list.
pub fn read_posts(worklog_dir: &Path) -> (Vec<PostMeta>, Vec<String>) {
    let Ok(entries) = std::fs::read_dir(worklog_dir) else {
        return (Vec::new(), Vec::new());
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(POST_META_FILE).is_file())
        .collect();
    dirs.sort();
    let mut posts = Vec::new();
    let mut errors = Vec::new();
    for d in dirs {
        match PostMeta::read(&d.join(POST_META_FILE)) {
            Ok(m) => posts.push(m),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (posts, errors)
}

/// Rewrites `FINDINGS.md` (atomically) from every post of `worklog_dir`.
pub fn write_findings(findings_path: &Path, worklog_dir: &Path) -> Result<Vec<PostMeta>> {
    let (posts, errors) = read_posts(worklog_dir);
    let mut out = String::from(
        "# Findings\n\nEvery worklog post of this workspace, oldest first. Rewritten by \
         `worldbench worklog export`; edit the posts, not this file.\n\n\
         | date | concept | outcome | recommendation | key metrics | post |\n|---|---|---|---|---|---|\n",
    );
    for p in &posts {
        let step = p
            .judged_step
            .map_or_else(String::new, |s| format!("step {s}: "));
        let _ = writeln!(
            out,
            "| {} | {} | {} ({}) | {} | {}{} | [post](worklog/{}/post.md) |",
            cell(&p.date),
            cell(&p.concept),
            p.outcome,
            p.status,
            p.recommendation,
            step,
            cell(&p.key_metrics.join(", ")),
            p.folder
        );
    }
    for e in errors {
        let _ = write!(out, "\n_Skipped: {}_\n", cell(&e));
    }
    if let Some(root) = findings_path.parent() {
        out.push_str(&experiments_section(root));
    }
    write_atomic(findings_path, out.as_bytes())?;
    Ok(posts)
}

/// The "Experiments" section of FINDINGS.md: a link to each `experiments/<id>/FINDINGS.md`.
fn experiments_section(root: &Path) -> String {
    use crate::plan_cards::experiment::{experiment_files, Experiment, FINDINGS_FILE};
    let files = experiment_files(&root.join("experiments"));
    if files.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n## Experiments\n\n| experiment | title | status | findings |\n|---|---|---|---|\n",
    );
    for f in files {
        let dir = f.parent().unwrap_or(root);
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let title = Experiment::read(&f).map_or_else(|e| format!("unreadable: {e}"), |e| e.title);
        let findings = std::fs::read_to_string(dir.join(FINDINGS_FILE)).ok();
        let status = findings
            .as_deref()
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix("Status: **")))
            .and_then(|l| l.split("**").next())
            .unwrap_or("not evaluated");
        let link = if findings.is_some() {
            format!("[FINDINGS](experiments/{id}/{FINDINGS_FILE})")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {status} | {link} |",
            cell(&id),
            cell(&title)
        );
    }
    out
}
