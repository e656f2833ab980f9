//! What a sweep's keys may be, and the training config a cell resolves to: the `train` options
//! `data`, `preset` and `checkpoints`, and every config key of [`crate::config_keys`], resolved
//! the way `train` resolves them (preset, then `steps` and `checkpoints`, then the keys).

use serde_json::Value;

use super::spec::Params;
use crate::config_keys;
use crate::train_config::{TrainConfig, PRESET_NAMES};

/// The `train` options a sweep may set besides the config keys.
pub const OPTIONS: [&str; 3] = ["data", "preset", "checkpoints"];

/// Checks one key and the type of its value; the message says what is wrong.
pub fn check_option(key: &str, v: &Value) -> Result<(), String> {
    match key {
        "data" => v
            .as_str()
            .map(|_| ())
            .ok_or_else(|| "expected a dataset name or folder (a string)".to_string()),
        "preset" => match v.as_str() {
            Some(p) if PRESET_NAMES.contains(&p) => Ok(()),
            _ => Err(format!(
                "expected one of {} (a string), got {v}",
                PRESET_NAMES.join(", ")
            )),
        },
        "checkpoints" => v
            .as_array()
            .filter(|a| a.iter().all(|x| x.as_u64().is_some_and(|n| n > 0)))
            .map(|_| ())
            .ok_or_else(|| format!("expected a list of positive steps, got {v}")),
        "seed" => Err("seeds come from `seeds = [...]`, not a key".into()),
        other => {
            // Type only here; whether the value trains is checked with the whole cell.
            let k = config_keys::key(other).map_err(|e| e.0)?;
            k.check_type(v).map_err(|e| e.0)
        }
    }
}

/// The training config of a cell's parameters (seed aside), as `train` would resolve it; an error
/// names the key it comes from.
pub fn resolve_config(params: &Params) -> Result<TrainConfig, (String, String)> {
    let preset = params
        .get("preset")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let mut cfg = TrainConfig::preset(preset).map_err(|e| ("preset".to_string(), e.0))?;
    // `train` evaluates planning unless told not to (`--plan-eval off` or `plan_eval = false`).
    cfg.plan_eval = true;
    if let Some(steps) = params.get("steps") {
        set(&mut cfg, "steps", steps)?;
    }
    if let Some(list) = params.get("checkpoints").and_then(Value::as_array) {
        let steps: Vec<u64> = list.iter().filter_map(Value::as_u64).collect();
        if let Some(bad) = steps.iter().find(|&&s| s == 0 || s > cfg.steps) {
            return Err((
                "checkpoints".into(),
                format!(
                    "step {bad} can never be reached: the run has {} steps",
                    cfg.steps
                ),
            ));
        }
        cfg.checkpoint_steps = steps;
        cfg.checkpoint_every = 0;
    }
    for (key, v) in params {
        if OPTIONS.contains(&key.as_str()) || key == "steps" {
            continue;
        }
        set(&mut cfg, key, v)?;
    }
    Ok(cfg)
}

fn set(cfg: &mut TrainConfig, key: &str, v: &Value) -> Result<(), (String, String)> {
    let k = config_keys::key(key).map_err(|e| (key.to_string(), e.0))?;
    k.set(cfg, v).map_err(|e| (key.to_string(), e.0))
}

/// A value as a `--set` text: `0.001`, `true`, `cpu`, `10,20`.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}
