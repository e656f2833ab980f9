//! The JSON lines `worldbench train --progress json` prints (one object per line, tagged by `event`).
//! Mirrors the model's `TrainEvent`, read back: the app never links the trainer, it reads its output.

use std::path::PathBuf;

use serde::Deserialize;
use worldbench_storage::PlanningRow;

/// One progress line of a training child process.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    Started {
        total_steps: u64,
        /// Steps already done (non-zero when resuming).
        #[serde(default)]
        start_step: u64,
        #[serde(default)]
        device: String,
    },
    Step {
        step: u64,
        total_steps: u64,
        loss: f64,
        #[serde(default)]
        loss_pred: f64,
        #[serde(default)]
        loss_var: f64,
        #[serde(default)]
        loss_cov: f64,
        #[serde(default)]
        steps_per_s: f64,
        #[serde(default)]
        eta_secs: f64,
    },
    Checkpoint {
        step: u64,
        path: PathBuf,
    },
    Eval {
        row: PlanningRow,
    },
    Finished {
        step: u64,
        #[serde(default)]
        final_loss: f64,
        #[serde(default)]
        wall_secs: f64,
    },
}

impl ProgressEvent {
    /// Parses one line; `None` for anything that is not a known event (plain text, other JSON).
    pub fn parse(line: &str) -> Option<Self> {
        let line = line.trim();
        if !line.starts_with('{') {
            return None;
        }
        serde_json::from_str(line).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_step_checkpoint_and_ignores_other_lines() {
        let step = r#"{"event":"step","step":3,"total_steps":10,"loss":1.5,"loss_pred":1.0,"loss_var":0.4,"loss_cov":0.1,"steps_per_s":2.0,"eta_secs":3.5}"#;
        assert_eq!(
            ProgressEvent::parse(step),
            Some(ProgressEvent::Step {
                step: 3,
                total_steps: 10,
                loss: 1.5,
                loss_pred: 1.0,
                loss_var: 0.4,
                loss_cov: 0.1,
                steps_per_s: 2.0,
                eta_secs: 3.5
            })
        );
        let ck =
            r#"{"event":"checkpoint","step":10,"path":"/r/checkpoints/step_000010.safetensors"}"#;
        assert!(matches!(
            ProgressEvent::parse(ck),
            Some(ProgressEvent::Checkpoint { step: 10, .. })
        ));
        assert_eq!(
            ProgressEvent::parse("/work/runs/2025-01-01_00-00-00.x"),
            None
        );
        assert_eq!(ProgressEvent::parse(r#"{"event":"unknown"}"#), None);
        assert_eq!(ProgressEvent::parse("{not json"), None);
    }
}
