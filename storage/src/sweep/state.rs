//! `sweep.json`: the state of a registered sweep, beside its `sweep.toml`. It ties each cell
//! (params, seed) to its queue job and run folder, with the cell's status; written atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::expand::Cell;
use super::spec::Params;
use crate::error::{Result, StorageError};
use crate::queue::JobState;
use crate::run::RunKind;

pub const FORMAT: &str = "worldbench.sweep/1";

/// One cell × seed of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellState {
    /// [`Cell::key`].
    pub key: String,
    pub params: Params,
    pub seed: u64,
    pub status: JobState,
    /// The run folder, once the cell's job has started.
    #[serde(default)]
    pub run: Option<PathBuf>,
    /// The queue job that runs the cell.
    #[serde(default)]
    pub job: Option<String>,
}

/// `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepState {
    pub format: String,
    pub title: String,
    pub kind: RunKind,
    /// The absolute path of the gate a sweep of attempts follows.
    #[serde(default)]
    pub gate: Option<String>,
    /// The first failed cell cancels what is queued.
    #[serde(default)]
    pub fail_fast: bool,
    pub cells: Vec<CellState>,
}

impl SweepState {
    pub fn new(title: &str, kind: RunKind, gate: Option<String>) -> Self {
        Self {
            format: FORMAT.into(),
            title: title.into(),
            kind,
            gate,
            fail_fast: false,
            cells: Vec::new(),
        }
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| StorageError::invalid(path, format!("not a valid sweep.json: {e}")))
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| StorageError::invalid(path, format!("cannot encode sweep.json: {e}")))?;
        crate::atomic::write_atomic(path, &json)
    }

    pub fn cell(&self, key: &str) -> Option<&CellState> {
        self.cells.iter().find(|c| c.key == key)
    }

    pub fn cell_mut(&mut self, key: &str) -> Option<&mut CellState> {
        self.cells.iter_mut().find(|c| c.key == key)
    }

    /// Adds the cells it does not have yet (status queued, no job yet); returns their keys.
    pub fn add_missing(&mut self, cells: &[Cell]) -> Vec<String> {
        let mut added = Vec::new();
        for c in cells {
            let key = c.key();
            if self.cell(&key).is_none() {
                self.cells.push(CellState {
                    key: key.clone(),
                    params: c.params.clone(),
                    seed: c.seed,
                    status: JobState::Queued,
                    run: None,
                    job: None,
                });
                added.push(key);
            }
        }
        added
    }

    /// How many cells are in each state: (queued, running, completed, failed, cancelled).
    pub fn counts(&self) -> [usize; 5] {
        let mut n = [0; 5];
        for c in &self.cells {
            n[c.status as usize] += 1;
        }
        n
    }

    /// Whether no cell is queued or running.
    pub fn is_done(&self) -> bool {
        let [q, r, ..] = self.counts();
        q + r == 0
    }
}

/// The files of a registered sweep: `sweeps/<ts>.<slug>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepPaths {
    pub root: PathBuf,
}

impl SweepPaths {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    pub fn toml(&self) -> PathBuf {
        self.root.join("sweep.toml")
    }
    /// The file as first registered, kept when `sweep extend` changes `sweep.toml`, so that
    /// `sweep run` on the user's own unchanged file still finds this sweep.
    pub fn original_toml(&self) -> PathBuf {
        self.root.join("sweep.original.toml")
    }
    pub fn state(&self) -> PathBuf {
        self.root.join("sweep.json")
    }
}
