//! Registering a sweep file in the workspace: `sweeps/<ts>.<slug>/sweep.toml`, a copy of the
//! file. A file whose content is already registered (as it is now, or as it was before
//! `sweep extend` changed it) gets that sweep back, so `sweep run` on the same file twice is one sweep.

use std::path::{Path, PathBuf};

use super::state::SweepPaths;
use crate::error::{Result, StorageError};
use crate::workspace::{slugify, timestamp_now};

/// `<workspace>/sweeps`.
pub fn sweeps_dir(workspace: &Path) -> PathBuf {
    workspace.join("sweeps")
}

/// The registered sweep of `file`: the folder `file` is in when it is a registered sweep's own
/// `sweep.toml`, else the sweep with the same content, else a new folder with a copy. Returns the
/// sweep and whether it is new.
pub fn register(workspace: &Path, file: &Path, title: &str) -> Result<(SweepPaths, bool)> {
    let text = std::fs::read(file).map_err(|e| StorageError::io(file, e))?;
    let dir = sweeps_dir(workspace);
    if let Some(parent) = file.parent() {
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if parent.parent().is_some_and(|p| same(p, &dir)) {
            return Ok((SweepPaths::new(parent), false));
        }
    }
    for existing in list(workspace) {
        let same = |p: PathBuf| std::fs::read(p).is_ok_and(|t| t == text);
        if same(existing.toml()) || same(existing.original_toml()) {
            return Ok((existing, false));
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| StorageError::io(&dir, e))?;
    let base = format!("{}.{}", timestamp_now(), slugify(title));
    for n in 1u32.. {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let root = dir.join(name);
        match std::fs::create_dir(&root) {
            Ok(()) => {
                let paths = SweepPaths::new(root);
                crate::atomic::write_atomic(&paths.toml(), &text)?;
                return Ok((paths, true));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StorageError::io(&root, e)),
        }
    }
    Err(StorageError::invalid(&dir, "no free sweep folder name"))
}

/// The registered sweeps (folders of `sweeps/` with a `sweep.toml`), sorted by name.
pub fn list(workspace: &Path) -> Vec<SweepPaths> {
    let Ok(entries) = std::fs::read_dir(sweeps_dir(workspace)) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("sweep.toml").is_file())
        .collect();
    out.sort();
    out.into_iter().map(SweepPaths::new).collect()
}
