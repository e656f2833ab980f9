//! The malformed-input corpus: every parser and every command that reads files, fed broken files
//! that the test makes itself. Each case copies a small template workspace (a native dataset, a
//! trajectory folder, a smoke run with a checkpoint, a gate), breaks one file, runs one command and
//! asserts: exit code 1, no panic, the broken file named on stderr, and the workspace unchanged
//! (every path, file content and link target).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use npyz::WriterBuilder;
use worldbench_model::world::{generate_dataset, Preset};
use worldbench_storage::dataset::write_traj_folder;
use worldbench_tests::{ok, run, small_dataset, smoke_train, worldbench};

/// The template: `<tmp>/ws` with `datasets/n` (native), `datasets/t` (trajectory folder),
/// `runs/<run>` and `gates/g.json`.
struct Template {
    _tmp: tempfile::TempDir,
    ws: PathBuf,
    run_rel: PathBuf,
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ws = tmp.path().join("ws");
        let native = small_dataset(&ws, "n", "3");
        let ds = generate_dataset(Preset::CornerLoops, 2, Some(6), 1, None).expect("generate");
        write_traj_folder(&ws.join("datasets/t"), &ds).expect("traj folder");
        let run = smoke_train(
            &ws,
            &native,
            "4",
            "4",
            &["--title", "corpus", "--progress", "none"],
        );
        let gate = run_folder_of(&ok(worldbench(&ws).args(["gate", "new"])));
        std::fs::rename(&gate, ws.join("gates/g.json")).expect("rename gate");
        let run_rel = run.strip_prefix(&ws).expect("run in ws").to_path_buf();
        Template {
            _tmp: tmp,
            ws,
            run_rel,
        }
    })
}

fn run_folder_of(stdout: &str) -> PathBuf {
    PathBuf::from(stdout.lines().last().expect("a path").trim())
}

/// Copies `from` into `to` (files, folders and symlinks as links).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&src, &dst);
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&src).expect("read_link");
            std::os::unix::fs::symlink(target, &dst).expect("symlink");
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// Every path below `root` with what it is: a content hash, "dir", or a link's target.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let rel = path.strip_prefix(root).expect("below root").to_path_buf();
            let kind = entry.file_type().expect("file type");
            let what = if kind.is_symlink() {
                format!(
                    "link {}",
                    std::fs::read_link(&path).expect("link").display()
                )
            } else if kind.is_dir() {
                stack.push(path);
                "dir".to_string()
            } else {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&path).expect("read").hash(&mut h);
                format!("file {:016x}", h.finish())
            };
            out.insert(rel, what);
        }
    }
    out
}

/// How a case breaks its file.
#[derive(Clone)]
enum Break {
    Bytes(Vec<u8>),
    /// The first `n` bytes of the file only.
    Truncate(usize),
    /// The first half of the file.
    Half,
    /// `edit` applied to the file's text.
    Text(fn(&str) -> String),
    /// A symlink to itself.
    Loop,
    /// A folder in place of the file.
    Folder,
    Remove,
    /// An `actions.npz` with one action id fewer than the trajectory has frames.
    ActionsShort,
}

struct Case {
    name: String,
    /// The broken file, relative to the workspace (`{run}` for the run folder).
    file: String,
    how: Break,
    /// The command's arguments after `--workspace <ws>`; `{ws}`, `{run}` are replaced.
    args: Vec<&'static str>,
}

fn apply(path: &Path, how: &Break) {
    let read = || std::fs::read(path).expect("the file to break exists");
    match how {
        Break::Bytes(b) => std::fs::write(path, b).expect("write"),
        Break::Truncate(n) => {
            let b = read();
            std::fs::write(path, &b[..(*n).min(b.len())]).expect("write");
        }
        Break::Half => {
            let b = read();
            std::fs::write(path, &b[..b.len() / 2]).expect("write");
        }
        Break::Text(edit) => {
            let t = String::from_utf8(read()).expect("text");
            std::fs::write(path, edit(&t)).expect("write");
        }
        Break::Loop => {
            let _ = std::fs::remove_file(path);
            std::os::unix::fs::symlink(path, path).expect("symlink");
        }
        Break::Folder => {
            let _ = std::fs::remove_file(path);
            std::fs::create_dir(path).expect("mkdir");
            std::fs::write(path.join("inside"), "x").expect("write");
        }
        Break::Remove => std::fs::remove_file(path).expect("remove"),
        Break::ActionsShort => {
            let states = path.parent().expect("traj folder").join("states");
            let frames = std::fs::read_dir(states).expect("states").count();
            std::fs::write(path, npz_ids(frames - 1)).expect("write");
        }
    }
}

/// Runs one case in `<root>/ws`; returns a failure message, if any.
fn run_case(case: &Case, root: &Path) -> Option<String> {
    let t = template();
    let ws = root.join("ws");
    copy_tree(&t.ws, &ws);
    let run_dir = ws.join(&t.run_rel);
    // The copied run reads the copied dataset.
    let manifest = run_dir.join("run.json");
    let text = std::fs::read_to_string(&manifest).expect("run.json");
    let text = text.replace(&t.ws.display().to_string(), &ws.display().to_string());
    std::fs::write(&manifest, text).expect("run.json");
    let subst = |s: &str| {
        s.replace("{ws}", &ws.display().to_string())
            .replace("{run}", &run_dir.display().to_string())
    };
    let file = if case.file.starts_with('{') {
        PathBuf::from(subst(&case.file))
    } else {
        ws.join(&case.file)
    };
    apply(&file, &case.how);
    let before = snapshot(&ws);
    let args: Vec<OsString> = case.args.iter().map(|a| subst(a).into()).collect();
    let (out, stdout, stderr) = run(worldbench(&ws).args(&args));
    let after = snapshot(&ws);
    let mut problems = Vec::new();
    if out.status.code() != Some(1) {
        problems.push(format!("exit status {:?}, expected 1", out.status.code()));
    }
    if stderr.contains("panicked") {
        problems.push("panicked".to_string());
    }
    if !stderr.contains(&file.display().to_string()) {
        problems.push(format!("stderr does not name {}", file.display()));
    }
    if before != after {
        let changed: Vec<_> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(v))
            .map(|(k, _)| k.display().to_string())
            .chain(
                before
                    .keys()
                    .filter(|k| !after.contains_key(*k))
                    .map(|k| format!("removed {}", k.display())),
            )
            .collect();
        problems.push(format!("the workspace changed: {changed:?}"));
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{}: {}\n  command: {:?}\n  stdout: {}\n  stderr: {}",
            case.name,
            problems.join("; "),
            case.args,
            stdout.trim(),
            stderr.trim()
        )
    })
}

const DATA_INFO_N: &[&str] = &["data", "info", "{ws}/datasets/n"];
const DATA_CHECK_N: &[&str] = &["data", "check", "{ws}/datasets/n"];
const TRAIN_N: &[&str] = &[
    "train",
    "--data",
    "{ws}/datasets/n",
    "--preset",
    "tiny",
    "--steps",
    "2",
    "--smoke",
    "--progress",
    "none",
];
const DATA_INFO_T: &[&str] = &["data", "info", "{ws}/datasets/t"];
const DATA_CHECK_T: &[&str] = &["data", "check", "{ws}/datasets/t"];
const TRAIN_T: &[&str] = &[
    "train",
    "--data",
    "{ws}/datasets/t",
    "--preset",
    "tiny",
    "--steps",
    "2",
    "--smoke",
    "--progress",
    "none",
];
const EVAL_LAST: &[&str] = &["eval", "--run", "{run}"];
const EVAL_4: &[&str] = &["eval", "--run", "{run}", "--checkpoint", "4"];
const PLAN: &[&str] = &["plan", "--run", "{run}", "--start", "12,1", "--goal", "7,8"];
const GATE_CHECK: &[&str] = &["gate", "check", "{ws}/gates/g.json"];
const GATE_SHOW: &[&str] = &["gate", "show", "{ws}/gates/g.json"];
const GATE_NEW_FROM: &[&str] = &["gate", "new", "--from", "{ws}/gates/g.json"];
const GATE_NEW: &[&str] = &["gate", "new"];
const WORKLOG: &[&str] = &["worklog", "export", "--run", "{run}", "--concept", "c"];
const RESUME: &[&str] = &["train", "--resume", "{run}", "--progress", "none"];

fn case(name: &str, file: &str, how: Break, args: &[&'static str]) -> Case {
    Case {
        name: name.to_string(),
        file: file.to_string(),
        how,
        args: args.to_vec(),
    }
}

fn floor_map() -> String {
    format!("{}\n", ".".repeat(16)).repeat(14)
}

fn corpus() -> Vec<Case> {
    let mut c = Vec::new();
    let ds_json = "datasets/n/dataset.json";
    let data = "datasets/n/data.safetensors";
    let map = "datasets/n/map.txt";
    // dataset.json: through info, check and train.
    for (name, how) in [
        ("dataset.json empty", Break::Bytes(vec![])),
        (
            "dataset.json not JSON",
            Break::Bytes(b"{\"format\": ".to_vec()),
        ),
        (
            "dataset.json random bytes",
            Break::Bytes(vec![0xff, 0x00, 0x13, 0x37]),
        ),
        (
            "dataset.json unknown format",
            Break::Text(|t| t.replace("worldbench.dataset/1", "worldbench.dataset/9")),
        ),
        (
            "dataset.json frame_shape of 2 dims",
            Break::Text(|t| {
                let mut v: serde_json::Value = serde_json::from_str(t).expect("json");
                v["frame_shape"] = serde_json::json!([56, 64]);
                v.to_string()
            }),
        ),
        (
            "dataset.json wrong counts",
            Break::Text(|t| {
                let mut v: serde_json::Value = serde_json::from_str(t).expect("json");
                v["counts"]["frames"] = 7.into();
                v.to_string()
            }),
        ),
        (
            "dataset.json no action names",
            Break::Text(|t| {
                let mut v: serde_json::Value = serde_json::from_str(t).expect("json");
                v["action_names"] = serde_json::json!([]);
                v.to_string()
            }),
        ),
        ("dataset.json a symlink loop", Break::Loop),
        ("dataset.json a folder", Break::Folder),
    ] {
        for args in [DATA_INFO_N, DATA_CHECK_N, TRAIN_N] {
            c.push(case(
                &format!("{name} ({})", args[0..2].join(" ")),
                ds_json,
                how.clone(),
                args,
            ));
        }
    }
    // data.safetensors.
    for (name, how) in [
        ("data.safetensors empty", Break::Bytes(vec![])),
        ("data.safetensors 7 bytes", Break::Truncate(7)),
        ("data.safetensors half", Break::Half),
        (
            "data.safetensors header length too large",
            Break::Bytes(u64::MAX.to_le_bytes().to_vec()),
        ),
        (
            "data.safetensors header not JSON",
            Break::Bytes([&8u64.to_le_bytes()[..], b"{nojson}"].concat()),
        ),
        ("data.safetensors a symlink loop", Break::Loop),
        ("data.safetensors a folder", Break::Folder),
        ("data.safetensors missing", Break::Remove),
    ] {
        for args in [DATA_INFO_N, DATA_CHECK_N, TRAIN_N] {
            c.push(case(
                &format!("{name} ({})", args[0..2].join(" ")),
                data,
                how.clone(),
                args,
            ));
        }
    }
    // map.txt.
    for (name, how) in [
        (
            "map.txt 13 rows",
            Break::Text(|_| format!("{}\n", ".".repeat(16)).repeat(13)),
        ),
        (
            "map.txt a 17-character row",
            Break::Text(|_| format!(".{}", floor_map())),
        ),
        (
            "map.txt an unknown character",
            Break::Text(|_| floor_map().replacen('.', "x", 40)),
        ),
        (
            "map.txt start tile a wall",
            Break::Text(|_| {
                let mut m = floor_map().into_bytes();
                m[12 * 17 + 1] = b'#';
                String::from_utf8(m).expect("utf8")
            }),
        ),
        ("map.txt not UTF-8", Break::Bytes(vec![0xff, 0xfe, b'#'])),
        ("map.txt a symlink loop", Break::Loop),
    ] {
        for args in [DATA_INFO_N, TRAIN_N] {
            c.push(case(
                &format!("{name} ({})", args[0..2].join(" ")),
                map,
                how.clone(),
                args,
            ));
        }
    }
    c.push(case(
        "map.txt broken (eval)",
        map,
        Break::Text(|_| floor_map().replacen('.', "?", 1)),
        EVAL_LAST,
    ));
    c.push(case(
        "map.txt broken (plan)",
        map,
        Break::Text(|_| floor_map().replacen('.', "?", 1)),
        PLAN,
    ));
    // Trajectory folder: PNGs, actions.npz, infos.npz.
    let png = "datasets/t/traj_1/states/state_5.png";
    for (name, how) in [
        (
            "state PNG random bytes",
            Break::Bytes(b"\x13\x37 not a png at all".to_vec()),
        ),
        ("state PNG half", Break::Half),
        ("state PNG empty", Break::Bytes(vec![])),
        ("state PNG a symlink loop", Break::Loop),
        ("state PNG a folder", Break::Folder),
        ("state PNG of another size", Break::Bytes(other_size_png())),
    ] {
        for args in [DATA_INFO_T, DATA_CHECK_T, TRAIN_T] {
            c.push(case(
                &format!("{name} ({})", args[0..2].join(" ")),
                png,
                how.clone(),
                args,
            ));
        }
    }
    let actions = "datasets/t/traj_0/actions.npz";
    let infos = "datasets/t/traj_1/infos.npz";
    for (name, file, how) in [
        (
            "actions.npz random bytes",
            actions,
            Break::Bytes(b"PK\x03\x04 garbage".to_vec()),
        ),
        ("actions.npz half", actions, Break::Half),
        ("actions.npz empty", actions, Break::Bytes(vec![])),
        ("actions.npz a symlink loop", actions, Break::Loop),
        ("actions.npz one entry short", actions, Break::ActionsShort),
        (
            "actions.npz a shape whose size overflows",
            actions,
            Break::Bytes(npz_claiming("(4611686018427387904, 8)")),
        ),
        (
            "actions.npz a shape larger than its data",
            actions,
            Break::Bytes(npz_claiming("(1000000000000,)")),
        ),
        (
            "infos.npz random bytes",
            infos,
            Break::Bytes(b"not a zip".to_vec()),
        ),
        ("infos.npz half", infos, Break::Half),
    ] {
        for args in [DATA_INFO_T, DATA_CHECK_T] {
            c.push(case(
                &format!("{name} ({})", args[0..2].join(" ")),
                file,
                how.clone(),
                args,
            ));
        }
    }
    // run.json, read by eval, plan, worklog export, gate new --run, train --resume.
    let run_json = "{run}/run.json";
    for (name, how, args) in [
        ("run.json empty", Break::Bytes(vec![]), EVAL_LAST),
        (
            "run.json not JSON",
            Break::Bytes(b"{\"title\":".to_vec()),
            PLAN,
        ),
        (
            "run.json random bytes",
            Break::Bytes(vec![0x80, 0x81, 0x00]),
            WORKLOG,
        ),
        ("run.json a symlink loop", Break::Loop, EVAL_LAST),
        (
            "run.json an array",
            Break::Bytes(b"[1, 2]".to_vec()),
            RESUME,
        ),
        ("run.json half", Break::Half, PLAN),
    ] {
        c.push(case(name, run_json, how, args));
    }
    // Metric CSVs.
    let planning = "{run}/metrics/planning_metrics.csv";
    let train = "{run}/metrics/train.csv";
    for (name, file, how, args) in [
        (
            "planning_metrics.csv non-numeric step",
            planning,
            Break::Text(|t| t.replacen("\n4,", "\nfour,", 1)),
            WORKLOG,
        ),
        (
            "planning_metrics.csv random bytes",
            planning,
            Break::Bytes(vec![0xff, 0xfe, 0x00, b'\n', 1]),
            EVAL_4,
        ),
        (
            "planning_metrics.csv a folder",
            planning,
            Break::Folder,
            WORKLOG,
        ),
        (
            "train.csv a missing column",
            train,
            Break::Text(|t| t.replacen(",loss,", ",", 1)),
            WORKLOG,
        ),
        ("train.csv half", train, Break::Half, WORKLOG),
    ] {
        c.push(case(name, file, how, args));
    }
    // Checkpoints.
    let ckpt = "{run}/checkpoints/step_000004.safetensors";
    let last = "{run}/checkpoints/last.safetensors";
    for (name, file, how, args) in [
        ("checkpoint empty", ckpt, Break::Bytes(vec![]), EVAL_4),
        ("checkpoint half", ckpt, Break::Half, EVAL_4),
        (
            "checkpoint random bytes",
            ckpt,
            Break::Bytes(vec![7; 64]),
            EVAL_4,
        ),
        ("checkpoint a symlink loop", ckpt, Break::Loop, EVAL_4),
        ("last checkpoint half", last, Break::Half, PLAN),
        (
            "last checkpoint not safetensors",
            last,
            Break::Bytes(b"hello world, no tensors".to_vec()),
            EVAL_LAST,
        ),
    ] {
        c.push(case(name, file, how, args));
    }
    // Gate JSON.
    let gate = "gates/g.json";
    for (name, how, args) in [
        ("gate empty", Break::Bytes(vec![]), GATE_CHECK),
        (
            "gate not JSON",
            Break::Bytes(b"{\"failure_mode\": ".to_vec()),
            GATE_SHOW,
        ),
        (
            "gate random bytes",
            Break::Bytes(vec![0xc3, 0x28, 0x00]),
            GATE_NEW_FROM,
        ),
        ("gate a symlink loop", Break::Loop, GATE_CHECK),
        ("gate a folder", Break::Folder, GATE_SHOW),
        (
            "gate wrong types",
            Break::Bytes(b"{\"hypotheses\": 3}".to_vec()),
            GATE_CHECK,
        ),
        (
            "gate blank texts",
            Break::Text(|t| {
                let mut v: serde_json::Value = serde_json::from_str(t).expect("json");
                v["failure_mode"] = "\u{0}".into();
                v["justification"] = "\u{200B}".into();
                v.to_string()
            }),
            GATE_CHECK,
        ),
    ] {
        c.push(case(name, gate, how, args));
    }
    // worldbench.toml.
    let toml = "worldbench.toml";
    for (name, how, args) in [
        (
            "worldbench.toml not TOML",
            Break::Bytes(b"[success\nx = ".to_vec()),
            GATE_NEW,
        ),
        (
            "worldbench.toml bad threshold",
            Break::Bytes(b"[success]\nreach_h_median = \"high\"\n".to_vec()),
            WORKLOG,
        ),
        (
            "worldbench.toml not UTF-8",
            Break::Bytes(vec![0xff, b'[', 0xfe]),
            GATE_NEW,
        ),
        ("worldbench.toml a symlink loop", Break::Loop, GATE_NEW),
    ] {
        c.push(case(name, toml, how, args));
    }
    c
}

/// A valid PNG of 3 × 2 pixels (the trajectory's frames are 64 × 56).
fn other_size_png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(3, 2)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

/// An `actions.npz` holding `n` action ids (noop).
fn npz_ids(n: usize) -> Vec<u8> {
    let mut npz = npyz::npz::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = npyz::zip::write::FileOptions::default()
        .compression_method(npyz::zip::CompressionMethod::Stored);
    let mut w = npz
        .array::<u8>("actions", opts)
        .expect("array")
        .default_dtype()
        .shape(&[n as u64])
        .begin_nd()
        .expect("begin");
    w.extend(vec![0u8; n]).expect("write");
    w.finish().expect("finish");
    npz.zip_writer().finish().expect("zip").into_inner()
}

/// An `actions.npz` whose `actions.npy` header claims `shape` over 10 bytes of data.
fn npz_claiming(shape: &str) -> Vec<u8> {
    let mut header = format!("{{'descr': '|u1', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend(
        u16::try_from(header.len())
            .expect("short header")
            .to_le_bytes(),
    );
    npy.extend(header.as_bytes());
    npy.extend([0u8; 10]);
    let mut zip = npyz::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = npyz::zip::write::FileOptions::default()
        .compression_method(npyz::zip::CompressionMethod::Stored);
    zip.start_file("actions.npy", opts).expect("entry");
    std::io::Write::write_all(&mut zip, &npy).expect("write");
    zip.finish().expect("zip").into_inner()
}

#[test]
fn every_malformed_input_fails_cleanly_naming_the_file() {
    let cases = corpus();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    template();
    let tmp = tempfile::tempdir().expect("tempdir");
    let failures = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().expect("lock");
                    *n += 1;
                    *n - 1
                };
                let Some(case) = cases.get(i) else { break };
                if let Some(f) = run_case(case, &tmp.path().join(i.to_string())) {
                    failures.lock().expect("lock").push(f);
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
