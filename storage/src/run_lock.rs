//! Who owns a run folder: `run.lock`, held with an exclusive `flock` by the one process that trains
//! the run, for as long as it trains. The kernel drops the lock when that process dies, however it
//! dies, so "the manifest says running but nobody holds the lock" means the run was interrupted
//! (killed, or the machine went down).
//!
//! The file's content names the holder (pid, host, since, what) for the message a second trainer
//! gets; the lock itself, not the content, is the truth. The content is written in one small write
//! after the lock is taken (it is a lock file: renaming a new file over it would lose the lock).
//!
//! Taking the lock also removes the temporary files that killed writers left in the run folder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};
use crate::run::{RunPaths, RunStatus};

/// What `run.lock` says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    /// RFC 3339 local time the lock was taken.
    pub since: String,
    /// What holds it, e.g. "train".
    pub what: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (pid {} on {}, since {})",
            self.what, self.pid, self.host, self.since
        )
    }
}

/// An exclusive hold on a run folder; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
    /// Temporary files of dead writers removed when the lock was taken.
    pub removed_temp_files: Vec<PathBuf>,
}

impl RunLock {
    /// Takes the run's lock without waiting. A run already held is refused with an error that
    /// names the holder.
    pub fn acquire(run: &RunPaths, what: &str) -> Result<Self> {
        let path = lock_path(run);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StorageError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file).map_or_else(
                    || "another process (it has not yet written who it is)".to_string(),
                    |h| h.to_string(),
                );
                return Err(StorageError::invalid(
                    &path,
                    format!(
                        "this run is in use by {holder}; wait for it to finish or cancel it first"
                    ),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(StorageError::io(&path, e)),
        }
        let holder = LockHolder {
            pid: std::process::id(),
            host: host_name(),
            since: crate::run::now_rfc3339(),
            what: what.to_string(),
        };
        let mut json = serde_json::to_vec(&holder)
            .map_err(|e| StorageError::invalid(&path, format!("cannot encode the holder: {e}")))?;
        json.push(b'\n');
        file.set_len(0).map_err(|e| StorageError::io(&path, e))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| StorageError::io(&path, e))?;
        file.write_all(&json)
            .map_err(|e| StorageError::io(&path, e))?;
        let removed_temp_files = remove_stale_temp_files(run);
        Ok(Self {
            _file: file,
            path,
            removed_temp_files,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<run>/run.lock`.
pub fn lock_path(run: &RunPaths) -> PathBuf {
    run.root().join("run.lock")
}

/// Whether a live process holds the run's lock. A run folder without `run.lock` is not held.
pub fn is_held(run: &RunPaths) -> bool {
    holder(run).is_some()
}

/// The live holder of the run's lock, if any (its recorded identity, or a placeholder when it has
/// not written one yet).
pub fn holder(run: &RunPaths) -> Option<LockHolder> {
    let path = lock_path(run);
    let mut file = OpenOptions::new().read(true).open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(TryLockError::WouldBlock) => Some(read_holder(&mut file).unwrap_or(LockHolder {
            pid: 0,
            host: String::new(),
            since: String::new(),
            what: "unknown".into(),
        })),
        Err(TryLockError::Error(_)) => None,
    }
}

/// The status a reader should show: run.json's, except that `running` without a live holder of the
/// run's lock is [`RunStatus::Interrupted`].
pub fn observed_status(run: &RunPaths, written: RunStatus) -> RunStatus {
    if written == RunStatus::Running && !is_held(run) {
        RunStatus::Interrupted
    } else {
        written
    }
}

fn read_holder(file: &mut File) -> Option<LockHolder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

/// Removes the temporary files (`.tmp-<pid>-…`) of writers that are no longer alive from the run
/// folder, metrics/, checkpoints/ and logs/; returns what it removed.
pub fn remove_stale_temp_files(run: &RunPaths) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for dir in [
        run.root().to_path_buf(),
        run.metrics_dir(),
        run.checkpoints_dir(),
        run.logs_dir(),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if crate::atomic::is_stale_temp_name(name) && std::fs::remove_file(entry.path()).is_ok()
            {
                removed.push(entry.path());
            }
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_run_is_refused_with_its_holder_and_freed_on_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunPaths::new(tmp.path());
        assert!(!is_held(&run), "no lock file: not held");
        let lock = RunLock::acquire(&run, "train").unwrap();
        let h = holder(&run).expect("held");
        assert_eq!((h.pid, h.what.as_str()), (std::process::id(), "train"));
        let e = RunLock::acquire(&run, "train").unwrap_err().to_string();
        assert!(
            e.contains("run.lock")
                && e.contains(&format!("pid {}", std::process::id()))
                && e.contains("since"),
            "{e}"
        );
        assert_eq!(
            observed_status(&run, RunStatus::Running),
            RunStatus::Running
        );
        drop(lock);
        assert!(!is_held(&run));
        assert_eq!(
            observed_status(&run, RunStatus::Running),
            RunStatus::Interrupted
        );
        assert_eq!(
            observed_status(&run, RunStatus::Completed),
            RunStatus::Completed
        );
        let _again = RunLock::acquire(&run, "train").unwrap();
        assert!(is_held(&run));
    }

    #[test]
    fn taking_the_lock_removes_temp_files_of_dead_writers_only() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunPaths::new(tmp.path());
        run.create_dirs().unwrap();
        // A pid far above pid_max is never alive; an old-style name has no pid at all.
        let dead = run.checkpoints_dir().join(".tmp-4194305-abc");
        let old_style = run.metrics_dir().join(".tmp-Xy12ab");
        let live = run
            .metrics_dir()
            .join(format!(".tmp-{}-live", std::process::id()));
        let keep = run.metrics_dir().join("train.csv");
        for p in [&dead, &old_style, &live, &keep] {
            std::fs::write(p, b"x").unwrap();
        }
        let lock = RunLock::acquire(&run, "train").unwrap();
        let mut want = vec![dead.clone(), old_style.clone()];
        want.sort();
        assert_eq!(lock.removed_temp_files, want);
        assert!(live.exists() && keep.exists());
        assert!(!dead.exists() && !old_style.exists());
    }
}
