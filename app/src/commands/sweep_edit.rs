//! Editing a sweep file: the example `sweep new` writes, and `sweep extend`'s added values and
//! seeds, edited in place so that the file's comments and layout are kept.

use std::path::Path;

use anyhow::{bail, Result};
use toml_edit::{Array, DocumentMut, Item, Value};

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

/// The sweep text with `values` (`KEY=V1,V2`) added to its grid and `seeds` to its seeds. The
/// file is edited in place (toml_edit), so its comments, order and layout stay as the user wrote them.
pub fn extend_toml(file: &Path, text: &str, values: &[String], seeds: &[u64]) -> Result<String> {
    if values.is_empty() && seeds.is_empty() {
        bail!("nothing to add: give --values KEY=V1,V2 or --seeds S1,S2");
    }
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        anyhow::anyhow!("{}: not valid TOML: {}", file.display(), e.message())
    })?;
    for assignment in values {
        let Some((key, list)) = assignment.split_once('=') else {
            bail!("--values {assignment:?}: expected KEY=V1,V2");
        };
        let key = key.trim();
        let grid = doc
            .get_mut("grid")
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| {
                anyhow::anyhow!("{}: the sweep has no [grid] to extend", file.display())
            })?;
        let Some(existing) = grid.get_mut(key).and_then(Item::as_array_mut) else {
            bail!(
                "--values {key}: not a key of the sweep's grid (a new key would change every cell; write a new sweep)"
            );
        };
        for text in list.split(',') {
            add_new(existing, parse_value(text.trim()));
        }
    }
    if !seeds.is_empty() {
        if doc.get("seeds").is_none() {
            doc["seeds"] = toml_edit::value(Array::from_iter([0i64]));
        }
        let Some(list) = doc.get_mut("seeds").and_then(Item::as_array_mut) else {
            bail!("{}: seeds is not a list", file.display());
        };
        for &s in seeds {
            add_new(list, Value::from(i64::try_from(s).unwrap_or(i64::MAX)));
        }
    }
    Ok(doc.to_string())
}

/// Appends `v` to `list` unless an equal value (as TOML values, whatever their spelling) is there.
fn add_new(list: &mut Array, v: Value) {
    let plain = |v: &Value| parse_plain(&v.clone().decorated("", "").to_string());
    let new = plain(&v);
    if !list.iter().any(|e| plain(e) == new) {
        list.push(v);
    }
}

/// The value of TOML `text` as a plain value (for comparing `0.001` with `1e-3`).
fn parse_plain(text: &str) -> Option<toml::Value> {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
}

/// A TOML value (`0.01`, `128`, `true`, `"x"`), or the text as a string.
fn parse_value(text: &str) -> Value {
    format!("v = {text}")
        .parse::<DocumentMut>()
        .ok()
        .and_then(|d| d.get("v").and_then(Item::as_value).cloned())
        .map_or_else(|| Value::from(text), |v| v.decorated("", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extending_keeps_comments_and_layout_and_skips_values_already_there() {
        let file = Path::new("sweep.toml");
        let out = extend_toml(
            file,
            EXAMPLE,
            &["lr=1e-3,0.0001".into(), "model.hidden=512".into()],
            &[2, 3],
        )
        .expect("extended");
        // Every comment and the [base] table are kept as written.
        for line in EXAMPLE
            .lines()
            .filter(|l| l.contains('#') || l.starts_with('['))
        {
            let kept = line.split('#').next().unwrap_or_default().trim_end();
            assert!(
                out.contains(line) || out.contains(kept),
                "lost {line:?} in\n{out}"
            );
        }
        assert!(out.contains("# A sweep: every combination"), "{out}");
        assert!(out.contains("or \"attempt\""), "{out}");
        let table: toml::Table = toml::from_str(&out).expect("valid");
        let grid = table["grid"].as_table().expect("grid");
        // 1e-3 is 0.001, already there: only 0.0001 is new.
        assert_eq!(
            grid["lr"].as_array().expect("lr"),
            &vec![
                toml::Value::Float(0.001),
                toml::Value::Float(0.0003),
                toml::Value::Float(0.0001)
            ]
        );
        assert_eq!(grid["model.hidden"].as_array().expect("hidden").len(), 3);
        let seeds: Vec<i64> = table["seeds"]
            .as_array()
            .expect("seeds")
            .iter()
            .filter_map(toml::Value::as_integer)
            .collect();
        assert_eq!(seeds, vec![0, 1, 2, 3]);
    }

    #[test]
    fn extending_refuses_what_it_cannot_add() {
        let file = Path::new("s.toml");
        let err = |values: &[&str], text: &str| {
            let values: Vec<String> = values.iter().map(|v| (*v).to_string()).collect();
            extend_toml(file, text, &values, &[])
                .expect_err("refused")
                .to_string()
        };
        assert!(err(&[], EXAMPLE).contains("nothing to add"));
        assert!(err(&["steps=10"], EXAMPLE).contains("not a key of the sweep's grid"));
        assert!(err(&["lr"], EXAMPLE).contains("expected KEY=V1,V2"));
        assert!(err(&["lr=1"], "title = \"x\"\n").contains("has no [grid]"));
        assert!(err(&["lr=1"], "grid = [").contains("s.toml: not valid TOML"));
    }
}
