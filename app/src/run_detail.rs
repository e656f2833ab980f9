//! Opening a run of either kind for display (`runs show`, the Runs panel's All runs view): the
//! storage's `RunDetail`, with our runs' parameter count and FLOPs per step counted by the model
//! from run.json's config (theirs come from metadata_model.txt).

use std::path::Path;

use worldbench_storage::their_runs::{RunDetail, RunSource};

pub fn read_detail(dir: &Path) -> worldbench_storage::Result<RunDetail> {
    let mut d = RunDetail::read(dir)?;
    if d.listing.source == RunSource::Worldbench {
        if let Ok(m) = worldbench_storage::RunManifest::read(&dir.join("run.json")) {
            d.flops_per_step.get_or_insert_with(|| {
                worldbench_model::train::peak::train_flops_per_step(&m.config.model)
            });
            d.parameters
                .get_or_insert_with(|| worldbench_model::nn::jepa::param_count(&m.config.model));
        }
    }
    Ok(d)
}
