//! `torch.save` zip checkpoints: `<name>/data.pkl` (the pickle), `<name>/data/<key>` (one storage
//! each), `<name>/version`. The pickle is scanned ([`super::scan`]), then read into a tree by
//! candle's reader (`candle_core::pickle`), then walked: dicts and lists become dotted names,
//! tensor rebuilds become tensors, plain values become scalar entries.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use candle_core::pickle::{Object, Stack};

use super::scan::{scan, STORAGES};
use super::{Scalar, TensorEntry};

/// The largest pickle read (the tensors are not in it).
const MAX_PICKLE_BYTES: u64 = 256 << 20;

pub(super) fn read(path: &Path) -> Result<(Vec<TensorEntry>, Vec<Scalar>), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        format!("not a PyTorch zip checkpoint ({e}); the file may be truncated, or a legacy non-zip torch.save")
    })?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(std::borrow::Cow::into_owned))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not a readable zip ({e}); the file may be truncated"))?;
    let pkl_name = names
        .iter()
        .find(|n| n.ends_with("/data.pkl") || n.as_str() == "data.pkl")
        .cloned()
        .ok_or("the zip holds no data.pkl: not a torch.save checkpoint")?;
    let prefix = pkl_name.strip_suffix("data.pkl").unwrap_or("").to_string();
    let mut sizes: HashMap<String, u64> = HashMap::new();
    for n in &names {
        if let Some(key) = n.strip_prefix(&format!("{prefix}data/")) {
            if let Ok(f) = zip.by_name(n) {
                sizes.insert(key.to_string(), f.size());
            }
        }
    }
    let mut entry = zip
        .by_name(&pkl_name)
        .map_err(|e| format!("{pkl_name}: {e}"))?;
    if entry.size() > MAX_PICKLE_BYTES {
        return Err(format!(
            "{pkl_name} is {} bytes, more than the {MAX_PICKLE_BYTES} a checkpoint's pickle may be",
            entry.size()
        ));
    }
    let mut pkl = Vec::with_capacity(entry.size() as usize);
    entry
        .read_to_end(&mut pkl)
        .map_err(|e| format!("{pkl_name}: cannot read ({e}); the file may be truncated"))?;
    scan(&pkl).map_err(|e| format!("{pkl_name}: {e}"))?;
    let mut stack = Stack::empty();
    stack
        .read_loop(&mut std::io::Cursor::new(&pkl))
        .map_err(|e| format!("{pkl_name}: not a readable pickle ({e})"))?;
    let root = stack
        .finalize()
        .map_err(|e| format!("{pkl_name}: not a readable pickle ({e})"))?;
    let mut w = Walker {
        sizes,
        tensors: Vec::new(),
        scalars: Vec::new(),
    };
    w.walk(&mut Vec::new(), root)?;
    Ok((w.tensors, w.scalars))
}

struct Walker {
    sizes: HashMap<String, u64>,
    tensors: Vec<TensorEntry>,
    scalars: Vec<Scalar>,
}

impl Walker {
    fn walk(&mut self, path: &mut Vec<String>, obj: Object) -> Result<(), String> {
        match obj {
            Object::Dict(items) => {
                for (k, v) in items {
                    // A state dict's `_metadata` (module versions), merged in by BUILD.
                    if matches!(&k, Object::Unicode(s) if s == "_metadata") {
                        continue;
                    }
                    path.push(key_text(&k));
                    self.walk(path, v)?;
                    path.pop();
                }
            }
            Object::List(items) | Object::Tuple(items)
                if items
                    .iter()
                    .any(|o| matches!(o, Object::Dict(_) | Object::Reduce { .. })) =>
            {
                for (i, v) in items.into_iter().enumerate() {
                    path.push(i.to_string());
                    self.walk(path, v)?;
                    path.pop();
                }
            }
            Object::Reduce { callable, args } => self.tensor(path, *callable, *args)?,
            Object::Build { callable, .. } => self.walk(path, *callable)?,
            Object::Class {
                module_name,
                class_name,
            } => {
                return Err(format!(
                    "{}: a bare class {module_name}.{class_name} is not a value of a checkpoint; refused",
                    path.join(".")
                ))
            }
            Object::PersistentLoad(_) => {
                return Err(format!(
                    "{}: a storage outside a tensor rebuild; refused",
                    path.join(".")
                ))
            }
            Object::Mark => return Err("a MARK left on the pickle's stack".into()),
            leaf => self.scalars.push(Scalar {
                name: path.join("."),
                value: value_text(&leaf),
            }),
        }
        Ok(())
    }

    fn tensor(&mut self, path: &[String], callable: Object, args: Object) -> Result<(), String> {
        let name = path.join(".");
        let Object::Class {
            module_name,
            class_name,
        } = callable
        else {
            return Err(format!(
                "{name}: a REDUCE of something not a class; refused"
            ));
        };
        let args = match (module_name.as_str(), class_name.as_str()) {
            ("torch._utils", "_rebuild_tensor_v2") => args,
            ("torch._utils", "_rebuild_parameter") | ("torch._tensor", "_rebuild_from_type_v2") => {
                // (inner REDUCE, …): the tensor rebuild is the first argument (the second for
                // _rebuild_from_type_v2's (func, type, args, state): its args tuple's first).
                let mut a = tuple(args, &name)?;
                if a.is_empty() {
                    return Err(format!("{name}: {class_name} without arguments"));
                }
                let first = a.remove(0);
                return match (class_name.as_str(), first) {
                    ("_rebuild_parameter", Object::Reduce { callable, args }) => {
                        self.tensor(path, *callable, *args)
                    }
                    ("_rebuild_from_type_v2", Object::Class { .. }) if a.len() >= 2 => {
                        let inner = tuple(a.remove(1), &name)?;
                        match inner.into_iter().next() {
                            Some(Object::Reduce { callable, args }) => {
                                self.tensor(path, *callable, *args)
                            }
                            _ => Err(format!("{name}: {class_name} without a tensor")),
                        }
                    }
                    _ => Err(format!("{name}: {class_name} without a tensor")),
                };
            }
            (m, c) => {
                return Err(format!(
                    "{name}: REDUCE of {m}.{c}, which is not a tensor rebuild or an OrderedDict; refused, never executed"
                ))
            }
        };
        // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)
        let a = tuple(args, &name)?;
        let bad = || format!("{name}: a tensor rebuild with arguments not as torch writes them");
        let storage = match a.first() {
            Some(Object::PersistentLoad(p)) => tuple((**p).clone(), &name)?,
            _ => return Err(bad()),
        };
        let offset = a.get(1).and_then(as_int).ok_or_else(bad)?;
        let shape: Vec<u64> = match a.get(2) {
            Some(Object::Tuple(s) | Object::List(s)) => s
                .iter()
                .map(as_int)
                .collect::<Option<_>>()
                .ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        // ('storage', torch.<X>Storage, key, location, numel)
        let (storage_class, key) = match (storage.get(1), storage.get(2)) {
            (
                Some(Object::Class {
                    module_name,
                    class_name,
                }),
                Some(Object::Unicode(key)),
            ) if module_name == "torch" => (class_name.clone(), key.clone()),
            _ => return Err(bad()),
        };
        let (_, dtype, size) = STORAGES
            .iter()
            .find(|(s, _, _)| *s == storage_class)
            .ok_or_else(|| format!("{name}: unknown storage torch.{storage_class}"))?;
        let numel: u64 = shape.iter().product();
        let stored = self.sizes.get(&key).copied().ok_or_else(|| {
            format!("{name}: its storage data/{key} is missing from the zip (truncated?)")
        })?;
        let needed = (offset + numel) * *size as u64;
        if numel > 0 && stored < needed {
            return Err(format!(
                "{name}: data/{key} holds {stored} bytes, the tensor needs {needed} (truncated?)"
            ));
        }
        self.tensors.push(TensorEntry {
            name,
            shape,
            dtype: dtype.to_string(),
        });
        Ok(())
    }
}

fn tuple(o: Object, name: &str) -> Result<Vec<Object>, String> {
    match o {
        Object::Tuple(v) | Object::List(v) => Ok(v),
        _ => Err(format!("{name}: expected a tuple of arguments")),
    }
}

fn as_int(o: &Object) -> Option<u64> {
    match o {
        Object::Int(i) => u64::try_from(*i).ok(),
        Object::Long(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

fn key_text(k: &Object) -> String {
    match k {
        Object::Unicode(s) => s.clone(),
        other => value_text(other),
    }
}

/// A plain value as text (lists shortened past 80 characters).
fn value_text(o: &Object) -> String {
    let s = match o {
        Object::Int(i) => i.to_string(),
        Object::Long(i) => i.to_string(),
        Object::Float(f) => f.to_string(),
        Object::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Object::None => "None".into(),
        Object::Unicode(s) => format!("{s:?}"),
        Object::List(v) => format!(
            "[{}]",
            v.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Object::Tuple(v) => format!(
            "({})",
            v.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        other => format!("{other:?}"),
    };
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}…")
    } else {
        s
    }
}
