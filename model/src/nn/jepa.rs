//! The JEPA world model: a conv encoder frames → h and an action-conditioned residual predictor,
//! with the training loss of `shared/bench/ref_step.py` (latent rollout MSE to stop-gradient
//! targets, VICReg variance and covariance).
//!
//! Parameters are `candle_core::Var`s named and shaped exactly like the PyTorch script's
//! `state_dict()` (`enc.c1.weight` `[32,3,4,4]`, …, `enc.fc.weight` `[64,1024]` in NCHW flatten
//! order, `pred.l1.weight` `[256,69]`, …). Activations are NHWC inside the encoder.

use candle_core::{DType, Device, Tensor, Var, D};
use rand::{Rng, SeedableRng};

use super::conv::{conv2d_nhwc, ConvImpl, ConvOptions, ConvSpec};
use super::encoder_op::{EncoderOp, EncoderShape};
use crate::config::ModelConfig;
use crate::error::{ModelError, Result};

/// A named f32 tensor: name, shape, row-major values.
pub type NamedValues = (String, Vec<usize>, Vec<f32>);

/// Convolution geometry of the three encoder layers: (kernel, stride, padding).
pub const CONV_LAYERS: [(usize, usize, usize); 3] = [(4, 2, 1), (4, 2, 1), (3, 2, 1)];

/// The model's parameters and sizes.
pub struct Jepa {
    pub cfg: ModelConfig,
    /// `(name, var)` in the PyTorch `state_dict()` order.
    params: Vec<(String, Var)>,
    conv_impl: ConvImpl,
    device: Device,
}

/// The loss of one batch and its parts (scalars), plus the detached encodings.
pub struct LossParts {
    pub total: Tensor,
    pub pred: Tensor,
    pub var: Tensor,
    pub cov: Tensor,
    /// `[batch·seq_len, latent_dim]`, detached.
    pub h: Tensor,
}

/// The parameter names and shapes of a model with these sizes, in `state_dict()` order.
pub fn param_shapes(cfg: &ModelConfig) -> Vec<(String, Vec<usize>)> {
    let [c1, c2, c3] = cfg.channels;
    let mut out = Vec::new();
    let mut cin = 3;
    for (i, (&cout, &(k, _, _))) in [c1, c2, c3].iter().zip(&CONV_LAYERS).enumerate() {
        out.push((format!("enc.c{}.weight", i + 1), vec![cout, cin, k, k]));
        out.push((format!("enc.c{}.bias", i + 1), vec![cout]));
        cin = cout;
    }
    out.push(("enc.fc.weight".into(), vec![cfg.latent_dim, cfg.flat_dim()]));
    out.push(("enc.fc.bias".into(), vec![cfg.latent_dim]));
    let pred_in = cfg.latent_dim + cfg.n_actions;
    for (i, (o, n)) in [
        (cfg.hidden, pred_in),
        (cfg.hidden, cfg.hidden),
        (cfg.latent_dim, cfg.hidden),
    ]
    .iter()
    .enumerate()
    {
        out.push((format!("pred.l{}.weight", i + 1), vec![*o, *n]));
        out.push((format!("pred.l{}.bias", i + 1), vec![*o]));
    }
    out
}

/// The number of trainable parameters of a model with these sizes (the sum over [`param_shapes`]).
pub fn param_count(cfg: &ModelConfig) -> u64 {
    param_shapes(cfg)
        .iter()
        .map(|(_, s)| s.iter().product::<usize>() as u64)
        .sum()
}

/// Fan-in of a weight or bias: PyTorch's default init draws both from U(±1/sqrt(fan_in)).
fn fan_in(weight_shape: &[usize]) -> usize {
    weight_shape[1..].iter().product()
}

impl Jepa {
    /// A freshly initialised model (PyTorch default init, uniform ±1/sqrt(fan_in), seeded).
    pub fn new(cfg: &ModelConfig, seed: u64, device: &Device) -> Result<Self> {
        cfg.validate()?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let shapes = param_shapes(cfg);
        let mut params = Vec::with_capacity(shapes.len());
        let mut bound = 1.0f32;
        for (name, shape) in shapes {
            if name.ends_with(".weight") {
                bound = 1.0 / (fan_in(&shape) as f32).sqrt();
            }
            let n: usize = shape.iter().product();
            let vals: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
            params.push((name, Var::from_vec(vals, shape, device)?));
        }
        Ok(Self {
            cfg: cfg.clone(),
            params,
            conv_impl: ConvImpl::for_device(device),
            device: device.clone(),
        })
    }

    /// A model with the given parameter values (names and shapes must match `cfg`; `source`
    /// names where they came from, for the error message).
    pub fn from_values(
        cfg: &ModelConfig,
        values: &[NamedValues],
        device: &Device,
        source: &str,
    ) -> Result<Self> {
        cfg.validate()?;
        let mut params = Vec::new();
        for (name, shape) in param_shapes(cfg) {
            let Some((_, got_shape, data)) = values.iter().find(|(n, _, _)| *n == name) else {
                return Err(ModelError::Invalid(format!(
                    "{source}: tensor {name} is missing"
                )));
            };
            if *got_shape != shape {
                return Err(ModelError::Invalid(format!(
                    "{source}: tensor {name} has shape {got_shape:?} but the config needs {shape:?}"
                )));
            }
            params.push((name, Var::from_slice(data, shape, device)?));
        }
        Ok(Self {
            cfg: cfg.clone(),
            params,
            conv_impl: ConvImpl::for_device(device),
            device: device.clone(),
        })
    }

    /// Chooses the convolution implementation (the CPU default is [`ConvImpl::Fused`]).
    pub fn set_conv_impl(&mut self, imp: ConvImpl) {
        self.conv_impl = imp;
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// `(name, var)` in `state_dict()` order.
    pub fn params(&self) -> &[(String, Var)] {
        &self.params
    }

    /// The current values: `(name, shape, f32 values)`.
    pub fn values(&self) -> Result<Vec<NamedValues>> {
        self.params
            .iter()
            .map(|(n, v)| {
                Ok((
                    n.clone(),
                    v.dims().to_vec(),
                    v.as_tensor().flatten_all()?.to_vec1::<f32>()?,
                ))
            })
            .collect()
    }

    fn p(&self, name: &str) -> Result<&Tensor> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_tensor())
            .ok_or_else(|| ModelError::Invalid(format!("model has no parameter {name}")))
    }

    /// `x · wᵀ + b` for a `[out, in]` weight.
    fn linear(&self, x: &Tensor, layer: &str) -> Result<Tensor> {
        let w = self.p(&format!("{layer}.weight"))?;
        let b = self.p(&format!("{layer}.bias"))?;
        Ok(x.matmul(&w.t()?)?.broadcast_add(b)?)
    }

    /// The encoder's batch-independent sizes.
    pub fn encoder_shape(&self) -> EncoderShape {
        EncoderShape {
            channels: self.cfg.channels,
            layers: CONV_LAYERS,
            latent_dim: self.cfg.latent_dim,
        }
    }

    /// The encoder's parameters flattened and concatenated in `state_dict()` order (the fused
    /// encoder op's second input; gradients flow back to each parameter through the cat).
    pub(crate) fn encoder_params_flat(&self) -> Result<Tensor> {
        let parts = self
            .params
            .iter()
            .filter(|(n, _)| n.starts_with("enc."))
            .map(|(_, v)| v.as_tensor().flatten_all())
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Tensor::cat(&parts, 0)?)
    }

    /// Encodes `[N, S, S, 3]` f32 frames (values in 0..1, `S = image_size`) to h `[N, latent_dim]`.
    pub fn encode(&self, x: &Tensor) -> Result<Tensor> {
        if self.conv_impl == ConvImpl::Fused {
            let params = self.encoder_params_flat()?;
            return Ok(x
                .contiguous()?
                .apply_op2(&params, EncoderOp::new(self.encoder_shape()))?);
        }
        self.encode_layers(x)
    }

    /// [`Self::encode`] without autograd (inference: evaluation, planning); keeps no activations.
    pub fn encode_no_grad(&self, x: &Tensor) -> Result<Tensor> {
        if self.conv_impl == ConvImpl::Fused {
            let params = self.encoder_params_flat()?.detach();
            return Ok(x
                .contiguous()?
                .apply_op2_no_bwd(&params, &EncoderOp::inference(self.encoder_shape()))?);
        }
        Ok(self.encode_layers(&x.detach())?.detach())
    }

    /// The encoder as one op per layer ([`ConvImpl::Im2col`] or [`ConvImpl::Candle`]).
    fn encode_layers(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.clone();
        for (i, &(k, s, p)) in CONV_LAYERS.iter().enumerate() {
            let w = self.p(&format!("enc.c{}.weight", i + 1))?;
            let b = self.p(&format!("enc.c{}.bias", i + 1))?;
            let opts = ConvOptions {
                spec: ConvSpec::square(k, s, p),
                relu: true,
                input_grad: i > 0,
                layer: i + 1,
            };
            x = conv2d_nhwc(&x, w, b, opts, self.conv_impl)?;
        }
        let n = x.dim(0)?;
        let flat = x.reshape((n, self.cfg.flat_dim()))?;
        // The fc weight is stored in PyTorch's NCHW flatten order; reorder its columns to NHWC.
        let side = self.cfg.final_side();
        let c3 = self.cfg.channels[2];
        let d = self.cfg.latent_dim;
        let w = self
            .p("enc.fc.weight")?
            .reshape((d, c3, side, side))?
            .permute((0, 2, 3, 1))?
            .reshape((d, side * side * c3))?;
        let b = self.p("enc.fc.bias")?;
        Ok(flat.matmul(&w.t()?)?.broadcast_add(b)?)
    }

    /// One predictor step: `h + P([h, a])` for h `[B, D]` and one-hot actions `[B, n_actions]`.
    pub fn predict(&self, h: &Tensor, a_onehot: &Tensor) -> Result<Tensor> {
        let x = Tensor::cat(&[h, a_onehot], 1)?;
        let x = self.linear(&x, "pred.l1")?.relu()?;
        let x = self.linear(&x, "pred.l2")?.relu()?;
        Ok((h + self.linear(&x, "pred.l3")?)?)
    }

    /// The training loss for `frames` `[B·T, S, S, 3]` (sequence-major: frame t of sequence b at
    /// row `b·T + t`) and one-hot `actions` `[B, T-1, n_actions]`.
    pub fn loss(&self, frames: &Tensor, actions: &Tensor) -> Result<LossParts> {
        let h_flat = self.encode(frames)?;
        // On the CPU the rollout, MSE and VICReg are one fused op; elsewhere many candle ops.
        let v = if self.device.is_cpu() {
            super::loss_op::loss_fused(self, &h_flat, actions)?
        } else {
            super::loss_op::loss_candle_ops(self, &h_flat, actions)?
        };
        Ok(LossParts {
            total: v.total,
            pred: v.pred,
            var: v.var,
            cov: v.cov,
            h: h_flat.detach(),
        })
    }
}

/// VICReg variance `mean_j relu(1 − sqrt(var_j + 1e-4))` and covariance `Σ_{i≠j} C_ij² / D`
/// of `h` `[N, D]` (unbiased).
pub fn vicreg(h: &Tensor) -> Result<(Tensor, Tensor)> {
    let (n, d) = h.dims2()?;
    let hc = h.broadcast_sub(&h.mean_keepdim(0)?)?;
    let denom = (n.max(2) - 1) as f64;
    let var = (hc.sqr()?.sum(0)? / denom)?;
    let var_loss = ((var + 1e-4)?.sqrt()?.affine(-1.0, 1.0)?.relu()?).mean_all()?;
    let cov = (hc.t()?.matmul(&hc)? / denom)?;
    let eye = Tensor::eye(d, DType::F32, h.device())?;
    let off_mask = eye.affine(-1.0, 1.0)?;
    let cov_loss = ((cov * off_mask)?.sqr()?.sum_all()? / d as f64)?;
    Ok((var_loss, cov_loss))
}

/// One-hot encodes action ids into `[len, n_actions]` f32 values.
pub fn one_hot(actions: &[u8], n_actions: usize) -> Vec<f32> {
    let mut out = vec![0.0; actions.len() * n_actions];
    for (i, &a) in actions.iter().enumerate() {
        if (a as usize) < n_actions {
            out[i * n_actions + a as usize] = 1.0;
        }
    }
    out
}

/// The mean per-dimension standard deviation and the mean L2 norm of the rows of `h` `[N, D]`.
pub fn h_stats(h: &Tensor) -> Result<(f64, f64)> {
    let std = h.var_keepdim(0)?.sqrt()?.mean_all()?.to_scalar::<f32>()?;
    let norm = h
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .mean_all()?
        .to_scalar::<f32>()?;
    Ok((f64::from(std), f64::from(norm)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_parameter_names_and_shapes_match_the_pytorch_state_dict() {
        let shapes = param_shapes(&ModelConfig::reference());
        let want: Vec<(&str, Vec<usize>)> = vec![
            ("enc.c1.weight", vec![32, 3, 4, 4]),
            ("enc.c1.bias", vec![32]),
            ("enc.c2.weight", vec![64, 32, 4, 4]),
            ("enc.c2.bias", vec![64]),
            ("enc.c3.weight", vec![64, 64, 3, 3]),
            ("enc.c3.bias", vec![64]),
            ("enc.fc.weight", vec![64, 1024]),
            ("enc.fc.bias", vec![64]),
            ("pred.l1.weight", vec![256, 69]),
            ("pred.l1.bias", vec![256]),
            ("pred.l2.weight", vec![256, 256]),
            ("pred.l2.bias", vec![256]),
            ("pred.l3.weight", vec![64, 256]),
            ("pred.l3.bias", vec![64]),
        ];
        let got: Vec<(&str, Vec<usize>)> = shapes
            .iter()
            .map(|(n, s)| (n.as_str(), s.clone()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn init_is_seeded_and_bounded_by_fan_in() {
        let cfg = ModelConfig::tiny();
        let a = Jepa::new(&cfg, 5, &Device::Cpu)
            .expect("a")
            .values()
            .expect("va");
        let b = Jepa::new(&cfg, 5, &Device::Cpu)
            .expect("b")
            .values()
            .expect("vb");
        let c = Jepa::new(&cfg, 6, &Device::Cpu)
            .expect("c")
            .values()
            .expect("vc");
        assert_eq!(a, b);
        assert_ne!(a, c);
        // enc.c2.weight: fan_in = 8·4·4 = 128 → bound 1/sqrt(128).
        let (_, _, w) = &a[2];
        let bound = 1.0 / 128f32.sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound));
        assert!(w.iter().any(|v| v.abs() > 0.8 * bound));
    }

    #[test]
    fn vicreg_terms_match_hand_computation() {
        // h = [[0,0],[2,2],[4,3]]: unbiased var (4, 7/3); cov_01 = (−2·−5/3 + 0 + 2·4/3)/2 = 3.
        let h = Tensor::from_vec(vec![0.0f32, 0.0, 2.0, 2.0, 4.0, 3.0], (3, 2), &Device::Cpu)
            .expect("h");
        let (var, cov) = vicreg(&h).expect("vicreg");
        let v = var.to_scalar::<f32>().expect("v");
        let want_v = f32::midpoint(
            0.0f32.max(1.0 - (4.0f32 + 1e-4).sqrt()),
            0.0f32.max(1.0 - (7.0f32 / 3.0 + 1e-4).sqrt()),
        );
        assert!((v - want_v).abs() < 1e-6);
        let h2 = Tensor::from_vec(vec![0.0f32, 0.0, 0.2, 0.2, 0.4, 0.3], (3, 2), &Device::Cpu)
            .expect("h2");
        let (var2, _) = vicreg(&h2).expect("vicreg2");
        // var (0.04, 0.07/3): relu(1 − sqrt(v + 1e-4)) is positive for both.
        let want_v2 = f32::midpoint(
            1.0 - (0.04f32 + 1e-4).sqrt(),
            1.0 - (0.07f32 / 3.0 + 1e-4).sqrt(),
        );
        assert!((var2.to_scalar::<f32>().expect("v2") - want_v2).abs() < 1e-5);
        // Σ_{i≠j} C_ij² / D = (3² + 3²) / 2 = 9.
        assert!((cov.to_scalar::<f32>().expect("c") - 9.0).abs() < 1e-5);
    }

    #[test]
    fn the_fc_reorder_gives_the_nchw_flatten_result() {
        // Compare the encoder's output with a direct NCHW computation via candle's conv2d.
        let cfg = ModelConfig::tiny();
        let dev = Device::Cpu;
        let model = Jepa::new(&cfg, 1, &dev).expect("model");
        let n = 2;
        let s = cfg.image_size;
        let vals: Vec<f32> = (0..n * s * s * 3)
            .map(|i| ((i * 37) % 255) as f32 / 255.0)
            .collect();
        let x = Tensor::from_vec(vals, (n, s, s, 3), &dev).expect("x");
        let h = model.encode(&x).expect("encode");
        let mut y = x
            .permute((0, 3, 1, 2))
            .and_then(|t| t.contiguous())
            .expect("nchw");
        for (i, &(_, st, p)) in CONV_LAYERS.iter().enumerate() {
            let w = model.p(&format!("enc.c{}.weight", i + 1)).expect("w");
            let b = model.p(&format!("enc.c{}.bias", i + 1)).expect("b");
            let c = b.dim(0).expect("c");
            y = y
                .conv2d(w, p, st, 1, 1)
                .and_then(|t| t.broadcast_add(&b.reshape((1, c, 1, 1))?))
                .and_then(|t| t.relu())
                .expect("conv");
        }
        let flat = y.reshape((n, cfg.flat_dim())).expect("flat");
        let want = model.linear(&flat, "enc.fc").expect("fc");
        let diff = (h - want)
            .and_then(|t| t.abs())
            .and_then(|t| t.max_all())
            .and_then(|t| t.to_scalar::<f32>());
        assert!(diff.expect("diff") < 1e-5);
    }
}
