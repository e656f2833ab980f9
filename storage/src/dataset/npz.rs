//! Reading and writing the small numeric arrays of `.npz` archives (numpy's `np.savez`).

use std::io::{Cursor, Read};
use std::path::Path;

use npyz::npz::{NpzArchive, NpzWriter};
use npyz::{DType, NpyFile, Order, TypeChar, WriterBuilder};

use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};

/// A numeric array in C (row-major) order, every value widened to `f64` (exact for the integers
/// and positions these files hold).
#[derive(Debug, Clone, PartialEq)]
pub struct NumArray {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

/// An opened `.npz` file.
pub struct Npz {
    path: std::path::PathBuf,
    archive: NpzArchive<std::io::BufReader<std::fs::File>>,
}

impl Npz {
    /// Opens `path`; errors name it (missing, or not a zip archive).
    pub fn open(path: &Path) -> Result<Self> {
        crate::files::require_regular_file(path, "file missing")?;
        let archive = NpzArchive::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                StorageError::invalid(path, format!("not a valid .npz (zip) archive: {e}"))
            }
            _ => StorageError::io(path, e),
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            archive,
        })
    }

    /// Array names in archive order (the order `np.savez` wrote them: arr_0, arr_1, …).
    pub fn names(&mut self) -> Vec<String> {
        let zip = self.archive.zip_archive();
        (0..zip.len())
            .filter_map(|i| {
                let file = zip.by_index_raw(i).ok()?;
                npyz::npz::array_name_from_file_name(file.name()).map(str::to_string)
            })
            .collect()
    }

    /// The array `name`, or `None` when the archive has no such array. The `.npy` entry is read
    /// into memory (at most [`MAX_NPY_BYTES`]) and its header checked by [`check_npy_header`]
    /// before npyz parses it: npyz multiplies the shape without overflow checks and trusts it.
    pub fn get(&mut self, name: &str) -> Result<Option<NumArray>> {
        use npyz::zip::result::ZipError;
        let path = self.path.clone();
        let bad = |e: std::io::Error| StorageError::invalid(&path, format!("array {name:?}: {e}"));
        let zip = self.archive.zip_archive();
        let mut entry = match zip.by_name(&npyz::npz::file_name_from_array_name(name)) {
            Ok(entry) => entry,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(ZipError::Io(e)) => return Err(bad(e)),
            Err(e) => return Err(bad(invalid_data(e.to_string()))),
        };
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_NPY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(bad)?;
        if bytes.len() as u64 > MAX_NPY_BYTES {
            return Err(bad(invalid_data(format!(
                "larger than {MAX_NPY_BYTES} bytes"
            ))));
        }
        check_npy_header(&bytes).map_err(bad)?;
        let file = NpyFile::new(Cursor::new(bytes)).map_err(bad)?;
        read_numeric(file).map(Some).map_err(bad)
    }
}

/// Largest `.npy` entry read (uncompressed): 1 GiB, far above any actions or infos array.
pub const MAX_NPY_BYTES: u64 = 1 << 30;

/// Checks a `.npy` header's shape before npyz sees it: the element count must not overflow and
/// the data must hold that many elements of the dtype's size. A header this cannot parse is left
/// to npyz, which refuses it.
fn check_npy_header(bytes: &[u8]) -> std::io::Result<()> {
    let Some(rest) = bytes.strip_prefix(b"\x93NUMPY") else {
        return Ok(());
    };
    let (text, data_len) = match rest {
        [1, _, a, b, tail @ ..] => {
            let n = usize::from(u16::from_le_bytes([*a, *b]));
            (tail.get(..n), tail.len().saturating_sub(n))
        }
        [2 | 3, _, a, b, c, d, tail @ ..] => {
            let n = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
            (tail.get(..n), tail.len().saturating_sub(n))
        }
        _ => return Ok(()),
    };
    let Some(text) = text.and_then(|t| std::str::from_utf8(t).ok()) else {
        return Ok(());
    };
    let Some(dims) = text
        .split_once("'shape'")
        .and_then(|(_, r)| r.split_once('('))
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(dims, _)| dims)
    else {
        return Ok(());
    };
    let mut numel: u64 = 1;
    for d in dims.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let Ok(d) = d.trim_end_matches('L').parse::<u64>() else {
            return Ok(());
        };
        numel = numel
            .checked_mul(d)
            .ok_or_else(|| invalid_data(format!("shape ({dims}) has too many elements")))?;
    }
    // The item size: the digits that end the descr ('<u8' → 8, '|b1' → 1).
    let item = text
        .split_once("'descr'")
        .and_then(|(_, r)| r.split('\'').nth(1))
        .map_or(1, |descr| {
            let digits = descr.trim_start_matches(|c: char| !c.is_ascii_digit());
            digits.parse::<u64>().unwrap_or(1)
        });
    match numel.checked_mul(item) {
        Some(need) if need <= data_len as u64 => Ok(()),
        need => Err(invalid_data(format!(
            "shape ({dims}) needs {} bytes of data but the array holds {data_len}",
            need.map_or_else(|| "too many".to_string(), |n| n.to_string())
        ))),
    }
}

fn invalid_data(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

/// Reads a bool, integer or float array of any width as `f64`, in C order.
fn read_numeric<R: Read>(file: NpyFile<R>) -> std::io::Result<NumArray> {
    let shape: Vec<usize> = file.shape().iter().map(|&d| d as usize).collect();
    let order = file.order();
    let DType::Plain(ts) = file.dtype() else {
        return Err(invalid_data("not a plain numeric array".to_string()));
    };
    let values: Vec<f64> = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Bool, _) => convert(file.into_vec::<bool>()?, |b| f64::from(u8::from(b))),
        (TypeChar::Uint, 1) => widen(file.into_vec::<u8>()?),
        (TypeChar::Uint, 2) => widen(file.into_vec::<u16>()?),
        (TypeChar::Uint, 4) => widen(file.into_vec::<u32>()?),
        (TypeChar::Uint, 8) => convert(file.into_vec::<u64>()?, |v| v as f64),
        (TypeChar::Int, 1) => widen(file.into_vec::<i8>()?),
        (TypeChar::Int, 2) => widen(file.into_vec::<i16>()?),
        (TypeChar::Int, 4) => widen(file.into_vec::<i32>()?),
        (TypeChar::Int, 8) => convert(file.into_vec::<i64>()?, |v| v as f64),
        (TypeChar::Float, 4) => widen(file.into_vec::<f32>()?),
        (TypeChar::Float, 8) => file.into_vec::<f64>()?,
        _ => return Err(invalid_data(format!("unsupported dtype {ts}"))),
    };
    let values = if order == Order::Fortran && shape.len() == 2 {
        transpose(&values, shape[1], shape[0])
    } else if order == Order::Fortran && shape.len() > 2 {
        return Err(invalid_data(
            "Fortran-order arrays of more than 2 dimensions are not supported".into(),
        ));
    } else {
        values
    };
    Ok(NumArray { shape, values })
}

fn widen<T: Into<f64>>(v: Vec<T>) -> Vec<f64> {
    convert(v, Into::into)
}

/// Every value of `v` through `f`.
fn convert<T>(v: Vec<T>, f: impl Fn(T) -> f64) -> Vec<f64> {
    v.into_iter().map(f).collect()
}

/// Transposes a row-major `[rows, cols]` matrix.
fn transpose(values: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

/// One array to write: `u8` or `i64` data in C order.
pub enum NpzEntry<'a> {
    U8 {
        name: &'a str,
        shape: Vec<u64>,
        data: &'a [u8],
    },
    I64 {
        name: &'a str,
        shape: Vec<u64>,
        data: &'a [i64],
    },
}

/// Writes the arrays as an uncompressed `.npz` (as `np.savez` does), atomically.
pub fn write_npz(path: &Path, entries: &[NpzEntry<'_>]) -> Result<()> {
    let io = |e: std::io::Error| StorageError::io(path, e);
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    // A fixed entry time (zip's 1980-01-01), not "now": the same arrays give the same bytes, so a
    // dataset's content hash does not depend on when its files were written.
    let opts = || {
        npyz::zip::write::FileOptions::default()
            .compression_method(npyz::zip::CompressionMethod::Stored)
            .last_modified_time(npyz::zip::DateTime::default())
    };
    for entry in entries {
        match entry {
            NpzEntry::U8 { name, shape, data } => {
                let mut w = npz
                    .array::<u8>(name, opts())
                    .map_err(io)?
                    .default_dtype()
                    .shape(shape)
                    .begin_nd()
                    .map_err(io)?;
                w.extend(data.iter().copied()).map_err(io)?;
                w.finish().map_err(io)?;
            }
            NpzEntry::I64 { name, shape, data } => {
                let mut w = npz
                    .array::<i64>(name, opts())
                    .map_err(io)?
                    .default_dtype()
                    .shape(shape)
                    .begin_nd()
                    .map_err(io)?;
                w.extend(data.iter().copied()).map_err(io)?;
                w.finish().map_err(io)?;
            }
        }
    }
    let cursor = npz
        .zip_writer()
        .finish()
        .map_err(|e| io(std::io::Error::other(e)))?;
    write_atomic(path, cursor.get_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_u8_and_i64_arrays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npz");
        let a = [1u8, 2, 3, 4, 5, 6];
        let b = [-5i64, 70000];
        write_npz(
            &path,
            &[
                NpzEntry::U8 {
                    name: "actions",
                    shape: vec![2, 3],
                    data: &a,
                },
                NpzEntry::I64 {
                    name: "agent_x",
                    shape: vec![2],
                    data: &b,
                },
            ],
        )
        .unwrap();
        let mut npz = Npz::open(&path).unwrap();
        assert_eq!(npz.names(), vec!["actions", "agent_x"]);
        let got = npz.get("actions").unwrap().unwrap();
        assert_eq!(got.shape, vec![2, 3]);
        assert_eq!(got.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(
            npz.get("agent_x").unwrap().unwrap().values,
            vec![-5.0, 70000.0]
        );
        assert!(npz.get("nope").unwrap().is_none());

        // Entries carry a fixed time, not the moment of writing: the same arrays, the same bytes.
        let mut zip = npyz::zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        for i in 0..zip.len() {
            let t = zip.by_index(i).unwrap().last_modified();
            assert_eq!(
                (t.year(), t.month(), t.day(), t.hour(), t.minute()),
                (1980, 1, 1, 0, 0)
            );
        }
    }

    #[test]
    fn names_come_in_archive_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.npz");
        let names = ["zeta", "alpha", "mid", "beta", "arr_0"];
        let entries: Vec<NpzEntry<'_>> = names
            .iter()
            .map(|n| NpzEntry::U8 {
                name: n,
                shape: vec![1],
                data: &[1],
            })
            .collect();
        write_npz(&path, &entries).unwrap();
        assert_eq!(Npz::open(&path).unwrap().names(), names);
    }

    #[test]
    fn not_a_zip_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.npz");
        std::fs::write(&path, b"not a zip").unwrap();
        let err = Npz::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("bad.npz") && err.contains("not a valid .npz"),
            "{err}"
        );
    }

    #[test]
    fn transpose_swaps_axes() {
        // [[1,2,3],[4,5,6]] -> [[1,4],[2,5],[3,6]]
        let t = transpose(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
        assert_eq!(t, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }

    /// An `.npz` whose `actions.npy` header claims `shape` over 10 bytes of data.
    fn npz_claiming(shape: &str) -> Vec<u8> {
        let mut header = format!("{{'descr': '|u1', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        npy.extend((header.len() as u16).to_le_bytes());
        npy.extend(header.as_bytes());
        npy.extend([0u8; 10]);
        let mut zip = npyz::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = npyz::zip::write::FileOptions::default()
            .compression_method(npyz::zip::CompressionMethod::Stored);
        zip.start_file("actions.npy", opts).unwrap();
        std::io::Write::write_all(&mut zip, &npy).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn shapes_that_overflow_or_exceed_the_data_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.npz");
        for (shape, want) in [
            ("(4611686018427387904, 8)", "too many elements"),
            ("(1000000000000,)", "needs 1000000000000 bytes"),
            ("(11,)", "needs 11 bytes of data but the array holds 10"),
        ] {
            std::fs::write(&path, npz_claiming(shape)).unwrap();
            let e = Npz::open(&path)
                .unwrap()
                .get("actions")
                .unwrap_err()
                .to_string();
            assert!(e.contains("a.npz") && e.contains(want), "{shape}: {e}");
        }
        std::fs::write(&path, npz_claiming("(10,)")).unwrap();
        let a = Npz::open(&path).unwrap().get("actions").unwrap().unwrap();
        assert_eq!(a.shape, vec![10]);
    }
}
