#![no_main]
//! metrics/train.csv and metrics/planning_metrics.csv.
use libfuzzer_sys::fuzz_target;
use worldbench_fuzz::{fixture, with_file};
use worldbench_storage::metrics::{read_csv, PlanningRow, TrainRow};

fuzz_target!(|data: &[u8]| {
    let path = fixture().root.join("m.csv");
    with_file(&path, data, || {
        let _ = read_csv::<TrainRow>(&path);
        let _ = read_csv::<PlanningRow>(&path);
    });
});
