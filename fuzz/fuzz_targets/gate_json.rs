#![no_main]
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::Gate;

fuzz_target!(|data: &[u8]| {
    let path = fixture().root.join("gate.json");
    with_file(&path, data, || {
        if let Ok(gate) = Gate::read(&path) {
            let _ = gate.missing_fields();
            let _ = gate.table_rows();
        }
    });
});
