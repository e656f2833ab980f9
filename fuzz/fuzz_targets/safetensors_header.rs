#![no_main]
//! Safetensors bytes (checkpoints, data.safetensors, h-graph caches): the whole-file parser and the
//! header-only reader.
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::tensors::{parse_safetensors, read_safetensors_header};

fuzz_target!(|data: &[u8]| {
    let path = fixture().root.join("x.safetensors");
    let whole = parse_safetensors(&path, data);
    with_file(&path, data, || {
        let file = std::fs::File::open(&path).expect("open");
        let header = read_safetensors_header(&path, &file);
        // The header reader checks the file's length; it never accepts what the parser refuses.
        assert!(whole.is_ok() || header.is_err());
    });
});
