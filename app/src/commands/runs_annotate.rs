//! `worldbench runs annotate <dir>`: title, notes, tags, star and archive of a run of either kind
//! (`storage::their_runs::annotate`: their files for theirs, `annotations.toml` for ours).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use worldbench_storage::their_runs::{annotate, AnnotationEdit};

#[derive(Debug, Clone, Args)]
pub struct AnnotateArgs {
    /// The run folder.
    pub dir: PathBuf,
    #[arg(long)]
    pub title: Option<String>,
    /// The notes (replaces them).
    #[arg(long)]
    pub note: Option<String>,
    /// Add a tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Remove a tag (repeatable).
    #[arg(long = "untag", value_name = "TAG")]
    pub untags: Vec<String>,
    #[arg(long, conflicts_with = "unstar")]
    pub star: bool,
    #[arg(long)]
    pub unstar: bool,
    #[arg(long, conflicts_with = "unarchive")]
    pub archive: bool,
    #[arg(long)]
    pub unarchive: bool,
}

fn flag(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

pub fn run(a: AnnotateArgs) -> Result<()> {
    let edit = AnnotationEdit {
        title: a.title,
        notes: a.note,
        add_tags: a.tags,
        remove_tags: a.untags,
        starred: flag(a.star, a.unstar),
        archived: flag(a.archive, a.unarchive),
    };
    if edit.is_empty() {
        bail!("nothing to change: give --title, --note, --tag, --untag, --star/--unstar or --archive/--unarchive");
    }
    let now = annotate(&a.dir, &edit)?;
    println!(
        "{}: title {:?}, tags [{}]{}{}",
        a.dir.display(),
        now.title.as_deref().unwrap_or(""),
        now.tags.join(", "),
        if now.starred { ", starred" } else { "" },
        if now.archived { ", archived" } else { "" }
    );
    Ok(())
}
