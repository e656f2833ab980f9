//! 2-D convolution (+ bias, + optional ReLU) on NHWC activations.
//!
//! On the CPU ([`ConvImpl::Im2col`]) the layer is one candle custom op: forward is im2col + gemm,
//! backward computes the bias, weight and (when asked for) input gradients directly with gemm and
//! col2im, reusing the forward's im2col matrix. Weights keep PyTorch's `[Cout, Cin, KH, KW]`
//! layout, so checkpoints are PyTorch `state_dict`s. [`ConvImpl::Candle`] uses candle's own
//! `conv2d` (NCHW, via permutes) and runs on any device (CUDA).

use std::time::Instant;

use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cpu_values::{slice_of, with_values};
use super::gemm::{matmul_serial, MatRef};
use super::profile;

/// Which convolution implementation the model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvImpl {
    /// The whole encoder (conv stack + fc) as one custom op, tiled over images so each tile's
    /// activations stay in cache (CPU only; fastest; see `encoder_op`).
    Fused,
    /// One im2col + gemm custom op per convolution layer (CPU only).
    Im2col,
    /// candle's `conv2d` (any device; slow backward on the CPU).
    Candle,
}

impl ConvImpl {
    /// The implementation to use on `device`.
    pub fn for_device(device: &candle_core::Device) -> Self {
        if device.is_cpu() {
            Self::Fused
        } else {
            Self::Candle
        }
    }
}

/// Geometry of one convolution (square or not), without the channel counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    pub kh: usize,
    pub kw: usize,
    pub stride: usize,
    pub pad: usize,
}

impl ConvSpec {
    pub fn square(k: usize, stride: usize, pad: usize) -> Self {
        Self {
            kh: k,
            kw: k,
            stride,
            pad,
        }
    }

    /// Output side for an input side `n`, or `None` if the kernel does not fit.
    pub fn out_len(&self, n: usize, k: usize) -> Option<usize> {
        let padded = n + 2 * self.pad;
        if padded < k || self.stride == 0 {
            return None;
        }
        Some((padded - k) / self.stride + 1)
    }
}

/// Options of one convolution layer.
#[derive(Debug, Clone, Copy)]
pub struct ConvOptions {
    pub spec: ConvSpec,
    /// Apply ReLU to the output.
    pub relu: bool,
    /// Compute the input gradient (false for the first layer, whose input is data).
    pub input_grad: bool,
    /// 1-based layer number, for the profiler's timer names.
    pub layer: usize,
}

/// `relu?(conv(x, w) + b)` with `x` `[N, H, W, Cin]`, `w` `[Cout, Cin, KH, KW]`, `b` `[Cout]`;
/// returns `[N, OH, OW, Cout]`.
pub fn conv2d_nhwc(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    opts: ConvOptions,
    imp: ConvImpl,
) -> candle_core::Result<Tensor> {
    match imp {
        ConvImpl::Fused | ConvImpl::Im2col => x.apply_op3(
            w,
            b,
            ConvNhwcOp {
                opts,
                chunk_floats: CHUNK_FLOATS,
            },
        ),
        ConvImpl::Candle => {
            let cout = w.dim(0)?;
            let nchw = x.permute((0, 3, 1, 2))?.contiguous()?;
            let y = nchw.conv2d(w, opts.spec.pad, opts.spec.stride, 1, 1)?;
            let y = y.broadcast_add(&b.reshape((1, cout, 1, 1))?)?;
            let y = if opts.relu { y.relu()? } else { y };
            y.permute((0, 2, 3, 1))?.contiguous()
        }
    }
}

/// Sizes of one convolution call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dims {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub cin: usize,
    pub cout: usize,
    pub oh: usize,
    pub ow: usize,
    pub spec: ConvSpec,
}

impl Dims {
    /// Columns of the im2col matrix (`KH·KW·Cin`).
    pub fn k(&self) -> usize {
        self.spec.kh * self.spec.kw * self.cin
    }
    /// Rows of the im2col matrix (`N·OH·OW`).
    pub fn m(&self) -> usize {
        self.n * self.oh * self.ow
    }

    pub fn new(x: &[usize], w: &[usize], b: &[usize], spec: ConvSpec) -> candle_core::Result<Self> {
        let (&[n, h, wd, cin], &[cout, wcin, kh, kw], &[bc]) = (x, w, b) else {
            candle_core::bail!("conv2d_nhwc: expected x [N,H,W,C], w [Cout,Cin,KH,KW], b [Cout]; got {x:?}, {w:?}, {b:?}")
        };
        if wcin != cin || bc != cout || kh != spec.kh || kw != spec.kw {
            candle_core::bail!(
                "conv2d_nhwc: shapes disagree: x {x:?}, w {w:?}, b {b:?}, kernel {}x{}",
                spec.kh,
                spec.kw
            )
        }
        let (Some(oh), Some(ow)) = (spec.out_len(h, kh), spec.out_len(wd, kw)) else {
            candle_core::bail!(
                "conv2d_nhwc: kernel {kh}x{kw} does not fit input {h}x{wd} with padding {}",
                spec.pad
            )
        };
        Ok(Self {
            n,
            h,
            w: wd,
            cin,
            cout,
            oh,
            ow,
            spec,
        })
    }
}

/// Timer names per layer and phase, static for the profiler: 0 forward and 1 backward (wall
/// time of the whole op), then per-chunk thread time of 2 im2col, 3 gemm, 4 bias+ReLU, 5 ReLU
/// mask + bias grad, 6 weight-grad gemm, 7 input-grad gemm, 8 col2im.
fn timer(layer: usize, phase: usize) -> &'static str {
    const PHASES: usize = 9;
    const NAMES: [[&str; PHASES]; 4] = [
        [
            "conv.fwd",
            "conv.bwd",
            "conv.im2col",
            "conv.gemm",
            "conv.bias_relu",
            "conv.mask",
            "conv.wgrad",
            "conv.dgrad",
            "conv.col2im",
        ],
        [
            "c1.fwd",
            "c1.bwd",
            "c1.im2col",
            "c1.gemm",
            "c1.bias_relu",
            "c1.mask",
            "c1.wgrad",
            "c1.dgrad",
            "c1.col2im",
        ],
        [
            "c2.fwd",
            "c2.bwd",
            "c2.im2col",
            "c2.gemm",
            "c2.bias_relu",
            "c2.mask",
            "c2.wgrad",
            "c2.dgrad",
            "c2.col2im",
        ],
        [
            "c3.fwd",
            "c3.bwd",
            "c3.im2col",
            "c3.gemm",
            "c3.bias_relu",
            "c3.mask",
            "c3.wgrad",
            "c3.dgrad",
            "c3.col2im",
        ],
    ];
    NAMES[if layer < 4 { layer } else { 0 }][phase.min(PHASES - 1)]
}

fn timed<R>(layer: usize, phase: usize, f: impl FnOnce() -> R) -> R {
    profile::timed(timer(layer, phase), f)
}

/// Fills `cols` (`[N·OH·OW, KH·KW·Cin]`) with the patches of `x` (`[N, H, W, Cin]`), zero padding.
pub(crate) fn im2col_serial(x: &[f32], d: &Dims, cols: &mut [f32]) {
    // The first layer's patch rows are 4 RGB pixels: a fixed-size copy beats a `memcpy` call.
    match d.spec.kw * d.cin {
        12 => im2col_impl::<12>(x, d, cols),
        _ => im2col_impl::<0>(x, d, cols),
    }
}

/// [`im2col_serial`]; `RUN` is `KW·Cin` when known at compile time, else 0.
#[inline]
fn im2col_impl<const RUN: usize>(x: &[f32], d: &Dims, cols: &mut [f32]) {
    let k = d.k();
    let (kh, kw, s, p, cin) = (d.spec.kh, d.spec.kw, d.spec.stride, d.spec.pad, d.cin);
    let run = kw * cin;
    let img = d.h * d.w * cin;
    let row_len = d.w * cin;
    cols.chunks_mut(d.oh * d.ow * k)
        .zip(x.chunks(img))
        .for_each(|(c, xi)| {
            for oy in 0..d.oh {
                let rows = &mut c[oy * d.ow * k..(oy + 1) * d.ow * k];
                for ky in 0..kh {
                    let iy = (oy * s + ky) as isize - p as isize;
                    let off = ky * run;
                    if iy < 0 || iy >= d.h as isize {
                        for row in rows.chunks_exact_mut(k) {
                            row[off..off + run].fill(0.0);
                        }
                        continue;
                    }
                    let xrow = &xi[iy as usize * row_len..(iy as usize + 1) * row_len];
                    for (ox, row) in rows.chunks_exact_mut(k).enumerate() {
                        let dst = &mut row[off..off + run];
                        let x0 = (ox * s) as isize - p as isize;
                        if x0 >= 0 && x0 as usize + kw <= d.w {
                            let src = &xrow[x0 as usize * cin..x0 as usize * cin + run];
                            if RUN > 0 {
                                if let (Some(dd), Some(ss)) =
                                    (dst.first_chunk_mut::<RUN>(), src.first_chunk::<RUN>())
                                {
                                    *dd = *ss;
                                }
                            } else {
                                dst.copy_from_slice(src);
                            }
                            continue;
                        }
                        // An edge: the kx range inside the image, zeros around it.
                        let kx_lo = (-x0).max(0) as usize;
                        let kx_hi = ((d.w as isize - x0).min(kw as isize)).max(0) as usize;
                        dst.fill(0.0);
                        if kx_lo < kx_hi {
                            let src0 = (x0 + kx_lo as isize) as usize * cin;
                            dst[kx_lo * cin..kx_hi * cin]
                                .copy_from_slice(&xrow[src0..src0 + (kx_hi - kx_lo) * cin]);
                        }
                    }
                }
            }
        });
}

/// Scatter-adds `dcols` (`[N·OH·OW, KH·KW·Cin]`) back into `dx` (`[N, H, W, Cin]`, zeroed).
pub(crate) fn col2im_serial(dcols: &[f32], d: &Dims, dx: &mut [f32]) {
    let k = d.k();
    let (kh, kw, s, p) = (d.spec.kh, d.spec.kw, d.spec.stride, d.spec.pad);
    let img = d.h * d.w * d.cin;
    dx.chunks_mut(img)
        .zip(dcols.chunks(d.oh * d.ow * k))
        .for_each(|(xi, c)| {
            for oy in 0..d.oh {
                for ox in 0..d.ow {
                    let row = &c[(oy * d.ow + ox) * k..][..k];
                    let x0 = (ox * s) as isize - p as isize;
                    let kx_lo = (-x0).max(0) as usize;
                    let kx_hi = ((d.w as isize - x0).min(kw as isize)).max(0) as usize;
                    if kx_lo >= kx_hi {
                        continue;
                    }
                    for ky in 0..kh {
                        let iy = (oy * s + ky) as isize - p as isize;
                        if iy < 0 || iy >= d.h as isize {
                            continue;
                        }
                        let src = &row[(ky * kw + kx_lo) * d.cin..(ky * kw + kx_hi) * d.cin];
                        let dst0 = (iy as usize * d.w + (x0 + kx_lo as isize) as usize) * d.cin;
                        for (o, v) in xi[dst0..dst0 + src.len()].iter_mut().zip(src) {
                            *o += v;
                        }
                    }
                }
            }
        });
}

/// Calls `f(i, j)` for every weight with `i` its index in `[Cout, Cin, KH, KW]` order and `j` its
/// index in `[KH·KW·Cin, Cout]` order.
fn for_weight_kc_indices(d: &Dims, mut f: impl FnMut(usize, usize)) {
    let (khw, cin, cout) = (d.spec.kh * d.spec.kw, d.cin, d.cout);
    for co in 0..cout {
        for ci in 0..cin {
            let wi = (co * cin + ci) * khw;
            for yx in 0..khw {
                f(wi + yx, (yx * cin + ci) * cout + co);
            }
        }
    }
}

/// `[Cout, Cin, KH, KW]` → `[KH·KW·Cin, Cout]` (the gemm's right-hand side).
pub(crate) fn weight_to_kc(w: &[f32], d: &Dims) -> Vec<f32> {
    let mut out = vec![0.0; w.len()];
    for_weight_kc_indices(d, |wi, kci| out[kci] = w[wi]);
    out
}

/// `[KH·KW·Cin, Cout]` → `[Cout, Cin, KH, KW]`.
pub(crate) fn kc_to_weight(kc: &[f32], d: &Dims) -> Vec<f32> {
    let mut out = vec![0.0; kc.len()];
    for_weight_kc_indices(d, |wi, kci| out[wi] = kc[kci]);
    out
}

/// Floats of one chunk's im2col matrix (2 MiB): the layer runs chunk by chunk over groups of
/// images so its working set stays in cache and no large temporary is ever allocated.
const CHUNK_FLOATS: usize = 1 << 19;

thread_local! {
    /// Per-thread scratch: the chunk's im2col matrix and its gradient / the masked output gradient.
    static SCRATCH: std::cell::RefCell<(Vec<f32>, Vec<f32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Runs `f` with this thread's two scratch buffers resized to `a` and `b` floats (contents unspecified).
fn with_scratch<R>(a: usize, b: usize, f: impl FnOnce(&mut [f32], &mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| {
        let mut bufs = cell.borrow_mut();
        let (x, y) = &mut *bufs;
        x.resize(a, 0.0);
        y.resize(b, 0.0);
        f(&mut x[..a], &mut y[..b])
    })
}

impl Dims {
    /// Images per chunk for chunks of about `chunk_floats` im2col values.
    fn chunk_images(&self, chunk_floats: usize) -> usize {
        (chunk_floats / (self.oh * self.ow * self.k()).max(1)).clamp(1, self.n.max(1))
    }
    /// The same geometry for `n` images.
    pub fn with_n(&self, n: usize) -> Self {
        Self { n, ..*self }
    }
}

#[allow(clippy::needless_pass_by_value)] // used as a `map_err` argument
fn gemm_err(e: crate::error::ModelError) -> candle_core::Error {
    candle_core::Error::Msg(e.to_string())
}

/// The fused CPU convolution layer (see the module docs).
struct ConvNhwcOp {
    opts: ConvOptions,
    /// Target size of one chunk's im2col matrix ([`CHUNK_FLOATS`]; tests use tiny chunks).
    chunk_floats: usize,
}

impl CustomOp3 for ConvNhwcOp {
    fn name(&self) -> &'static str {
        "conv2d_nhwc"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let t0 = Instant::now();
        let d = Dims::new(l1.dims(), l2.dims(), l3.dims(), self.opts.spec)?;
        let (x, w, b) = (
            slice_of(s1, l1, "conv2d_nhwc input")?,
            slice_of(s2, l2, "conv2d_nhwc weight")?,
            slice_of(s3, l3, "conv2d_nhwc bias")?,
        );
        let (k, cout) = (d.k(), d.cout);
        let wkc = weight_to_kc(w, &d);
        let ci = d.chunk_images(self.chunk_floats);
        let img_in = d.h * d.w * d.cin;
        let img_out = d.oh * d.ow * cout;
        let mut y = vec![0.0f32; d.n * img_out];
        let relu = self.opts.relu;
        let layer = self.opts.layer;
        y.par_chunks_mut(ci * img_out)
            .zip(x.par_chunks(ci * img_in))
            .try_for_each(|(yc, xc)| {
                let dc = d.with_n(xc.len() / img_in);
                let rows = dc.m();
                with_scratch(rows * k, 0, |cols, _| {
                    timed(layer, 2, || im2col_serial(xc, &dc, cols));
                    let (a, w) = (
                        MatRef::row_major(cols, rows, k),
                        MatRef::row_major(&wkc, k, cout),
                    );
                    timed(layer, 3, || matmul_serial(yc, a, w, false))
                })
                .map_err(gemm_err)?;
                timed(layer, 4, || {
                    for row in yc.chunks_mut(cout) {
                        for (v, bias) in row.iter_mut().zip(b) {
                            let s = *v + bias;
                            *v = if relu && s < 0.0 { 0.0 } else { s };
                        }
                    }
                });
                Ok::<(), candle_core::Error>(())
            })?;
        profile::record(timer(self.opts.layer, 0), t0.elapsed());
        Ok((CpuStorage::F32(y), Shape::from((d.n, d.oh, d.ow, cout))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let t0 = Instant::now();
        let d = Dims::new(x.dims(), w.dims(), b.dims(), self.opts.spec)?;
        let (k, cout) = (d.k(), d.cout);
        let ci = d.chunk_images(self.chunk_floats);
        let img_in = d.h * d.w * d.cin;
        let img_out = d.oh * d.ow * cout;
        let relu = self.opts.relu;
        let layer = self.opts.layer;
        let input_grad = self.opts.input_grad;
        let wkc = with_values(w, "conv2d_nhwc weight", |wv| Ok(weight_to_kc(wv, &d)))?;
        let mut dx = if input_grad {
            vec![0.0f32; d.n * img_in]
        } else {
            Vec::new()
        };
        // Per chunk: (dW as [K, Cout], db) partial sums, added up in chunk order afterwards so the
        // result does not depend on the thread count.
        let partials: Vec<(Vec<f32>, Vec<f64>)> = with_values(x, "conv2d_nhwc input", |xv| {
            with_values(grad_res, "conv2d_nhwc gradient", |gr| {
                with_values(res, "conv2d_nhwc output", |rv| {
                    let work = |xc: &[f32], gc: &[f32], rc: &[f32], dxc: Option<&mut [f32]>| {
                        let dc = d.with_n(xc.len() / img_in);
                        let rows = dc.m();
                        let mut dwkc = vec![0.0f32; k * cout];
                        let mut db32 = vec![0.0f32; cout];
                        with_scratch(rows * k, rows * cout, |cols, g| {
                            // g = incoming gradient masked by the ReLU; db accumulates its rows.
                            timed(layer, 5, || {
                                if relu {
                                    for ((o, gv), rv) in g.iter_mut().zip(gc).zip(rc) {
                                        *o = if *rv > 0.0 { *gv } else { 0.0 };
                                    }
                                } else {
                                    g.copy_from_slice(gc);
                                }
                                for row in g.chunks_exact(cout) {
                                    for (acc, v) in db32.iter_mut().zip(row) {
                                        *acc += v;
                                    }
                                }
                            });
                            timed(layer, 2, || im2col_serial(xc, &dc, cols));
                            let g_mat = MatRef::row_major(g, rows, cout);
                            let cols_t = MatRef::row_major(cols, rows, k).t();
                            timed(layer, 6, || matmul_serial(&mut dwkc, cols_t, g_mat, false))?;
                            if let Some(dxc) = dxc {
                                let w_t = MatRef::row_major(&wkc, k, cout).t();
                                timed(layer, 7, || matmul_serial(cols, g_mat, w_t, false))?;
                                timed(layer, 8, || col2im_serial(cols, &dc, dxc));
                            }
                            Ok::<(), crate::error::ModelError>(())
                        })
                        .map_err(gemm_err)?;
                        Ok::<_, candle_core::Error>((
                            dwkc,
                            db32.iter().map(|v| f64::from(*v)).collect::<Vec<f64>>(),
                        ))
                    };
                    let xs = xv.par_chunks(ci * img_in);
                    let gs = gr.par_chunks(ci * img_out);
                    let rs = rv.par_chunks(ci * img_out);
                    if input_grad {
                        xs.zip(gs)
                            .zip(rs)
                            .zip(dx.par_chunks_mut(ci * img_in))
                            .map(|(((xc, gc), rc), dxc)| work(xc, gc, rc, Some(dxc)))
                            .collect()
                    } else {
                        xs.zip(gs)
                            .zip(rs)
                            .map(|((xc, gc), rc)| work(xc, gc, rc, None))
                            .collect()
                    }
                })
            })
        })?;
        let mut dwkc = vec![0.0f32; k * cout];
        let mut db64 = vec![0.0f64; cout];
        for (pw, pb) in &partials {
            for (a, v) in dwkc.iter_mut().zip(pw) {
                *a += v;
            }
            for (a, v) in db64.iter_mut().zip(pb) {
                *a += v;
            }
        }
        let dw = Tensor::from_vec(kc_to_weight(&dwkc, &d), w.dims(), w.device())?;
        let db = Tensor::from_vec(
            db64.iter().map(|v| *v as f32).collect::<Vec<f32>>(),
            cout,
            b.device(),
        )?;
        let dx = if input_grad {
            Some(Tensor::from_vec(dx, (d.n, d.h, d.w, d.cin), x.device())?)
        } else {
            None
        };
        profile::record(timer(self.opts.layer, 1), t0.elapsed());
        Ok((dx, Some(dw), Some(db)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::cpu_values::test_util::max_rel_diff;
    use candle_core::{Device, Var};
    use rand::{Rng, SeedableRng};

    fn rand_vec(rng: &mut rand_chacha::ChaCha8Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    /// Forward and all three gradients of the im2col op equal candle's conv2d on random shapes.
    #[test]
    fn im2col_conv_matches_candle_conv2d_forward_and_gradients() {
        let dev = Device::Cpu;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        // (n, h, w, cin, cout, k, stride, pad, relu)
        let cases = [
            (2, 8, 8, 3, 4, 4, 2, 1, true),
            (3, 7, 5, 2, 5, 3, 1, 1, true),
            (1, 9, 9, 4, 3, 3, 2, 0, false),
            (2, 6, 6, 5, 2, 2, 3, 2, true),
            (2, 5, 4, 1, 3, 1, 1, 0, false),
        ];
        for (case, &(n, h, w, cin, cout, k, stride, pad, relu)) in cases.iter().enumerate() {
            let x = Var::from_vec(rand_vec(&mut rng, n * h * w * cin), (n, h, w, cin), &dev)
                .expect("x");
            let wt = Var::from_vec(
                rand_vec(&mut rng, cout * cin * k * k),
                (cout, cin, k, k),
                &dev,
            )
            .expect("w");
            let b = Var::from_vec(rand_vec(&mut rng, cout), cout, &dev).expect("b");
            // A fixed random projection makes the loss sensitive to every output.
            let opts = ConvOptions {
                spec: ConvSpec::square(k, stride, pad),
                relu,
                input_grad: true,
                layer: 0,
            };
            let ours = conv2d_nhwc(&x, &wt, &b, opts, ConvImpl::Im2col).expect("ours");
            // One image per chunk gives the same values as one chunk for all.
            let chunked = x
                .apply_op3(
                    &wt,
                    &b,
                    ConvNhwcOp {
                        opts,
                        chunk_floats: 1,
                    },
                )
                .expect("chunked");
            let theirs = conv2d_nhwc(&x, &wt, &b, opts, ConvImpl::Candle).expect("candle");
            assert_eq!(ours.dims(), theirs.dims(), "case {case}");
            assert!(
                max_rel_diff(&ours, &theirs) < 1e-5,
                "case {case}: forward differs"
            );
            let proj = Tensor::from_vec(rand_vec(&mut rng, ours.elem_count()), ours.dims(), &dev)
                .expect("proj");
            let g1 = (&ours * &proj)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.backward())
                .expect("bwd ours");
            let g2 = (&theirs * &proj)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.backward())
                .expect("bwd candle");
            let g3 = (&chunked * &proj)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.backward())
                .expect("bwd chunked");
            assert!(
                max_rel_diff(&chunked, &theirs) < 1e-5,
                "case {case}: chunked forward differs"
            );
            for (name, v) in [("x", &x), ("w", &wt), ("b", &b)] {
                let a = g1.get(v.as_tensor()).expect("grad ours");
                let c = g2.get(v.as_tensor()).expect("grad candle");
                let diff = max_rel_diff(a, c);
                assert!(diff < 1e-4, "case {case}: d{name} differs by {diff}");
                let diff = max_rel_diff(g3.get(v.as_tensor()).expect("grad chunked"), c);
                assert!(
                    diff < 1e-4,
                    "case {case}: chunked d{name} differs by {diff}"
                );
            }
        }
    }

    /// The gradients agree with central finite differences of the op itself.
    #[test]
    fn im2col_conv_gradients_match_finite_differences() {
        let dev = Device::Cpu;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (n, h, w, cin, cout, k) = (2, 5, 6, 2, 3, 3);
        let xv = rand_vec(&mut rng, n * h * w * cin);
        let wv = rand_vec(&mut rng, cout * cin * k * k);
        let bv = rand_vec(&mut rng, cout);
        let opts = ConvOptions {
            spec: ConvSpec::square(k, 2, 1),
            relu: false,
            input_grad: true,
            layer: 0,
        };
        let proj_len = n * 3 * 3 * cout;
        let proj =
            Tensor::from_vec(rand_vec(&mut rng, proj_len), (n, 3, 3, cout), &dev).expect("proj");
        let loss = |xv: &[f32], wv: &[f32], bv: &[f32]| -> f64 {
            let x = Tensor::from_slice(xv, (n, h, w, cin), &dev).expect("x");
            let wt = Tensor::from_slice(wv, (cout, cin, k, k), &dev).expect("w");
            let b = Tensor::from_slice(bv, cout, &dev).expect("b");
            let y = conv2d_nhwc(&x, &wt, &b, opts, ConvImpl::Im2col).expect("conv");
            let s = (&y * &proj)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.to_scalar::<f32>())
                .expect("sum");
            f64::from(s)
        };
        let x = Var::from_slice(&xv, (n, h, w, cin), &dev).expect("x");
        let wt = Var::from_slice(&wv, (cout, cin, k, k), &dev).expect("w");
        let b = Var::from_slice(&bv, cout, &dev).expect("b");
        let y = conv2d_nhwc(&x, &wt, &b, opts, ConvImpl::Im2col).expect("conv");
        let grads = (&y * &proj)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.backward())
            .expect("bwd");
        let eps = 1e-2f32;
        for (which, var) in [(0usize, &x), (1, &wt), (2, &b)] {
            let g = grads
                .get(var.as_tensor())
                .expect("grad")
                .flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .expect("g");
            for i in (0..g.len()).step_by(5) {
                let mut vals = [xv.clone(), wv.clone(), bv.clone()];
                vals[which][i] += eps;
                let up = loss(&vals[0], &vals[1], &vals[2]);
                vals[which][i] -= 2.0 * eps;
                let down = loss(&vals[0], &vals[1], &vals[2]);
                let fd = (up - down) / (2.0 * f64::from(eps));
                assert!(
                    (fd - f64::from(g[i])).abs() < 1e-3 * (1.0 + fd.abs()),
                    "arg {which} index {i}: {fd} vs {}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn first_layer_skips_the_input_gradient() {
        let dev = Device::Cpu;
        let x = Tensor::ones((1, 4, 4, 2), candle_core::DType::F32, &dev).expect("x");
        let wt = Var::ones((3, 2, 2, 2), candle_core::DType::F32, &dev).expect("w");
        let b = Var::zeros(3, candle_core::DType::F32, &dev).expect("b");
        let opts = ConvOptions {
            spec: ConvSpec::square(2, 2, 0),
            relu: true,
            input_grad: false,
            layer: 1,
        };
        let y = conv2d_nhwc(&x, &wt, &b, opts, ConvImpl::Im2col).expect("conv");
        // Every output is the sum of 8 ones.
        assert_eq!(
            y.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("y"),
            vec![8.0; 12]
        );
        let grads = y.sum_all().and_then(|t| t.backward()).expect("bwd");
        assert!(grads.get(&x).is_none());
        // dL/dw[co,ci,ky,kx] = number of output positions = 4.
        let dw = grads
            .get(wt.as_tensor())
            .expect("dw")
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .expect("dw");
        assert_eq!(dw, vec![4.0; 24]);
    }
}
