//! Atomic file writes: temporary file in the same folder, fsync, rename, fsync of the folder.
//!
//! Temporary files are named `.tmp-<pid>-<random>`, so whoever takes a run's lock can tell the
//! leftovers of a killed writer (its pid is gone) from a live writer's file
//! ([`is_stale_temp_name`]).

use std::io::Write;
use std::path::Path;

use crate::error::{Result, StorageError};

/// The name prefix of every temporary file this module writes.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Whether `name` is a temporary file of a writer that is no longer alive: `.tmp-<pid>-…` whose
/// process is gone, or a `.tmp-…` without a pid (written by an older version).
pub fn is_stale_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
        return false;
    };
    let pid = rest
        .split_once('-')
        .and_then(|(pid, _)| pid.parse::<u32>().ok());
    match pid {
        Some(pid) if pid == std::process::id() => false,
        Some(pid) => !Path::new("/proc").join(pid.to_string()).exists(),
        None => true,
    }
}

/// Writes `bytes` to `path` atomically; creates the parent folder if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes through `fill` into a temporary file beside `path`, then fsyncs and renames it over `path`.
/// Readers see either the old file or the new one, never a torn one.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .tempfile_in(dir)
        .map_err(|e| StorageError::io(dir, e))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file());
        fill(&mut w).map_err(|e| StorageError::io(path, e))?;
        w.flush().map_err(|e| StorageError::io(path, e))?;
    }
    if let Some(name) = path.file_name() {
        crate::failpoint::hit("mid_write", &name.to_string_lossy());
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| StorageError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| StorageError::io(path, e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
