//! The registry of training-config keys: the resolved config's dotted keys as `run.json` shows them
//! (`lr`, `model.hidden`, `model.cov_weight`, …), each with its type, a one-line help and a typed
//! getter and setter. `train --set KEY=VALUE` and sweep files both go through it, so a key is
//! checked the same way everywhere. Adding a key is one entry of [`KEYS`].
//!
//! Values are JSON values (what run.json and sweep.json hold). A setter checks the value's type,
//! sets the field and then runs the config's own [`TrainConfig::validate`], so a value that is the
//! right type but cannot be trained (`model.image_size = 20`) is refused too.

use serde_json::Value;

use crate::train_config::{ConfigError, TrainConfig};

/// The type of a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// A non-negative integer.
    Int,
    Float,
    Bool,
    Str,
    /// A list of non-negative integers.
    IntList,
}

impl KeyType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Int => "integer",
            Self::Float => "number",
            Self::Bool => "boolean",
            Self::Str => "string",
            Self::IntList => "list of integers",
        }
    }
}

/// A Rust field type that a key can hold.
pub trait KeyField: Sized {
    const TYPE: KeyType;
    fn from_value(v: &Value) -> Option<Self>;
    fn to_value(&self) -> Value;
}

impl KeyField for u64 {
    const TYPE: KeyType = KeyType::Int;
    fn from_value(v: &Value) -> Option<Self> {
        v.as_u64()
    }
    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl KeyField for usize {
    const TYPE: KeyType = KeyType::Int;
    fn from_value(v: &Value) -> Option<Self> {
        v.as_u64().and_then(|n| usize::try_from(n).ok())
    }
    fn to_value(&self) -> Value {
        Value::from(*self as u64)
    }
}

impl KeyField for f64 {
    const TYPE: KeyType = KeyType::Float;
    fn from_value(v: &Value) -> Option<Self> {
        v.as_f64()
    }
    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl KeyField for bool {
    const TYPE: KeyType = KeyType::Bool;
    fn from_value(v: &Value) -> Option<Self> {
        v.as_bool()
    }
    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl KeyField for String {
    const TYPE: KeyType = KeyType::Str;
    fn from_value(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
    fn to_value(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl KeyField for Vec<u64> {
    const TYPE: KeyType = KeyType::IntList;
    fn from_value(v: &Value) -> Option<Self> {
        v.as_array()?.iter().map(Value::as_u64).collect()
    }
    fn to_value(&self) -> Value {
        Value::from(self.clone())
    }
}

impl KeyField for [usize; 3] {
    const TYPE: KeyType = KeyType::IntList;
    fn from_value(v: &Value) -> Option<Self> {
        let list = Vec::<u64>::from_value(v)?;
        let list: Vec<usize> = list
            .into_iter()
            .map(usize::try_from)
            .collect::<Result<_, _>>()
            .ok()?;
        list.try_into().ok()
    }
    fn to_value(&self) -> Value {
        Value::from(self.to_vec())
    }
}

/// One key of the registry.
pub struct ConfigKey {
    /// The dotted key, as run.json's `config` nests it.
    pub name: &'static str,
    pub ty: KeyType,
    pub help: &'static str,
    get: fn(&TrainConfig) -> Value,
    put: fn(&mut TrainConfig, &Value) -> bool,
}

impl std::fmt::Debug for ConfigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigKey")
            .field("name", &self.name)
            .field("ty", &self.ty)
            .finish_non_exhaustive()
    }
}

impl ConfigKey {
    /// The key's value in `cfg`.
    pub fn get(&self, cfg: &TrainConfig) -> Value {
        (self.get)(cfg)
    }

    /// The key's default in the named preset.
    pub fn default_in(&self, preset: &str) -> Result<Value, ConfigError> {
        Ok(self.get(&TrainConfig::preset(preset)?))
    }

    /// Sets the key: checks the value's type, then validates the whole config. On an error `cfg`
    /// is left as it was.
    pub fn set(&self, cfg: &mut TrainConfig, value: &Value) -> Result<(), ConfigError> {
        let mut next = cfg.clone();
        if !(self.put)(&mut next, value) {
            return Err(self.type_error(value));
        }
        next.validate()
            .map_err(|e| ConfigError(format!("{} = {value}: {e}", self.name)))?;
        *cfg = next;
        Ok(())
    }

    /// Checks only the value's type (whether it trains depends on the rest of the config).
    pub fn check_type(&self, value: &Value) -> Result<(), ConfigError> {
        let mut scratch = TrainConfig::default();
        if (self.put)(&mut scratch, value) {
            Ok(())
        } else {
            Err(self.type_error(value))
        }
    }

    fn type_error(&self, value: &Value) -> ConfigError {
        ConfigError(format!(
            "{}: expected {}, got {}",
            self.name,
            self.ty.name(),
            describe(value)
        ))
    }

    /// Parses a command-line text (`0.001`, `true`, `10,20`) as this key's type.
    pub fn parse_text(&self, text: &str) -> Result<Value, ConfigError> {
        let t = text.trim();
        let v = match self.ty {
            KeyType::Int => t.parse::<u64>().ok().map(Value::from),
            KeyType::Float => t.parse::<f64>().ok().map(Value::from),
            KeyType::Bool => match t {
                "true" | "on" => Some(Value::from(true)),
                "false" | "off" => Some(Value::from(false)),
                _ => None,
            },
            KeyType::Str => Some(Value::from(t)),
            KeyType::IntList => t
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<u64>().ok())
                .collect::<Option<Vec<u64>>>()
                .map(Value::from),
        };
        v.ok_or_else(|| {
            ConfigError(format!(
                "{}: expected {}, got {t:?}",
                self.name,
                self.ty.name()
            ))
        })
    }
}

fn describe(v: &Value) -> String {
    let kind = match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(n) if n.is_i64() && n.as_i64().is_some_and(|i| i < 0) => "a negative integer",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    };
    format!("{kind} ({v})")
}

/// One registry entry: `key!("dotted.name", RustType, field.path, "help")`.
macro_rules! key {
    ($name:literal, $t:ty, $($field:ident).+, $help:literal) => {
        ConfigKey {
            name: $name,
            ty: <$t as KeyField>::TYPE,
            help: $help,
            get: |c| KeyField::to_value(&c.$($field).+),
            put: |c, v| match <$t as KeyField>::from_value(v) {
                Some(x) => {
                    c.$($field).+ = x;
                    true
                }
                None => false,
            },
        }
    };
}

/// Every key, in run.json's order.
pub static KEYS: &[ConfigKey] = &[
    key!(
        "model.image_size",
        usize,
        model.image_size,
        "side of the square input frames (a multiple of 8)"
    ),
    key!(
        "model.channels",
        [usize; 3],
        model.channels,
        "output channels of the three convolutions"
    ),
    key!(
        "model.latent_dim",
        usize,
        model.latent_dim,
        "length of the latent vector h"
    ),
    key!(
        "model.hidden",
        usize,
        model.hidden,
        "width of the predictor's hidden layers"
    ),
    key!(
        "model.n_actions",
        usize,
        model.n_actions,
        "number of discrete actions"
    ),
    key!(
        "model.seq_len",
        usize,
        model.seq_len,
        "frames per training sequence"
    ),
    key!(
        "model.batch_size",
        usize,
        model.batch_size,
        "sequences per batch"
    ),
    key!(
        "model.var_weight",
        f64,
        model.var_weight,
        "weight of the VICReg variance term"
    ),
    key!(
        "model.cov_weight",
        f64,
        model.cov_weight,
        "weight of the VICReg covariance term"
    ),
    key!("steps", u64, steps, "total optimizer steps"),
    key!(
        "seed",
        u64,
        seed,
        "seed of the initial weights and the batch sampler"
    ),
    key!("lr", f64, lr, "AdamW learning rate"),
    key!(
        "weight_decay",
        f64,
        weight_decay,
        "AdamW decoupled weight decay"
    ),
    key!(
        "checkpoint_steps",
        Vec<u64>,
        checkpoint_steps,
        "extra checkpoint steps"
    ),
    key!(
        "checkpoint_every",
        u64,
        checkpoint_every,
        "a checkpoint every this many steps (0: none)"
    ),
    key!(
        "log_every",
        u64,
        log_every,
        "a train.csv row every this many steps"
    ),
    key!(
        "plan_eval",
        bool,
        plan_eval,
        "evaluate planning at every checkpoint"
    ),
    key!(
        "plan_eval_planners",
        String,
        plan_eval_planners,
        "planners swept at every checkpoint, comma-separated: graph, lattice, mpc (empty: none)"
    ),
    key!("device", String, device, "\"cpu\" or \"cuda\""),
];

/// The key named `name`, or an error that names it and suggests the nearest keys.
pub fn key(name: &str) -> Result<&'static ConfigKey, ConfigError> {
    KEYS.iter().find(|k| k.name == name).ok_or_else(|| {
        let near = near_keys(name);
        let hint = if near.is_empty() {
            format!(
                "known keys: {}",
                KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
            )
        } else {
            format!("did you mean {}?", near.join(" or "))
        };
        ConfigError(format!("unknown config key {name:?}; {hint}"))
    })
}

/// Keys close to `name`: the same last part (`hidden` → `model.hidden`), or a small edit distance.
pub fn near_keys(name: &str) -> Vec<&'static str> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let mut scored: Vec<(usize, &'static str)> = KEYS
        .iter()
        .filter_map(|k| {
            let k_last = k.name.rsplit('.').next().unwrap_or(k.name);
            let d = if k_last == last {
                0
            } else {
                edit_distance(name, k.name).min(edit_distance(last, k_last))
            };
            (d <= 2.max(name.len() / 4)).then_some((d, k.name))
        })
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// One key whose value in a run's config differs from its preset's default ("model diff").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeyDiff {
    pub key: String,
    /// The preset's default.
    pub preset: Value,
    /// The run's value.
    pub run: Value,
}

/// The keys of the registry whose value in `cfg` differs from the named preset's default, in
/// registry order: (key, preset value, run value). An unknown preset is an error.
pub fn config_diff(preset: &str, cfg: &TrainConfig) -> Result<Vec<KeyDiff>, ConfigError> {
    let base = TrainConfig::preset(preset)?;
    Ok(KEYS
        .iter()
        .filter_map(|k| {
            let (p, r) = (k.get(&base), k.get(cfg));
            (p != r).then(|| KeyDiff {
                key: k.name.to_string(),
                preset: p,
                run: r,
            })
        })
        .collect())
}

/// Applies `KEY=VALUE` (the text of `train --set`) to `cfg`.
pub fn apply_assignment(cfg: &mut TrainConfig, assignment: &str) -> Result<(), ConfigError> {
    let (name, text) = assignment.split_once('=').ok_or_else(|| {
        ConfigError(format!(
            "{assignment:?}: expected KEY=VALUE, e.g. model.hidden=128"
        ))
    })?;
    let k = key(name.trim())?;
    let v = k.parse_text(text)?;
    k.set(cfg, &v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_what_it_writes_and_matches_run_json() {
        let cfg = TrainConfig::preset("tiny").unwrap();
        let json = cfg.to_json();
        for k in KEYS {
            let mut path = json.clone();
            for part in k.name.split('.') {
                path = path[part].clone();
            }
            assert_eq!(path, k.get(&cfg), "{} is not run.json's", k.name);
            let mut c = cfg.clone();
            k.set(&mut c, &k.get(&cfg)).unwrap();
            assert_eq!(c, cfg);
        }
        assert_eq!(
            KEYS.len(),
            json_leaf_count(&json),
            "a config field has no key"
        );
    }

    fn json_leaf_count(v: &Value) -> usize {
        match v {
            Value::Object(m) => m.values().map(json_leaf_count).sum(),
            _ => 1,
        }
    }

    #[test]
    fn set_checks_type_then_validates() {
        let mut cfg = TrainConfig::preset("tiny").unwrap();
        apply_assignment(&mut cfg, "model.hidden=64").unwrap();
        apply_assignment(&mut cfg, "lr=0.001").unwrap();
        apply_assignment(&mut cfg, "checkpoint_steps=5,10").unwrap();
        apply_assignment(&mut cfg, "plan_eval=off").unwrap();
        assert_eq!(
            (cfg.model.hidden, cfg.lr, cfg.checkpoint_steps.clone()),
            (64, 0.001, vec![5, 10])
        );
        assert!(!cfg.plan_eval);
        let before = cfg.clone();
        let e = apply_assignment(&mut cfg, "model.hidden=wide")
            .unwrap_err()
            .0;
        assert!(e.contains("model.hidden") && e.contains("integer"), "{e}");
        let e = key("model.hidden")
            .unwrap()
            .set(&mut cfg, &Value::from(1.5))
            .unwrap_err()
            .0;
        assert!(e.contains("expected integer, got a number"), "{e}");
        let e = apply_assignment(&mut cfg, "model.image_size=20")
            .unwrap_err()
            .0;
        assert!(
            e.contains("model.image_size") && e.contains("multiple of 8"),
            "{e}"
        );
        let e = apply_assignment(&mut cfg, "lr=-1").unwrap_err().0;
        assert!(e.contains("lr"), "{e}");
        assert_eq!(cfg, before, "a refused value changes nothing");
    }

    #[test]
    fn unknown_keys_suggest_near_ones() {
        let e = key("hidden").unwrap_err().0;
        assert!(
            e.contains("\"hidden\"") && e.contains("model.hidden"),
            "{e}"
        );
        let e = key("model.cov_wieght").unwrap_err().0;
        assert!(e.contains("model.cov_weight"), "{e}");
        let e = key("zzzzzzzzzzzz").unwrap_err().0;
        assert!(e.contains("known keys") && e.contains("lr"), "{e}");
        assert!(apply_assignment(&mut TrainConfig::default(), "lr").is_err());
    }

    #[test]
    fn config_diff_lists_the_keys_that_differ_from_the_preset() {
        let tiny = TrainConfig::preset("tiny").unwrap();
        assert_eq!(config_diff("tiny", &tiny).unwrap(), vec![]);
        let mut cfg = tiny.clone();
        apply_assignment(&mut cfg, "model.hidden=48").unwrap();
        apply_assignment(&mut cfg, "lr=0.00123").unwrap();
        let d = config_diff("tiny", &cfg).unwrap();
        let keys: Vec<&str> = d.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert!(
            keys.contains(&"model.hidden") && keys.contains(&"lr"),
            "{keys:?}"
        );
        let hidden = d.iter().find(|k| k.key == "model.hidden").unwrap();
        assert_eq!(
            hidden.preset,
            key("model.hidden").unwrap().default_in("tiny").unwrap()
        );
        assert_eq!(hidden.run, Value::from(48));
        // Against another preset, the preset's own values differ too.
        assert!(config_diff("default", &tiny).unwrap().len() > 2);
        assert!(config_diff("huge", &tiny).is_err());
    }

    #[test]
    fn defaults_come_from_the_preset() {
        let k = key("model.hidden").unwrap();
        assert_eq!(k.default_in("tiny").unwrap(), Value::from(32));
        assert_eq!(k.default_in("default").unwrap(), Value::from(256));
        assert!(k.default_in("huge").is_err());
    }
}
