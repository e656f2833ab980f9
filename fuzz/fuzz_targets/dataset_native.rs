#![no_main]
//! A native dataset folder with one of its files replaced: byte 0 picks dataset.json,
//! data.safetensors or map.txt; the rest is the file.
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::dataset::{check_dataset, open_dataset_lazy, read_native};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let name = ["dataset.json", "data.safetensors", "map.txt"][usize::from(pick) % 3];
    with_file(&f.native.join(name), bytes, || {
        let eager = read_native(&f.native);
        let lazy = open_dataset_lazy(&f.native);
        let check = check_dataset(&f.native).expect("a dataset folder");
        assert_eq!(eager.is_ok(), lazy.is_ok());
        assert_eq!(eager.is_ok(), check.problems.is_empty());
    });
});
