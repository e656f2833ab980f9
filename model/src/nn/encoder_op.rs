//! The whole CPU encoder — three conv(+bias, ReLU) layers and the fc layer — as one candle
//! custom op, [`ConvImpl::Fused`](super::conv::ConvImpl::Fused).
//!
//! The batch is cut into tiles of a few images, small enough that a tile's im2col matrices and
//! activations stay in the core's L2 cache. The forward runs all three convolutions tile by
//! tile (im2col + gemm + bias + ReLU), keeping the post-ReLU activations for the backward, then
//! the fc layer as one gemm. The backward runs the fc gradients as gemms, then walks each tile
//! from conv3 down to conv1: ReLU mask and bias gradient, weight gradient `colsᵀ · g`, input
//! gradient `g · Wᵀ` then col2im into a tile-sized buffer — so no layer-sized gradient is ever
//! allocated, zeroed or added up by candle's autograd. Weight gradients are summed per fixed
//! group of tiles and the groups added in order, so the result does not depend on the thread
//! count or on scheduling.
//!
//! The op takes the frames `[N, S, S, 3]` and the encoder's parameters flattened and
//! concatenated in `state_dict()` order (`enc.c1.weight`, `enc.c1.bias`, …, `enc.fc.bias`), so
//! the checkpoint layout stays PyTorch's and candle's autograd routes the gradient back to each
//! parameter through the concatenation.

use std::sync::Mutex;
use std::time::Instant;

use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::buffer_pool;
use super::conv::{col2im_serial, im2col_serial, kc_to_weight, weight_to_kc, ConvSpec, Dims};
use super::cpu_values::{slice_of, with_values};
use super::gemm::{matmul, matmul_serial, MatRef};
use super::profile;

/// Target floats of a tile's largest im2col matrix (512 KiB, half a Zen 4 core's L2 cache).
pub const TILE_COLS_FLOATS: usize = 1 << 17;
/// Weight gradients are summed per group of tiles; a fixed count keeps sums reproducible.
const GRAD_GROUPS: usize = 8;

/// The encoder's sizes that do not depend on the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderShape {
    /// Output channels of the three convolutions.
    pub channels: [usize; 3],
    /// (kernel, stride, padding) of the three convolutions.
    pub layers: [(usize, usize, usize); 3],
    /// Length of h.
    pub latent_dim: usize,
}

/// The sizes of one call: the three conv layers for `n` images and the fc layer.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    n: usize,
    conv: [Dims; 3],
    latent: usize,
}

impl Geometry {
    fn new(x: &[usize], shape: &EncoderShape) -> candle_core::Result<Self> {
        let &[n, h, w, c] = x else {
            candle_core::bail!("encoder: frames must be [N, H, W, 3], got {x:?}")
        };
        let mut conv = Vec::with_capacity(3);
        let (mut h, mut w, mut cin) = (h, w, c);
        for (&cout, &(k, s, p)) in shape.channels.iter().zip(&shape.layers) {
            let d = Dims::new(
                &[n, h, w, cin],
                &[cout, cin, k, k],
                &[cout],
                ConvSpec::square(k, s, p),
            )?;
            (h, w, cin) = (d.oh, d.ow, cout);
            conv.push(d);
        }
        let conv: [Dims; 3] = [conv[0], conv[1], conv[2]];
        Ok(Self {
            n,
            conv,
            latent: shape.latent_dim,
        })
    }

    /// Floats of one image's input to layer `l` (`l = 3` is the fc input).
    fn img_in(&self, l: usize) -> usize {
        if l < 3 {
            let d = &self.conv[l];
            d.h * d.w * d.cin
        } else {
            self.flat()
        }
    }

    /// Floats of one image's output of conv layer `l`.
    fn img_out(&self, l: usize) -> usize {
        let d = &self.conv[l];
        d.oh * d.ow * d.cout
    }

    /// Length of the flattened conv3 output (the fc input).
    fn flat(&self) -> usize {
        self.img_out(2)
    }

    /// Lengths of the parameters in `state_dict()` order.
    fn param_lens(&self) -> [usize; 8] {
        let [a, b, c] = self.conv;
        [
            a.cout * a.k(),
            a.cout,
            b.cout * b.k(),
            b.cout,
            c.cout * c.k(),
            c.cout,
            self.latent * self.flat(),
            self.latent,
        ]
    }

    /// Images per tile so the largest im2col matrix is about `cols_floats`.
    fn tile_images(&self, cols_floats: usize) -> usize {
        let per_image = self
            .conv
            .iter()
            .map(|d| d.oh * d.ow * d.k())
            .max()
            .unwrap_or(1)
            .max(1);
        (cols_floats / per_image).clamp(1, self.n.max(1))
    }
}

/// The parameters in the layouts the gemms use.
struct Weights {
    /// Conv weights as `[KH·KW·Cin, Cout]`.
    kc: [Vec<f32>; 3],
    bias: [Vec<f32>; 3],
    /// fc weight as `[flat (NHWC order), latent]`.
    fc_t: Vec<f32>,
    fc_b: Vec<f32>,
}

/// Index pairs (NCHW-flatten column, NHWC-flatten row) of the fc weight.
fn for_fc_indices(g: &Geometry, mut f: impl FnMut(usize, usize)) {
    let d3 = &g.conv[2];
    let (side_h, side_w, c3) = (d3.oh, d3.ow, d3.cout);
    for c in 0..c3 {
        for y in 0..side_h {
            for x in 0..side_w {
                f((c * side_h + y) * side_w + x, (y * side_w + x) * c3 + c);
            }
        }
    }
}

impl Weights {
    fn new(g: &Geometry, params: &[f32]) -> candle_core::Result<Self> {
        let lens = g.param_lens();
        let total: usize = lens.iter().sum();
        if params.len() != total {
            candle_core::bail!(
                "encoder: {} parameter values for a model that needs {total}",
                params.len()
            )
        }
        let mut parts = Vec::with_capacity(8);
        let mut at = 0;
        for len in lens {
            parts.push(&params[at..at + len]);
            at += len;
        }
        let kc = [0, 1, 2].map(|l| weight_to_kc(parts[2 * l], &g.conv[l]));
        let bias = [0, 1, 2].map(|l| parts[2 * l + 1].to_vec());
        let (flat, latent) = (g.flat(), g.latent);
        let fc = parts[6];
        let mut fc_t = vec![0.0; flat * latent];
        for_fc_indices(g, |nchw, nhwc| {
            for d in 0..latent {
                fc_t[nhwc * latent + d] = fc[d * flat + nchw];
            }
        });
        Ok(Self {
            kc,
            bias,
            fc_t,
            fc_b: parts[7].to_vec(),
        })
    }
}

/// What the forward keeps for the backward: post-ReLU activations of the three layers.
struct Saved {
    acts: [Vec<f32>; 3],
    weights: Weights,
}

impl Drop for Saved {
    fn drop(&mut self) {
        for a in &mut self.acts {
            buffer_pool::give(std::mem::take(a));
        }
    }
}

thread_local! {
    /// Per-thread scratch: im2col matrix, and two tile-sized activation (gradient) buffers.
    static SCRATCH: std::cell::RefCell<[Vec<f32>; 3]> = const {
        std::cell::RefCell::new([Vec::new(), Vec::new(), Vec::new()])
    };
}

fn with_scratch<R>(f: impl FnOnce(&mut [Vec<f32>; 3]) -> R) -> R {
    SCRATCH.with(|cell| f(&mut cell.borrow_mut()))
}

#[allow(clippy::needless_pass_by_value)] // used as a `map_err` argument
fn gemm_err(e: crate::error::ModelError) -> candle_core::Error {
    candle_core::Error::Msg(e.to_string())
}

/// The profiler's im2col timer name for a layer with `d.cin` input channels.
fn im2col_timer(d: &Dims) -> &'static str {
    if d.cin <= 4 {
        "enc.im2col.first"
    } else {
        "enc.im2col.other"
    }
}

/// `out = relu(im2col(input) · W + b)` for one tile (`d` sized for the tile).
fn conv_forward(
    d: &Dims,
    input: &[f32],
    w_kc: &[f32],
    bias: &[f32],
    out: &mut [f32],
    cols: &mut Vec<f32>,
) -> candle_core::Result<()> {
    let (rows, k) = (d.m(), d.k());
    cols.resize(rows * k, 0.0);
    profile::timed(im2col_timer(d), || im2col_serial(input, d, cols));
    profile::timed("enc.gemm", || {
        matmul_serial(
            out,
            MatRef::row_major(cols, rows, k),
            MatRef::row_major(w_kc, k, d.cout),
            false,
        )
    })
    .map_err(gemm_err)?;
    profile::timed("enc.bias_relu", || {
        for row in out.chunks_exact_mut(d.cout) {
            for (v, b) in row.iter_mut().zip(bias) {
                *v = (*v + b).max(0.0);
            }
        }
    });
    Ok(())
}

/// Masks `g` by the ReLU (`act > 0`) in place and adds its column sums to `db`.
fn relu_mask_colsum(g: &mut [f32], act: &[f32], cout: usize, db: &mut [f64]) {
    profile::timed("enc.mask", || {
        let mut sums = vec![0.0f32; cout];
        for (grow, arow) in g.chunks_exact_mut(cout).zip(act.chunks_exact(cout)) {
            for ((gv, av), s) in grow.iter_mut().zip(arow).zip(sums.iter_mut()) {
                let v = if *av > 0.0 { *gv } else { 0.0 };
                *gv = v;
                *s += v;
            }
        }
        for (acc, s) in db.iter_mut().zip(sums) {
            *acc += f64::from(s);
        }
    });
}

/// Weight-gradient sums of one group of tiles.
struct GradAcc {
    /// `[KH·KW·Cin, Cout]` per layer.
    dw_kc: [Vec<f32>; 3],
    db: [Vec<f64>; 3],
}

impl GradAcc {
    fn zeros(g: &Geometry) -> Self {
        Self {
            dw_kc: [0, 1, 2].map(|l| vec![0.0; g.conv[l].k() * g.conv[l].cout]),
            db: [0, 1, 2].map(|l| vec![0.0; g.conv[l].cout]),
        }
    }

    fn add(&mut self, other: &Self) {
        for l in 0..3 {
            for (a, b) in self.dw_kc[l].iter_mut().zip(&other.dw_kc[l]) {
                *a += b;
            }
            for (a, b) in self.db[l].iter_mut().zip(&other.db[l]) {
                *a += b;
            }
        }
    }
}

/// The fused encoder op (see the module docs).
pub struct EncoderOp {
    shape: EncoderShape,
    /// Target size of a tile's largest im2col matrix ([`TILE_COLS_FLOATS`]; tests use tiny tiles).
    tile_cols_floats: usize,
    /// Keep activations for a backward (false for inference).
    keep_for_backward: bool,
    saved: Mutex<Option<Saved>>,
}

impl EncoderOp {
    /// An op that keeps its activations for the backward.
    pub fn new(shape: EncoderShape) -> Self {
        Self::with_tile(shape, TILE_COLS_FLOATS, true)
    }

    /// An op for inference only (no activations kept; use with `apply_op2_no_bwd`).
    pub fn inference(shape: EncoderShape) -> Self {
        Self::with_tile(shape, TILE_COLS_FLOATS, false)
    }

    /// With an explicit tile size (in im2col floats) and activation keeping.
    pub fn with_tile(
        shape: EncoderShape,
        tile_cols_floats: usize,
        keep_for_backward: bool,
    ) -> Self {
        Self {
            shape,
            tile_cols_floats,
            keep_for_backward,
            saved: Mutex::new(None),
        }
    }

    /// Runs the conv stack and the fc layer; returns h `[N·latent]` and, when `keep`, the
    /// activations and weights for the backward.
    fn forward(
        &self,
        g: &Geometry,
        x: &[f32],
        params: &[f32],
        keep: bool,
    ) -> candle_core::Result<(Vec<f32>, Option<Saved>)> {
        let weights = Weights::new(g, params)?;
        let n = g.n;
        let ti = g.tile_images(self.tile_cols_floats);
        let img = [0, 1, 2, 3].map(|l| g.img_in(l));
        let mut a3 = buffer_pool::take(n * img[3]);
        let w = &weights;
        let tile =
            |xt: &[f32], a1: &mut [f32], a2: &mut [f32], a3t: &mut [f32], cols: &mut Vec<f32>| {
                let nt = xt.len() / img[0];
                let d = g.conv.map(|d| d.with_n(nt));
                conv_forward(&d[0], xt, &w.kc[0], &w.bias[0], a1, cols)?;
                conv_forward(&d[1], a1, &w.kc[1], &w.bias[1], a2, cols)?;
                conv_forward(&d[2], a2, &w.kc[2], &w.bias[2], a3t, cols)
            };
        let (a1, a2) = if keep {
            let mut a1 = buffer_pool::take(n * img[1]);
            let mut a2 = buffer_pool::take(n * img[2]);
            x.par_chunks(ti * img[0])
                .zip(a1.par_chunks_mut(ti * img[1]))
                .zip(a2.par_chunks_mut(ti * img[2]))
                .zip(a3.par_chunks_mut(ti * img[3]))
                .try_for_each(|(((xt, a1t), a2t), a3t)| {
                    with_scratch(|[cols, _, _]| tile(xt, a1t, a2t, a3t, cols))
                })?;
            (a1, a2)
        } else {
            x.par_chunks(ti * img[0])
                .zip(a3.par_chunks_mut(ti * img[3]))
                .try_for_each(|(xt, a3t)| {
                    with_scratch(|[cols, s1, s2]| {
                        let nt = xt.len() / img[0];
                        s1.resize(nt * img[1], 0.0);
                        s2.resize(nt * img[2], 0.0);
                        tile(xt, s1, s2, a3t, cols)
                    })
                })?;
            (Vec::new(), Vec::new())
        };
        let (flat, latent) = (g.flat(), g.latent);
        let mut h = vec![0.0f32; n * latent];
        profile::timed("enc.fc", || {
            matmul(
                &mut h,
                MatRef::row_major(&a3, n, flat),
                MatRef::row_major(&w.fc_t, flat, latent),
                false,
            )
        })
        .map_err(gemm_err)?;
        for row in h.chunks_exact_mut(latent) {
            for (v, b) in row.iter_mut().zip(&w.fc_b) {
                *v += b;
            }
        }
        let saved = if keep {
            Some(Saved {
                acts: [a1, a2, a3],
                weights,
            })
        } else {
            buffer_pool::give(a3);
            None
        };
        Ok((h, saved))
    }

    /// The gradient of the flat parameters for the incoming gradient `gh` `[N, latent]`.
    fn backward(
        &self,
        g: &Geometry,
        x: &[f32],
        saved: &Saved,
        gh: &[f32],
    ) -> candle_core::Result<Vec<f32>> {
        let (n, flat, latent) = (g.n, g.flat(), g.latent);
        let w = &saved.weights;
        let [a1, a2, a3] = &saved.acts;
        // fc: dW_fcᵀ = a3ᵀ · gh, db_fc = Σ rows gh, d a3 = gh · W_fcᵀ.
        let mut dfc_t = vec![0.0f32; flat * latent];
        let mut da3 = buffer_pool::take(n * flat);
        profile::timed("enc.fc", || {
            matmul(
                &mut dfc_t,
                MatRef::row_major(a3, n, flat).t(),
                MatRef::row_major(gh, n, latent),
                false,
            )?;
            matmul(
                &mut da3,
                MatRef::row_major(gh, n, latent),
                MatRef::row_major(&w.fc_t, flat, latent).t(),
                false,
            )
        })
        .map_err(gemm_err)?;
        let mut dfc_b = vec![0.0f64; latent];
        for row in gh.chunks_exact(latent) {
            for (a, v) in dfc_b.iter_mut().zip(row) {
                *a += f64::from(*v);
            }
        }

        // Conv layers, tile by tile, in fixed groups of tiles.
        let ti = g.tile_images(self.tile_cols_floats);
        let tiles = n.div_ceil(ti).max(1);
        let per_group = tiles.div_ceil(GRAD_GROUPS);
        let group_imgs = per_group * ti;
        let img = [0, 1, 2, 3].map(|l| g.img_in(l));
        let groups: Vec<GradAcc> = x
            .par_chunks(group_imgs * img[0])
            .zip(a1.par_chunks(group_imgs * img[1]))
            .zip(a2.par_chunks(group_imgs * img[2]))
            .zip(a3.par_chunks(group_imgs * img[3]))
            .zip(da3.par_chunks_mut(group_imgs * img[3]))
            .map(|((((xg, a1g), a2g), a3g), da3g)| {
                let mut acc = GradAcc::zeros(g);
                with_scratch(|[cols, d1, d2]| {
                    for ((((xt, a1t), a2t), a3t), da3t) in xg
                        .chunks(ti * img[0])
                        .zip(a1g.chunks(ti * img[1]))
                        .zip(a2g.chunks(ti * img[2]))
                        .zip(a3g.chunks(ti * img[3]))
                        .zip(da3g.chunks_mut(ti * img[3]))
                    {
                        let nt = xt.len() / img[0];
                        let d = g.conv.map(|d| d.with_n(nt));
                        d1.resize(nt * img[1], 0.0);
                        d2.resize(nt * img[2], 0.0);
                        // conv3: input a2, gradient into d2.
                        relu_mask_colsum(da3t, a3t, d[2].cout, &mut acc.db[2]);
                        conv_backward(
                            &d[2],
                            a2t,
                            da3t,
                            &w.kc[2],
                            &mut acc.dw_kc[2],
                            cols,
                            Some(d2),
                        )?;
                        // conv2: input a1, gradient into d1.
                        relu_mask_colsum(d2, a2t, d[1].cout, &mut acc.db[1]);
                        conv_backward(&d[1], a1t, d2, &w.kc[1], &mut acc.dw_kc[1], cols, Some(d1))?;
                        // conv1: input x, no input gradient.
                        relu_mask_colsum(d1, a1t, d[0].cout, &mut acc.db[0]);
                        conv_backward(&d[0], xt, d1, &w.kc[0], &mut acc.dw_kc[0], cols, None)?;
                    }
                    Ok::<(), candle_core::Error>(())
                })?;
                Ok(acc)
            })
            .collect::<candle_core::Result<_>>()?;
        buffer_pool::give(da3);
        let mut total = GradAcc::zeros(g);
        for acc in &groups {
            total.add(acc);
        }

        // Back to the flat `state_dict()` layout.
        let mut out = Vec::with_capacity(g.param_lens().iter().sum());
        for l in 0..3 {
            out.extend(kc_to_weight(&total.dw_kc[l], &g.conv[l]));
            out.extend(total.db[l].iter().map(|v| *v as f32));
        }
        let mut dfc = vec![0.0f32; latent * flat];
        for_fc_indices(g, |nchw, nhwc| {
            for d in 0..latent {
                dfc[d * flat + nchw] = dfc_t[nhwc * latent + d];
            }
        });
        out.extend(dfc);
        out.extend(dfc_b.iter().map(|v| *v as f32));
        Ok(out)
    }
}

/// One tile of one conv layer's backward, `g` already masked by the ReLU: `dw_kc += colsᵀ · g`
/// and, when `dx` is given, `dx = col2im(g · Wᵀ)`.
fn conv_backward(
    d: &Dims,
    input: &[f32],
    g: &[f32],
    w_kc: &[f32],
    dw_kc: &mut [f32],
    cols: &mut Vec<f32>,
    dx: Option<&mut Vec<f32>>,
) -> candle_core::Result<()> {
    let (rows, k, cout) = (d.m(), d.k(), d.cout);
    cols.resize(rows * k, 0.0);
    profile::timed(im2col_timer(d), || im2col_serial(input, d, cols));
    let g_mat = MatRef::row_major(g, rows, cout);
    profile::timed("enc.wgrad", || {
        matmul_serial(dw_kc, MatRef::row_major(cols, rows, k).t(), g_mat, true)
    })
    .map_err(gemm_err)?;
    if let Some(dx) = dx {
        profile::timed("enc.dgrad", || {
            matmul_serial(cols, g_mat, MatRef::row_major(w_kc, k, cout).t(), false)
        })
        .map_err(gemm_err)?;
        profile::timed("enc.col2im", || {
            dx.fill(0.0);
            col2im_serial(cols, d, dx);
        });
    }
    Ok(())
}

impl CustomOp2 for EncoderOp {
    fn name(&self) -> &'static str {
        "jepa_encoder"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let t0 = Instant::now();
        let g = Geometry::new(l1.dims(), &self.shape)?;
        let x = slice_of(s1, l1, "encoder frames")?;
        let params = slice_of(s2, l2, "encoder parameters")?;
        let (h, saved) = self.forward(&g, x, params, self.keep_for_backward)?;
        if let Ok(mut slot) = self.saved.lock() {
            *slot = saved;
        }
        profile::record("enc.forward", t0.elapsed());
        Ok((CpuStorage::F32(h), Shape::from((g.n, g.latent))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        params: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let t0 = Instant::now();
        let g = Geometry::new(x.dims(), &self.shape)?;
        let saved = self.saved.lock().ok().and_then(|mut s| s.take());
        let grad = with_values(x, "encoder frames", |xv| {
            with_values(grad_res, "encoder output gradient", |gh| {
                let saved = match saved {
                    Some(s) => s,
                    // A second backward over the same graph: recompute the activations.
                    None => with_values(params, "encoder parameters", |pv| {
                        self.forward(&g, xv, pv, true)?.1.ok_or_else(|| {
                            candle_core::Error::Msg("encoder: no activations".into())
                        })
                    })?,
                };
                self.backward(&g, xv, &saved, gh)
            })
        })?;
        let len = grad.len();
        let dparams = Tensor::from_vec(grad, len, params.device())?;
        profile::record("enc.backward", t0.elapsed());
        Ok((None, Some(dparams)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ModelConfig;
    use crate::nn::cpu_values::test_util::max_rel_diff;
    use crate::nn::{ConvImpl, Jepa};
    use candle_core::Device;
    use rand::{Rng, SeedableRng};

    fn frames(n: usize, side: usize, seed: u64) -> Tensor {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let vals: Vec<f32> = (0..n * side * side * 3)
            .map(|_| rng.random_range(0.0f32..1.0))
            .collect();
        Tensor::from_vec(vals, (n, side, side, 3), &Device::Cpu).expect("frames")
    }

    /// h and the gradient of every encoder parameter equal candle's own conv2d path, for tile
    /// sizes from one image to the whole batch (partial last tiles and groups included).
    #[test]
    fn fused_encoder_matches_candle_conv2d_forward_and_gradients() {
        let dev = Device::Cpu;
        for (cfg, n) in [(ModelConfig::tiny(), 7), (ModelConfig::reference(), 3)] {
            let mut model = Jepa::new(&cfg, 11, &dev).expect("model");
            let x = frames(n, cfg.image_size, 5);
            model.set_conv_impl(ConvImpl::Candle);
            let want = model.encode(&x).expect("candle encode");
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
            let proj: Vec<f32> = (0..want.elem_count())
                .map(|_| rng.random_range(-1.0f32..1.0))
                .collect();
            let proj = Tensor::from_vec(proj, want.dims(), &dev).expect("proj");
            let want_grads = (&want * &proj)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.backward())
                .expect("candle backward");
            for tile_floats in [1, 5000, TILE_COLS_FLOATS] {
                let params = model.encoder_params_flat().expect("params");
                let op = EncoderOp::with_tile(model.encoder_shape(), tile_floats, true);
                let h = x.apply_op2(&params, op).expect("fused");
                let diff = max_rel_diff(&h, &want);
                assert!(diff < 1e-5, "tile {tile_floats}: h differs by {diff}");
                let grads = (&h * &proj)
                    .and_then(|t| t.sum_all())
                    .and_then(|t| t.backward())
                    .expect("fused backward");
                for (name, var) in model.params().iter().filter(|(n, _)| n.starts_with("enc.")) {
                    let a = grads.get(var.as_tensor()).expect("fused grad");
                    let b = want_grads.get(var.as_tensor()).expect("candle grad");
                    let diff = max_rel_diff(a, b);
                    assert!(diff < 1e-4, "tile {tile_floats}: d{name} differs by {diff}");
                }
            }
            // The inference path gives the same h.
            model.set_conv_impl(ConvImpl::Fused);
            let h = model.encode_no_grad(&x).expect("no grad");
            assert!(!h.track_op());
            assert!(max_rel_diff(&h, &want) < 1e-5);
        }
    }

    /// A second backward over the same graph recomputes the activations and gives the same
    /// gradients; the sums do not depend on the rayon thread count.
    #[test]
    fn repeated_backward_and_thread_count_give_identical_gradients() {
        let dev = Device::Cpu;
        let cfg = ModelConfig::tiny();
        let model = Jepa::new(&cfg, 3, &dev).expect("model");
        let x = frames(21, cfg.image_size, 1);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                let params = model.encoder_params_flat().expect("params");
                let op = EncoderOp::with_tile(model.encoder_shape(), 2000, true);
                let loss = x
                    .apply_op2(&params, op)
                    .and_then(|h| h.sqr())
                    .and_then(|t| t.sum_all())
                    .expect("loss");
                let first = loss.backward().expect("first backward");
                let second = loss.backward().expect("second backward");
                let vals = |g: &candle_core::backprop::GradStore| -> Vec<f32> {
                    model
                        .params()
                        .iter()
                        .filter(|(n, _)| n.starts_with("enc."))
                        .flat_map(|(_, v)| {
                            g.get(v.as_tensor())
                                .expect("grad")
                                .flatten_all()
                                .and_then(|t| t.to_vec1::<f32>())
                                .expect("values")
                        })
                        .collect()
                };
                (vals(&first), vals(&second))
            })
        };
        let (a1, a2) = run(1);
        let (b1, _) = run(3);
        assert_eq!(a1, a2);
        assert_eq!(a1, b1);
        assert!(a1.iter().any(|v| *v != 0.0));
    }

    /// Central finite differences of the op itself, on a few entries of every parameter.
    #[test]
    fn fused_encoder_gradients_match_finite_differences() {
        let dev = Device::Cpu;
        let cfg = ModelConfig::tiny();
        let model = Jepa::new(&cfg, 4, &dev).expect("model");
        let x = frames(2, cfg.image_size, 8);
        let shape = model.encoder_shape();
        let p0 = model
            .encoder_params_flat()
            .and_then(|t| Ok(t.to_vec1::<f32>()?))
            .expect("params");
        let loss = |p: &[f32]| -> f64 {
            let params = Tensor::from_slice(p, p.len(), &dev).expect("p");
            let h = x
                .apply_op2_no_bwd(&params, &EncoderOp::inference(shape))
                .expect("h");
            let v = h
                .flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .expect("h values");
            v.iter()
                .enumerate()
                .map(|(i, v)| f64::from(*v) * ((i % 7) as f64 - 3.0))
                .sum()
        };
        let params = candle_core::Var::from_slice(&p0, p0.len(), &dev).expect("var");
        let h = x
            .apply_op2(params.as_tensor(), EncoderOp::new(shape))
            .expect("h");
        let weights: Vec<f32> = (0..h.elem_count()).map(|i| (i % 7) as f32 - 3.0).collect();
        let weights = Tensor::from_vec(weights, h.dims(), &dev).expect("w");
        let grads = (&h * &weights)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.backward())
            .expect("backward");
        let g = grads
            .get(params.as_tensor())
            .expect("grad")
            .to_vec1::<f32>()
            .expect("g");
        let fd = |i: usize, eps: f32| {
            let mut p = p0.clone();
            p[i] += eps;
            let up = loss(&p);
            p[i] -= 2.0 * eps;
            let down = loss(&p);
            (up - down) / (2.0 * f64::from(eps))
        };
        let (mut checked, mut kinks) = (0, 0);
        for i in (0..p0.len()).step_by(53) {
            let (a, b) = (fd(i, 2e-3), fd(i, 1e-3));
            // A ReLU kink inside ±eps makes the two step sizes disagree: skip that entry.
            if (a - b).abs() > 1e-2 * (1.0 + a.abs()) {
                kinks += 1;
                continue;
            }
            assert!(
                (b - f64::from(g[i])).abs() < 1e-2 * (1.0 + b.abs()),
                "param {i}: finite difference {b} vs gradient {}",
                g[i]
            );
            checked += 1;
        }
        assert!(kinks * 10 < checked, "{kinks} kinks in {checked} entries");
        assert!(checked > 50);
    }
}
