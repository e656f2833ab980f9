//! Helpers for the end-to-end tests: find the built `worldbench` binary and run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `worldbench` binary of the profile these tests were built with (`target/<profile>/worldbench`).
///
/// # Panics
/// When the binary has not been built (`cargo test --workspace` builds it).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/worldbench
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = profile_dir.join(format!("worldbench{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (it builds the binary)",
        bin.display()
    );
    bin
}

/// A command for `worldbench --workspace <ws> <args…>`.
pub fn worldbench(workspace: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("--workspace").arg(workspace);
    cmd.env_remove("WORLDBENCH_WORKSPACE");
    cmd
}

/// Runs the command and returns its output; stdout and stderr as strings.
pub fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("spawn worldbench");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// Runs the command, asserts success, returns stdout.
///
/// # Panics
/// When the command fails.
pub fn ok(cmd: &mut Command) -> String {
    let (out, stdout, stderr) = run(cmd);
    assert!(
        out.status.success(),
        "command failed: {cmd:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

/// Runs the command, asserts it failed cleanly (non-zero exit, no panic), returns stderr.
///
/// # Panics
/// When the command succeeds or panics.
pub fn fails(cmd: &mut Command) -> String {
    let (out, stdout, stderr) = run(cmd);
    assert!(
        !out.status.success(),
        "command should have failed: {cmd:?}\nstdout:\n{stdout}"
    );
    assert!(
        !stderr.contains("panicked"),
        "command panicked: {cmd:?}\n{stderr}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit code 1 from {cmd:?}\n{stderr}"
    );
    stderr
}

/// Generates the dataset `<ws>/datasets/<name>` with `worldbench data gen <args…> --out …`; returns
/// its folder.
///
/// # Panics
/// When the command fails.
pub fn gen_dataset(ws: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = ws.join("datasets").join(name);
    ok(worldbench(ws)
        .args(["data", "gen"])
        .args(args)
        .arg("--out")
        .arg(&out));
    out
}

/// A small default-world dataset `<ws>/datasets/<name>`: 2 episodes of 30 steps from `seed`.
///
/// # Panics
/// When the command fails.
pub fn small_dataset(ws: &Path, name: &str, seed: &str) -> PathBuf {
    gen_dataset(
        ws,
        name,
        &["--episodes", "2", "--steps", "30", "--seed", seed],
    )
}

/// [`small_dataset`] with every action rewritten to the no-op: no transition moves, so the lattice
/// planner has no move to take a latent delta of and cannot be built on it.
///
/// # Panics
/// When the dataset cannot be generated, read or written.
pub fn noop_dataset(ws: &Path, name: &str, seed: &str) -> PathBuf {
    use worldbench_storage::dataset::{read_native, write_native};
    let data = small_dataset(ws, name, seed);
    let mut ds = read_native(&data).expect("read the dataset");
    ds.actions.fill(0);
    write_native(&data, &ds).expect("write the no-op dataset");
    data
}

/// `worldbench train --data <data> --preset tiny --steps <steps> --checkpoints <checkpoints> --smoke`;
/// add the remaining arguments (title, progress, …) to it.
pub fn smoke_train_command(ws: &Path, data: &Path, steps: &str, checkpoints: &str) -> Command {
    let mut cmd = worldbench(ws);
    cmd.args(["train", "--data"]).arg(data).args([
        "--preset",
        "tiny",
        "--steps",
        steps,
        "--checkpoints",
        checkpoints,
        "--smoke",
    ]);
    cmd
}

/// Runs a smoke training (see [`smoke_train_command`]) with `extra` arguments to completion; returns
/// its run folder.
///
/// # Panics
/// When the command fails.
pub fn smoke_train(
    ws: &Path,
    data: &Path,
    steps: &str,
    checkpoints: &str,
    extra: &[&str],
) -> PathBuf {
    run_folder(&ok(
        smoke_train_command(ws, data, steps, checkpoints).args(extra)
    ))
}

/// The run (or gate, or post) folder a command printed as its last stdout line.
///
/// # Panics
/// When stdout is empty.
pub fn run_folder(stdout: &str) -> PathBuf {
    PathBuf::from(stdout.lines().last().expect("the run folder").trim())
}

/// Fails at once, naming what to install, when this machine has no adapter for the wgpu snapshot
/// tests (they render through wgpu; a software adapter needs no GPU and no display).
///
/// # Panics
/// When wgpu finds no adapter.
pub fn require_wgpu_adapter() {
    static FOUND: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        let setup = egui_kittest::wgpu::default_wgpu_setup();
        let instance = pollster::block_on(setup.new_instance());
        pollster::block_on(instance.enumerate_adapters(egui_wgpu::wgpu::Backends::all())).len()
    });
    assert!(
        found > 0,
        "wgpu found no graphics adapter for the snapshot tests: install Mesa's Vulkan driver \
         (Debian/Ubuntu: apt-get install mesa-vulkan-drivers) or Mesa's EGL (libegl-mesa0); \
         no GPU and no display are needed"
    );
}
