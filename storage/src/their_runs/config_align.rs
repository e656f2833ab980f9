//! The config diff across sources: each run's config flattened to dotted keys, their keys that
//! mean one of ours renamed through [`crate::config_aliases`], so one concept is one row.

use std::collections::{BTreeMap, BTreeSet};

use super::columns::flatten;
use super::detail::RunDetail;
use super::listing::RunSource;
use crate::config_aliases::ours_for;

/// One key of the diff: our dotted key (or theirs where none of ours means it), their key when it
/// was aliased, and one value per run (`None` where a run lacks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRow {
    pub key: String,
    pub their_key: Option<String>,
    pub values: Vec<Option<String>>,
}

/// A config as aligned dotted keys → (their key when aliased, value text).
pub fn aligned(config: &toml::Table, source: RunSource) -> BTreeMap<String, (Option<String>, String)> {
    flatten(config)
        .into_iter()
        .map(|(k, v)| match (source, ours_for(&k)) {
            (RunSource::NesAi, Some(a)) => (a.ours.to_string(), (Some(k), v)),
            _ => (k, (None, v)),
        })
        .collect()
}

/// The aligned keys whose values differ between the runs, sorted by key.
pub fn differing_keys(runs: &[RunDetail]) -> Vec<ConfigRow> {
    let flat: Vec<_> = runs
        .iter()
        .map(|d| aligned(&d.config, d.listing.source))
        .collect();
    let keys: BTreeSet<&String> = flat.iter().flat_map(BTreeMap::keys).collect();
    keys.into_iter()
        .filter_map(|k| {
            let values: Vec<Option<String>> =
                flat.iter().map(|m| m.get(k).map(|(_, v)| v.clone())).collect();
            let their_key = flat.iter().find_map(|m| m.get(k).and_then(|(t, _)| t.clone()));
            values.iter().any(|v| v != &values[0]).then(|| ConfigRow {
                key: k.clone(),
                their_key,
                values,
            })
        })
        .collect()
}
