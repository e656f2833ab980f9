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
pub fn aligned(
    config: &toml::Table,
    source: RunSource,
) -> BTreeMap<String, (Option<String>, String)> {
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
            let values: Vec<Option<String>> = flat
                .iter()
                .map(|m| m.get(k).map(|(_, v)| v.clone()))
                .collect();
            let their_key = flat
                .iter()
                .find_map(|m| m.get(k).and_then(|(t, _)| t.clone()));
            values.iter().any(|v| v != &values[0]).then(|| ConfigRow {
                key: k.clone(),
                their_key,
                values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{RunManifest, RunPaths};
    use crate::train_config::TrainConfig;

    /// Their metadata.txt as their trainer writes it (`tomli_w` of the two dataclasses).
    const METADATA: &str = r#"[train_config]
data_root = "data.gwbasic_rand_corner_loops2"
steps = 100000
seq_len = 8
batch_size = 8
lr = 0.0001
weight_decay = 0.03
use_soap = false

[model_config]
image_size = 64
hidden_dim = 512
encoder_schedule = [32, 64, 128, 256]
action_dim = 8
state_dim = 256
"#;

    #[test]
    fn their_keys_meet_ours_in_one_row_per_concept() {
        let tmp = tempfile::tempdir().unwrap();
        let theirs = tmp.path().join("2026-02-05_12-56-29");
        std::fs::create_dir_all(&theirs).unwrap();
        std::fs::write(theirs.join("metadata.txt"), METADATA).unwrap();
        let ours_dir = tmp.path().join("ours");
        let ours = RunPaths::new(&ours_dir);
        ours.create_dirs().unwrap();
        let mut cfg = TrainConfig {
            steps: 2000,
            lr: 0.0001,
            ..TrainConfig::default()
        };
        cfg.model.hidden = 128;
        cfg.model.batch_size = 8;
        RunManifest {
            title: "ours".into(),
            config: cfg.clone(),
            ..RunManifest::default()
        }
        .write(&ours.manifest())
        .unwrap();
        let runs = [
            RunDetail::read(&theirs).unwrap(),
            RunDetail::read(&ours_dir).unwrap(),
        ];
        let rows = differing_keys(&runs);
        let row = |k: &str| rows.iter().find(|r| r.key == k);
        // Aliased and different: one row, both values, their key kept.
        let steps = row("steps").expect("steps row");
        assert_eq!(steps.their_key.as_deref(), Some("train_config.steps"));
        assert_eq!(
            steps.values,
            [Some("100000".to_string()), Some("2000".to_string())]
        );
        let hidden = row("model.hidden").expect("hidden row");
        assert_eq!(hidden.their_key.as_deref(), Some("model_config.hidden_dim"));
        assert_eq!(
            hidden.values,
            [Some("512".to_string()), Some("128".to_string())]
        );
        let latent = row("model.latent_dim").expect("latent row");
        assert_eq!(latent.values[0].as_deref(), Some("256"));
        assert_eq!(latent.values[1], Some(cfg.model.latent_dim.to_string()));
        // Aliased and the same (lr, batch size): no row at all, and never under their name.
        assert!(row("lr").is_none() && row("model.batch_size").is_none());
        for r in &rows {
            assert!(
                ![
                    "train_config.lr",
                    "train_config.steps",
                    "model_config.hidden_dim"
                ]
                .contains(&r.key.as_str()),
                "{r:?}"
            );
        }
        // Unmatched keys are still shown, each side alone.
        let soap = row("train_config.use_soap").expect("their own key");
        assert_eq!(soap.values, [Some("false".to_string()), None]);
        assert!(soap.their_key.is_none());
        let ours_only = row("plan_eval").expect("our own key");
        assert_eq!(ours_only.values[0], None);
    }
}
