//! `[runs] roots = [...]` of `worldbench.toml`: folders whose sub-folders are runs to list beside
//! the workspace's own `runs/` (their trainer's `output_dir`s, another workspace's `runs/`).

use std::path::{Path, PathBuf};

use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};
use crate::their_runs::folder::{parse_toml, read_text};

/// Reads `[runs] roots`; a missing file, table or key is no roots. A relative root is taken
/// from the folder of `worldbench.toml`.
pub fn read_roots(config_path: &Path) -> Result<Vec<PathBuf>> {
    let Some(text) = read_text(config_path)? else {
        return Ok(Vec::new());
    };
    let t = parse_toml(config_path, &text)?;
    let Some(runs) = t.get("runs") else {
        return Ok(Vec::new());
    };
    let Some(roots) = runs.get("roots") else {
        return Ok(Vec::new());
    };
    let bad = || StorageError::invalid(config_path, "[runs] roots must be a list of folder paths");
    let base = config_path.parent().unwrap_or(Path::new("."));
    roots
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| v.as_str().map(|s| base.join(s)).ok_or_else(bad))
        .collect()
}

/// Adds `root` to `[runs] roots` (unless there) and writes `worldbench.toml` atomically, keeping
/// its comments and other settings. Returns whether it was added.
pub fn add_root(config_path: &Path, root: &Path) -> Result<bool> {
    if read_roots(config_path)?.iter().any(|r| r == root) {
        return Ok(false);
    }
    let text = read_text(config_path)?.unwrap_or_default();
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        StorageError::invalid(config_path, format!("not valid TOML: {e}"))
    })?;
    let root_text = root.to_str().ok_or_else(|| {
        StorageError::invalid(root, "a runs folder's path must be valid UTF-8 to be saved")
    })?;
    if !doc.contains_key("runs") {
        doc["runs"] = toml_edit::table();
    }
    let runs = doc["runs"]
        .as_table_mut()
        .ok_or_else(|| StorageError::invalid(config_path, "[runs] must be a table"))?;
    if !runs.contains_key("roots") {
        runs["roots"] = toml_edit::value(toml_edit::Array::new());
    }
    let arr = runs["roots"]
        .as_array_mut()
        .ok_or_else(|| StorageError::invalid(config_path, "[runs] roots must be a list"))?;
    arr.push(root_text);
    write_atomic(config_path, doc.to_string().as_bytes())?;
    Ok(true)
}
