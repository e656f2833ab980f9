//! The training loss after the encoder — predictor rollout, rollout MSE and VICReg — as one
//! fused candle op on the CPU.
//!
//! [`fused_loss`] computes exactly what [`loss_candle_ops`] computes with many small candle ops
//! (the reference, still used on CUDA): `z_0 = h_0`, `z_{k+1} = z_k + P([z_k, a_k])`,
//! `pred = mean_k MSE(z_{k+1}, stopgrad h_{k+1})`, VICReg variance and covariance (unbiased) over
//! all `B·T` encodings, `total = pred + var_weight·var + cov_weight·cov`. Its backward gives the
//! gradients w.r.t. the encodings (through `z_0` and VICReg; the MSE targets are stop-gradient)
//! and the flat predictor parameters directly, with gemm. The rollout runs in chunks of
//! [`CHUNK_SEQS`] sequences on the rayon pool; chunk results are added in chunk order, so the
//! values do not depend on the thread count.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use candle_core::{CpuStorage, CustomOp3, DType, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::cpu_values::{slice_of, with_values};
use super::gemm::{matmul_serial, MatRef};
use super::jepa::{vicreg, Jepa};
use super::profile;
use crate::config::ModelConfig;
use crate::error::{ModelError, Result};

/// The predictor parameters in the order of the flat parameter vector of [`fused_loss`].
pub const PRED_PARAM_NAMES: [&str; 6] = [
    "pred.l1.weight",
    "pred.l1.bias",
    "pred.l2.weight",
    "pred.l2.bias",
    "pred.l3.weight",
    "pred.l3.bias",
];

/// Sequences per rollout chunk (one rayon task each).
const CHUNK_SEQS: usize = 32;

/// The VICReg variance's epsilon inside the square root.
const VAR_EPS: f64 = 1e-4;

/// The four loss values of the training step (`total = pred + var_weight·var + cov_weight·cov`),
/// as 0-d f32 tensors.
pub struct LossValues {
    pub total: Tensor,
    pub pred: Tensor,
    pub var: Tensor,
    pub cov: Tensor,
}

/// The predictor parameters of `model`, flattened and concatenated in [`PRED_PARAM_NAMES`] order
/// (gradients flow back to the model's variables).
pub fn pred_params_flat(model: &Jepa) -> Result<Tensor> {
    let mut parts = Vec::with_capacity(PRED_PARAM_NAMES.len());
    for name in PRED_PARAM_NAMES {
        let Some((_, var)) = model.params().iter().find(|(n, _)| n == name) else {
            return Err(ModelError::Invalid(format!(
                "model has no parameter {name}"
            )));
        };
        parts.push(var.as_tensor().flatten_all()?);
    }
    Ok(Tensor::cat(&parts, 0)?)
}

/// The loss of encodings `h_flat` `[B·T, D]` (row `b·T + t`) and one-hot `actions`
/// `[B, T-1, n_actions]` with many small candle ops (any device; the reference of [`fused_loss`]).
pub fn loss_candle_ops(model: &Jepa, h_flat: &Tensor, actions: &Tensor) -> Result<LossValues> {
    let (b, t1, _) = actions.dims3()?;
    let t = t1 + 1;
    let d = model.cfg.latent_dim;
    let h = h_flat.reshape((b, t, d))?;
    let mut z = h.narrow(1, 0, 1)?.squeeze(1)?;
    let mut pred = Tensor::zeros((), DType::F32, h_flat.device())?;
    for k in 0..t1 {
        let a = actions.narrow(1, k, 1)?.squeeze(1)?;
        z = model.predict(&z, &a)?;
        let target = h.narrow(1, k + 1, 1)?.squeeze(1)?.detach();
        pred = (pred + (&z - target)?.sqr()?.mean_all()?)?;
    }
    let pred = (pred / t1 as f64)?;
    let (var, cov) = vicreg(h_flat)?;
    let total = ((&pred + (&var * model.cfg.var_weight)?)? + (&cov * model.cfg.cov_weight)?)?;
    Ok(LossValues {
        total,
        pred,
        var,
        cov,
    })
}

/// The same loss as [`loss_candle_ops`] through [`fused_loss`] (CPU tensors only).
pub fn loss_fused(model: &Jepa, h_flat: &Tensor, actions: &Tensor) -> Result<LossValues> {
    let params = pred_params_flat(model)?;
    let out = fused_loss(h_flat, actions, &params, &model.cfg)?;
    Ok(LossValues {
        total: out.get(0)?,
        pred: out.get(1)?,
        var: out.get(2)?,
        cov: out.get(3)?,
    })
}

/// `[total, pred, var, cov]` (shape `[4]`) of encodings `h_flat` `[B·T, D]` (sequence-major: row
/// `b·T + t`), one-hot `actions` `[B, T-1, n_actions]` f32 and the flat predictor parameters
/// `pred_params` ([`pred_params_flat`]; PyTorch `Linear` layout). Differentiable w.r.t. `h_flat`
/// and `pred_params`; CPU tensors only.
pub fn fused_loss(
    h_flat: &Tensor,
    actions: &Tensor,
    pred_params: &Tensor,
    cfg: &ModelConfig,
) -> candle_core::Result<Tensor> {
    fused_loss_chunked(h_flat, actions, pred_params, cfg, CHUNK_SEQS)
}

fn fused_loss_chunked(
    h_flat: &Tensor,
    actions: &Tensor,
    pred_params: &Tensor,
    cfg: &ModelConfig,
    chunk_seqs: usize,
) -> candle_core::Result<Tensor> {
    Dims::new(h_flat.dims(), actions.dims(), pred_params.dims(), cfg)?;
    h_flat.contiguous()?.apply_op3(
        &actions.contiguous()?,
        &pred_params.contiguous()?,
        FusedLossOp::new(cfg, chunk_seqs),
    )
}

/// Sizes of one loss call.
#[derive(Debug, Clone, Copy)]
struct Dims {
    /// Sequences.
    b: usize,
    /// Frames per sequence.
    t: usize,
    /// Latent width.
    d: usize,
    /// Actions (one-hot width).
    a: usize,
    /// Hidden width of the predictor.
    h: usize,
}

impl Dims {
    fn new(
        h_dims: &[usize],
        a_dims: &[usize],
        p_dims: &[usize],
        cfg: &ModelConfig,
    ) -> candle_core::Result<Self> {
        let (&[n, d], &[b, k, a]) = (h_dims, a_dims) else {
            candle_core::bail!(
                "fused_loss: expected h [B·T, D] and actions [B, T-1, A]; got {h_dims:?}, {a_dims:?}"
            )
        };
        let dims = Self {
            b,
            t: k + 1,
            d,
            a,
            h: cfg.hidden,
        };
        if k == 0 || b == 0 {
            candle_core::bail!(
                "fused_loss: actions {a_dims:?} need at least one sequence and one step"
            )
        }
        if n != b * (k + 1) || d != cfg.latent_dim || a != cfg.n_actions {
            candle_core::bail!(
                "fused_loss: h {h_dims:?} and actions {a_dims:?} do not fit each other or the config (latent_dim {}, n_actions {})",
                cfg.latent_dim,
                cfg.n_actions
            )
        }
        if p_dims != [dims.param_len()] {
            candle_core::bail!(
                "fused_loss: predictor parameters {p_dims:?}, expected [{}] for latent_dim {d}, n_actions {a}, hidden {}",
                dims.param_len(),
                cfg.hidden
            )
        }
        Ok(dims)
    }

    /// Rollout steps `T-1`.
    fn k(&self) -> usize {
        self.t - 1
    }
    /// Rows of `h` (`B·T`).
    fn n(&self) -> usize {
        self.b * self.t
    }
    /// Predictor input width `D + A`.
    fn xw(&self) -> usize {
        self.d + self.a
    }
    /// Lengths of W1, b1, W2, b2, W3, b3 in the flat parameter vector.
    fn param_lens(&self) -> [usize; 6] {
        let (d, h) = (self.d, self.h);
        [h * self.xw(), h, h * h, h, d * h, d]
    }
    fn param_len(&self) -> usize {
        self.param_lens().iter().sum()
    }
}

/// The predictor parameters as slices of the flat vector.
struct Params<'a> {
    w1: &'a [f32],
    b1: &'a [f32],
    w2: &'a [f32],
    b2: &'a [f32],
    w3: &'a [f32],
    b3: &'a [f32],
}

impl<'a> Params<'a> {
    fn split(p: &'a [f32], dims: &Dims) -> Self {
        let [l0, l1, l2, l3, l4, _] = dims.param_lens();
        let (w1, p) = p.split_at(l0);
        let (b1, p) = p.split_at(l1);
        let (w2, p) = p.split_at(l2);
        let (b2, p) = p.split_at(l3);
        let (w3, b3) = p.split_at(l4);
        Self {
            w1,
            b1,
            w2,
            b2,
            w3,
            b3,
        }
    }
}

/// What the backward pass needs from the rollout of one chunk of sequences.
struct ChunkSaved {
    /// First sequence of the chunk.
    first: usize,
    /// Sequences in the chunk (`Bc`).
    seqs: usize,
    /// Predictor inputs `[z_k, a_k]`, `[K·Bc, D+A]`, row `k·Bc + i`.
    x: Vec<f32>,
    /// First hidden layer after ReLU, `[K·Bc, H]`.
    r1: Vec<f32>,
    /// Second hidden layer after ReLU, `[K·Bc, H]`.
    r2: Vec<f32>,
    /// `z_{k+1} − h_{k+1}`, `[K·Bc, D]`.
    diff: Vec<f32>,
    /// Sum of the squares of `diff`.
    sq_sum: f64,
}

/// What the backward pass needs from the VICReg terms.
struct VicSaved {
    /// Column-centred encodings, `[N, D]`.
    hc: Vec<f32>,
    /// Unbiased covariance `hcᵀ·hc / (N−1)`, `[D, D]`.
    cov: Vec<f32>,
    /// Per-dimension `sqrt(var_j + 1e-4)`.
    std: Vec<f64>,
    var_loss: f64,
    cov_loss: f64,
}

/// The forward pass's results and saved activations.
struct Saved {
    chunks: Vec<ChunkSaved>,
    vic: VicSaved,
}

impl Saved {
    fn pred_loss(&self, dims: &Dims) -> f64 {
        let sq: f64 = self.chunks.iter().map(|c| c.sq_sum).sum();
        sq / (dims.k() * dims.b * dims.d) as f64
    }
}

#[allow(clippy::needless_pass_by_value)] // used as a `map_err` argument
fn gemm_err(e: ModelError) -> candle_core::Error {
    candle_core::Error::Msg(e.to_string())
}

/// Sets every row of `dst` (rows as long as `bias`) to `bias`.
fn fill_rows(dst: &mut [f32], bias: &[f32]) {
    for row in dst.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
}

fn relu_in_place(v: &mut [f32]) {
    for x in v {
        *x = x.max(0.0);
    }
}

/// Zeroes `g` where the ReLU output `r` is not positive (candle's ReLU gradient also passes at
/// an input of exactly 0; the two differ only there).
fn relu_mask(g: &mut [f32], r: &[f32]) {
    for (gv, rv) in g.iter_mut().zip(r) {
        if *rv <= 0.0 {
            *gv = 0.0;
        }
    }
}

/// Adds the column sums of `m` (rows as long as `acc`) to `acc`.
fn add_col_sums(acc: &mut [f64], m: &[f32]) {
    for row in m.chunks_exact(acc.len()) {
        for (a, v) in acc.iter_mut().zip(row) {
            *a += f64::from(*v);
        }
    }
}

/// The predictor weights transposed to `[in, out]`: the gemm is about twice as fast for these
/// small products with a row-major right-hand side than with a transposed view.
struct Transposed {
    w1: Vec<f32>,
    w2: Vec<f32>,
    w3: Vec<f32>,
}

impl Transposed {
    fn new(p: &Params<'_>, dims: &Dims) -> Self {
        let (w2, (w1, w3)) = rayon::join(
            || transpose(p.w2, dims.h, dims.h),
            || {
                (
                    transpose(p.w1, dims.h, dims.xw()),
                    transpose(p.w3, dims.d, dims.h),
                )
            },
        );
        Self { w1, w2, w3 }
    }
}

/// The transpose `[cols, rows]` of the row-major `rows × cols` matrix `m` (8×8 tiles, then the
/// ragged edges).
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    const T: usize = 8;
    let mut out = vec![0.0f32; rows * cols];
    let (rb, cb) = (rows / T * T, cols / T * T);
    for r0 in (0..rb).step_by(T) {
        for c0 in (0..cb).step_by(T) {
            let mut tile = [[0.0f32; T]; T];
            for (i, t) in tile.iter_mut().enumerate() {
                t.copy_from_slice(&m[(r0 + i) * cols + c0..][..T]);
            }
            for j in 0..T {
                let o = &mut out[(c0 + j) * rows + r0..][..T];
                for (i, ov) in o.iter_mut().enumerate() {
                    *ov = tile[i][j];
                }
            }
        }
    }
    for r in 0..rows {
        let c_from = if r < rb { cb } else { 0 };
        for c in c_from..cols {
            out[c * rows + r] = m[r * cols + c];
        }
    }
    out
}

/// Forward rollout of sequences `first..first+seqs` (`wt`: the weights of `p`, transposed).
fn rollout_chunk(
    h: &[f32],
    acts: &[f32],
    p: &Params<'_>,
    wt: &Transposed,
    dims: &Dims,
    first: usize,
    seqs: usize,
) -> Result<ChunkSaved> {
    let (t, d, a, hh, k, xw) = (dims.t, dims.d, dims.a, dims.h, dims.k(), dims.xw());
    let rows = seqs * k;
    let mut x = vec![0.0f32; rows * xw];
    let mut r1 = vec![0.0f32; rows * hh];
    let mut r2 = vec![0.0f32; rows * hh];
    let mut diff = vec![0.0f32; rows * d];
    let mut z: Vec<f32> = (first..first + seqs)
        .flat_map(|s| h[s * t * d..][..d].iter().copied())
        .collect();
    let mut dz = vec![0.0f32; seqs * d];
    let mut sq_sum = 0.0f64;
    let w1t = MatRef::row_major(&wt.w1, xw, hh);
    let w2t = MatRef::row_major(&wt.w2, hh, hh);
    let w3t = MatRef::row_major(&wt.w3, hh, d);
    for step in 0..k {
        let blk = step * seqs;
        let xk = &mut x[blk * xw..(blk + seqs) * xw];
        for (i, row) in xk.chunks_exact_mut(xw).enumerate() {
            row[..d].copy_from_slice(&z[i * d..(i + 1) * d]);
            row[d..].copy_from_slice(&acts[((first + i) * k + step) * a..][..a]);
        }
        let r1k = &mut r1[blk * hh..(blk + seqs) * hh];
        fill_rows(r1k, p.b1);
        matmul_serial(r1k, MatRef::row_major(xk, seqs, xw), w1t, true)?;
        relu_in_place(r1k);
        let r2k = &mut r2[blk * hh..(blk + seqs) * hh];
        fill_rows(r2k, p.b2);
        matmul_serial(r2k, MatRef::row_major(r1k, seqs, hh), w2t, true)?;
        relu_in_place(r2k);
        fill_rows(&mut dz, p.b3);
        matmul_serial(&mut dz, MatRef::row_major(r2k, seqs, hh), w3t, true)?;
        let diff_k = &mut diff[blk * d..(blk + seqs) * d];
        for i in 0..seqs {
            let target = &h[((first + i) * t + step + 1) * d..][..d];
            let zi = &mut z[i * d..(i + 1) * d];
            let di = &mut diff_k[i * d..(i + 1) * d];
            for (((zv, dzv), tv), dv) in zi.iter_mut().zip(&dz[i * d..]).zip(target).zip(di) {
                *zv += dzv;
                *dv = *zv - tv;
                sq_sum += f64::from(*dv) * f64::from(*dv);
            }
        }
    }
    Ok(ChunkSaved {
        first,
        seqs,
        x,
        r1,
        r2,
        diff,
        sq_sum,
    })
}

/// VICReg variance and covariance terms of `h` `[N, D]` with what their backward needs.
fn vicreg_forward(h: &[f32], dims: &Dims) -> Result<VicSaved> {
    let (n, d) = (dims.n(), dims.d);
    let mut mean = vec![0.0f64; d];
    add_col_sums(&mut mean, h);
    let mean: Vec<f32> = mean.iter().map(|m| (m / n as f64) as f32).collect();
    let mut hc = h.to_vec();
    for row in hc.chunks_exact_mut(d) {
        for (v, m) in row.iter_mut().zip(&mean) {
            *v -= m;
        }
    }
    let denom = (n.max(2) - 1) as f64;
    let mut var = vec![0.0f64; d];
    for row in hc.chunks_exact(d) {
        for (acc, v) in var.iter_mut().zip(row) {
            *acc += f64::from(*v) * f64::from(*v);
        }
    }
    let std: Vec<f64> = var.iter().map(|v| (v / denom + VAR_EPS).sqrt()).collect();
    let var_loss = std.iter().map(|s| (1.0 - s).max(0.0)).sum::<f64>() / d as f64;
    let mut cov = vec![0.0f32; d * d];
    let hc_m = MatRef::row_major(&hc, n, d);
    matmul_serial(&mut cov, hc_m.t(), hc_m, false)?;
    let inv = (1.0 / denom) as f32;
    let mut off_sq = 0.0f64;
    for (idx, c) in cov.iter_mut().enumerate() {
        *c *= inv;
        if idx / d != idx % d {
            off_sq += f64::from(*c) * f64::from(*c);
        }
    }
    Ok(VicSaved {
        hc,
        cov,
        std,
        var_loss,
        cov_loss: off_sq / d as f64,
    })
}

/// The whole forward pass.
fn forward(
    h: &[f32],
    acts: &[f32],
    params: &[f32],
    dims: &Dims,
    chunk_seqs: usize,
) -> Result<Saved> {
    let p = Params::split(params, dims);
    let wt = Transposed::new(&p, dims);
    let cs = chunk_seqs.max(1);
    let (chunks, vic) = rayon::join(
        || {
            (0..dims.b.div_ceil(cs))
                .into_par_iter()
                .map(|c| {
                    let first = c * cs;
                    rollout_chunk(h, acts, &p, &wt, dims, first, cs.min(dims.b - first))
                })
                .collect::<Result<Vec<_>>>()
        },
        || vicreg_forward(h, dims),
    );
    Ok(Saved {
        chunks: chunks?,
        vic: vic?,
    })
}

/// The gradients of one chunk: `(dL/dz_0 [Bc, D], flat parameter gradient)`.
fn backward_chunk(
    c: &ChunkSaved,
    p: &Params<'_>,
    dims: &Dims,
    pred_coef: f32,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let (d, hh, k, xw, seqs) = (dims.d, dims.h, dims.k(), dims.xw(), c.seqs);
    let rows = seqs * k;
    let mut gz = vec![0.0f32; seqs * d];
    let mut g3 = vec![0.0f32; rows * d];
    let mut g2 = vec![0.0f32; rows * hh];
    let mut g1 = vec![0.0f32; rows * hh];
    let w1z = MatRef {
        data: p.w1,
        rows: hh,
        cols: d,
        row_stride: xw,
        col_stride: 1,
    };
    for step in (0..k).rev() {
        let blk = step * seqs;
        // gz: dL/dz_{step+1} = the MSE term plus what flows back from later steps.
        for (g, dv) in gz.iter_mut().zip(&c.diff[blk * d..(blk + seqs) * d]) {
            *g += pred_coef * dv;
        }
        let g3k = &mut g3[blk * d..(blk + seqs) * d];
        g3k.copy_from_slice(&gz);
        let g2k = &mut g2[blk * hh..(blk + seqs) * hh];
        let g3m = MatRef::row_major(g3k, seqs, d);
        matmul_serial(g2k, g3m, MatRef::row_major(p.w3, d, hh), false)?;
        relu_mask(g2k, &c.r2[blk * hh..(blk + seqs) * hh]);
        let g1k = &mut g1[blk * hh..(blk + seqs) * hh];
        let g2m = MatRef::row_major(g2k, seqs, hh);
        matmul_serial(g1k, g2m, MatRef::row_major(p.w2, hh, hh), false)?;
        relu_mask(g1k, &c.r1[blk * hh..(blk + seqs) * hh]);
        // z_{step+1} = z_step + P(x_step): dL/dz_step = gz + (dL/dx_step)[:, :D].
        matmul_serial(&mut gz, MatRef::row_major(g1k, seqs, hh), w1z, true)?;
    }
    let mut grad = vec![0.0f32; dims.param_len()];
    let [l0, l1, l2, l3, l4, _] = dims.param_lens();
    let (dw1, rest) = grad.split_at_mut(l0);
    let (db1, rest) = rest.split_at_mut(l1);
    let (dw2, rest) = rest.split_at_mut(l2);
    let (db2, rest) = rest.split_at_mut(l3);
    let (dw3, db3) = rest.split_at_mut(l4);
    layer_grads(dw1, db1, &g1, &c.x, rows)?;
    layer_grads(dw2, db2, &g2, &c.r1, rows)?;
    layer_grads(dw3, db3, &g3, &c.r2, rows)?;
    Ok((gz, grad))
}

/// A linear layer's gradients over `rows` rows: `dw` `[out, in]` = `gᵀ · input` and `db` `[out]`
/// = column sums of `g`, for the output gradient `g` `[rows, out]` and its input `[rows, in]`.
fn layer_grads(
    dw: &mut [f32],
    db: &mut [f32],
    g: &[f32],
    input: &[f32],
    rows: usize,
) -> Result<()> {
    let (out_w, in_w) = (db.len(), input.len() / rows.max(1));
    matmul_serial(
        dw,
        MatRef::row_major(g, rows, out_w).t(),
        MatRef::row_major(input, rows, in_w),
        false,
    )?;
    let mut sums = vec![0.0f64; out_w];
    add_col_sums(&mut sums, g);
    for (o, s) in db.iter_mut().zip(&sums) {
        *o = *s as f32;
    }
    Ok(())
}

/// dL/dh `[N, D]` of the VICReg terms, for incoming gradients `g_var`, `g_cov` on them.
fn vicreg_backward(v: &VicSaved, dims: &Dims, g_var: f64, g_cov: f64) -> Result<Vec<f32>> {
    let (n, d) = (dims.n(), dims.d);
    let denom = (n.max(2) - 1) as f64;
    // dL/dhc = hc · Q with Q = 4·g_cov·offdiag(C)/(D·denom) + diag(dvar_j) (C symmetric), where
    // dvar_j = −g_var·[1 − std_j ≥ 0] / (D·std_j·denom).
    let cov_coef = (4.0 * g_cov / (d as f64 * denom)) as f32;
    let mut q: Vec<f32> = v.cov.iter().map(|c| c * cov_coef).collect();
    for (j, s) in v.std.iter().enumerate() {
        q[j * d + j] = if 1.0 - s >= 0.0 {
            (-g_var / (d as f64 * s * denom)) as f32
        } else {
            0.0
        };
    }
    let mut dh = vec![0.0f32; n * d];
    matmul_serial(
        &mut dh,
        MatRef::row_major(&v.hc, n, d),
        MatRef::row_major(&q, d, d),
        false,
    )?;
    // Through the centring: dh −= column means of dhc (zero up to rounding).
    let mut mean = vec![0.0f64; d];
    add_col_sums(&mut mean, &dh);
    let mean: Vec<f32> = mean.iter().map(|m| (m / n as f64) as f32).collect();
    for row in dh.chunks_exact_mut(d) {
        for (x, m) in row.iter_mut().zip(&mean) {
            *x -= m;
        }
    }
    Ok(dh)
}

/// The fused loss op (see the module docs).
struct FusedLossOp {
    /// Sizes and loss weights.
    cfg: ModelConfig,
    /// Sequences per rollout chunk ([`CHUNK_SEQS`]; tests use 1).
    chunk_seqs: usize,
    /// The forward pass's activations for the backward pass (recomputed if missing).
    saved: Mutex<Option<Saved>>,
}

impl FusedLossOp {
    fn new(cfg: &ModelConfig, chunk_seqs: usize) -> Self {
        Self {
            cfg: cfg.clone(),
            chunk_seqs,
            saved: Mutex::new(None),
        }
    }
}

impl CustomOp3 for FusedLossOp {
    fn name(&self) -> &'static str {
        "fused_loss"
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
        let dims = Dims::new(l1.dims(), l2.dims(), l3.dims(), &self.cfg)?;
        let saved = forward(
            slice_of(s1, l1, "fused_loss h")?,
            slice_of(s2, l2, "fused_loss actions")?,
            slice_of(s3, l3, "fused_loss predictor parameters")?,
            &dims,
            self.chunk_seqs,
        )
        .map_err(gemm_err)?;
        let pred = saved.pred_loss(&dims);
        let (var, cov) = (saved.vic.var_loss, saved.vic.cov_loss);
        let total = pred + self.cfg.var_weight * var + self.cfg.cov_weight * cov;
        let out = [total, pred, var, cov].map(|v| v as f32).to_vec();
        *self.saved.lock().unwrap_or_else(PoisonError::into_inner) = Some(saved);
        profile::record("loss.fwd", t0.elapsed());
        Ok((CpuStorage::F32(out), Shape::from(4)))
    }

    fn bwd(
        &self,
        h: &Tensor,
        actions: &Tensor,
        params: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let t0 = Instant::now();
        let dims = Dims::new(h.dims(), actions.dims(), params.dims(), &self.cfg)?;
        let g = grad_res.to_dtype(DType::F64)?.to_vec1::<f64>()?;
        let &[g_total, g_pred, g_var, g_cov] = g.as_slice() else {
            candle_core::bail!(
                "fused_loss: the output gradient has shape {:?}, not [4]",
                grad_res.dims()
            )
        };
        let g_pred = g_total + g_pred;
        let g_var = g_total * self.cfg.var_weight + g_var;
        let g_cov = g_total * self.cfg.cov_weight + g_cov;
        let pred_coef = (2.0 * g_pred / (dims.k() * dims.b * dims.d) as f64) as f32;
        let guard = self.saved.lock().unwrap_or_else(PoisonError::into_inner);
        let (dh, dp) = with_values(params, "fused_loss predictor parameters", |pv| {
            let recomputed;
            let saved = if let Some(s) = guard.as_ref() {
                s
            } else {
                recomputed = with_values(h, "fused_loss h", |hv| {
                    with_values(actions, "fused_loss actions", |av| {
                        forward(hv, av, pv, &dims, self.chunk_seqs).map_err(gemm_err)
                    })
                })?;
                &recomputed
            };
            let p = Params::split(pv, &dims);
            let (chunk_grads, dh) = rayon::join(
                || {
                    saved
                        .chunks
                        .par_iter()
                        .map(|c| backward_chunk(c, &p, &dims, pred_coef))
                        .collect::<Result<Vec<_>>>()
                },
                || vicreg_backward(&saved.vic, &dims, g_var, g_cov),
            );
            let chunk_grads = chunk_grads.map_err(gemm_err)?;
            let mut dh = dh.map_err(gemm_err)?;
            let mut dp = vec![0.0f32; dims.param_len()];
            let (t, d) = (dims.t, dims.d);
            for (c, (gz, gp)) in saved.chunks.iter().zip(&chunk_grads) {
                for (i, gzi) in gz.chunks_exact(d).enumerate() {
                    let row = &mut dh[(c.first + i) * t * d..][..d];
                    for (o, v) in row.iter_mut().zip(gzi) {
                        *o += v;
                    }
                }
                for (o, v) in dp.iter_mut().zip(gp) {
                    *o += v;
                }
            }
            Ok((dh, dp))
        })?;
        drop(guard);
        let dh = Tensor::from_vec(dh, h.dims(), h.device())?;
        let dp = Tensor::from_vec(dp, params.dims(), params.device())?;
        profile::record("loss.bwd", t0.elapsed());
        Ok((Some(dh), None, Some(dp)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};
    use rand::{Rng, SeedableRng};

    use crate::nn::cpu_values::test_util::max_rel_diff;
    use crate::nn::jepa::one_hot;

    type Rng8 = rand_chacha::ChaCha8Rng;

    fn rand_vec(rng: &mut Rng8, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .expect("values")
    }

    /// A model, random encodings `[B·T, D]` (a variable) and one-hot actions for `b` sequences.
    fn setup(cfg: &ModelConfig, b: usize, seed: u64) -> (Jepa, Var, Tensor) {
        let dev = Device::Cpu;
        let model = Jepa::new(cfg, seed, &dev).expect("model");
        let mut rng = Rng8::seed_from_u64(seed + 100);
        let (t, d) = (cfg.seq_len, cfg.latent_dim);
        // Even dimensions have std ≈ 0.29 (VICReg's variance hinge active), odd ones ≈ 2.3
        // (inactive), so both branches are exercised.
        let hv: Vec<f32> = rand_vec(&mut rng, b * t * d)
            .iter()
            .enumerate()
            .map(|(i, v)| v * if i % 2 == 0 { 0.5 } else { 4.0 })
            .collect();
        let h = Var::from_vec(hv, (b * t, d), &dev).expect("h");
        let ids: Vec<u8> = (0..b * (t - 1))
            .map(|_| rng.random_range(0..cfg.n_actions as u8))
            .collect();
        let acts = Tensor::from_vec(
            one_hot(&ids, cfg.n_actions),
            (b, t - 1, cfg.n_actions),
            &dev,
        )
        .expect("actions");
        (model, h, acts)
    }

    fn stack(v: &LossValues) -> Tensor {
        Tensor::stack(&[&v.total, &v.pred, &v.var, &v.cov], 0).expect("stack")
    }

    /// `Σ_i g_i · out_i` and its gradients.
    fn backward_of(out: &Tensor, g: &Tensor) -> candle_core::backprop::GradStore {
        (out * g)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.backward())
            .expect("backward")
    }

    fn check_against_candle_ops(cfg: &ModelConfig, b: usize, chunk_seqs: usize, seed: u64) {
        let (model, h, acts) = setup(cfg, b, seed);
        let mut rng = Rng8::seed_from_u64(seed + 200);
        let g = Tensor::from_vec(rand_vec(&mut rng, 4), 4, &Device::Cpu).expect("g");
        let want = stack(&loss_candle_ops(&model, &h, &acts).expect("reference"));
        let params = pred_params_flat(&model).expect("params");
        let got = fused_loss_chunked(&h, &acts, &params, &model.cfg, chunk_seqs).expect("fused");
        assert_eq!(got.dims(), [4]);
        let (gv, wv) = (values(&got), values(&want));
        for (i, (x, y)) in gv.iter().zip(&wv).enumerate() {
            assert!(
                (x - y).abs() <= 1e-5 * (1.0 + y.abs()),
                "output {i}: {x} vs {y}"
            );
        }
        // The VICReg variance hinge is active, so its gradient is exercised.
        assert!(wv[2] > 0.1, "var term {}", wv[2]);
        let g_want = backward_of(&want, &g);
        let g_got = backward_of(&got, &g);
        let mut checked = vec![("h".to_string(), h.as_tensor().clone())];
        for (name, var) in model.params() {
            if PRED_PARAM_NAMES.contains(&name.as_str()) {
                checked.push((name.clone(), var.as_tensor().clone()));
            }
        }
        assert_eq!(checked.len(), 7);
        for (name, t) in &checked {
            let a = g_got.get(t).expect("fused grad");
            let c = g_want.get(t).expect("reference grad");
            let diff = max_rel_diff(a, c);
            assert!(
                diff < 1e-4,
                "d{name} differs by {diff} (chunk {chunk_seqs})"
            );
        }
    }

    #[test]
    fn fused_loss_matches_candle_ops_on_the_tiny_config() {
        let cfg = ModelConfig::tiny();
        check_against_candle_ops(&cfg, cfg.batch_size, CHUNK_SEQS, 1);
        // Chunks of one sequence give the same values.
        check_against_candle_ops(&cfg, cfg.batch_size, 1, 2);
        // A batch that does not divide into the chunks.
        check_against_candle_ops(&cfg, 5, 2, 3);
    }

    #[test]
    fn fused_loss_matches_candle_ops_on_the_reference_sizes() {
        check_against_candle_ops(&ModelConfig::reference(), 4, 3, 4);
    }

    /// Central finite differences of `Σ_i g_i · out_i` for incoming gradient `g`, at entries
    /// `h_idx` of h and `p_idx` of the parameters, equal the op's gradients.
    fn check_finite_differences(g: [f64; 4], h_idx: &[usize], p_idx: &[usize]) {
        let cfg = ModelConfig::tiny();
        let (model, h, acts) = setup(&cfg, 3, 9);
        let params = pred_params_flat(&model).expect("params");
        let hv = values(&h);
        let pv = values(&params);
        let dev = Device::Cpu;
        let loss = |hv: &[f32], pv: &[f32]| -> f64 {
            let h = Tensor::from_slice(hv, h.dims(), &dev).expect("h");
            let p = Tensor::from_slice(pv, pv.len(), &dev).expect("p");
            let out = values(&fused_loss(&h, &acts, &p, &cfg).expect("loss"));
            out.iter().zip(&g).map(|(o, w)| f64::from(*o) * w).sum()
        };
        let hvar = Var::from_slice(&hv, h.dims(), &dev).expect("h");
        let pvar = Var::from_slice(&pv, pv.len(), &dev).expect("p");
        let out = fused_loss(&hvar, &acts, &pvar, &cfg).expect("loss");
        let gt = Tensor::from_vec(g.map(|v| v as f32).to_vec(), 4, &dev).expect("g");
        let grads = backward_of(&out, &gt);
        assert!(grads.get(&acts).is_none());
        let dh = values(grads.get(hvar.as_tensor()).expect("dh"));
        let dp = values(grads.get(pvar.as_tensor()).expect("dp"));
        let eps = 1e-3f32;
        let fd = |which: usize, i: usize| {
            let mut vals = [hv.clone(), pv.clone()];
            vals[which][i] += eps;
            let up = loss(&vals[0], &vals[1]);
            vals[which][i] -= 2.0 * eps;
            let down = loss(&vals[0], &vals[1]);
            (up - down) / (2.0 * f64::from(eps))
        };
        for (which, idx, grad) in [(0, h_idx, &dh), (1, p_idx, &dp)] {
            for &i in idx {
                let want = fd(which, i);
                let got = f64::from(grad[i]);
                assert!(
                    (want - got).abs() < 2e-3 * (1.0 + want.abs()),
                    "arg {which} index {i}: finite difference {want} vs gradient {got}"
                );
            }
        }
    }

    #[test]
    fn gradients_match_central_finite_differences() {
        let cfg = ModelConfig::tiny();
        let (d, t) = (cfg.latent_dim, cfg.seq_len);
        let dims = Dims {
            b: 3,
            t,
            d,
            a: cfg.n_actions,
            h: cfg.hidden,
        };
        let off: Vec<usize> = dims
            .param_lens()
            .iter()
            .scan(0, |s, l| {
                let o = *s;
                *s += l;
                Some(o)
            })
            .collect();
        // Entries of W1 (latent and action columns), b1, W2, b2, W3, b3.
        let p_idx = [
            0,
            d + 1,
            off[1] + 3,
            off[2] + 100,
            off[3] + 7,
            off[4] + 11,
            off[5] + 2,
        ];
        // Rows of z_0 (t = 0) feed the rollout and VICReg.
        let z0_rows = [0, 3, t * d + 7, 2 * t * d + d - 1];
        check_finite_differences([0.7, 0.3, -0.5, 1.3], &z0_rows, &p_idx);
        // The rollout's targets (t > 0) are stop-gradient: with no weight on total and pred,
        // their gradient is VICReg's alone and the finite difference must agree.
        let target_rows = [d + 1, 2 * d + 5, t * d + d + 2];
        check_finite_differences([0.0, 0.0, -0.5, 1.3], &target_rows, &[]);
    }

    #[test]
    fn backward_recomputes_when_the_forward_state_is_missing() {
        let cfg = ModelConfig::tiny();
        let (model, h, acts) = setup(&cfg, 3, 5);
        let params = pred_params_flat(&model)
            .map(|p| p.detach())
            .expect("params");
        let g = Tensor::from_vec(vec![1.0f32, -0.5, 0.25, 2.0], 4, &Device::Cpu).expect("g");
        let op = FusedLossOp::new(&cfg, 2);
        let out = h.apply_op3(&acts, &params, op).expect("forward");
        let with_state = backward_of(&out, &g);
        let fresh = FusedLossOp::new(&cfg, 2);
        let (dh, da, dp) = fresh
            .bwd(h.as_tensor(), &acts, &params, &out, &g)
            .expect("bwd");
        assert!(da.is_none());
        let dh = dh.expect("dh");
        assert_eq!(
            values(&dh),
            values(with_state.get(h.as_tensor()).expect("dh"))
        );
        assert_eq!(dp.expect("dp").dims(), params.dims());
    }

    #[test]
    fn bad_shapes_are_reported() {
        let cfg = ModelConfig::tiny();
        let (model, h, acts) = setup(&cfg, 2, 6);
        let params = pred_params_flat(&model).expect("params");
        let short = params.narrow(0, 0, 10).expect("short");
        let err = fused_loss(&h, &acts, &short, &cfg).expect_err("short params");
        assert!(err.to_string().contains("predictor parameters"), "{err}");
        let acts3 = Tensor::zeros(
            (3, cfg.seq_len - 1, cfg.n_actions),
            DType::F32,
            &Device::Cpu,
        )
        .expect("acts");
        let err = fused_loss(&h, &acts3, &params, &cfg).expect_err("batch mismatch");
        assert!(err.to_string().contains("do not fit"), "{err}");
    }
}
