//! What a gate still misses: the live checklist, and the reason the Train panel's attempt Launch
//! stays disabled.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use worldbench_storage::gate::{missing_in_words, Gate};

use crate::gui::criteria::{FAIL, PASS};

/// The checklist: "✅ Complete", or one ❌ line per missing field.
pub fn checklist_ui(ui: &mut egui::Ui, gate: &Gate) {
    ui.strong("Checklist");
    let missing = gate.missing_fields();
    if missing.is_empty() {
        ui.colored_label(PASS, "Complete: an attempt can be launched with this gate");
    } else {
        ui.colored_label(FAIL, format!("{} field(s) missing", missing.len()));
        for m in missing {
            ui.colored_label(FAIL, format!("missing: {}", missing_in_words(&m)))
                .on_hover_text(format!("field {m} of the gate file"));
        }
    }
}

/// The text of an incomplete gate's blocker.
pub fn incomplete_reason(path: &Path, missing: &[String]) -> String {
    format!(
        "The gate {} is incomplete (complete it in the Gate panel). Missing: {}",
        super::short_name(path),
        missing
            .iter()
            .map(|m| missing_in_words(m))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A file modified less than this long ago may change again within the same file-time tick.
const RECENT: std::time::Duration = std::time::Duration::from_secs(2);

/// A gate checked: its path, modification time, and its blocker.
type Checked = (PathBuf, Option<SystemTime>, Option<String>);

thread_local! {
    /// The last gate checked.
    static CACHE: RefCell<Option<Checked>> = const { RefCell::new(None) };
}

/// Why an attempt cannot be launched with the gate at `path`: unreadable, or incomplete (listing every
/// missing field); `None` when complete. The file is read again when it changes (and while it is
/// recent, since file times are coarse).
pub fn gate_blocker(path: &Path) -> Option<String> {
    let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    CACHE.with(|cache| {
        if let Some((p, t, why)) = &*cache.borrow() {
            let settled = mtime
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > RECENT);
            if p == path && *t == mtime && settled {
                return why.clone();
            }
        }
        let why = match Gate::read(path) {
            Err(e) => Some(format!("The gate cannot be read: {e}")),
            Ok(g) => {
                let missing = g.missing_fields();
                (!missing.is_empty()).then(|| incomplete_reason(path, &missing))
            }
        };
        *cache.borrow_mut() = Some((path.to_path_buf(), mtime, why.clone()));
        why
    })
}
