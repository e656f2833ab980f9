//! Writes small checkpoints in PyTorch's zip layout (`archive/data.pkl` a protocol-2 pickle,
//! `archive/data/<key>` one storage per tensor, `archive/version`), built by hand, so tests can
//! make their own `.pt` files without Python. Also writes a pickle with any GLOBAL, to test that
//! such a file is refused.

use std::io::Write;
use std::path::Path;

/// A value to pickle.
#[derive(Debug, Clone, PartialEq)]
pub enum PtValue {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    List(Vec<PtValue>),
    Tuple(Vec<PtValue>),
    Dict(Vec<(PtValue, PtValue)>),
    /// `collections.OrderedDict`, as a module's `state_dict()` is.
    OrderedDict(Vec<(PtValue, PtValue)>),
    /// A tensor of `storage` (`FloatStorage`, `LongStorage`, …) with its raw little-endian bytes.
    Tensor {
        storage: &'static str,
        shape: Vec<u64>,
        data: Vec<u8>,
    },
    /// `module.name(arg)`: GLOBAL, a one-string tuple, REDUCE — what pickled code looks like.
    Call {
        module: String,
        name: String,
        arg: String,
    },
}

impl PtValue {
    pub fn str(s: &str) -> Self {
        Self::Str(s.to_string())
    }
    /// An f32 tensor of `shape` holding 0, 1, 2, …
    pub fn f32_tensor(shape: &[u64]) -> Self {
        let n: u64 = shape.iter().product();
        let data = (0..n).flat_map(|i| (i as f32).to_le_bytes()).collect();
        Self::Tensor {
            storage: "FloatStorage",
            shape: shape.to_vec(),
            data,
        }
    }
}

/// The pickle of `value` and the storages it refers to (key, bytes).
pub fn pickle(value: &PtValue) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let mut p = Pickler {
        out: vec![0x80, 2],
        storages: Vec::new(),
    };
    p.value(value);
    p.out.push(b'.');
    (p.out, p.storages)
}

/// Writes `value` as `torch.save` would, stored (uncompressed) as torch does.
pub fn write_pt(path: &Path, value: &PtValue) -> std::io::Result<()> {
    let (pkl, storages) = pickle(value);
    write_pt_parts(path, &pkl, &storages)
}

/// Writes a zip of the given pickle and storages under `archive/`.
pub fn write_pt_parts(
    path: &Path,
    pkl: &[u8],
    storages: &[(String, Vec<u8>)],
) -> std::io::Result<()> {
    let io = |e: zip::result::ZipError| std::io::Error::other(e.to_string());
    let mut z = zip::ZipWriter::new(std::fs::File::create(path)?);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("archive/data.pkl", opts).map_err(io)?;
    z.write_all(pkl)?;
    for (key, bytes) in storages {
        z.start_file(format!("archive/data/{key}"), opts)
            .map_err(io)?;
        z.write_all(bytes)?;
    }
    z.start_file("archive/version", opts).map_err(io)?;
    z.write_all(b"3\n")?;
    z.finish().map_err(io)?;
    Ok(())
}

struct Pickler {
    out: Vec<u8>,
    storages: Vec<(String, Vec<u8>)>,
}

impl Pickler {
    fn global(&mut self, module: &str, name: &str) {
        self.out.push(b'c');
        self.out.extend_from_slice(module.as_bytes());
        self.out.push(b'\n');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'\n');
    }

    fn items(&mut self, items: &[(PtValue, PtValue)]) {
        if items.is_empty() {
            return;
        }
        self.out.push(b'(');
        for (k, v) in items {
            self.value(k);
            self.value(v);
        }
        self.out.push(b'u');
    }

    fn value(&mut self, v: &PtValue) {
        match v {
            PtValue::Int(i) => {
                if (0..=255).contains(i) {
                    self.out.extend_from_slice(&[b'K', *i as u8]);
                } else if let Ok(i) = i32::try_from(*i) {
                    self.out.push(b'J');
                    self.out.extend_from_slice(&i.to_le_bytes());
                } else {
                    self.out.extend_from_slice(&[0x8a, 8]);
                    self.out.extend_from_slice(&i.to_le_bytes());
                }
            }
            PtValue::Float(f) => {
                self.out.push(b'G');
                self.out.extend_from_slice(&f.to_be_bytes());
            }
            PtValue::Str(s) => {
                self.out.push(b'X');
                self.out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                self.out.extend_from_slice(s.as_bytes());
            }
            PtValue::Bool(b) => self.out.push(if *b { 0x88 } else { 0x89 }),
            PtValue::None => self.out.push(b'N'),
            PtValue::List(items) => {
                self.out.push(b']');
                if !items.is_empty() {
                    self.out.push(b'(');
                    for i in items {
                        self.value(i);
                    }
                    self.out.push(b'e');
                }
            }
            PtValue::Tuple(items) => {
                self.out.push(b'(');
                for i in items {
                    self.value(i);
                }
                self.out.push(b't');
            }
            PtValue::Dict(items) => {
                self.out.push(b'}');
                self.items(items);
            }
            PtValue::OrderedDict(items) => {
                self.global("collections", "OrderedDict");
                self.out.extend_from_slice(b")R");
                self.items(items);
            }
            PtValue::Tensor {
                storage,
                shape,
                data,
            } => {
                let key = self.storages.len().to_string();
                let numel: u64 = shape.iter().product();
                self.storages.push((key.clone(), data.clone()));
                self.global("torch._utils", "_rebuild_tensor_v2");
                self.out.push(b'(');
                // Persistent id: ('storage', torch.<X>Storage, key, 'cpu', numel)
                self.out.push(b'(');
                self.value(&PtValue::str("storage"));
                self.global("torch", storage);
                self.value(&PtValue::Str(key));
                self.value(&PtValue::str("cpu"));
                self.value(&PtValue::Int(numel as i64));
                self.out.extend_from_slice(b"tQ");
                self.value(&PtValue::Int(0));
                let mut strides = vec![1u64; shape.len()];
                for i in (0..shape.len().saturating_sub(1)).rev() {
                    strides[i] = strides[i + 1] * shape[i + 1];
                }
                let ints =
                    |v: &[u64]| PtValue::Tuple(v.iter().map(|&x| PtValue::Int(x as i64)).collect());
                self.value(&ints(shape));
                self.value(&ints(&strides));
                self.value(&PtValue::Bool(false));
                self.value(&PtValue::OrderedDict(Vec::new()));
                self.out.extend_from_slice(b"tR");
            }
            PtValue::Call { module, name, arg } => {
                self.global(module, name);
                self.out.push(b'(');
                self.value(&PtValue::Str(arg.clone()));
                self.out.extend_from_slice(b"tR");
            }
        }
    }
}
