//! `worldbench ckpt inspect <file>`: what a checkpoint holds (`model::ckpt_inspect`), for their
//! `torch.save` zips and our safetensors alike. A pickle with code in it is refused, never run.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use worldbench_model::ckpt_inspect::inspect;

#[derive(Debug, Clone, Subcommand)]
pub enum CkptCommand {
    /// Tensor names, shapes, dtypes, parameter counts per top-level module, scalar entries.
    Inspect {
        /// A `.pt`/`.pth` (PyTorch zip) or `.safetensors` file.
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: &CkptCommand) -> Result<()> {
    let CkptCommand::Inspect { path, json } = cmd;
    let s = inspect(path)?;
    if *json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    println!("{} ({})", s.path.display(), s.format);
    println!(
        "parameters: {} in {} tensors",
        s.total_parameters,
        s.tensors.len()
    );
    println!("\n{:<48} {:>8} {:>12}", "module", "tensors", "parameters");
    for m in &s.modules {
        println!("{:<48} {:>8} {:>12}", m.module, m.tensors, m.parameters);
    }
    if !s.scalars.is_empty() {
        println!("\nscalars:");
        for v in &s.scalars {
            println!("  {} = {}", v.name, v.value);
        }
    }
    println!("\n{:<60} {:<6} shape", "tensor", "dtype");
    for t in &s.tensors {
        let shape: Vec<String> = t.shape.iter().map(u64::to_string).collect();
        println!("{:<60} {:<6} [{}]", t.name, t.dtype, shape.join(", "));
    }
    Ok(())
}
