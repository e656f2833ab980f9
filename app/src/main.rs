//! `worldbench`: the Worldbench research workbench (see lib.rs).

fn main() -> std::process::ExitCode {
    worldbench::main_entry()
}
