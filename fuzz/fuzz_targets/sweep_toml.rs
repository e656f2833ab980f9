#![no_main]
use libfuzzer_sys::fuzz_target;
use worldbench_storage::sweep::{expand, SweepSpec};

// A sweep file of any content is refused with an error, never a panic; a file that parses
// expands to cells (a grid small enough to expand: the fuzzer's inputs are small).
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(spec) = SweepSpec::parse(std::path::Path::new("sweep.toml"), &text) {
        let combos: usize = spec.grid.values().map(Vec::len).product();
        if combos.saturating_mul(spec.seeds.len()) <= 10_000 {
            let _ = expand(&spec);
        }
    }
});
