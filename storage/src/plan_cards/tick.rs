//! `cards tick`: re-judges every task whose done-when is a metric condition against its linked
//! runs' `planning_metrics.csv`, ticks or un-ticks it in the card (atomically), and says why.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::card::Card;
use super::condition::Condition;
use super::tasks::task_line;
use crate::atomic::write_atomic;
use crate::error::{Result, StorageError};
use crate::metrics::{read_csv, PlanningRow};
use crate::run::RunPaths;

/// What tick decided for one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TickResult {
    pub card: String,
    pub task: String,
    pub was_done: bool,
    pub done: bool,
    pub why: String,
}

/// A linked run: a path relative to the workspace, or a folder name under `runs/`.
pub fn resolve_run(root: &Path, name: &str) -> PathBuf {
    let direct = root.join(name);
    if direct.join("run.json").exists() || direct.join("metrics").exists() {
        direct
    } else {
        root.join("runs").join(name)
    }
}

/// Whether `cond` holds in any of `runs` (workspace `root`), and why.
pub fn judge_runs(
    root: &Path,
    runs: &[String],
    cond: &super::condition::MetricCondition,
) -> (bool, String) {
    if runs.is_empty() {
        return (
            false,
            "no linked run (add `| runs: <run folder>`)".to_string(),
        );
    }
    let mut reasons = Vec::new();
    for r in runs {
        let csv = RunPaths::new(resolve_run(root, r)).planning_csv();
        let rows: Vec<PlanningRow> = if csv.exists() {
            match read_csv(&csv) {
                Ok(rows) => rows,
                Err(e) => {
                    reasons.push(format!("{r}: {e}"));
                    continue;
                }
            }
        } else {
            reasons.push(format!("{r}: no {} yet", csv.display()));
            continue;
        };
        let v = cond.judge(&rows);
        if v.met {
            return (true, format!("{r}: {}", v.why));
        }
        reasons.push(format!("{r}: {}", v.why));
    }
    (false, reasons.join("; "))
}

/// Ticks the metric tasks of the card at `path`; `root` is the workspace.
pub fn tick_card(root: &Path, path: &Path) -> Result<Vec<TickResult>> {
    let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
    let card = Card::parse(path, &text)?;
    let body_start = text.lines().count() - card.body.lines().count();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut results = Vec::new();
    for t in &card.tasks {
        let Some(Condition::Metric(cond)) = &t.done_when else {
            continue;
        };
        let (done, why) = judge_runs(root, &t.runs, cond);
        let i = t.line - 1;
        debug_assert!(i >= body_start);
        if done != t.done {
            if let Some(l) = lines.get_mut(i) {
                if task_line(l).is_some() {
                    let (from, to) = if done {
                        ("- [ ]", "- [x]")
                    } else {
                        ("- [x]", "- [ ]")
                    };
                    *l = l.replacen(from, to, 1).replacen("- [X]", to, 1);
                }
            }
        }
        results.push(TickResult {
            card: card.meta.id.clone(),
            task: t.id.clone(),
            was_done: t.done,
            done,
            why: format!("{cond}: {why}"),
        });
    }
    if results.iter().any(|r| r.done != r.was_done) {
        let mut out = lines.join("\n");
        if text.ends_with('\n') {
            out.push('\n');
        }
        Card::parse(path, &out)?;
        write_atomic(path, out.as_bytes())?;
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::write_csv;

    #[test]
    fn ticks_and_unticks_from_the_linked_run() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let card = root.join("plans/a.md");
        std::fs::create_dir_all(card.parent().unwrap()).unwrap();
        std::fs::write(
            &card,
            "+++\nid = \"a\"\ntitle = \"A\"\ntype = \"ready\"\n+++\n- [ ] [P1-T1] train | done-when: reach_h_p10 >= 0.9 at step 5000 | runs: r1\n- [ ] [P1-T2] by hand | done-when: looks fine\n",
        )
        .unwrap();
        let r = tick_card(root, &card).unwrap();
        assert_eq!(r.len(), 1);
        assert!(
            !r[0].done && r[0].why.contains("planning_metrics.csv yet"),
            "{}",
            r[0].why
        );
        let r1 = root.join("runs/r1/metrics/planning_metrics.csv");
        write_csv(&r1, &[crate::plan_cards::condition::tests_row(1000, 0.95)]).unwrap();
        let r = tick_card(root, &card).unwrap();
        assert!(
            !r[0].done && r[0].why.contains("no checkpoint at step 5000"),
            "{}",
            r[0].why
        );
        let mut row = crate::plan_cards::condition::tests_row(5000, 0.95);
        write_csv(
            &root.join("runs/r1/metrics/planning_metrics.csv"),
            &[row.clone()],
        )
        .unwrap();
        let r = tick_card(root, &card).unwrap();
        assert!(r[0].done && !r[0].was_done, "{:?}", r[0]);
        assert!(std::fs::read_to_string(&card)
            .unwrap()
            .contains("- [x] [P1-T1]"));
        row.reach_h_p10 = 0.5;
        write_csv(&root.join("runs/r1/metrics/planning_metrics.csv"), &[row]).unwrap();
        let r = tick_card(root, &card).unwrap();
        assert!(
            !r[0].done && r[0].was_done && r[0].why.contains("0.500"),
            "{:?}",
            r[0]
        );
        let text = std::fs::read_to_string(&card).unwrap();
        assert!(text.contains("- [ ] [P1-T1]") && text.contains("- [ ] [P1-T2] by hand"));
    }
}
