//! Their config keys that mean what one of ours means: nes-ai's `metadata.txt` keys (its
//! `TrainConfig` and `ModelConfig` dataclasses, flattened to dotted keys under `train_config.` and
//! `model_config.`) → our dotted keys of [`crate::config_keys::KEYS`]. One entry per alias; the
//! cross-source config diff shows an aliased pair as one row with both values, and every key not
//! here under its own name.

/// One alias: their dotted key, ours, and what makes them the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigAlias {
    pub theirs: &'static str,
    pub ours: &'static str,
    pub why: &'static str,
}

/// Every alias.
pub static ALIASES: &[ConfigAlias] = &[
    ConfigAlias {
        theirs: "train_config.lr",
        ours: "lr",
        why: "the optimizer's learning rate",
    },
    ConfigAlias {
        theirs: "train_config.weight_decay",
        ours: "weight_decay",
        why: "AdamW weight decay",
    },
    ConfigAlias {
        theirs: "train_config.steps",
        ours: "steps",
        why: "total optimizer steps",
    },
    ConfigAlias {
        theirs: "train_config.seed",
        ours: "seed",
        why: "the run's seed",
    },
    ConfigAlias {
        theirs: "train_config.batch_size",
        ours: "model.batch_size",
        why: "sequences per batch",
    },
    ConfigAlias {
        theirs: "train_config.seq_len",
        ours: "model.seq_len",
        why: "frames per training sequence",
    },
    ConfigAlias {
        theirs: "train_config.checkpoint_every_steps",
        ours: "checkpoint_every",
        why: "a checkpoint every this many steps",
    },
    ConfigAlias {
        theirs: "model_config.image_size",
        ours: "model.image_size",
        why: "side of the square input frames",
    },
    ConfigAlias {
        theirs: "model_config.hidden_dim",
        ours: "model.hidden",
        why: "the predictor's hidden width",
    },
    ConfigAlias {
        theirs: "model_config.state_dim",
        ours: "model.latent_dim",
        why: "length of h, the latent the planner works in",
    },
    ConfigAlias {
        theirs: "model_config.action_dim",
        ours: "model.n_actions",
        why: "number of discrete actions",
    },
    ConfigAlias {
        theirs: "model_config.encoder_schedule",
        ours: "model.channels",
        why: "output channels of the encoder's convolutions",
    },
];

/// Our key for their dotted key, if one means the same.
pub fn ours_for(theirs: &str) -> Option<&'static ConfigAlias> {
    ALIASES.iter().find(|a| a.theirs == theirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_names_one_of_our_keys_once() {
        for a in ALIASES {
            assert!(
                crate::config_keys::key(a.ours).is_ok(),
                "{} → {}: not one of our keys",
                a.theirs,
                a.ours
            );
            assert_eq!(ALIASES.iter().filter(|b| b.theirs == a.theirs).count(), 1);
            assert_eq!(ALIASES.iter().filter(|b| b.ours == a.ours).count(), 1);
        }
        assert_eq!(ours_for("train_config.lr").map(|a| a.ours), Some("lr"));
        assert!(ours_for("train_config.data_root").is_none());
    }
}
