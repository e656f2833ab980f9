#![no_main]
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::RunManifest;

fuzz_target!(|data: &[u8]| {
    let path = fixture().root.join("run.json");
    with_file(&path, data, || {
        let _ = RunManifest::read(&path);
    });
});
