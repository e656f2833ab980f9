//! `metrics/train.csv` grows by appending: one row is one `write` of a whole line (a `kill -9`
//! cannot tear it), the file is fsynced at checkpoints, and a resume first cuts the file back to
//! the checkpoint's step. The bytes are exactly those [`super::write_csv`] would write.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Result, StorageError};

/// Appends rows of `T` to one CSV file.
#[derive(Debug)]
pub struct CsvAppender<T> {
    file: File,
    path: PathBuf,
    has_header: bool,
    /// Bytes written through this appender (the header and the rows), for the I/O figures.
    pub bytes_written: u64,
    _row: PhantomData<T>,
}

impl<T: Serialize + DeserializeOwned> CsvAppender<T> {
    /// Opens `path` for appending after making its content exactly `keep` (rewritten atomically
    /// when it holds anything else: rows past a resume's step, or a torn last line).
    pub fn open(path: &Path, keep: &[T]) -> Result<Self> {
        let want = if keep.is_empty() {
            Vec::new()
        } else {
            super::encode_csv(path, keep, true)?
        };
        let current = match std::fs::read(path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(StorageError::io(path, e)),
        };
        let mut bytes_written = 0;
        // A new file needs no atomic write: it starts empty and grows by whole lines.
        let fresh = current.is_none() && want.is_empty();
        if !fresh && current.as_deref() != Some(want.as_slice()) {
            crate::atomic::write_atomic(path, &want)?;
            bytes_written += want.len() as u64;
        }
        let file = OpenOptions::new()
            .append(true)
            .create(fresh)
            .open(path)
            .map_err(|e| StorageError::io(path, e))?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            has_header: !want.is_empty(),
            bytes_written,
            _row: PhantomData,
        })
    }

    /// Appends one row (with the header line first when the file is empty) in a single write.
    pub fn append(&mut self, row: &T) -> Result<()> {
        let line = super::encode_csv(&self.path, std::slice::from_ref(row), !self.has_header)?;
        self.file
            .write_all(&line)
            .map_err(|e| StorageError::io(&self.path, e))?;
        self.has_header = true;
        self.bytes_written += line.len() as u64;
        Ok(())
    }

    /// Makes every appended row durable (called at checkpoints, before the checkpoint is written).
    pub fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(|e| StorageError::io(&self.path, e))
    }
}

/// The rows of a CSV whose writer may have been stopped mid-line: a last line without its newline
/// is left out. A missing file has no rows.
pub fn read_csv_whole_lines<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StorageError::io(path, e)),
    };
    let whole = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(i) => &bytes[..=i],
        None => &[][..],
    };
    super::read_csv_bytes(path, whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{read_csv, write_csv, TrainRow};

    fn row(step: u64) -> TrainRow {
        TrainRow {
            step,
            wall_s: step as f64 * 0.125,
            loss: 1.0 / step as f64,
            loss_pred: 0.5,
            loss_var: 0.25,
            loss_cov: 3e-7,
            lr: 3e-4,
            h_std: 0.9,
            h_norm: 8.0,
            steps_per_s: 10.0,
        }
    }

    #[test]
    fn appended_bytes_equal_a_full_write_and_resume_cuts_back() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a.csv"), tmp.path().join("b.csv"));
        let rows: Vec<TrainRow> = (1..=5).map(row).collect();
        let mut app = CsvAppender::open(&a, &[]).unwrap();
        for r in &rows {
            app.append(r).unwrap();
        }
        app.sync().unwrap();
        write_csv(&b, &rows).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        drop(app);

        // Resume at step 3: rows 4 and 5 go, then 4' is appended.
        let mut app = CsvAppender::open(&a, &rows[..3]).unwrap();
        let mut again = row(4);
        again.loss = 9.0;
        app.append(&again).unwrap();
        let got: Vec<TrainRow> = read_csv(&a).unwrap();
        assert_eq!(got, [&rows[..3], &[again][..]].concat());
    }

    #[test]
    fn a_torn_last_line_is_left_out() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("t.csv");
        write_csv(&p, &[row(1), row(2)]).unwrap();
        let mut text = std::fs::read_to_string(&p).unwrap();
        text.push_str("3,0.3,0.");
        std::fs::write(&p, text).unwrap();
        let got: Vec<TrainRow> = read_csv_whole_lines(&p).unwrap();
        assert_eq!(got, [row(1), row(2)]);
        assert!(
            read_csv_whole_lines::<TrainRow>(&tmp.path().join("none.csv"))
                .unwrap()
                .is_empty()
        );
    }
}
