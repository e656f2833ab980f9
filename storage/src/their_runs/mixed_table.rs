//! A CSV whose cells may be words as well as numbers, every column kept: their
//! `planning_anchor_metrics.csv` has `h_metric` (`cosine`, `l2`) beside its numbers.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::table::{parse_cell, split_rows};
use crate::error::{Result, StorageError};

/// One cell: a number (`nan` for not evaluated, as [`super::ColumnTable`] reads it) or a word.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Number(f64),
    Text(String),
}

impl Cell {
    pub fn number(&self) -> Option<f64> {
        match self {
            Self::Number(v) => Some(*v),
            Self::Text(_) => None,
        }
    }
}

/// A CSV as rows of cells under `names`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MixedTable {
    /// The file it was read from.
    pub path: PathBuf,
    pub names: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl MixedTable {
    /// Reads `path`; an empty table when the file does not exist. A ragged row is refused with
    /// its line (as [`super::ColumnTable::read`]).
    pub fn read(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    path: path.to_path_buf(),
                    ..Self::default()
                })
            }
            Err(e) => return Err(StorageError::io(path, e)),
        };
        let (names, rows) = split_rows(path, &text)?;
        let rows = rows
            .into_iter()
            .map(|(_, cells)| {
                cells
                    .iter()
                    .map(|c| match parse_cell(c) {
                        Some(v) => Cell::Number(v),
                        None => Cell::Text(c.trim().trim_matches('"').to_string()),
                    })
                    .collect()
            })
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            names,
            rows,
        })
    }

    /// The cell of `column` in row `row`.
    pub fn cell(&self, row: usize, column: &str) -> Option<&Cell> {
        let i = self.names.iter().position(|n| n == column)?;
        self.rows.get(row)?.get(i)
    }
}
