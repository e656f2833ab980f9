//! Checkpoint files: one safetensors file with the weights under their PyTorch module names
//! (f32), the AdamW moments as `optim.m.<name>` / `optim.v.<name>`, and `__metadata__` with the
//! step, optimizer step count, seed, sampler state, training config (JSON) and
//! `format = "worldbench.checkpoint/1"`. Written atomically.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use worldbench_storage::atomic::write_atomic;

use crate::config::TrainConfig;
use crate::error::{ModelError, Result};
use crate::nn::adamw::MomentValues;
use crate::train::sampler::SamplerState;

/// The `format` metadata value of a checkpoint.
pub const CHECKPOINT_FORMAT: &str = "worldbench.checkpoint/1";

pub use crate::nn::jepa::NamedValues;

/// Everything a checkpoint holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Training steps done.
    pub step: u64,
    /// AdamW's step count (equals `step` for runs trained here).
    pub optim_step: u64,
    pub seed: u64,
    pub sampler: SamplerState,
    pub config: TrainConfig,
    /// Model weights in `state_dict()` order.
    pub weights: Vec<NamedValues>,
    /// AdamW moments per parameter (empty for weights-only files).
    pub moments: Vec<MomentValues>,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn invalid(path: &Path, problem: impl std::fmt::Display) -> ModelError {
    ModelError::Invalid(format!("checkpoint {}: {problem}", path.display()))
}

/// Serializes `ckpt` to safetensors bytes.
pub fn to_bytes(ckpt: &Checkpoint) -> Result<Vec<u8>> {
    let mut named: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, shape, vals) in &ckpt.weights {
        named.push((name.clone(), shape.clone(), f32_bytes(vals)));
    }
    for (name, shape, m, v) in &ckpt.moments {
        named.push((format!("optim.m.{name}"), shape.clone(), f32_bytes(m)));
        named.push((format!("optim.v.{name}"), shape.clone(), f32_bytes(v)));
    }
    let views = named
        .iter()
        .map(|(n, s, b)| Ok((n.clone(), TensorView::new(Dtype::F32, s.clone(), b)?)))
        .collect::<std::result::Result<Vec<_>, safetensors::SafeTensorError>>()
        .map_err(|e| ModelError::Invalid(format!("checkpoint serialization: {e}")))?;
    let meta: HashMap<String, String> = [
        ("format", CHECKPOINT_FORMAT.to_string()),
        ("step", ckpt.step.to_string()),
        ("optimizer_step", ckpt.optim_step.to_string()),
        ("seed", ckpt.seed.to_string()),
        ("sampler", to_json(&ckpt.sampler)?),
        ("config", to_json(&ckpt.config)?),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    safetensors::serialize(views, Some(meta))
        .map_err(|e| ModelError::Invalid(format!("checkpoint serialization: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ModelError::Invalid(format!("checkpoint metadata: {e}")))
}

/// Writes `ckpt` to `path` atomically (temp file, fsync, rename).
pub fn save(path: &Path, ckpt: &Checkpoint) -> Result<()> {
    let bytes = to_bytes(ckpt)?;
    write_atomic(path, &bytes)?;
    Ok(())
}

/// Reads a checkpoint. Errors name the file and the problem (missing, truncated, not a
/// Worldbench checkpoint, missing fields, weights that do not fit its config).
pub fn load(path: &Path) -> Result<Checkpoint> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            invalid(path, "file not found")
        } else {
            invalid(path, e)
        }
    })?;
    from_bytes(&bytes, path)
}

/// Parses checkpoint bytes; `path` is only used in error messages.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| invalid(path, format!("not a readable safetensors file ({e})")))?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        invalid(
            path,
            format!("not a readable safetensors file, truncated? ({e})"),
        )
    })?;
    let meta = header.metadata().clone().unwrap_or_default();
    let get = |key: &str| {
        meta.get(key)
            .ok_or_else(|| invalid(path, format!("metadata field {key:?} is missing")))
    };
    let format = get("format")?;
    if format != CHECKPOINT_FORMAT {
        return Err(invalid(
            path,
            format!("format is {format:?}, expected {CHECKPOINT_FORMAT:?}"),
        ));
    }
    let num = |key: &str| -> Result<u64> {
        get(key)?.parse::<u64>().map_err(|e| {
            invalid(
                path,
                format!("metadata field {key:?} is not a number ({e})"),
            )
        })
    };
    let config: TrainConfig = serde_json::from_str(get("config")?)
        .map_err(|e| invalid(path, format!("metadata config is not valid ({e})")))?;
    let sampler: SamplerState = serde_json::from_str(get("sampler")?)
        .map_err(|e| invalid(path, format!("metadata sampler is not valid ({e})")))?;
    let read = |name: &str| -> Result<Option<(Vec<usize>, Vec<f32>)>> {
        let view = match st.tensor(name) {
            Ok(v) => v,
            Err(safetensors::SafeTensorError::TensorNotFound(_)) => return Ok(None),
            Err(e) => return Err(invalid(path, format!("tensor {name}: {e}"))),
        };
        if view.dtype() != Dtype::F32 {
            return Err(invalid(
                path,
                format!("tensor {name} is {:?}, expected F32", view.dtype()),
            ));
        }
        let vals = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Some((view.shape().to_vec(), vals)))
    };
    let mut weights = Vec::new();
    let mut moments = Vec::new();
    for (name, shape) in crate::nn::jepa::param_shapes(&config.model) {
        let Some((got, vals)) = read(&name)? else {
            return Err(invalid(path, format!("tensor {name} is missing")));
        };
        if got != shape {
            return Err(invalid(
                path,
                format!("tensor {name} has shape {got:?} but its config needs {shape:?}"),
            ));
        }
        if let (Some((ms, m)), Some((vs, v))) = (
            read(&format!("optim.m.{name}"))?,
            read(&format!("optim.v.{name}"))?,
        ) {
            if ms != shape || vs != shape {
                return Err(invalid(
                    path,
                    format!("optimizer moments of {name} do not have its shape {shape:?}"),
                ));
            }
            moments.push((name.clone(), shape.clone(), m, v));
        }
        weights.push((name, shape, vals));
    }
    if !moments.is_empty() && moments.len() != weights.len() {
        return Err(invalid(
            path,
            "optimizer moments are present for only some parameters",
        ));
    }
    Ok(Checkpoint {
        step: num("step")?,
        optim_step: num("optimizer_step")?,
        seed: num("seed")?,
        sampler,
        config,
        weights,
        moments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{AdamW, AdamWParams, Jepa};

    fn tiny_checkpoint() -> Checkpoint {
        let config = TrainConfig::preset("tiny").expect("tiny");
        let model = Jepa::new(&config.model, 3, &candle_core::Device::Cpu).expect("model");
        let mut opt = AdamW::new(model.params(), AdamWParams::new(1e-3, 0.01)).expect("opt");
        let moments = opt.moment_values().expect("m");
        let moments: Vec<MomentValues> = moments
            .into_iter()
            .map(|(n, s, m, v)| {
                (
                    n,
                    s,
                    m.iter().map(|x| x + 0.5).collect(),
                    v.iter().map(|x| x + 0.25).collect(),
                )
            })
            .collect();
        opt.load_state(7, &moments, "test").expect("load");
        Checkpoint {
            step: 7,
            optim_step: 7,
            seed: 3,
            sampler: SamplerState::new(3, 8),
            config,
            weights: model.values().expect("values"),
            moments: opt.moment_values().expect("m"),
        }
    }

    #[test]
    fn round_trip_keeps_everything() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("ck.safetensors");
        let ck = tiny_checkpoint();
        save(&path, &ck).expect("save");
        let back = load(&path).expect("load");
        assert_eq!(back, ck);
        // Names follow the PyTorch state_dict plus optimizer moments.
        let bytes = std::fs::read(&path).expect("read");
        let st = SafeTensors::deserialize(&bytes).expect("st");
        let mut names = st.names();
        names.sort_unstable();
        assert!(names.contains(&"enc.c1.weight") && names.contains(&"optim.v.pred.l3.bias"));
        assert_eq!(names.len(), 14 * 3);
    }

    #[test]
    fn bad_files_give_errors_that_name_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("nope.safetensors");
        let err = load(&missing).unwrap_err().to_string();
        assert!(
            err.contains("nope.safetensors") && err.contains("not found"),
            "{err}"
        );

        let ck = tiny_checkpoint();
        let bytes = to_bytes(&ck).expect("bytes");
        let truncated = dir.path().join("cut.safetensors");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
        let err = load(&truncated).unwrap_err().to_string();
        assert!(
            err.contains("cut.safetensors") && err.contains("safetensors"),
            "{err}"
        );

        // A config whose sizes differ from the stored weights.
        let mut wrong = ck.clone();
        wrong.config.model.hidden = 8;
        let err = from_bytes(
            &to_bytes(&wrong).expect("bytes"),
            Path::new("wrong.safetensors"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("wrong.safetensors")
                && err.contains("pred.l1.weight")
                && err.contains("shape"),
            "{err}"
        );
    }

    #[test]
    fn no_mutated_checkpoint_panics_the_reader() {
        use worldbench_storage::mutate::{mutate, Rng};
        let seed = to_bytes(&tiny_checkpoint()).expect("bytes");
        assert!(from_bytes(&seed, Path::new("seed")).is_ok());
        let mut rng = Rng(11);
        for case in 0..1500 {
            let input = mutate(&seed, &mut rng);
            let outcome = std::panic::catch_unwind(|| {
                from_bytes(&input, Path::new("case.safetensors")).map_err(|e| e.to_string())
            });
            let Ok(result) = outcome else {
                panic!("case {case} panicked ({} bytes)", input.len())
            };
            if let Err(e) = result {
                assert!(e.contains("case.safetensors"), "{e}");
            }
        }
    }
}
