//! A sweep file written from a form (the app's sweep form): [`SweepDraft::to_toml`] gives the
//! same `sweep.toml` a person writes by hand, and [`SweepDraft::check`] parses it back with the
//! sweep file's own checks, so the form refuses what `sweep run` would, and counts its cells.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::spec::{Params, SweepSpec};
use crate::run::RunKind;

/// What the form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepDraft {
    pub title: String,
    pub kind: RunKind,
    pub gate: Option<PathBuf>,
    /// `Some((samples, sample_seed))`: random; `None`: the whole grid.
    pub random: Option<(usize, u64)>,
    pub seeds: Vec<u64>,
    /// `train` options and config keys every cell shares (`data`, `preset`, `steps`, …).
    pub base: Params,
    /// Key → values, in the form's order.
    pub grid: Vec<(String, Vec<Value>)>,
}

fn to_toml(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(a) => toml::Value::Array(a.iter().filter_map(to_toml).collect()),
        Value::Null | Value::Object(_) => return None,
    })
}

impl SweepDraft {
    /// The sweep file's text.
    pub fn to_toml(&self) -> String {
        let mut t = toml::Table::new();
        t.insert("title".into(), self.title.clone().into());
        t.insert("kind".into(), self.kind.as_str().into());
        if let Some(g) = &self.gate {
            t.insert("gate".into(), g.display().to_string().into());
        }
        match self.random {
            None => {
                t.insert("method".into(), "grid".into());
            }
            Some((samples, seed)) => {
                t.insert("method".into(), "random".into());
                t.insert("samples".into(), toml::Value::Integer(samples as i64));
                t.insert(
                    "sample_seed".into(),
                    toml::Value::Integer(i64::try_from(seed).unwrap_or(i64::MAX)),
                );
            }
        }
        let seeds = self
            .seeds
            .iter()
            .map(|&s| toml::Value::Integer(i64::try_from(s).unwrap_or(i64::MAX)))
            .collect();
        t.insert("seeds".into(), toml::Value::Array(seeds));
        let base: toml::Table = self
            .base
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), to_toml(v)?)))
            .collect();
        t.insert("base".into(), toml::Value::Table(base));
        let grid: toml::Table = self
            .grid
            .iter()
            .map(|(k, vs)| {
                let list = vs.iter().filter_map(to_toml).collect();
                (k.clone(), toml::Value::Array(list))
            })
            .collect();
        t.insert("grid".into(), toml::Value::Table(grid));
        toml::to_string(&t).unwrap_or_default()
    }

    /// Parses the text back with the sweep file's checks: the spec and its number of cells
    /// (× seeds), or the error `sweep check` would give.
    pub fn check(&self) -> Result<(SweepSpec, usize), String> {
        let spec = SweepSpec::parse(Path::new("sweep form"), &self.to_toml())
            .map_err(|e| e.to_string())?;
        let n = super::expand(&spec).len();
        Ok((spec, n))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn draft() -> SweepDraft {
        SweepDraft {
            title: "width vs lr".into(),
            kind: RunKind::Smoke,
            gate: None,
            random: None,
            seeds: vec![0, 1, 2],
            base: [
                ("data".to_string(), json!("demo-corner-loops")),
                ("preset".to_string(), json!("tiny")),
                ("steps".to_string(), json!(40)),
            ]
            .into(),
            grid: vec![
                ("model.hidden".into(), vec![json!(32), json!(64)]),
                ("lr".into(), vec![json!(0.001), json!(0.0003)]),
            ],
        }
    }

    #[test]
    fn the_form_writes_a_sweep_file_that_parses_back_with_its_cells_counted() {
        let d = draft();
        let text = d.to_toml();
        assert!(
            text.contains("method = \"grid\"") && text.contains("seeds = [0, 1, 2]"),
            "{text}"
        );
        let (spec, n) = d.check().unwrap();
        assert_eq!(n, 2 * 2 * 3);
        assert_eq!(spec.grid["lr"], vec![json!(0.001), json!(0.0003)]);
        assert_eq!(spec.base["steps"], json!(40));
        let random = SweepDraft {
            random: Some((3, 7)),
            ..d
        };
        assert_eq!(random.check().unwrap().1, 3 * 3);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_with_its_key() {
        let mut d = draft();
        d.grid.push(("model.hidden_extra".into(), vec![json!(1)]));
        let e = d.check().unwrap_err();
        assert!(e.contains("model.hidden_extra"), "{e}");
        let mut d = draft();
        d.grid[0].1.push(json!("wide"));
        let e = d.check().unwrap_err();
        assert!(e.contains("model.hidden"), "{e}");
    }
}
