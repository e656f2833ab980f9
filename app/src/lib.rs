//! The `worldbench` application: the command line, and (with no arguments) the desktop app.
//! `main.rs` only calls [`main_entry`]; tests drive the pieces directly.

pub mod cli;
pub mod commands;
pub mod gui;
pub mod launch;
mod progress;
pub mod report;
pub mod run_context;
pub mod run_detail;
pub mod workspace_dir;

use clap::Parser;

/// Parses the command line and runs it; errors are printed once, here, and give exit code 1.
pub fn main_entry() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
