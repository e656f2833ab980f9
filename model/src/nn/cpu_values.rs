//! Access to the f32 values of CPU tensors inside the custom ops.

use candle_core::{CpuStorage, Layout, Storage, Tensor};

/// The contiguous f32 values of a CPU storage under `layout`; `what` names the tensor in errors
/// (e.g. "conv2d_nhwc input").
pub(crate) fn slice_of<'a>(
    s: &'a CpuStorage,
    l: &Layout,
    what: &str,
) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(v) = s else {
        candle_core::bail!("{what} must be f32")
    };
    let Some((a, b)) = l.contiguous_offsets() else {
        candle_core::bail!("{what} must be contiguous")
    };
    Ok(&v[a..b])
}

/// Runs `f` on the contiguous f32 values of a CPU tensor (copied first if not contiguous).
pub(crate) fn with_values<R>(
    t: &Tensor,
    what: &str,
    f: impl FnOnce(&[f32]) -> candle_core::Result<R>,
) -> candle_core::Result<R> {
    let t = if t.is_contiguous() {
        t.clone()
    } else {
        t.contiguous()?
    };
    let (storage, layout) = t.storage_and_layout();
    let Storage::Cpu(cpu) = &*storage else {
        candle_core::bail!("{what} is not on the CPU")
    };
    f(slice_of(cpu, layout, what)?)
}

#[cfg(test)]
pub(crate) mod test_util {
    use candle_core::Tensor;

    /// The largest absolute difference of `a` and `b`, relative to the largest magnitude in `b`
    /// (at least 1e-6).
    pub(crate) fn max_rel_diff(a: &Tensor, b: &Tensor) -> f32 {
        let a = a.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("a");
        let b = b.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("b");
        assert_eq!(a.len(), b.len());
        let scale = b.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
        a.iter()
            .zip(&b)
            .fold(0.0f32, |m, (x, y)| m.max((x - y).abs() / scale))
    }
}
