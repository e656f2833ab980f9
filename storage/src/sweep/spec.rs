//! A sweep file (`sweep.toml`), parsed and checked: title, kind (+ gate), method, seeds, `[base]`,
//! `[grid]`, `[[cells]]`. Every error names the file, the line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::lines::{line_of, KeyLines};
use super::resolve::{check_option, resolve_config};
use crate::error::{Result, StorageError};
use crate::run::RunKind;

/// How the cells are chosen from the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every combination.
    Grid,
    /// `samples` distinct combinations drawn from `sample_seed` (without replacement).
    Random { samples: usize, sample_seed: u64 },
}

/// Parameters of one cell: option or config key → value.
pub type Params = BTreeMap<String, Value>;

/// A parsed, checked sweep file.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    pub title: String,
    pub kind: RunKind,
    /// As written in the file (relative paths are the caller's to resolve).
    pub gate: Option<PathBuf>,
    pub method: Method,
    pub seeds: Vec<u64>,
    /// Settings every cell shares.
    pub base: Params,
    /// Key → its values, sorted by key.
    pub grid: BTreeMap<String, Vec<Value>>,
    /// Explicit cells (`[[cells]]`), besides the grid's.
    pub cells: Vec<Params>,
}

const TOP_KEYS: [&str; 10] = [
    "title",
    "kind",
    "gate",
    "method",
    "samples",
    "sample_seed",
    "seeds",
    "base",
    "grid",
    "cells",
];

impl SweepSpec {
    /// Reads and checks `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
        Self::parse(path, &text)
    }

    /// Parses and checks the text of a sweep file; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            StorageError::invalid(
                path,
                format!("line {line}: not valid TOML: {}", e.message()),
            )
        })?;
        let p = Parser {
            path,
            lines: KeyLines::of(text),
        };
        for key in table.keys() {
            if !TOP_KEYS.contains(&key.as_str()) {
                return Err(p.err(
                    key,
                    format!("unknown key; a sweep has {}", TOP_KEYS.join(", ")),
                ));
            }
        }
        let title = match table.get("title") {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(_) => return Err(p.err("title", "expected a non-empty string")),
            None => return Err(p.missing("title", "a sweep needs a title")),
        };
        let kind = match p.opt_str(&table, "kind")?.as_deref() {
            None | Some("smoke") => RunKind::Smoke,
            Some("attempt") => RunKind::Attempt,
            Some(other) => {
                return Err(p.err(
                    "kind",
                    format!("{other:?} is not a kind; use \"smoke\" or \"attempt\""),
                ))
            }
        };
        let gate = p.opt_str(&table, "gate")?.map(PathBuf::from);
        if kind == RunKind::Attempt && gate.is_none() {
            return Err(p.missing(
                "gate",
                "a sweep of attempts needs gate = \"<gate file>\" (or kind = \"smoke\")",
            ));
        }
        let seeds = match table.get("seeds") {
            None => vec![0],
            Some(v) => {
                let seeds = to_json(v)
                    .as_array()
                    .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<_>>>())
                    .ok_or_else(|| p.err("seeds", "expected a list of non-negative integers"))?;
                if seeds.is_empty() {
                    return Err(p.err("seeds", "give at least one seed"));
                }
                if has_duplicates(&seeds) {
                    return Err(p.err("seeds", "a seed is listed twice"));
                }
                seeds
            }
        };
        let base = p.params(table.get("base"), "base")?;
        let mut grid = BTreeMap::new();
        if let Some(g) = table.get("grid") {
            let g = g
                .as_table()
                .ok_or_else(|| p.err("grid", "expected a table: key = [values]"))?;
            for (key, values) in flatten(g) {
                let path = format!("grid.{key}");
                let list = values
                    .as_array()
                    .ok_or_else(|| p.err(&path, "expected a list of values"))?;
                if list.is_empty() {
                    return Err(p.err(&path, "give at least one value"));
                }
                if has_duplicates(list) {
                    return Err(p.err(&path, "a value is listed twice"));
                }
                for v in list {
                    p.check_in_base(&base, &path, &key, v)?;
                }
                grid.insert(key, list.iter().map(to_json).collect());
            }
        }
        let mut cells = Vec::new();
        if let Some(c) = table.get("cells") {
            let list = c
                .as_array()
                .ok_or_else(|| p.err("cells", "expected [[cells]] tables"))?;
            for (i, cell) in list.iter().enumerate() {
                cells.push(p.params(Some(cell), &format!("cells.{i}"))?);
            }
        }
        let method = match p.opt_str(&table, "method")?.as_deref() {
            None | Some("grid") => Method::Grid,
            Some("random") => {
                let samples = p
                    .opt_u64(&table, "samples")?
                    .ok_or_else(|| p.missing("samples", "method = \"random\" needs samples = N"))?;
                let total: usize = grid.values().map(Vec::len).product();
                if samples == 0 || samples as usize > total {
                    return Err(p.err(
                        "samples",
                        format!("must be from 1 to the grid's {total} combinations (drawn without replacement), got {samples}"),
                    ));
                }
                Method::Random {
                    samples: samples as usize,
                    sample_seed: p.opt_u64(&table, "sample_seed")?.unwrap_or(0),
                }
            }
            Some(other) => {
                return Err(p.err(
                    "method",
                    format!("{other:?} is not a method; use \"grid\" or \"random\""),
                ))
            }
        };
        if grid.is_empty() && cells.is_empty() {
            return Err(p.missing("grid", "a sweep needs a [grid] or [[cells]]"));
        }
        let spec = Self {
            title,
            kind,
            gate,
            method,
            seeds,
            base,
            grid,
            cells,
        };
        for (i, cell) in spec.cells.iter().enumerate() {
            let full = spec.full_params(cell);
            resolve_config(&full).map_err(|(key, msg)| p.err(&format!("cells.{i}.{key}"), msg))?;
        }
        let cell_without_data = spec.cells.iter().any(|c| !c.contains_key("data"));
        if !spec.base.contains_key("data") && (!spec.grid.is_empty() || cell_without_data) {
            return Err(p.missing("base", "[base] needs data = \"<dataset name or folder>\""));
        }
        Ok(spec)
    }

    /// `base` with `params` over it: everything a cell's run is started with.
    pub fn full_params(&self, params: &Params) -> Params {
        let mut full = self.base.clone();
        full.extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
        full
    }
}

struct Parser<'a> {
    path: &'a Path,
    lines: KeyLines,
}

impl Parser<'_> {
    fn err(&self, key: &str, msg: impl std::fmt::Display) -> StorageError {
        let line = self.lines.line(key).unwrap_or(1);
        StorageError::invalid(self.path, format!("line {line}: {key}: {msg}"))
    }

    fn missing(&self, key: &str, msg: &str) -> StorageError {
        let line = self.lines.line(key).unwrap_or(1);
        StorageError::invalid(self.path, format!("line {line}: {key}: {msg}"))
    }

    fn opt_str(&self, t: &toml::Table, key: &str) -> Result<Option<String>> {
        match t.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.err(key, "expected a string")),
        }
    }

    fn opt_u64(&self, t: &toml::Table, key: &str) -> Result<Option<u64>> {
        match t.get(key) {
            None => Ok(None),
            Some(v) => to_json(v)
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.err(key, "expected a non-negative integer")),
        }
    }

    /// A `[base]` or `[[cells]]` table: every key checked on its own, then together.
    fn params(&self, v: Option<&toml::Value>, at: &str) -> Result<Params> {
        let Some(v) = v else {
            return Ok(Params::new());
        };
        let t = v
            .as_table()
            .ok_or_else(|| self.err(at, "expected a table"))?;
        let mut params = Params::new();
        for (key, value) in flatten(t) {
            let path = format!("{at}.{key}");
            let value = to_json(&value);
            check_option(&key, &value).map_err(|m| self.err(&path, m))?;
            params.insert(key, value);
        }
        if at == "base" {
            resolve_config(&params).map_err(|(key, msg)| self.err(&format!("base.{key}"), msg))?;
        }
        Ok(params)
    }

    /// A grid value must make a trainable config with the base.
    fn check_in_base(&self, base: &Params, path: &str, key: &str, v: &toml::Value) -> Result<()> {
        let v = to_json(v);
        check_option(key, &v).map_err(|m| self.err(path, m))?;
        let mut p = base.clone();
        p.insert(key.to_string(), v);
        resolve_config(&p)
            .map(|_| ())
            .map_err(|(_, msg)| self.err(path, msg))
    }
}

/// Nested tables as dotted keys: `model = { hidden = 1 }` and `"model.hidden" = 1` alike.
fn flatten(t: &toml::Table) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    for (k, v) in t {
        match v {
            toml::Value::Table(inner) => {
                for (ik, iv) in flatten(inner) {
                    out.push((format!("{k}.{ik}"), iv));
                }
            }
            other => out.push((k.clone(), other.clone())),
        }
    }
    out
}

/// A TOML value as JSON (datetimes become their text).
pub fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

fn has_duplicates<T: PartialEq>(list: &[T]) -> bool {
    list.iter().enumerate().any(|(i, a)| list[..i].contains(a))
}
