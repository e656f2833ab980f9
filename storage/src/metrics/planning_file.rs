//! `metrics/planning_metrics.csv` has several writers (the trainer at each checkpoint, `eval`, the
//! app's Evaluate): each one reads, merges and rewrites the file while holding
//! `metrics/.planning_metrics.lock`, so no writer ever drops another's row.

use std::fs::OpenOptions;
use std::path::Path;

use super::PlanningRow;
use crate::error::{Result, StorageError};

/// Replaces the rows of the same steps as `new` and keeps every other row, in step order, under
/// the file's lock (waiting for another writer to finish); returns all rows now in the file.
pub fn merge_planning_rows(csv: &Path, new: &[PlanningRow]) -> Result<Vec<PlanningRow>> {
    with_rows(csv, |all| {
        all.retain(|r| new.iter().all(|n| n.step != r.step));
        all.extend_from_slice(new);
        true
    })
}

/// Changes the row of `step` with `change` under the file's lock (e.g. a planner's columns written
/// by `plan --sweep`); `false`, and nothing written, when the file has no row of that step.
pub fn update_planning_row(
    csv: &Path,
    step: u64,
    change: impl FnOnce(&mut PlanningRow),
) -> Result<bool> {
    let mut change = Some(change);
    let mut found = false;
    with_rows(csv, |all| {
        if let (Some(r), Some(f)) = (all.iter_mut().find(|r| r.step == step), change.take()) {
            f(r);
            found = true;
        }
        found
    })?;
    Ok(found)
}

/// Reads the rows under the file's lock, lets `edit` change them and, when it returns true,
/// writes them back in step order; returns the rows.
fn with_rows(
    csv: &Path,
    edit: impl FnOnce(&mut Vec<PlanningRow>) -> bool,
) -> Result<Vec<PlanningRow>> {
    let dir = csv.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
    let lock_path = dir.join(".planning_metrics.lock");
    let lock = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| StorageError::io(&lock_path, e))?;
    lock.lock().map_err(|e| StorageError::io(&lock_path, e))?;
    let mut all: Vec<PlanningRow> = if crate::files::present(csv) {
        super::read_csv(csv)?
    } else {
        Vec::new()
    };
    if edit(&mut all) {
        all.sort_by_key(|r| r.step);
        super::write_csv(csv, &all)?;
    }
    drop(lock);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(step: u64) -> PlanningRow {
        PlanningRow {
            step,
            num_nodes_h: step,
            num_edges_h: 2,
            reach_h_median: 1.0,
            reach_h_p10: 1.0,
            reach_h_p90: 1.0,
            h_local_success: 1.0,
            test1_success: 1,
            test1_steps: 8,
            test2_success: 0,
            test2_steps: 3,
            merge_radius: 0.08,
            eval_secs: 0.5,
            node_purity: None,
            tiles_per_node: None,
            nodes_per_tile: None,
            path_agreement: None,
            ..Default::default()
        }
    }

    #[test]
    fn concurrent_writers_keep_every_row() {
        let tmp = tempfile::tempdir().unwrap();
        let csv = tmp.path().join("metrics/planning_metrics.csv");
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let csv = &csv;
                s.spawn(move || {
                    for i in 0..10u64 {
                        merge_planning_rows(csv, &[row(1 + t * 10 + i)]).unwrap();
                    }
                });
            }
        });
        let steps: Vec<u64> = super::super::read_csv::<PlanningRow>(&csv)
            .unwrap()
            .iter()
            .map(|r| r.step)
            .collect();
        assert_eq!(steps, (1..=40).collect::<Vec<_>>());
        // A row of a step already there is replaced, not added.
        let mut again = row(5);
        again.num_nodes_h = 99;
        let all = merge_planning_rows(&csv, &[again]).unwrap();
        assert_eq!(all.len(), 40);
        assert_eq!(all[4].num_nodes_h, 99);
    }

    #[test]
    fn update_changes_one_row_or_reports_none() {
        let tmp = tempfile::tempdir().unwrap();
        let csv = tmp.path().join("metrics/planning_metrics.csv");
        merge_planning_rows(&csv, &[row(10), row(20)]).unwrap();
        assert!(update_planning_row(&csv, 20, |r| r.mpc_success = Some(0.5)).unwrap());
        let rows: Vec<PlanningRow> = super::super::read_csv(&csv).unwrap();
        assert_eq!(
            (rows[0].mpc_success, rows[1].mpc_success),
            (None, Some(0.5))
        );
        let before = std::fs::read(&csv).unwrap();
        assert!(!update_planning_row(&csv, 30, |r| r.mpc_success = Some(1.0)).unwrap());
        assert_eq!(std::fs::read(&csv).unwrap(), before);
    }
}
