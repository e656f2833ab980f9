#![no_main]
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::resumes::{read_resumes, resumes_path};
use worldbench_storage::RunPaths;

fuzz_target!(|data: &[u8]| {
    let run = RunPaths::new(fixture().root.join("resumed"));
    let _ = std::fs::create_dir_all(&run.root);
    let path = resumes_path(&run);
    with_file(&path, data, || {
        let _ = read_resumes(&run);
    });
});
