#![no_main]
//! A trajectory folder scan with one state PNG replaced by the input.
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::dataset::{check_dataset, open_dataset_lazy, read_traj_folder};

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    with_file(&f.traj.join("traj_1/states/state_1.png"), data, || {
        let lazy = open_dataset_lazy(&f.traj);
        let eager = read_traj_folder(&f.traj);
        let check = check_dataset(&f.traj).expect("a dataset folder");
        assert!(
            lazy.is_ok() || eager.is_err(),
            "the header check refused a decodable folder"
        );
        assert_eq!(eager.is_ok(), check.problems.is_empty());
    });
});
