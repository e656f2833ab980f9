#![no_main]
use libfuzzer_sys::fuzz_target;
use worldbench_storage::success_criteria::SuccessCriteria;

fuzz_target!(|data: &[u8]| {
    let _ = SuccessCriteria::parse(&String::from_utf8_lossy(data));
});
