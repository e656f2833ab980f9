//! An opt-in, process-wide phase profiler: named timers that the training step and the CPU
//! convolution record into when enabled (off by default; the check is one atomic load).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static TIMES: Mutex<BTreeMap<&'static str, (Duration, u64)>> = Mutex::new(BTreeMap::new());

/// One named timer's total.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PhaseTime {
    pub name: String,
    /// Total milliseconds recorded under this name.
    pub total_ms: f64,
    /// Number of recordings.
    pub calls: u64,
}

/// Turns recording on or off.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Adds `elapsed` to the timer `name` (when enabled).
pub fn record(name: &'static str, elapsed: Duration) {
    if !enabled() {
        return;
    }
    if let Ok(mut t) = TIMES.lock() {
        let e = t.entry(name).or_insert((Duration::ZERO, 0));
        e.0 += elapsed;
        e.1 += 1;
    }
}

/// Runs `f`, recording its duration under `name` when enabled.
pub fn timed<R>(name: &'static str, f: impl FnOnce() -> R) -> R {
    if !enabled() {
        return f();
    }
    let t0 = Instant::now();
    let r = f();
    record(name, t0.elapsed());
    r
}

/// Returns all timers, sorted by name, and clears them.
pub fn take() -> Vec<PhaseTime> {
    let Ok(mut t) = TIMES.lock() else {
        return Vec::new();
    };
    let out = t
        .iter()
        .map(|(name, (d, calls))| PhaseTime {
            name: (*name).to_string(),
            total_ms: d.as_secs_f64() * 1e3,
            calls: *calls,
        })
        .collect();
    t.clear();
    out
}
