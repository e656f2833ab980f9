//! The figures that put a training step's speed in context: its FLOP count (the formula of
//! `shared/bench/ref_step.py`) and this CPU's measured fp32 FMA peak.

use std::time::Instant;

use crate::config::ModelConfig;
use crate::nn::jepa::CONV_LAYERS;

/// FLOPs of one training step as `ref_step.py` counts them: 2 × the forward's multiply-adds
/// (convolutions, fc, predictor rollout, covariance), times 3 (forward, input and weight
/// gradients).
pub fn train_flops_per_step(cfg: &ModelConfig) -> f64 {
    let images = cfg.batch_size * cfg.seq_len;
    let mut side = cfg.image_size;
    let mut cin = 3;
    let mut enc_macs = 0usize;
    for (&cout, &(k, s, p)) in cfg.channels.iter().zip(&CONV_LAYERS) {
        side = (side + 2 * p - k) / s + 1;
        enc_macs += side * side * cout * cin * k * k;
        cin = cout;
    }
    enc_macs += cfg.flat_dim() * cfg.latent_dim;
    let pred_per = (cfg.latent_dim + cfg.n_actions) * cfg.hidden
        + cfg.hidden * cfg.hidden
        + cfg.hidden * cfg.latent_dim;
    let pred = pred_per * cfg.batch_size * (cfg.seq_len - 1);
    let cov = images * cfg.latent_dim * cfg.latent_dim;
    let fwd_macs = enc_macs * images + pred + cov;
    6.0 * fwd_macs as f64
}

/// Measured fp32 peak of `threads` cores in GFLOP/s: every thread runs a register-resident
/// chain of fused multiply-adds (the widest the CPU has: AVX-512, else AVX2) for ~0.2 s.
/// `None` where neither exists.
pub fn measure_peak_gflops(threads: usize) -> Option<f64> {
    let threads = threads.max(1);
    // Calibrate the iteration count on one thread, then run all threads at once.
    let mut iters = 1u64 << 20;
    loop {
        let t0 = Instant::now();
        fma_flops(iters)?;
        if t0.elapsed().as_secs_f64() > 0.05 || iters > (1 << 32) {
            break;
        }
        iters *= 2;
    }
    iters *= 4;
    let t0 = Instant::now();
    let flops: Option<Vec<f64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| fma_flops(iters))).collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let secs = t0.elapsed().as_secs_f64();
    Some(flops?.iter().sum::<f64>() / secs / 1e9)
}

/// Runs `iters` rounds of 12 independent vector FMAs; returns the FLOPs done.
fn fma_flops(iters: u64) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            #[allow(unsafe_code)]
            let sink = unsafe { fma_avx512(iters) };
            std::hint::black_box(sink);
            return Some(iters as f64 * 12.0 * 16.0 * 2.0);
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            #[allow(unsafe_code)]
            let sink = unsafe { fma_avx2(iters) };
            std::hint::black_box(sink);
            return Some(iters as f64 * 12.0 * 8.0 * 2.0);
        }
    }
    let _ = iters;
    None
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(unsafe_code)]
unsafe fn fma_avx512(iters: u64) -> f32 {
    use std::arch::x86_64::{_mm512_fmadd_ps, _mm512_reduce_add_ps, _mm512_set1_ps};
    let mut acc = [_mm512_set1_ps(0.0); 12];
    let a = _mm512_set1_ps(0.999_999);
    let b = _mm512_set1_ps(1e-7);
    for _ in 0..iters {
        for v in &mut acc {
            *v = _mm512_fmadd_ps(*v, a, b);
        }
    }
    acc.iter().map(|v| _mm512_reduce_add_ps(*v)).sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(unsafe_code)]
unsafe fn fma_avx2(iters: u64) -> f32 {
    use std::arch::x86_64::{_mm256_fmadd_ps, _mm256_set1_ps, _mm256_storeu_ps};
    let mut acc = [_mm256_set1_ps(0.0); 12];
    let a = _mm256_set1_ps(0.999_999);
    let b = _mm256_set1_ps(1e-7);
    for _ in 0..iters {
        for v in &mut acc {
            *v = _mm256_fmadd_ps(*v, a, b);
        }
    }
    let mut sum = 0.0;
    for v in &acc {
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds the 8 floats the store writes.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *v) };
        sum += lanes.iter().sum::<f32>();
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_step_flops_match_ref_step_py() {
        // ref_step.py: encoder 3,145,728 MACs per image; 1,033,437,184 forward MACs; ×6.
        let flops = train_flops_per_step(&ModelConfig::reference());
        let enc_per_image = 16 * 16 * 32 * 48 + 8 * 8 * 64 * 512 + 4 * 4 * 64 * 576 + 1024 * 64;
        let fwd = enc_per_image * 320 + (69 * 256 + 256 * 256 + 256 * 64) * 256 + 320 * 64 * 64;
        assert!((flops - 6.0 * fwd as f64).abs() < 1.0);
        assert!((flops - 6.0 * 1_033_437_184.0).abs() < 1.0, "{flops}");
    }

    #[test]
    fn measured_peak_is_positive_where_fma_exists() {
        // Only that the measurement yields a figure: how large it is depends on the build and on
        // the machine's load (speed is for `bench train`, never a test's threshold).
        if let Some(p) = measure_peak_gflops(1) {
            assert!(p.is_finite() && p > 0.0, "{p}");
        }
    }
}
