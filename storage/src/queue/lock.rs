//! The queue's locks. `queue/queue.lock` (exclusive `flock`) is held for every change to the
//! queue, briefly: whoever holds it reads the jobs, changes some and writes them, so two processes
//! never claim the same job and no write is lost. `queue/locks/<id>.lock` is held by the worker
//! that runs job `<id>` for as long as it runs: the kernel drops it when the worker dies, so "running
//! but its lock is free" means its worker is gone.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use crate::error::{Result, StorageError};

fn open(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| StorageError::io(path, e))
}

/// An exclusive lock on a file, released when dropped or when the process dies.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Waits for the lock.
    pub fn wait(path: &Path) -> Result<Self> {
        let file = open(path)?;
        file.lock().map_err(|e| StorageError::io(path, e))?;
        Ok(Self { _file: file })
    }

    /// Takes the lock if it is free.
    pub fn try_take(path: &Path) -> Result<Option<Self>> {
        let file = open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(StorageError::io(path, e)),
        }
    }
}

/// Whether a live process holds the lock on `path` (a missing file is not held).
pub fn is_held(path: &Path) -> bool {
    let Ok(file) = OpenOptions::new().read(true).open(path) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => false,
    }
}
