//! Shows training progress: an indicatif bar, JSON lines (read by the desktop app), or nothing.
//!
//! Works on the serialised form of the model's `TrainEvent` (`{"event": "...", ...}`), so the JSON lines the
//! app reads and what the bar shows come from the same data.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

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
                let f = |k: &str| row.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
                self.message(&format!(
                    "eval step {}: nodes {} reach p10/median {:.2}/{:.2} local {:.2} test1 {} ({} steps) test2 {} ({} steps)",
                    f("step"),
                    f("num_nodes_h"),
                    f("reach_h_p10"),
                    f("reach_h_median"),
                    f("h_local_success"),
                    pass(f("test1_success")),
                    f("test1_steps"),
                    pass(f("test2_success")),
                    f("test2_steps"),
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

fn pass(x: f64) -> &'static str {
    if x >= 1.0 {
        "ok"
    } else {
        "FAIL"
    }
}
