//! Safetensors files: named tensors of raw little-endian bytes plus string metadata.
//!
//! Writing streams the tensors into an atomic write (no second copy of the data in memory); reading
//! checks the whole file and names it in every error. Python reads these files with
//! `safetensors.numpy.load_file`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use safetensors::tensor::{Metadata, TensorInfo};
pub use safetensors::Dtype;

use crate::atomic::write_atomic_with;
use crate::error::{Result, StorageError};

/// One tensor, owning its bytes: `data` holds `shape.product() * dtype.size()` little-endian bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorBlob {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

/// One tensor borrowing its bytes (for writing large arrays without copying them).
#[derive(Debug, Clone, Copy)]
pub struct TensorRef<'a> {
    pub dtype: Dtype,
    pub shape: &'a [usize],
    pub data: &'a [u8],
}

impl TensorBlob {
    pub fn new(dtype: Dtype, shape: Vec<usize>, data: Vec<u8>) -> Self {
        Self { dtype, shape, data }
    }

    /// A borrowed view of this tensor.
    pub fn as_ref(&self) -> TensorRef<'_> {
        TensorRef {
            dtype: self.dtype,
            shape: &self.shape,
            data: &self.data,
        }
    }

    /// Number of elements (product of the shape).
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Bytes that `shape` of `dtype` needs, or `None` on overflow.
fn expected_bytes(dtype: Dtype, shape: &[usize]) -> Option<usize> {
    let numel = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    numel
        .checked_mul(dtype.bitsize())?
        .checked_add(7)
        .map(|b| b / 8)
}

/// Writes `tensors` and `metadata` to `path` atomically (see [`write_safetensors_refs`]).
#[allow(clippy::implicit_hasher)] // safetensors' own header type takes std's HashMap
pub fn write_safetensors(
    path: &Path,
    tensors: &[(String, TensorBlob)],
    metadata: Option<HashMap<String, String>>,
) -> Result<()> {
    let refs: Vec<(String, TensorRef<'_>)> = tensors
        .iter()
        .map(|(n, t)| (n.clone(), t.as_ref()))
        .collect();
    write_safetensors_refs(path, &refs, metadata)
}

/// Writes borrowed tensors to `path` atomically. Tensors are laid out by descending dtype alignment,
/// then name, as the safetensors crate does, so every tensor is aligned. Errors if a tensor's byte
/// length disagrees with its shape and dtype, or a name repeats.
#[allow(clippy::implicit_hasher)]
pub fn write_safetensors_refs(
    path: &Path,
    tensors: &[(String, TensorRef<'_>)],
    metadata: Option<HashMap<String, String>>,
) -> Result<()> {
    let mut order: Vec<&(String, TensorRef<'_>)> = tensors.iter().collect();
    order.sort_by(|(ln, l), (rn, r)| r.dtype.cmp(&l.dtype).then(ln.cmp(rn)));
    let header = header_bytes(path, &order, metadata)?;
    write_atomic_with(path, |w| {
        w.write_all(&(header.len() as u64).to_le_bytes())?;
        w.write_all(&header)?;
        for (_, t) in &order {
            w.write_all(t.data)?;
        }
        Ok(())
    })
}

/// The JSON header, padded with spaces to a multiple of 8 bytes.
fn header_bytes(
    path: &Path,
    order: &[&(String, TensorRef<'_>)],
    metadata: Option<HashMap<String, String>>,
) -> Result<Vec<u8>> {
    let mut infos = Vec::with_capacity(order.len());
    let mut offset = 0usize;
    for (name, t) in order {
        let want = expected_bytes(t.dtype, t.shape);
        if want != Some(t.data.len()) {
            return Err(StorageError::invalid(
                path,
                format!(
                    "tensor {name:?}: {} bytes of data but shape {:?} of {:?} needs {}",
                    t.data.len(),
                    t.shape,
                    t.dtype,
                    want.map_or_else(|| "too many".to_string(), |b| b.to_string())
                ),
            ));
        }
        if infos.iter().any(|(n, _): &(String, TensorInfo)| n == name) {
            return Err(StorageError::invalid(
                path,
                format!("tensor {name:?} given twice"),
            ));
        }
        let info = TensorInfo {
            dtype: t.dtype,
            shape: t.shape.to_vec(),
            data_offsets: (offset, offset + t.data.len()),
        };
        offset += t.data.len();
        infos.push((name.clone(), info));
    }
    let meta = Metadata::new(metadata, infos).map_err(|e| {
        StorageError::invalid(path, format!("cannot build safetensors header: {e}"))
    })?;
    let mut bytes = serde_json::to_vec(&meta).map_err(|e| {
        StorageError::invalid(path, format!("cannot encode safetensors header: {e}"))
    })?;
    bytes.resize(bytes.len().next_multiple_of(8), b' ');
    Ok(bytes)
}

/// Reads every tensor and the string metadata of a safetensors file. A missing file is an I/O error
/// naming it; a truncated or corrupt one is [`StorageError::Invalid`] "truncated or not a
/// safetensors file: …".
pub fn read_safetensors(
    path: &Path,
) -> Result<(BTreeMap<String, TensorBlob>, HashMap<String, String>)> {
    let buffer = std::fs::read(path).map_err(|e| StorageError::io(path, e))?;
    parse_safetensors(path, &buffer)
}

/// Parses the bytes of a safetensors file; `path` only names it in errors.
pub fn parse_safetensors(
    path: &Path,
    buffer: &[u8],
) -> Result<(BTreeMap<String, TensorBlob>, HashMap<String, String>)> {
    let (n, meta) = safetensors::SafeTensors::read_metadata(buffer).map_err(|e| {
        StorageError::invalid(path, format!("truncated or not a safetensors file: {e}"))
    })?;
    let data = &buffer[8 + n..];
    let mut out = BTreeMap::new();
    for (name, info) in meta.tensors() {
        let (start, end) = info.data_offsets;
        let bytes = data.get(start..end).ok_or_else(|| {
            StorageError::invalid(
                path,
                format!(
                    "truncated or not a safetensors file: tensor {name:?} lies outside the file"
                ),
            )
        })?;
        let blob = TensorBlob::new(info.dtype, info.shape.clone(), bytes.to_vec());
        out.insert(name, blob);
    }
    Ok((out, meta.metadata().clone().unwrap_or_default()))
}

/// Where one tensor's bytes lie in a safetensors file (see [`read_safetensors_header`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSlot {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    /// Byte offset of the tensor's first byte from the start of the file.
    pub file_offset: u64,
    /// Number of bytes of the tensor.
    pub len_bytes: usize,
}

/// Largest JSON header accepted (the safetensors crate's own limit).
const MAX_HEADER_BYTES: u64 = 100_000_000;

/// Reads only the header of the safetensors file `file` (opened from `path`, which names it in
/// errors): where each tensor lies and the string metadata. The header is validated as the
/// safetensors crate does (contiguous offsets, sizes that match shapes) and the file must be exactly
/// as long as header plus data; otherwise [`StorageError::Invalid`] "truncated or not a safetensors
/// file: …".
pub fn read_safetensors_header(
    path: &Path,
    file: &std::fs::File,
) -> Result<(BTreeMap<String, TensorSlot>, HashMap<String, String>)> {
    let bad = |what: String| {
        StorageError::invalid(path, format!("truncated or not a safetensors file: {what}"))
    };
    let file_len = file
        .metadata()
        .map_err(|e| StorageError::io(path, e))?
        .len();
    if file_len < 8 {
        return Err(bad(format!(
            "{file_len} bytes, shorter than the header length"
        )));
    }
    let n = u64::from_le_bytes(
        read_exact_at(path, file, 0, 8)?
            .try_into()
            .unwrap_or([0; 8]),
    );
    if n > MAX_HEADER_BYTES || 8 + n > file_len {
        return Err(bad(format!(
            "header of {n} bytes does not fit in {file_len} bytes"
        )));
    }
    let header_len = usize::try_from(n).map_err(|_| bad(format!("header of {n} bytes")))?;
    let header = read_exact_at(path, file, 8, header_len)?;
    let meta: Metadata =
        serde_json::from_slice(&header).map_err(|e| bad(format!("invalid header: {e}")))?;
    let data_start = 8 + n;
    if data_start + meta.data_len() as u64 != file_len {
        return Err(bad(format!(
            "the header describes {} bytes of data but the file holds {}",
            meta.data_len(),
            file_len - data_start
        )));
    }
    let slots = meta
        .tensors()
        .into_iter()
        .map(|(name, info)| {
            let (start, end) = info.data_offsets;
            let slot = TensorSlot {
                dtype: info.dtype,
                shape: info.shape.clone(),
                file_offset: data_start + start as u64,
                len_bytes: end - start,
            };
            (name, slot)
        })
        .collect();
    Ok((slots, meta.metadata().clone().unwrap_or_default()))
}

/// Reads `len` bytes of `file` (opened from `path`) at byte `offset`, without moving any shared
/// cursor (safe to call from several threads on one `File`).
pub fn read_exact_at(
    path: &Path,
    file: &std::fs::File,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    read_into_at(file, offset, &mut buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            StorageError::invalid(
                path,
                format!("truncated: cannot read {len} bytes at offset {offset}"),
            )
        } else {
            StorageError::io(path, e)
        }
    })?;
    Ok(buf)
}

#[cfg(unix)]
fn read_into_at(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_into_at(file: &std::fs::File, mut offset: u64, mut buf: &mut [u8]) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<(String, TensorBlob)> {
        let a = TensorBlob::new(Dtype::U8, vec![2, 3], vec![1, 2, 3, 4, 5, 6]);
        let b_vals: Vec<u8> = [7u32, 8, 9].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b = TensorBlob::new(Dtype::U32, vec![3], b_vals);
        vec![("a".to_string(), a), ("b".to_string(), b)]
    }

    #[test]
    fn roundtrip_with_metadata_and_readable_by_safetensors_crate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.safetensors");
        let meta = HashMap::from([("kind".to_string(), "test".to_string())]);
        write_safetensors(&path, &sample(), Some(meta.clone())).unwrap();
        let (tensors, got_meta) = read_safetensors(&path).unwrap();
        assert_eq!(got_meta, meta);
        assert_eq!(tensors.len(), 2);
        assert_eq!(tensors["a"], sample()[0].1);
        assert_eq!(tensors["b"], sample()[1].1);
        // The reference implementation agrees, and the wider dtype comes first (alignment).
        let bytes = std::fs::read(&path).unwrap();
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.tensor("b").unwrap().shape(), &[3]);
        let (_, m) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        assert_eq!(m.info("b").unwrap().data_offsets, (0, 12));
        assert_eq!(m.info("a").unwrap().data_offsets, (12, 18));
    }

    #[test]
    fn truncated_file_is_invalid_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.safetensors");
        write_safetensors(&path, &sample(), None).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let err = read_safetensors(&path).unwrap_err().to_string();
        assert!(err.contains("t.safetensors"), "{err}");
        assert!(err.contains("truncated or not a safetensors file"), "{err}");
        std::fs::write(&path, b"hello").unwrap();
        let err = read_safetensors(&path).unwrap_err().to_string();
        assert!(err.contains("truncated or not a safetensors file"), "{err}");
    }

    #[test]
    fn header_only_reading_finds_each_tensor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.safetensors");
        write_safetensors(&path, &sample(), None).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let (slots, meta) = read_safetensors_header(&path, &file).unwrap();
        assert!(meta.is_empty());
        for (name, blob) in sample() {
            let s = &slots[&name];
            assert_eq!(
                (s.dtype, &s.shape, s.len_bytes),
                (blob.dtype, &blob.shape, blob.data.len())
            );
            assert_eq!(
                read_exact_at(&path, &file, s.file_offset, s.len_bytes).unwrap(),
                blob.data
            );
        }
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let err = read_safetensors_header(&path, &file)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.safetensors") && err.contains("truncated"),
            "{err}"
        );
        let err = read_exact_at(&path, &file, 0, bytes.len())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.safetensors") && err.contains("truncated"),
            "{err}"
        );
    }

    #[test]
    fn missing_file_names_it() {
        let err = read_safetensors(Path::new("/nonexistent/x.safetensors")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.safetensors"));
    }

    #[test]
    fn wrong_data_length_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.safetensors");
        let bad = vec![(
            "x".to_string(),
            TensorBlob::new(Dtype::U32, vec![2], vec![0; 7]),
        )];
        let err = write_safetensors(&path, &bad, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("7 bytes of data"), "{err}");
        assert!(!path.exists());
    }
}
