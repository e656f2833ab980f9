//! A metrics CSV read column by column, whatever its columns: `f64` cells, `nan` (and an empty
//! cell) for a value not evaluated. Their `loss.csv` has ~75 columns that vary by version, so
//! nothing here knows a column's name.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Result, StorageError};

/// A CSV as columns of numbers. `columns[i]` holds the cells of header `names[i]`, one per row.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ColumnTable {
    /// The file it was read from (empty for a table built in memory).
    pub path: PathBuf,
    pub names: Vec<String>,
    pub columns: Vec<Vec<f64>>,
}

impl ColumnTable {
    /// Reads `path`; `Ok(None)` when the file does not exist. A row with a different number of
    /// cells than the header, or a cell that is not a number, is refused with its line.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StorageError::io(path, e)),
        }
    }

    /// Parses CSV text; `path` only names the file in errors. A last line cut short by a writer
    /// still appending (no trailing newline and too few cells) is dropped, not refused.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let (names, rows) = split_rows(path, text)?;
        let mut columns = vec![Vec::new(); names.len()];
        for (line_no, cells) in rows {
            for (col, cell) in columns.iter_mut().zip(&cells) {
                col.push(parse_cell(cell).ok_or_else(|| {
                    StorageError::invalid(path, format!("line {line_no}: {cell:?} is not a number"))
                })?);
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            names,
            columns,
        })
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(&self.columns[i])
    }

    /// The cells of row `row`, with their column names.
    pub fn row(&self, row: usize) -> Vec<(String, f64)> {
        self.names
            .iter()
            .zip(&self.columns)
            .filter_map(|(n, c)| c.get(row).map(|v| (n.clone(), *v)))
            .collect()
    }

    /// The last row, if any.
    pub fn last_row(&self) -> Option<Vec<(String, f64)>> {
        self.rows().checked_sub(1).map(|r| self.row(r))
    }

    /// Renames columns through `f` (a name it maps to `None` keeps its name).
    pub fn rename(&mut self, f: impl Fn(&str) -> Option<&'static str>) {
        for n in &mut self.names {
            if let Some(new) = f(n) {
                *n = new.to_string();
            }
        }
    }
}

/// One CSV row: its line number and its cells.
pub(crate) type CsvRow<'t> = (usize, Vec<&'t str>);

/// A CSV's header and its rows (line number, cells), each row as wide as the header: a ragged
/// row is refused with its line, except a last line cut short by a writer still appending (no
/// trailing newline and too few cells), which is dropped.
pub(crate) fn split_rows<'t>(path: &Path, text: &'t str) -> Result<(Vec<String>, Vec<CsvRow<'t>>)> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let names: Vec<String> = header.split(',').map(|c| c.trim().to_string()).collect();
    let rows: Vec<(usize, &str)> = lines.collect();
    let complete = text.ends_with('\n');
    let mut out = Vec::with_capacity(rows.len());
    for (i, &(idx, line)) in rows.iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let line_no = idx + 1;
        if cells.len() != names.len() {
            if i + 1 == rows.len() && !complete && cells.len() < names.len() {
                break;
            }
            return Err(StorageError::invalid(
                path,
                format!(
                    "line {line_no}: {} cells, but the header has {} columns (a ragged row)",
                    cells.len(),
                    names.len()
                ),
            ));
        }
        out.push((line_no, cells));
    }
    Ok((names, out))
}

/// A cell: a number, or `nan`/`inf` in any case, or empty (NaN); booleans as 1/0.
pub(crate) fn parse_cell(cell: &str) -> Option<f64> {
    let c = cell.trim().trim_matches('"');
    if c.is_empty() {
        return Some(f64::NAN);
    }
    match c.to_ascii_lowercase().as_str() {
        "true" => return Some(1.0),
        "false" => return Some(0.0),
        _ => {}
    }
    c.parse::<f64>().ok()
}
