//! Exponential moving average smoothing of a curve.

/// Smooths the y values of `points` with an exponential moving average; x values are kept.
///
/// `smoothing` is the weight of the past in `[0, 1)`: `0` returns the curve unchanged, `0.9` averages
/// over roughly the last 10 points. The average is debiased (as TensorBoard does) so the first points
/// are not pulled towards zero. Non-finite y values are passed through and do not enter the average.
pub fn ema_smooth(points: &[[f64; 2]], smoothing: f64) -> Vec<[f64; 2]> {
    let w = smoothing.clamp(0.0, 0.999);
    if w == 0.0 {
        return points.to_vec();
    }
    let mut acc = 0.0;
    let mut norm = 0.0;
    points
        .iter()
        .map(|&[x, y]| {
            if !y.is_finite() {
                return [x, y];
            }
            acc = acc * w + (1.0 - w) * y;
            norm = norm * w + (1.0 - w);
            [x, acc / norm]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_smoothing_is_identity() {
        let pts = [[0.0, 3.0], [1.0, 1.0], [2.0, 5.0]];
        let out = ema_smooth(&pts, 0.0);
        assert_eq!(out.len(), 3);
        assert!(out
            .iter()
            .zip(&pts)
            .all(|(a, b)| a[0].to_bits() == b[0].to_bits() && a[1].to_bits() == b[1].to_bits()));
    }

    #[test]
    fn debiased_average_by_hand() {
        // w = 0.5: y0 = 4 -> 4; y1 = 0 -> (0.5*0.5*4 + 0.5*0) / (0.5*0.5 + 0.5) = 1 / 0.75
        let out = ema_smooth(&[[0.0, 4.0], [1.0, 0.0]], 0.5);
        assert!((out[0][1] - 4.0).abs() < 1e-12, "{out:?}");
        assert!((out[1][1] - 1.0 / 0.75).abs() < 1e-12, "{out:?}");
        assert!(out[0][0].abs() < 1e-12 && (out[1][0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn constant_curve_stays_constant_and_nan_passes_through() {
        let out = ema_smooth(&[[0.0, 2.0], [1.0, f64::NAN], [2.0, 2.0]], 0.9);
        assert!((out[0][1] - 2.0).abs() < 1e-12);
        assert!(out[1][1].is_nan());
        assert!((out[2][1] - 2.0).abs() < 1e-12);
    }
}
