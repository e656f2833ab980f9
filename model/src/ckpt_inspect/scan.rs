//! A first pass over a pickle's opcodes, before candle builds anything: every opcode must be one
//! that candle's reader knows, and every GLOBAL must name a class a `torch.save` of tensors and
//! plain values uses. Anything else (`os system`, `builtins eval`, …) is pickled code, refused.
//! Nothing is ever executed: candle's reader only builds a tree of values.

/// GLOBALs a checkpoint of tensors, dicts and plain values may name.
const ALLOWED: &[(&str, &str)] = &[
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("torch", "Tensor"),
    ("torch.nn.parameter", "Parameter"),
];

/// Storage classes (`torch <X>Storage`) and their dtype names.
pub const STORAGES: &[(&str, &str, usize)] = &[
    ("FloatStorage", "f32", 4),
    ("DoubleStorage", "f64", 8),
    ("HalfStorage", "f16", 2),
    ("BFloat16Storage", "bf16", 2),
    ("ByteStorage", "u8", 1),
    ("CharStorage", "i8", 1),
    ("ShortStorage", "i16", 2),
    ("IntStorage", "i32", 4),
    ("LongStorage", "i64", 8),
    ("BoolStorage", "bool", 1),
];

pub fn is_allowed_global(module: &str, name: &str) -> bool {
    ALLOWED.contains(&(module, name))
        || (module == "torch" && STORAGES.iter().any(|(s, _, _)| *s == name))
}

/// Walks the opcodes of `pkl`; the error says which opcode or GLOBAL is refused, and where.
pub fn scan(pkl: &[u8]) -> Result<(), String> {
    let mut i = 0usize;
    let take = |i: &mut usize, n: usize| -> Result<(), String> {
        if *i + n > pkl.len() {
            return Err(format!("the pickle ends inside an opcode at byte {}", *i));
        }
        *i += n;
        Ok(())
    };
    loop {
        let Some(&op) = pkl.get(i) else {
            return Err("the pickle ends without STOP (truncated)".into());
        };
        let at = i;
        i += 1;
        match op {
            b'.' => return Ok(()),
            0x80 | b'K' | b'q' | b'h' => take(&mut i, 1)?,
            b'M' => take(&mut i, 2)?,
            b'J' | b'r' | b'j' => take(&mut i, 4)?,
            b'G' => take(&mut i, 8)?,
            b'X' => {
                let len = pkl
                    .get(i..i + 4)
                    .ok_or_else(|| format!("the pickle ends inside an opcode at byte {at}"))?;
                let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                take(&mut i, 4)?;
                take(&mut i, len)?;
            }
            0x8a => {
                let n = *pkl
                    .get(i)
                    .ok_or_else(|| format!("the pickle ends inside an opcode at byte {at}"))?;
                take(&mut i, 1 + n as usize)?;
            }
            b'c' => {
                let mut line = || -> Result<String, String> {
                    let rest = &pkl[i..];
                    let end = rest
                        .iter()
                        .position(|&b| b == b'\n')
                        .ok_or_else(|| format!("the pickle ends inside a GLOBAL at byte {at}"))?;
                    let s = String::from_utf8_lossy(&rest[..end]).into_owned();
                    i += end + 1;
                    Ok(s)
                };
                let module = line()?;
                let name = line()?;
                if !is_allowed_global(&module, &name) {
                    return Err(format!(
                        "pickled code: GLOBAL {module}.{name} at byte {at} is not a tensor \
                         rebuild, a storage or an OrderedDict; refused, never executed"
                    ));
                }
            }
            b')' | b'R' | b'(' | b't' | b'Q' | 0x85 | 0x86 | 0x87 | 0x88 | 0x89 | b'N'
            | b's' | b'u' | b'}' | b'd' | b'b' | 0x81 | b']' | b'a' | b'e' => {}
            other => {
                return Err(format!(
                    "opcode 0x{other:02x} at byte {at} is not one a torch checkpoint of tensors uses; refused"
                ))
            }
        }
    }
}
