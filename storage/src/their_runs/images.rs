//! Their visualisation images: `vis_*/<prefix>_<step>.png` (and `self_distance_frames/…`), one
//! series per folder and file-name prefix, ordered by the step in the file name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// One series of images: `vis_planning_graph/graph_h` → its (step, file) pairs in step order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageSeries {
    /// `<folder>/<prefix>`, or the folder alone when the file names are only a step.
    pub name: String,
    pub frames: Vec<(u64, PathBuf)>,
}

/// Every image series of the run folder `dir`: each sub-folder's PNGs whose name ends in `_<step>`
/// (or is a step), grouped by what comes before the step. Sorted by name.
pub fn image_series(dir: &Path) -> Vec<ImageSeries> {
    let mut series: BTreeMap<String, Vec<(u64, PathBuf)>> = BTreeMap::new();
    for folder in sorted_entries(dir).into_iter().filter(|p| p.is_dir()) {
        let Some(folder_name) = folder.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if matches!(folder_name, "metrics" | "checkpoints") {
            continue;
        }
        for file in sorted_entries(&folder) {
            let is_png = file
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("png"));
            let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !is_png {
                continue;
            }
            let Some((prefix, step)) = split_step(stem) else {
                continue;
            };
            let name = if prefix.is_empty() {
                folder_name.to_string()
            } else {
                format!("{folder_name}/{prefix}")
            };
            series.entry(name).or_default().push((step, file.clone()));
        }
    }
    series
        .into_iter()
        .map(|(name, mut frames)| {
            frames.sort();
            ImageSeries { name, frames }
        })
        .collect()
}

/// `graph_h_0000100` → (`graph_h`, 100); `0000100` → (``, 100); no trailing step → None.
pub fn split_step(stem: &str) -> Option<(&str, u64)> {
    let (prefix, digits) = match stem.rsplit_once('_') {
        Some((p, d)) => (p, d),
        None => ("", stem),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(|s| (prefix, s))
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}
