//! The binary starts, prints its version, and refuses bad arguments cleanly.

use std::process::Command;

#[test]
fn version_prints_the_package_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_worldbench"))
        .arg("--version")
        .output()
        .expect("run worldbench");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
}

#[test]
fn unknown_verb_is_refused_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_worldbench"))
        .arg("frobnicate")
        .output()
        .expect("run worldbench");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unrecognized subcommand"), "{err}");
}
