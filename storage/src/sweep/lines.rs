//! Where each key of a TOML file is: the line of every key path (`grid.model.hidden`,
//! `cells.0.lr`), from the `toml` crate's spans, so an error can name the line.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};

/// The 1-based line of each dotted key path of a document.
#[derive(Debug, Default, Clone)]
pub struct KeyLines(HashMap<String, usize>);

impl KeyLines {
    /// Reads the key lines of `text` (empty for text that does not parse; the parse error is
    /// reported by whoever parses it).
    pub fn of(text: &str) -> Self {
        let mut lines = HashMap::new();
        if let Ok(doc) = DeTable::parse(text) {
            walk(text, doc.get_ref(), "", &mut lines);
        }
        Self(lines)
    }

    /// The line of `path`, or of its nearest enclosing key that has one.
    pub fn line(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(l) = self.0.get(p) {
                return Some(*l);
            }
            p = p.rsplit_once('.')?.0;
        }
    }
}

/// The 1-based line of byte offset `at`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).unwrap_or(text).lines().count().max(1)
        + usize::from(text.get(..at).is_some_and(|t| t.ends_with('\n')))
}

fn walk(text: &str, table: &DeTable<'_>, prefix: &str, out: &mut HashMap<String, usize>) {
    for (k, v) in table {
        let path = format!("{prefix}{}", k.get_ref());
        out.entry(path.clone())
            .or_insert_with(|| line_of(text, k.span().start));
        walk_value(text, v.get_ref(), &path, out);
    }
}

fn walk_value(text: &str, v: &DeValue<'_>, path: &str, out: &mut HashMap<String, usize>) {
    match v {
        DeValue::Table(t) => walk(text, t, &format!("{path}."), out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}.{i}");
                out.entry(p.clone())
                    .or_insert_with(|| line_of(text, item.span().start));
                walk_value(text, item.get_ref(), &p, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_quoted_dotted_and_array_table_keys() {
        let text = "title = \"t\"\n[grid]\n\"model.hidden\" = [1, 2]\nlr = [0.1]\n[[cells]]\nlr = 3\n\n[[cells]]\nseed = 1\n";
        let l = KeyLines::of(text);
        assert_eq!(l.line("title"), Some(1));
        assert_eq!(l.line("grid.model.hidden"), Some(3));
        assert_eq!(l.line("grid.lr"), Some(4));
        assert_eq!(l.line("cells.0.lr"), Some(6));
        assert_eq!(l.line("cells.1.seed"), Some(9));
        assert_eq!(l.line("grid.lr.0"), Some(4));
        assert_eq!(l.line("nothing"), None);
    }
}
