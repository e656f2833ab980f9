//! Round axis ticks for the report's charts: steps of 1, 2 or 5 times a power of ten, labelled
//! with just the decimals the step needs ("0", "200", "1200"; "0.2", "0.4"; "0.05").

/// An axis: its range and the ticks inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
}

/// The 1-2-5 step that cuts `span` into about `target` intervals (the nearest such step).
pub fn nice_step(span: f64, target: usize) -> f64 {
    let raw = (span / target.max(1) as f64).abs();
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let e = raw.log10().floor();
    let base = 10f64.powf(e);
    let m = raw / base;
    // The nearest of 1, 2, 5 and 10 on a log scale (boundaries at their geometric means).
    let nice = if m < 2f64.sqrt() {
        1.0
    } else if m < 10f64.sqrt() {
        2.0
    } else if m < 50f64.sqrt() {
        5.0
    } else {
        10.0
    };
    nice * base
}

/// An axis over `lo..hi` with about `target` round ticks; `expand` widens the range to the ticks
/// just outside it (a y axis), else the range stays and only the ticks inside it are kept (an x
/// axis of steps). An empty range is widened around its value.
pub fn nice_axis(lo: f64, hi: f64, target: usize, expand: bool) -> Axis {
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo, hi) = (lo - pad, hi + pad);
    }
    let step = nice_step(hi - lo, target);
    if expand {
        lo = (lo / step + 1e-9).floor() * step;
        hi = (hi / step - 1e-9).ceil() * step;
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|k| k as f64 * step).collect();
    Axis {
        lo,
        hi,
        step,
        ticks,
    }
}

/// `v` with the decimals that ticks `step` apart need; very large or small steps in exponent form.
pub fn tick_label(v: f64, step: f64) -> String {
    if v.abs() < step * 1e-6 {
        return "0".into();
    }
    if !(1e-4..1e6).contains(&step.abs()) {
        return format!("{v:.0e}");
    }
    let decimals = (-step.abs().log10().floor()).max(0.0) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the steps and ticks are exact multiples
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(1206.0, 6), 200.0);
        assert_eq!(nice_step(1.0, 5), 0.2);
        assert_eq!(nice_step(0.3, 5), 0.05);
        assert_eq!(nice_step(4.2, 5), 1.0);
    }

    #[test]
    fn an_x_axis_of_steps_gets_round_ticks_inside_its_range() {
        let a = nice_axis(10.0, 1206.0, 6, false);
        assert_eq!((a.lo, a.hi), (10.0, 1206.0));
        assert_eq!(a.ticks, vec![200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0]);
        let labels: Vec<String> = a.ticks.iter().map(|&t| tick_label(t, a.step)).collect();
        assert_eq!(labels, ["200", "400", "600", "800", "1000", "1200"]);
    }

    #[test]
    fn a_y_axis_widens_to_round_ends() {
        let a = nice_axis(3.13, 4.87, 5, true);
        assert_eq!(a.step, 0.5);
        assert!(
            (a.lo - 3.0).abs() < 1e-12 && (a.hi - 5.0).abs() < 1e-12,
            "{a:?}"
        );
        let labels: Vec<String> = a.ticks.iter().map(|&t| tick_label(t, a.step)).collect();
        assert_eq!(labels, ["3.0", "3.5", "4.0", "4.5", "5.0"]);
        let unit = nice_axis(0.0, 1.0, 5, true);
        let labels: Vec<String> = unit
            .ticks
            .iter()
            .map(|&t| tick_label(t, unit.step))
            .collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        // A constant series gets a range around its value.
        let flat = nice_axis(1.0, 1.0, 5, true);
        assert!(flat.lo < 1.0 && flat.hi > 1.0);
        assert_eq!(tick_label(0.000_02, 0.000_01), "2e-5");
    }
}
