//! Researchers' runs written by nes-ai's PyTorch trainer, read in place (README, "Researchers'
//! runs (nes-ai) read in place"), and what both kinds of runs share: a listing line, annotations
//! (title, notes, tags, star, archive), curves against step / wall time / cumulative FLOPs and a
//! per-key config diff. Nothing here writes their files except the annotations.

pub mod annotations;
pub mod columns;
pub mod config_align;
pub mod detail;
pub mod folder;
pub mod images;
pub mod listing;
pub mod mixed_table;
pub mod roots;
pub mod status;
pub mod table;
#[cfg(test)]
mod tests;

pub use annotations::{annotate, read_annotations, AnnotationEdit, Annotations};
pub use columns::{curve, world_loss_column, XAxis};
pub use detail::RunDetail;
pub use folder::{find_their_runs, is_their_run, TheirRun};
pub use images::ImageSeries;
pub use listing::{is_run_dir, list_runs, run_dirs, RunListing, RunSource};
pub use mixed_table::{Cell, MixedTable};
pub use roots::{add_root, read_roots};
pub use status::{listed_status, their_status, TheirStatus};
pub use table::ColumnTable;
