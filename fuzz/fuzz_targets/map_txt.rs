#![no_main]
use libfuzzer_sys::fuzz_target;
use worldbench_storage::dataset::map::{check_map_text, parse_map_walls};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(walls) = parse_map_walls(&text) {
        assert_eq!(walls.len(), 14 * 16);
    }
    let _ = check_map_text(&text);
});
