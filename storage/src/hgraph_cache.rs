//! The h-graph view's cache: what the app computed for one checkpoint (nodes, edges, projection,
//! per-node statistics), stored beside it as `step_000100.hgraph.safetensors` so that reopening the
//! view is instant. Plain arrays only; a cache older than its checkpoint is stale.
//!
//! Tensors (all little-endian): `centers` f32 [nodes, dim]; `node_of_frame` u32 [frames];
//! `edge_from`, `edge_to`, `edge_count` u32 [edges]; `edge_action` u8 [edges]; `pca_mean` f32 [dim];
//! `pca_axes` f32 [k, dim]; `pca_variance` f32 [k]; `node_coords` f32 [nodes, k] (node centres on
//! the principal axes); per node u32 [nodes]: `frame_count`, `in_degree`, `out_degree`,
//! `tiles_covered`, `scc`, `first_step`; `reach` f32 [nodes]; `node_tile` i16 [nodes, 2].
//! Metadata: `format`, `merge_radius`, `dataset_hash`, `checkpoint`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Result, StorageError};
use crate::tensors::{read_safetensors, write_safetensors, Dtype, TensorBlob};

/// The `format` metadata value of a cache file.
pub const HGRAPH_CACHE_FORMAT: &str = "worldbench.hgraph-cache/1";

/// `first_step` of a node no frame visits (cannot happen for a built graph).
pub const NEVER_VISITED: u32 = u32::MAX;

/// Everything the h-graph view shows for one checkpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HGraphCache {
    /// Dimension of h.
    pub dim: usize,
    /// Cosine-distance radius of the clustering.
    pub merge_radius: f32,
    /// Unit node centres, `nodes * dim`.
    pub centers: Vec<f32>,
    /// Node of each frame of the dataset.
    pub node_of_frame: Vec<u32>,
    pub edge_from: Vec<u32>,
    pub edge_to: Vec<u32>,
    pub edge_action: Vec<u8>,
    /// Transitions behind each edge.
    pub edge_count: Vec<u32>,
    /// PCA of the node centres: mean (`dim`), unit axes (`k * dim`), variance per axis (`k`).
    pub pca_mean: Vec<f32>,
    pub pca_axes: Vec<f32>,
    pub pca_variance: Vec<f32>,
    /// Node centres on the `k` principal axes, `nodes * k`.
    pub node_coords: Vec<f32>,
    /// Frames mapped to each node.
    pub frame_count: Vec<u32>,
    pub in_degree: Vec<u32>,
    pub out_degree: Vec<u32>,
    /// Distinct true tiles among each node's frames (0 when the dataset has no tiles).
    pub tiles_covered: Vec<u32>,
    /// Strongly connected component of each node.
    pub scc: Vec<u32>,
    /// Index of the first frame mapped to each node.
    pub first_step: Vec<u32>,
    /// Fraction of the other nodes reachable from each node.
    pub reach: Vec<f32>,
    /// Most frequent true tile `[row, col]` of each node's frames (`[-1, -1]` when unknown), `nodes * 2`.
    pub node_tile: Vec<i16>,
    /// Hash of the dataset the graph was built from.
    pub dataset_hash: String,
    /// The checkpoint file the cache belongs to (as given when it was written).
    pub checkpoint: String,
}

impl HGraphCache {
    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.frame_count.len()
    }

    /// Number of principal axes in `node_coords`.
    pub fn num_axes(&self) -> usize {
        self.pca_variance.len()
    }

    /// Each edge as `(from, to, action, count)`, in stored order.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, u8, u32)> + '_ {
        self.edge_from
            .iter()
            .zip(&self.edge_to)
            .zip(&self.edge_action)
            .zip(&self.edge_count)
            .map(|(((&from, &to), &action), &count)| (from, to, action, count))
    }

    /// Checks that every array has the length the others imply; `path` names the file in errors.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let n = self.num_nodes();
        let e = self.edge_from.len();
        let k = self.num_axes();
        let checks: [(&str, usize, usize); 16] = [
            ("centers", self.centers.len(), n * self.dim),
            ("edge_to", self.edge_to.len(), e),
            ("edge_action", self.edge_action.len(), e),
            ("edge_count", self.edge_count.len(), e),
            ("pca_mean", self.pca_mean.len(), self.dim),
            ("pca_axes", self.pca_axes.len(), k * self.dim),
            ("node_coords", self.node_coords.len(), n * k),
            ("in_degree", self.in_degree.len(), n),
            ("out_degree", self.out_degree.len(), n),
            ("tiles_covered", self.tiles_covered.len(), n),
            ("scc", self.scc.len(), n),
            ("first_step", self.first_step.len(), n),
            ("reach", self.reach.len(), n),
            ("node_tile", self.node_tile.len(), n * 2),
            (
                "node_of_frame (largest node id + 1)",
                self.node_of_frame
                    .iter()
                    .map(|&v| v as usize + 1)
                    .max()
                    .unwrap_or(0)
                    .min(n),
                self.node_of_frame
                    .iter()
                    .map(|&v| v as usize + 1)
                    .max()
                    .unwrap_or(0),
            ),
            (
                "edge endpoints (largest node id + 1)",
                self.edge_from
                    .iter()
                    .chain(&self.edge_to)
                    .map(|&v| v as usize + 1)
                    .max()
                    .unwrap_or(0)
                    .min(n),
                self.edge_from
                    .iter()
                    .chain(&self.edge_to)
                    .map(|&v| v as usize + 1)
                    .max()
                    .unwrap_or(0),
            ),
        ];
        for (name, got, want) in checks {
            if got != want {
                return Err(StorageError::invalid(
                    path,
                    format!(
                        "h-graph cache: {name} is {got}, expected {want}; delete the file to rebuild it"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The cache file of a checkpoint: `step_000100.safetensors` → `step_000100.hgraph.safetensors`.
pub fn cache_path(checkpoint: &Path) -> PathBuf {
    let stem = checkpoint
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    checkpoint.with_file_name(format!("{stem}.hgraph.safetensors"))
}

/// Whether the cache at `cache` exists and is at least as new as `checkpoint` (a checkpoint
/// rewritten after the cache, like `last`, makes it stale).
pub fn is_fresh(cache: &Path, checkpoint: &Path) -> bool {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (mtime(cache), mtime(checkpoint)) {
        (Some(c), Some(k)) => c >= k,
        _ => false,
    }
}

fn blob_u32(v: &[u32], shape: Vec<usize>) -> TensorBlob {
    TensorBlob::new(
        Dtype::U32,
        shape,
        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    )
}

fn blob_f32(v: &[f32], shape: Vec<usize>) -> TensorBlob {
    TensorBlob::new(
        Dtype::F32,
        shape,
        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    )
}

/// Writes `cache` to `path` atomically (after checking its array lengths).
pub fn write_cache(path: &Path, cache: &HGraphCache) -> Result<()> {
    cache.validate(path)?;
    let n = cache.num_nodes();
    let e = cache.edge_from.len();
    let k = cache.num_axes();
    let d = cache.dim;
    let tensors: Vec<(String, TensorBlob)> = vec![
        ("centers".into(), blob_f32(&cache.centers, vec![n, d])),
        (
            "node_of_frame".into(),
            blob_u32(&cache.node_of_frame, vec![cache.node_of_frame.len()]),
        ),
        ("edge_from".into(), blob_u32(&cache.edge_from, vec![e])),
        ("edge_to".into(), blob_u32(&cache.edge_to, vec![e])),
        ("edge_count".into(), blob_u32(&cache.edge_count, vec![e])),
        (
            "edge_action".into(),
            TensorBlob::new(Dtype::U8, vec![e], cache.edge_action.clone()),
        ),
        ("pca_mean".into(), blob_f32(&cache.pca_mean, vec![d])),
        ("pca_axes".into(), blob_f32(&cache.pca_axes, vec![k, d])),
        (
            "pca_variance".into(),
            blob_f32(&cache.pca_variance, vec![k]),
        ),
        (
            "node_coords".into(),
            blob_f32(&cache.node_coords, vec![n, k]),
        ),
        ("frame_count".into(), blob_u32(&cache.frame_count, vec![n])),
        ("in_degree".into(), blob_u32(&cache.in_degree, vec![n])),
        ("out_degree".into(), blob_u32(&cache.out_degree, vec![n])),
        (
            "tiles_covered".into(),
            blob_u32(&cache.tiles_covered, vec![n]),
        ),
        ("scc".into(), blob_u32(&cache.scc, vec![n])),
        ("first_step".into(), blob_u32(&cache.first_step, vec![n])),
        ("reach".into(), blob_f32(&cache.reach, vec![n])),
        (
            "node_tile".into(),
            TensorBlob::new(
                Dtype::I16,
                vec![n, 2],
                cache
                    .node_tile
                    .iter()
                    .flat_map(|x| x.to_le_bytes())
                    .collect(),
            ),
        ),
    ];
    let meta = HashMap::from([
        ("format".to_string(), HGRAPH_CACHE_FORMAT.to_string()),
        ("merge_radius".to_string(), cache.merge_radius.to_string()),
        ("dataset_hash".to_string(), cache.dataset_hash.clone()),
        ("checkpoint".to_string(), cache.checkpoint.clone()),
    ]);
    write_safetensors(path, &tensors, Some(meta))
}

/// Takes tensor `name` of `dtype` out of `tensors`, as little-endian values of 1, 2 or 4 bytes.
fn take<T>(
    path: &Path,
    tensors: &mut BTreeMap<String, TensorBlob>,
    name: &str,
    dtype: Dtype,
    from: impl Fn(&[u8]) -> T,
) -> Result<(Vec<T>, Vec<usize>)> {
    let blob = tensors.remove(name).ok_or_else(|| {
        StorageError::invalid(path, format!("h-graph cache: tensor {name:?} is missing"))
    })?;
    if blob.dtype != dtype {
        return Err(StorageError::invalid(
            path,
            format!(
                "h-graph cache: tensor {name:?} is {:?}, expected {dtype:?}",
                blob.dtype
            ),
        ));
    }
    let size = dtype.bitsize() / 8;
    Ok((blob.data.chunks_exact(size).map(from).collect(), blob.shape))
}

/// Reads a cache written by [`write_cache`]; a file of another format, a missing tensor or
/// inconsistent lengths are [`StorageError::Invalid`] naming the file.
pub fn read_cache(path: &Path) -> Result<HGraphCache> {
    let (mut t, meta) = read_safetensors(path)?;
    if meta.get("format").map(String::as_str) != Some(HGRAPH_CACHE_FORMAT) {
        return Err(StorageError::invalid(
            path,
            format!("not an h-graph cache (format is not {HGRAPH_CACHE_FORMAT})"),
        ));
    }
    let u32s = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let f32s = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let (centers, shape) = take(path, &mut t, "centers", Dtype::F32, f32s)?;
    let dim = shape.get(1).copied().unwrap_or(0);
    let merge_radius = meta
        .get("merge_radius")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| StorageError::invalid(path, "h-graph cache: no merge_radius metadata"))?;
    let cache = HGraphCache {
        dim,
        merge_radius,
        centers,
        node_of_frame: take(path, &mut t, "node_of_frame", Dtype::U32, u32s)?.0,
        edge_from: take(path, &mut t, "edge_from", Dtype::U32, u32s)?.0,
        edge_to: take(path, &mut t, "edge_to", Dtype::U32, u32s)?.0,
        edge_action: take(path, &mut t, "edge_action", Dtype::U8, |b| b[0])?.0,
        edge_count: take(path, &mut t, "edge_count", Dtype::U32, u32s)?.0,
        pca_mean: take(path, &mut t, "pca_mean", Dtype::F32, f32s)?.0,
        pca_axes: take(path, &mut t, "pca_axes", Dtype::F32, f32s)?.0,
        pca_variance: take(path, &mut t, "pca_variance", Dtype::F32, f32s)?.0,
        node_coords: take(path, &mut t, "node_coords", Dtype::F32, f32s)?.0,
        frame_count: take(path, &mut t, "frame_count", Dtype::U32, u32s)?.0,
        in_degree: take(path, &mut t, "in_degree", Dtype::U32, u32s)?.0,
        out_degree: take(path, &mut t, "out_degree", Dtype::U32, u32s)?.0,
        tiles_covered: take(path, &mut t, "tiles_covered", Dtype::U32, u32s)?.0,
        scc: take(path, &mut t, "scc", Dtype::U32, u32s)?.0,
        first_step: take(path, &mut t, "first_step", Dtype::U32, u32s)?.0,
        reach: take(path, &mut t, "reach", Dtype::F32, f32s)?.0,
        node_tile: take(path, &mut t, "node_tile", Dtype::I16, |b| {
            i16::from_le_bytes([b[0], b[1]])
        })?
        .0,
        dataset_hash: meta.get("dataset_hash").cloned().unwrap_or_default(),
        checkpoint: meta.get("checkpoint").cloned().unwrap_or_default(),
    };
    cache.validate(path)?;
    Ok(cache)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two nodes, three frames, one edge each way, two principal axes.
    fn sample() -> HGraphCache {
        HGraphCache {
            dim: 2,
            merge_radius: 0.05,
            centers: vec![1.0, 0.0, 0.0, 1.0],
            node_of_frame: vec![0, 1, 0],
            edge_from: vec![0, 1],
            edge_to: vec![1, 0],
            edge_action: vec![4, 3],
            edge_count: vec![1, 1],
            pca_mean: vec![0.5, 0.5],
            pca_axes: vec![0.7, -0.7, 0.7, 0.7],
            pca_variance: vec![0.5, 0.0],
            node_coords: vec![0.7, 0.0, -0.7, 0.0],
            frame_count: vec![2, 1],
            in_degree: vec![1, 1],
            out_degree: vec![1, 1],
            tiles_covered: vec![1, 1],
            scc: vec![0, 0],
            first_step: vec![0, 1],
            reach: vec![1.0, 1.0],
            node_tile: vec![12, 1, 12, 2],
            dataset_hash: "abc".into(),
            checkpoint: "step_000100.safetensors".into(),
        }
    }

    #[test]
    fn roundtrip_and_path_beside_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let ckpt = dir.path().join("step_000100.safetensors");
        let path = cache_path(&ckpt);
        assert_eq!(path, dir.path().join("step_000100.hgraph.safetensors"));
        assert!(!is_fresh(&path, &ckpt));
        std::fs::write(&ckpt, b"x").unwrap();
        write_cache(&path, &sample()).unwrap();
        assert_eq!(read_cache(&path).unwrap(), sample());
        assert!(is_fresh(&path, &ckpt));
        // A checkpoint rewritten later makes the cache stale.
        let later = std::time::SystemTime::now() + std::time::Duration::from_mins(1);
        std::fs::File::options()
            .write(true)
            .open(&ckpt)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(!is_fresh(&path, &ckpt));
    }

    #[test]
    fn inconsistent_or_foreign_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.hgraph.safetensors");
        let mut bad = sample();
        bad.reach.pop();
        let err = write_cache(&path, &bad).unwrap_err().to_string();
        assert!(err.contains("reach is 1, expected 2"), "{err}");
        assert!(!path.exists());
        let mut bad = sample();
        bad.edge_to[0] = 7;
        let err = write_cache(&path, &bad).unwrap_err().to_string();
        assert!(err.contains("edge endpoints"), "{err}");
        write_safetensors(&path, &[], None).unwrap();
        let err = read_cache(&path).unwrap_err().to_string();
        assert!(
            err.contains("c.hgraph.safetensors") && err.contains("not an h-graph cache"),
            "{err}"
        );
    }
}
