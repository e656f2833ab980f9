//! A bounds-checked wrapper around the `gemm` crate's f32 matrix product, used by the CPU
//! convolution. Matrices are described by their strides, so transposes cost nothing.

use crate::error::{ModelError, Result};

/// A read-only `rows × cols` matrix inside `data`: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy)]
pub struct MatRef<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major (contiguous) matrix.
    #[must_use]
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of this matrix (a view).
    #[must_use]
    pub fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    fn check(&self, what: &str) -> Result<()> {
        if self.rows == 0 || self.cols == 0 {
            return Ok(());
        }
        let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
        if last >= self.data.len() {
            return Err(ModelError::Invalid(format!(
                "gemm: {what} matrix {}x{} (strides {}, {}) exceeds its buffer of {}",
                self.rows,
                self.cols,
                self.row_stride,
                self.col_stride,
                self.data.len()
            )));
        }
        Ok(())
    }
}

/// `dst = a · b` (or `dst += a · b` when `accumulate`), with `dst` row-major `a.rows × b.cols`.
/// Uses all threads of the current rayon pool.
pub fn matmul(dst: &mut [f32], a: MatRef<'_>, b: MatRef<'_>, accumulate: bool) -> Result<()> {
    let threads = rayon::current_num_threads();
    matmul_with(dst, a, b, accumulate, threads)
}

/// [`matmul`] on the calling thread only (for work that is already split across threads).
pub fn matmul_serial(
    dst: &mut [f32],
    a: MatRef<'_>,
    b: MatRef<'_>,
    accumulate: bool,
) -> Result<()> {
    matmul_with(dst, a, b, accumulate, 1)
}

/// [`matmul`] on `threads` threads of the current rayon pool.
pub fn matmul_with(
    dst: &mut [f32],
    a: MatRef<'_>,
    b: MatRef<'_>,
    accumulate: bool,
    threads: usize,
) -> Result<()> {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if b.rows != k || dst.len() != m * n {
        return Err(ModelError::Invalid(format!(
            "gemm: shapes do not match: {}x{} · {}x{} into {} values",
            a.rows,
            a.cols,
            b.rows,
            b.cols,
            dst.len()
        )));
    }
    a.check("left")?;
    b.check("right")?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if !accumulate {
            dst.fill(0.0);
        }
        return Ok(());
    }
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the shapes and strides were checked above against the three buffers' lengths, all
    // strides are non-negative, and `dst` is an exclusive borrow that does not alias `a` or `b`.
    #[allow(unsafe_code)]
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_naive_product_with_transposes_and_accumulation() {
        let a: Vec<f32> = (0..6).map(|i| i as f32).collect(); // 2x3
        let b: Vec<f32> = (0..12).map(|i| (i as f32) * 0.5 - 2.0).collect(); // 3x4
        let mut dst = vec![1.0; 8];
        matmul(
            &mut dst,
            MatRef::row_major(&a, 2, 3),
            MatRef::row_major(&b, 3, 4),
            true,
        )
        .expect("gemm");
        for i in 0..2 {
            for j in 0..4 {
                let want: f32 = 1.0 + (0..3).map(|l| a[i * 3 + l] * b[l * 4 + j]).sum::<f32>();
                assert!((dst[i * 4 + j] - want).abs() < 1e-5);
            }
        }
        // aᵀ stored as 3x2, used through a transposed view.
        let at: Vec<f32> = vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0];
        let mut dst2 = vec![0.0; 8];
        matmul(
            &mut dst2,
            MatRef::row_major(&at, 3, 2).t(),
            MatRef::row_major(&b, 3, 4),
            false,
        )
        .expect("gemm");
        for (x, y) in dst.iter().zip(&dst2) {
            assert!((x - 1.0 - y).abs() < 1e-5);
        }
        assert!(matmul(
            &mut dst2,
            MatRef::row_major(&a, 2, 3),
            MatRef::row_major(&b, 2, 6),
            false
        )
        .is_err());
    }
}
