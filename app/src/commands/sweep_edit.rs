//! Editing a sweep file: the example `sweep new` writes, and `sweep extend`'s added values and
//! seeds (the file is re-written from its parsed table, so comments are not kept).

use std::path::Path;

use anyhow::{bail, Result};

/// What `worldbench sweep new` writes.
pub const EXAMPLE: &str = r#"# A sweep: every combination of the [grid] values, × every seed. Keys are run.json's config keys
# (lr, model.hidden, model.cov_weight, …) or the train options data, preset, checkpoints.
title = "hidden width vs lr"
kind = "smoke"                 # or "attempt", which needs  gate = "<gate file>"
method = "grid"                # or "random", with  samples = N  and  sample_seed = S
seeds = [0, 1, 2]

[base]
data = "demo-corner-loops"     # a dataset name in the workspace, or a folder
preset = "default"
steps = 3000
checkpoints = [1000, 3000]

[grid]
"model.hidden" = [128, 256]
lr = [0.001, 0.0003]
"#;

/// The sweep text with `values` (`KEY=V1,V2`) added to its grid and `seeds` to its seeds.
pub fn extend_toml(file: &Path, text: &str, values: &[String], seeds: &[u64]) -> Result<String> {
    if values.is_empty() && seeds.is_empty() {
        bail!("nothing to add: give --values KEY=V1,V2 or --seeds S1,S2");
    }
    let mut table: toml::Table = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("{}: not valid TOML: {}", file.display(), e.message()))?;
    for assignment in values {
        let Some((key, list)) = assignment.split_once('=') else {
            bail!("--values {assignment:?}: expected KEY=V1,V2");
        };
        let key = key.trim();
        let grid = table
            .get_mut("grid")
            .and_then(toml::Value::as_table_mut)
            .ok_or_else(|| {
                anyhow::anyhow!("{}: the sweep has no [grid] to extend", file.display())
            })?;
        let Some(toml::Value::Array(existing)) = grid.get_mut(key) else {
            bail!(
                "--values {key}: not a key of the sweep's grid (a new key would change every cell; write a new sweep)"
            );
        };
        for text in list.split(',') {
            let v = parse_value(text.trim());
            if !existing.contains(&v) {
                existing.push(v);
            }
        }
    }
    if !seeds.is_empty() {
        let entry = table
            .entry("seeds")
            .or_insert_with(|| toml::Value::Array(vec![toml::Value::Integer(0)]));
        let toml::Value::Array(list) = entry else {
            bail!("{}: seeds is not a list", file.display());
        };
        for &s in seeds {
            let v = toml::Value::Integer(i64::try_from(s).unwrap_or(i64::MAX));
            if !list.contains(&v) {
                list.push(v);
            }
        }
    }
    Ok(toml::to_string(&table)?)
}

/// A TOML value (`0.01`, `128`, `true`, `"x"`), or the text as a string.
fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}
