//! AdamW over `candle_core::Var`s, matching `torch.optim.AdamW` (decoupled weight decay, bias
//! correction, eps added after the bias-corrected square root), with its state exposed so that
//! checkpoints can save and restore it.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use crate::error::{ModelError, Result};

/// Hyper-parameters of AdamW.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWParams {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl AdamWParams {
    /// torch's defaults (betas 0.9/0.999, eps 1e-8) with the given lr and weight decay.
    pub fn new(lr: f64, weight_decay: f64) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
        }
    }
}

/// One parameter's first and second moment estimates: plain vectors on the CPU (updated in one
/// fused loop), tensors on other devices.
enum Moments {
    Cpu { m: Vec<f32>, v: Vec<f32> },
    Device { m: Tensor, v: Tensor },
}

impl Moments {
    fn zeros(var: &Var) -> Result<Self> {
        Ok(if var.device().is_cpu() {
            Self::Cpu {
                m: vec![0.0; var.elem_count()],
                v: vec![0.0; var.elem_count()],
            }
        } else {
            Self::Device {
                m: var.zeros_like()?,
                v: var.zeros_like()?,
            }
        })
    }

    fn values(&self) -> Result<(Vec<f32>, Vec<f32>)> {
        Ok(match self {
            Self::Cpu { m, v } => (m.clone(), v.clone()),
            Self::Device { m, v } => (
                m.flatten_all()?.to_vec1::<f32>()?,
                v.flatten_all()?.to_vec1::<f32>()?,
            ),
        })
    }
}

/// The optimizer: hyper-parameters, the step count and one pair of moments per parameter.
pub struct AdamW {
    pub params: AdamWParams,
    /// Number of `step` calls so far (torch's `state["step"]`).
    pub step_count: u64,
    vars: Vec<(String, Var)>,
    moments: Vec<Moments>,
}

/// The saved state of one parameter: name, shape, first and second moments.
pub type MomentValues = (String, Vec<usize>, Vec<f32>, Vec<f32>);

impl AdamW {
    /// An optimizer for `vars` with zero moments.
    pub fn new(vars: &[(String, Var)], params: AdamWParams) -> Result<Self> {
        let moments = vars
            .iter()
            .map(|(_, v)| Moments::zeros(v))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            params,
            step_count: 0,
            vars: vars.to_vec(),
            moments,
        })
    }

    /// One update from the gradients in `grads`; parameters without a gradient are left alone.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.step_count += 1;
        let p = self.params;
        let t = self.step_count as i32;
        let bc1 = 1.0 - p.beta1.powi(t);
        let bc2_sqrt = (1.0 - p.beta2.powi(t)).sqrt();
        let step_size = p.lr / bc1;
        for ((_, var), mom) in self.vars.iter().zip(self.moments.iter_mut()) {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            match mom {
                Moments::Cpu { m, v } => {
                    let g = g.flatten_all()?.to_vec1::<f32>()?;
                    let mut w = var.as_tensor().flatten_all()?.to_vec1::<f32>()?;
                    let (b1, b2) = (p.beta1 as f32, p.beta2 as f32);
                    let (decay, inv_bc2_sqrt) = (
                        (1.0 - p.lr * p.weight_decay) as f32,
                        (1.0 / bc2_sqrt) as f32,
                    );
                    let (step_size, eps) = (step_size as f32, p.eps as f32);
                    for (((w, g), m), v) in w.iter_mut().zip(&g).zip(m.iter_mut()).zip(v.iter_mut())
                    {
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *w = *w * decay - step_size * *m / (v.sqrt() * inv_bc2_sqrt + eps);
                    }
                    var.set(&Tensor::from_vec(w, var.shape(), var.device())?)?;
                }
                Moments::Device { m, v } => {
                    let m_next = ((&*m * p.beta1)? + (g * (1.0 - p.beta1))?)?;
                    let v_next = ((&*v * p.beta2)? + (g.sqr()? * (1.0 - p.beta2))?)?;
                    let denom = ((v_next.sqrt()? / bc2_sqrt)? + p.eps)?;
                    let decayed = (var.as_tensor() * (1.0 - p.lr * p.weight_decay))?;
                    var.set(&(decayed - ((&m_next / denom)? * step_size)?)?)?;
                    *m = m_next;
                    *v = v_next;
                }
            }
        }
        Ok(())
    }

    /// The moments of every parameter, in parameter order.
    pub fn moment_values(&self) -> Result<Vec<MomentValues>> {
        self.vars
            .iter()
            .zip(&self.moments)
            .map(|((name, var), mom)| {
                let (m, v) = mom.values()?;
                Ok((name.clone(), var.dims().to_vec(), m, v))
            })
            .collect()
    }

    /// Restores the step count and moments (every parameter must be present with its shape;
    /// `source` names the file for the error message).
    pub fn load_state(
        &mut self,
        step_count: u64,
        values: &[MomentValues],
        source: &str,
    ) -> Result<()> {
        let mut moments = Vec::with_capacity(self.vars.len());
        for (name, var) in &self.vars {
            let Some((_, shape, m, v)) = values.iter().find(|(n, ..)| n == name) else {
                return Err(ModelError::Invalid(format!(
                    "{source}: optimizer moments for {name} are missing"
                )));
            };
            if shape.as_slice() != var.dims() {
                return Err(ModelError::Invalid(format!(
                    "{source}: optimizer moments for {name} have shape {shape:?}, the parameter has {:?}",
                    var.dims()
                )));
            }
            moments.push(if var.device().is_cpu() {
                Moments::Cpu {
                    m: m.clone(),
                    v: v.clone(),
                }
            } else {
                Moments::Device {
                    m: Tensor::from_slice(m, shape.as_slice(), var.device())?,
                    v: Tensor::from_slice(v, shape.as_slice(), var.device())?,
                }
            });
        }
        self.moments = moments;
        self.step_count = step_count;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Two steps on p = [1, -2] with loss Σ p² (grad 2p), checked against torch's formulas by hand.
    #[test]
    fn two_steps_match_torch_adamw_by_hand() {
        let dev = Device::Cpu;
        let var = Var::from_slice(&[1.0f32, -2.0], 2, &dev).expect("var");
        let mut opt =
            AdamW::new(&[("p".into(), var.clone())], AdamWParams::new(0.1, 0.01)).expect("opt");
        let mut want = [1.0f64, -2.0];
        let (mut m, mut v) = ([0.0f64; 2], [0.0f64; 2]);
        for t in 1..=2 {
            let grads = var
                .as_tensor()
                .sqr()
                .and_then(|x| x.sum_all())
                .and_then(|x| x.backward())
                .expect("bwd");
            opt.step(&grads).expect("step");
            for i in 0..2 {
                let g = 2.0 * want[i];
                want[i] *= 1.0 - 0.1 * 0.01;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                let bc1 = 1.0 - 0.9f64.powi(t);
                let bc2 = 1.0 - 0.999f64.powi(t);
                want[i] -= 0.1 / bc1 * m[i] / (v[i].sqrt() / bc2.sqrt() + 1e-8);
            }
        }
        let got = var.as_tensor().to_vec1::<f32>().expect("got");
        for i in 0..2 {
            assert!(
                (f64::from(got[i]) - want[i]).abs() < 1e-5,
                "{i}: {} vs {}",
                got[i],
                want[i]
            );
        }
        // First step moves each coordinate by about lr (Adam's normalised step) plus decay.
        assert!((want[0] - (1.0 - 0.001 - 0.1 - 0.1)).abs() < 0.01);
        assert_eq!(opt.step_count, 2);
        let saved = opt.moment_values().expect("moments");
        let mut other =
            AdamW::new(&[("p".into(), var.clone())], AdamWParams::new(0.1, 0.01)).expect("opt2");
        other.load_state(2, &saved, "test").expect("load");
        assert_eq!(other.moment_values().expect("m2"), saved);
        assert!(other
            .load_state(2, &[], "ckpt.safetensors")
            .unwrap_err()
            .to_string()
            .contains("ckpt.safetensors"));
    }
}
