//! Atomic file writes: temporary file in the same folder, fsync, rename, fsync of the folder.

use std::io::Write;
use std::path::Path;

use crate::error::{Result, StorageError};

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
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| StorageError::io(dir, e))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file());
        fill(&mut w).map_err(|e| StorageError::io(path, e))?;
        w.flush().map_err(|e| StorageError::io(path, e))?;
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
