//! Shows training progress: an indicatif bar, JSON lines (read by the desktop app), or nothing.
//!
//! Works on the serialised form of the model's `TrainEvent` (`{"event": "...", ...}`), so the JSON lines the
//! app reads and what the bar shows come from the same data.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use worldbench_storage::planning_metrics::{self, Shown};
use worldbench_storage::PlanningRow;

use crate::cli::ProgressMode;

pub struct Progress {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    terminal: bool,
}

impl Progress {
    pub fn new(mode: ProgressMode) -> Self {
        Self {
            mode,
            bar: None,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Reports one event (any serialisable event with an `event` tag).
    pub fn event<E: serde::Serialize>(&mut self, event: &E) {
        let Ok(value) = serde_json::to_value(event) else {
            return;
        };
        match self.mode {
            ProgressMode::None => {}
            ProgressMode::Json => {
                let mut out = std::io::stdout().lock();
                // A closed pipe must not kill the run: progress is advisory.
                let _ = writeln!(out, "{value}");
                let _ = out.flush();
            }
            ProgressMode::Bar => self.show(&value),
        }
    }

    /// Prints a plain message without tearing the bar.
    pub fn message(&self, msg: &str) {
        match (&self.bar, self.mode) {
            (_, ProgressMode::Json | ProgressMode::None) => {}
            (Some(bar), _) => bar.println(msg),
            (None, _) => eprintln!("{msg}"),
        }
    }

    fn show(&mut self, v: &Value) {
        let kind = v.get("event").and_then(Value::as_str).unwrap_or_default();
        let num = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        match kind {
            "started" => {
                let total = num("total_steps") as u64;
                let bar = if self.terminal {
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                } else {
                    ProgressBar::hidden()
                };
                let style = ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps  eta {eta}  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar.set_position(num("start_step") as u64);
                self.bar = Some(bar);
                if !self.terminal {
                    eprintln!("training: steps {} → {}", num("start_step"), total);
                }
            }
            "step" => {
                if let Some(bar) = &self.bar {
                    bar.set_position(num("step") as u64);
                    bar.set_message(format!(
                        "loss {:.4}  {:.1} steps/s",
                        num("loss"),
                        num("steps_per_s")
                    ));
                }
            }
            "checkpoint" => {
                let path = v.get("path").and_then(Value::as_str).unwrap_or_default();
                self.message(&format!("checkpoint at step {}: {path}", num("step")));
            }
            "eval" => {
                let row = v.get("row").cloned().unwrap_or(Value::Null);
                self.message(&eval_line(row));
            }
            "planner_skipped" => {
                let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
                self.message(&format!(
                    "eval step {}: the {} planner cannot be built, left out: {}",
                    num("step"),
                    text("planner"),
                    text("error")
                ));
            }
            "finished" => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }
}

/// "eval step 100: nodes 12, reach median 0.500, …" — the registry's key metrics of an eval event's
/// row.
fn eval_line(row: Value) -> String {
    match serde_json::from_value::<PlanningRow>(row) {
        Ok(r) => {
            let metrics: Vec<String> = planning_metrics::shown(Shown::Key)
                .map(|m| format!("{} {}", m.label, m.text(&r)))
                .collect();
            format!("eval step {}: {}", r.step, metrics.join(", "))
        }
        Err(e) => format!("eval: the metrics row cannot be read ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eval_line_lists_the_key_metrics() {
        let row = serde_json::json!({
            "step": 100, "num_nodes_h": 12, "num_edges_h": 30, "reach_h_median": 0.5,
            "reach_h_p10": 0.125, "reach_h_p90": 1.0, "h_local_success": 0.75,
            "test1_success": 1, "test1_steps": 14, "test2_success": 0, "test2_steps": 6,
            "merge_radius": 0.05, "eval_secs": 1.25
        });
        let line = eval_line(row);
        assert!(
            line.starts_with("eval step 100: nodes 12, reach median 0.500")
                && line.contains("test1 ok (14 steps), test2 FAIL (6 steps)"),
            "{line}"
        );
        assert!(eval_line(serde_json::json!({"step": 1})).contains("cannot be read"));
    }
}
