//! TOML front matter between `+++` lines, and the line of a byte offset for error messages.

/// A document split into its front matter and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The TOML between the `+++` lines.
    pub toml: &'a str,
    /// The 1-based line of the file where the TOML begins.
    pub toml_line: usize,
    /// Everything after the closing `+++` line.
    pub body: &'a str,
    /// The 1-based line of the file where the body begins.
    pub body_line: usize,
}

/// Splits `text` at its `+++` fences; the error says what is missing (with its line).
pub fn split(text: &str) -> Result<Split<'_>, String> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "+++" {
        return Err(
            "line 1: a plan card starts with a `+++` line, then TOML front matter, then `+++`"
                .into(),
        );
    }
    let start = first.len();
    let mut offset = start;
    let mut line_no = 2;
    for line in lines {
        if line.trim_end() == "+++" {
            return Ok(Split {
                toml: &text[start..offset],
                toml_line: 2,
                body: &text[offset + line.len()..],
                body_line: line_no + 1,
            });
        }
        offset += line.len();
        line_no += 1;
    }
    Err(format!(
        "line {line_no}: the front matter opened on line 1 is never closed by a `+++` line"
    ))
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.get(..end).map_or(1, |t| t.matches('\n').count() + 1)
}

/// A `toml` error as "line N: message", the line counted in the whole file (`first_line` is
/// where `toml_text` begins).
pub fn toml_error(err: &toml::de::Error, toml_text: &str, first_line: usize) -> String {
    let msg = err.message().trim();
    match err.span() {
        Some(span) => format!(
            "line {}: {msg}",
            first_line + line_of(toml_text, span.start) - 1
        ),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_counts_lines() {
        let s = split("+++\nid = \"a\"\n+++\nbody\n").unwrap();
        assert_eq!(s.toml, "id = \"a\"\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
        assert!(split("id = 1\n").unwrap_err().contains("line 1"));
        assert!(split("+++\nid = 1\n").unwrap_err().contains("never closed"));
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }

    #[test]
    fn toml_errors_carry_the_file_line() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            id: String,
        }
        let text = "id = \"a\"\nbogus = 1\n";
        let err = toml::from_str::<T>(text).unwrap_err();
        let msg = toml_error(&err, text, 2);
        assert!(msg.starts_with("line 3:"), "{msg}");
        assert!(msg.contains("bogus"), "{msg}");
    }
}
