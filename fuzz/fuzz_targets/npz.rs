#![no_main]
//! A trajectory folder whose actions.npz (byte 0 even) or infos.npz (odd) is the input.
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::dataset::{open_dataset_lazy, read_traj_folder};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let name = if pick % 2 == 0 {
        "traj_1/actions.npz"
    } else {
        "traj_1/infos.npz"
    };
    with_file(&f.traj.join(name), bytes, || {
        let lazy = open_dataset_lazy(&f.traj);
        let eager = read_traj_folder(&f.traj);
        assert_eq!(lazy.is_ok(), eager.is_ok());
    });
});
