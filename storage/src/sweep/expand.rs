//! A sweep's cells: the grid's combinations (all, or `samples` drawn without replacement from
//! `sample_seed`), then the explicit `[[cells]]`, each × every seed. Deterministic: the same file
//! gives the same cells in the same order.

use serde_json::Value;

use super::spec::{Method, Params, SweepSpec};

/// One cell × seed: what one run trains.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The grid's (or the explicit cell's) values; the sweep's base is not repeated here.
    pub params: Params,
    pub seed: u64,
}

impl Cell {
    /// The cell's identity, stable across runs of the sweep: `lr=0.001 model.hidden=128 seed=0`.
    pub fn key(&self) -> String {
        cell_key(&self.params, self.seed)
    }
}

/// `k=v k=v seed=s`, keys sorted.
pub fn cell_key(params: &Params, seed: u64) -> String {
    let mut parts: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", compact(v)))
        .collect();
    parts.push(format!("seed={seed}"));
    parts.join(" ")
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every cell of the sweep, in order.
pub fn expand(spec: &SweepSpec) -> Vec<Cell> {
    let mut combos: Vec<Params> = Vec::new();
    if !spec.grid.is_empty() {
        let total: usize = spec.grid.values().map(Vec::len).product();
        let indices: Vec<usize> = match spec.method {
            Method::Grid => (0..total).collect(),
            Method::Random {
                samples,
                sample_seed,
            } => sample_without_replacement(total, samples, sample_seed),
        };
        combos.extend(indices.into_iter().map(|i| combination(spec, i)));
    }
    for c in &spec.cells {
        if !combos.contains(c) {
            combos.push(c.clone());
        }
    }
    combos
        .into_iter()
        .flat_map(|params| {
            spec.seeds.iter().map(move |&seed| Cell {
                params: params.clone(),
                seed,
            })
        })
        .collect()
}

/// The `index`-th combination of the grid (the last key varies fastest).
fn combination(spec: &SweepSpec, mut index: usize) -> Params {
    let mut out = Params::new();
    for (key, values) in spec.grid.iter().rev() {
        out.insert(key.clone(), values[index % values.len()].clone());
        index /= values.len();
    }
    out
}

/// `k` distinct indices of `0..n` drawn from `seed` (a partial Fisher–Yates shuffle on SplitMix64),
/// in the order drawn.
pub fn sample_without_replacement(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..n).collect();
    let mut state = seed;
    let k = k.min(n);
    for i in 0..k {
        let r = splitmix64(&mut state);
        let j = i + (r % (n - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
