//! Worklog posts: `worklog/<ts>.<concept>/post.md` with its plots (PNG) and tables (CSV) beside it,
//! prose drafts in `worklog/drafts/`, and the `FINDINGS.md` index at the workspace root.
//!
//! Numbers in a post come only from the run's files (run.json, metrics/*.csv, the dataset, the
//! gate); prose comes from a [`Draft`]. Plots are drawn by the caller (the app), which knows the model.

pub mod draft;
pub mod export;
pub mod findings;
mod history;
pub mod name;
pub mod post;
pub mod run_data;

pub use draft::Draft;
pub use export::{export_post, ExportedPost, Plot};
pub use findings::{read_posts, write_findings, PostMeta, POST_META_FILE};
pub use name::{concept_folder_name, create_post_dir};
pub use post::render_post;
pub use run_data::{DataStats, RunData};
