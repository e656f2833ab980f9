//! The JSON lines `worldbench train --progress json` prints (one object per line, tagged by `event`),
//! read back into the model's [`TrainEvent`].

use worldbench_model::train::TrainEvent;

/// Parses one progress line of a training child process; `None` for anything that is not a known
/// event (plain text, other JSON, garbled lines).
pub fn parse(line: &str) -> Option<TrainEvent> {
    let line = line.trim();
    if !line.starts_with('{') {
        return None;
    }
    serde_json::from_str(line).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_step_checkpoint_and_ignores_other_lines() {
        let step = r#"{"event":"step","step":3,"total_steps":10,"loss":1.5,"loss_pred":1.0,"loss_var":0.4,"loss_cov":0.1,"steps_per_s":2.0,"eta_secs":3.5}"#;
        assert_eq!(
            parse(step),
            Some(TrainEvent::Step {
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
            parse(ck),
            Some(TrainEvent::Checkpoint { step: 10, .. })
        ));
        assert_eq!(parse("/work/runs/2025-01-01_00-00-00.x"), None);
        assert_eq!(parse(r#"{"event":"unknown"}"#), None);
        assert_eq!(parse("{not json"), None);
    }
}
