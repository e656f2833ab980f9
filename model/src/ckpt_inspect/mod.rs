//! What a checkpoint holds, without Python: tensor names, shapes, dtypes, parameter counts per
//! top-level module and the scalar entries (`global_step`), for PyTorch zip checkpoints
//! (`torch.save`, read through candle's pickle reader, never executing anything) and safetensors
//! files (ours, and theirs when converted).

mod pt;
pub mod pt_writer;
mod scan;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{ModelError, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TensorEntry {
    /// Dotted: the checkpoint's keys down to the tensor (`model_state.encoder.conv1.weight`).
    pub name: String,
    pub shape: Vec<u64>,
    /// `f32`, `bf16`, `i64`, …
    pub dtype: String,
}

impl TensorEntry {
    pub fn numel(&self) -> u64 {
        self.shape.iter().product()
    }
}

/// A value that is not a tensor (`global_step = 1200`, an optimizer's `lr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scalar {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleCount {
    pub module: String,
    pub tensors: usize,
    pub parameters: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointSummary {
    pub path: PathBuf,
    /// `pytorch-zip` or `safetensors`.
    pub format: String,
    pub tensors: Vec<TensorEntry>,
    pub modules: Vec<ModuleCount>,
    pub scalars: Vec<Scalar>,
    pub total_parameters: u64,
}

impl CheckpointSummary {
    pub fn scalar(&self, name: &str) -> Option<&str> {
        self.scalars
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.as_str())
    }
}

/// Inspects `path` by its extension: `.safetensors`, else a PyTorch zip (`.pt`, `.pth`, `.bin`).
/// A malformed file or a pickle with code in it is an error naming the file and what is wrong.
pub fn inspect(path: &Path) -> Result<CheckpointSummary> {
    let is_safetensors = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"));
    let (format, mut tensors, scalars) = if is_safetensors {
        let (t, s) = read_safetensors(path)
            .map_err(|e| ModelError::Invalid(format!("{}: {e}", path.display())))?;
        ("safetensors", t, s)
    } else {
        let (t, s) =
            pt::read(path).map_err(|e| ModelError::Invalid(format!("{}: {e}", path.display())))?;
        ("pytorch-zip", t, s)
    };
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let modules = module_counts(&tensors);
    Ok(CheckpointSummary {
        path: path.to_path_buf(),
        format: format.into(),
        total_parameters: tensors.iter().map(TensorEntry::numel).sum(),
        tensors,
        modules,
        scalars,
    })
}

/// The top-level module of a dotted tensor name: the state dict's key and the first part of the
/// parameter's name (`model_state.encoder` of `model_state.encoder.conv.weight`); for a bare state
/// dict the first part (`encoder`).
pub fn top_module(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() >= 3 && parts[0].ends_with("_state") {
        format!("{}.{}", parts[0], parts[1])
    } else {
        parts[0].to_string()
    }
}

fn module_counts(tensors: &[TensorEntry]) -> Vec<ModuleCount> {
    let mut out: Vec<ModuleCount> = Vec::new();
    for t in tensors {
        let m = top_module(&t.name);
        match out.iter_mut().find(|c| c.module == m) {
            Some(c) => {
                c.tensors += 1;
                c.parameters += t.numel();
            }
            None => out.push(ModuleCount {
                module: m,
                tensors: 1,
                parameters: t.numel(),
            }),
        }
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

fn read_safetensors(path: &Path) -> std::result::Result<(Vec<TensorEntry>, Vec<Scalar>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| format!("not a safetensors file ({e:?}); the file may be truncated"))?;
    let (header_len, _) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| format!("not a safetensors file ({e:?})"))?;
    let data_len = bytes.len().saturating_sub(8 + header_len);
    if meta.data_len() > data_len {
        return Err(format!(
            "the header describes {} bytes of tensors, the file holds {data_len} (truncated?)",
            meta.data_len()
        ));
    }
    let tensors = meta
        .tensors()
        .into_iter()
        .map(|(name, info)| TensorEntry {
            name,
            shape: info.shape.iter().map(|&d| d as u64).collect(),
            dtype: format!("{:?}", info.dtype).to_lowercase(),
        })
        .collect();
    let mut scalars: Vec<Scalar> = meta
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| Scalar { name, value })
        .collect();
    scalars.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((tensors, scalars))
}

#[cfg(test)]
mod tests;
