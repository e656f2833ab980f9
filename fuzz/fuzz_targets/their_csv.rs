#![no_main]
//! Researchers' metrics CSVs (nes-ai's loss.csv, planning_metrics.csv): any columns, `nan` cells.
use libfuzzer_sys::fuzz_target;
use worldbench_storage::their_runs::columns::normalize_planning_names;
use worldbench_storage::their_runs::ColumnTable;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(mut t) = ColumnTable::parse(std::path::Path::new("loss.csv"), &text) {
        normalize_planning_names(&mut t);
        let rows = t.rows();
        assert!(t.columns.iter().all(|c| c.len() == rows));
        let _ = t.last_row();
    }
});
