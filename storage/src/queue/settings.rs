//! `[queue]` of `worldbench.toml`: `max_parallel`, how many queued runs run at once. Default: 1 on
//! a machine with 4 cores or fewer, else a run per 4 cores. Each run gets its share of the cores
//! as threads, so runs do not fight for them.

use std::path::Path;

use crate::error::{Result, StorageError};

/// The queue's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSettings {
    pub max_parallel: usize,
}

/// The cores of this machine.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

impl QueueSettings {
    pub fn default_for(cores: usize) -> Self {
        Self {
            max_parallel: if cores <= 4 { 1 } else { cores / 4 },
        }
    }

    /// Reads `[queue]` of `worldbench.toml`; a missing file or key means the default.
    pub fn read(config_path: &Path) -> Result<Self> {
        let mut s = Self::default_for(cores());
        let text = match std::fs::read_to_string(config_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(s),
            Err(e) => return Err(StorageError::io(config_path, e)),
        };
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            StorageError::invalid(config_path, format!("not valid TOML: {}", e.message()))
        })?;
        if let Some(v) = table.get("queue").and_then(|q| q.get("max_parallel")) {
            match v.as_integer() {
                Some(n) if n >= 1 => s.max_parallel = n as usize,
                _ => {
                    return Err(StorageError::invalid(
                        config_path,
                        format!("[queue] max_parallel must be a positive integer, got {v}"),
                    ))
                }
            }
        }
        Ok(s)
    }

    /// Threads each run gets: the cores shared among the runs that run at once.
    pub fn threads_per_run(&self, cores: usize) -> usize {
        (cores / self.max_parallel.max(1)).max(1)
    }
}
