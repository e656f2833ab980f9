//! The app's Slurm backend without a real cluster: Slurm's client tools are small fake scripts on
//! PATH (a submission "gets" job 4242, squeue answers from a file), so what the Train form sends,
//! the job id the app follows, its Cancel (`scancel`) and the Slurm columns of Runs and Queue are
//! checked on any machine. tests/tests/slurm.rs runs the real thing on a real Slurm.

mod gui_common;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use gui_common::{app, click_panel, fixed_run, settle};
use worldbench::gui::jobs::{Job, JobState};
use worldbench::gui::slurm_status::NOT_CONFIGURED;
use worldbench::gui::{State, WorldbenchApp};
use worldbench_storage::{RunManifest, RunPaths, RunStatus};
use worldbench_tests::small_dataset;

/// The in-process app tests take turns: run side by side on a loaded machine, two of them that
/// follow Slurm runs were seen to fail together (each passes alone under the same load), so they
/// share the fake tools one at a time.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The fake tools' folder: first on PATH for this test process and the `worldbench` it starts.
fn fake_slurm() -> PathBuf {
    static ONCE: Once = Once::new();
    let dir = std::env::temp_dir().join(format!("worldbench-fake-slurm-{}", std::process::id()));
    ONCE.call_once(|| {
        std::fs::create_dir_all(&dir).expect("mkdir");
        let state = dir.join("squeue.txt");
        let scripts = [
            ("sinfo", "#!/bin/sh\necho 'main*'\n".to_string()),
            (
                "sbatch",
                format!(
                    "#!/bin/sh\necho \"$@\" > '{}/sbatch.args'\necho 4242\n",
                    dir.display()
                ),
            ),
            (
                "squeue",
                format!("#!/bin/sh\ncat '{}' 2>/dev/null\n", state.display()),
            ),
            (
                "scancel",
                format!(
                    "#!/bin/sh\necho \"$*\" >> '{d}/scancelled'\necho \"$1|CANCELLED\" >> '{s}'\n",
                    d = dir.display(),
                    s = state.display()
                ),
            ),
            ("scontrol", "#!/bin/sh\nexit 1\n".to_string()),
            ("sacct", "#!/bin/sh\nexit 1\n".to_string()),
        ];
        for (name, text) in scripts {
            let p = dir.join(name);
            std::fs::write(&p, text).expect("write fake tool");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
            }
        }
        std::fs::write(&state, "4242|PENDING\n777_1|RUNNING\n").expect("squeue state");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![dir.clone()];
        paths.extend(std::env::split_paths(&path));
        std::env::set_var("PATH", std::env::join_paths(paths).expect("PATH"));
    });
    dir
}

/// Sets what the fake squeue says of `job_id` from now on (its last line wins).
fn squeue_says(job_id: &str, state: &str) {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(fake_slurm().join("squeue.txt"))
        .expect("squeue.txt");
    writeln!(f, "{job_id}|{state}").expect("append to squeue.txt");
}

/// The argv lines the fake scancel was run with.
fn scancelled() -> Vec<String> {
    std::fs::read_to_string(fake_slurm().join("scancelled"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A run folder as `--backend slurm` leaves it before the job starts: `logs/slurm.json` and no
/// run.json.
fn submitted_folder(ws: &Path, name: &str, job_id: &str, title: &str) -> PathBuf {
    let run = ws.join("runs").join(name);
    std::fs::create_dir_all(run.join("logs")).expect("logs");
    std::fs::write(
        run.join("logs/slurm.json"),
        format!(
            r#"{{"slurm_job_id":"{job_id}","partition":"main","title":"{title}","submitted":"2026-01-02T00:00:00Z"}}"#
        ),
    )
    .expect("slurm.json");
    run
}

/// The app's job on `run`.
fn job_on<'a>(app: &'a WorldbenchApp, run: &Path) -> Option<&'a Job> {
    app.jobs().job_for_run(run)
}

fn configure_slurm(ws: &Path) {
    let cfg = ws.join("worldbench.toml");
    let text = std::fs::read_to_string(&cfg).unwrap_or_default();
    std::fs::write(
        &cfg,
        format!("{text}\n[launch.slurm]\npartition = \"main\"\n"),
    )
    .expect("write worldbench.toml");
}

fn disabled(harness: &Harness<'_, WorldbenchApp>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().is_disabled()
}

fn train_panel_checked(harness: &mut Harness<'_, WorldbenchApp>) {
    click_panel(harness, "Train");
    settle(harness);
}

fn drive_until(
    harness: &mut Harness<'_, WorldbenchApp>,
    what: &str,
    done: impl Fn(&WorldbenchApp) -> bool,
) {
    for _ in 0..600 {
        harness.step();
        if done(harness.state()) {
            return;
        }
        harness
            .state_mut()
            .wait_for_job_update(Duration::from_millis(100));
    }
    panic!(
        "gave up waiting for {what}; errors: {:?}",
        harness.state().errors()
    );
}

/// Runs frames (waiting on job updates in between, never sleeping) until `label` is shown: the
/// Slurm states are polled in tasks with backoff.
fn drive_until_label(harness: &mut Harness<'_, WorldbenchApp>, label: &str) {
    for _ in 0..600 {
        harness.step();
        if harness.query_by_label(label).is_some() {
            return;
        }
        harness
            .state_mut()
            .wait_for_job_update(Duration::from_millis(100));
    }
    panic!(
        "gave up waiting for {label:?}; errors: {:?}",
        harness.state().errors()
    );
}

fn newest_job(app: &WorldbenchApp) -> Option<&Job> {
    app.jobs().jobs().last()
}

#[test]
fn without_launch_slurm_the_slurm_choice_is_greyed_out_and_says_why() {
    let _turn = turn();
    fake_slurm();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "0");
    let mut harness = app(ws, State::default());
    train_panel_checked(&mut harness);
    assert!(disabled(&harness, "Slurm"), "the Train form's Slurm choice");
    assert!(!disabled(&harness, "Local"));
    harness.get_by_label("Slurm").click();
    harness.run_ok();
    assert!(
        !harness.state().state().train.form.slurm,
        "a greyed-out choice cannot be taken"
    );
    assert!(harness.query_by_label("Launch smoke run").is_some());
    // The sweep form's choice too, with the same reason.
    harness.get_by_label("Sweep over config keys").click();
    harness.run_ok();
    assert!(disabled(&harness, "Slurm array"));
    harness.get_by_label("Slurm array").hover();
    for _ in 0..20 {
        harness.step();
    }
    assert!(
        harness.query_by_label_contains(NOT_CONFIGURED).is_some(),
        "the tooltip says why"
    );
}

#[test]
fn with_launch_slurm_the_train_form_submits_follows_and_cancels_the_job() {
    let _turn = turn();
    let fake = fake_slurm();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    small_dataset(ws, "g", "0");
    configure_slurm(ws);
    let mut harness = app(ws, State::default());
    train_panel_checked(&mut harness);
    assert!(
        !disabled(&harness, "Slurm"),
        "launch check passes with the tools on PATH"
    );
    harness.get_by_label("Slurm").click();
    harness.run_ok();
    assert!(harness.state().state().train.form.slurm);
    harness
        .get_by_label("Title")
        .set_text_value_accesskit("on the cluster");
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Submit smoke run to Slurm")
        .click();
    drive_until(&mut harness, "the Slurm job id", |app| {
        newest_job(app).is_some_and(|j| j.slurm_job_id().is_some() || !j.state.is_active())
    });
    let job = newest_job(harness.state()).expect("job").clone();
    assert_eq!(job.slurm_job_id(), Some("4242"), "{:?}", job.state);
    assert!(
        job.slurm && job.label.ends_with("on Slurm"),
        "{}",
        job.label
    );
    assert_eq!(job.state, JobState::Running, "pending on Slurm, followed");
    let run = job.run_dir.clone().expect("run folder");
    // The submitted script runs `train` without `--backend` on the node, the title one argument.
    let script = std::fs::read_to_string(run.join("logs/slurm.sbatch")).expect("logs/slurm.sbatch");
    assert!(
        script.contains("'train'") || script.contains(" train "),
        "{script}"
    );
    assert!(!script.contains("--backend"), "{script}");
    assert!(script.contains("on the cluster"), "{script}");
    let record = std::fs::read_to_string(run.join("logs/slurm.json")).expect("slurm.json");
    assert!(
        record.contains("\"4242\"") && record.contains("\"main\""),
        "{record}"
    );
    harness.run_ok();
    assert!(harness.query_by_label("Slurm job 4242").is_some());

    harness
        .get_by_role_and_label(Role::Button, "Cancel")
        .click();
    drive_until(&mut harness, "the cancelled job", |app| {
        newest_job(app).is_some_and(|j| !j.state.is_active())
    });
    let scancelled = std::fs::read_to_string(fake.join("scancelled")).expect("scancel ran");
    assert!(scancelled.lines().any(|l| l == "4242"), "{scancelled}");
    let job = newest_job(harness.state()).expect("job");
    assert_eq!(job.state, JobState::Cancelled);
}

#[test]
fn runs_and_queue_show_the_slurm_job_partition_and_state() {
    let _turn = turn();
    fake_slurm();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let run = fixed_run(
        ws,
        "2026-01-01_00-00-00.on-slurm",
        "on slurm",
        RunStatus::Cancelled,
        8,
        10,
    );
    let paths = RunPaths::new(&run);
    let mut m = RunManifest::read(&paths.manifest()).expect("run.json");
    m.slurm_job_id = Some("777_1".into());
    m.write(&paths.manifest()).expect("write run.json");
    std::fs::create_dir_all(paths.logs_dir()).expect("logs");
    std::fs::write(
        run.join("logs/slurm.json"),
        r#"{"slurm_job_id":"777_1","partition":"gpu","submitted":"2026-01-01T00:00:00Z"}"#,
    )
    .expect("slurm.json");
    let mut harness = app(ws, State::default());
    click_panel(&mut harness, "Runs");
    settle(&mut harness);
    assert!(
        harness
            .query_by_label("Slurm 777_1 · gpu · running")
            .is_some(),
        "the Runs row shows job, partition and state"
    );
    click_panel(&mut harness, "Queue");
    settle(&mut harness);
    assert!(harness.query_by_label("On Slurm: 1 runs").is_some());
    // Run status cancelled (as run.json says), Slurm state running (as squeue says).
    for text in ["777_1", "gpu", "running", "cancelled"] {
        assert_eq!(
            harness.query_all_by_label(text).count(),
            1,
            "{text} once in the Queue view"
        );
    }
}

#[test]
fn a_submitted_run_without_run_json_is_pending_and_the_queue_view_cancels_it() {
    let _turn = turn();
    fake_slurm();
    squeue_says("5001", "PENDING");
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let run = submitted_folder(
        ws,
        "2026-01-02_00-00-00.waiting-cell",
        "5001",
        "waiting cell",
    );
    let mut harness = app(ws, State::default());
    click_panel(&mut harness, "Runs");
    settle(&mut harness);
    assert!(
        harness.query_by_label("waiting cell").is_some(),
        "the Runs table lists the pending run by its title"
    );
    assert!(
        harness
            .query_by_label("Slurm 5001 · main · pending")
            .is_some(),
        "with its job, partition and Slurm's state"
    );
    assert!(!run.join("run.json").exists(), "nothing wrote run.json");
    // Followed as a submitted job is: Slurm's state, Cancel through scancel.
    let job = job_on(harness.state(), &run).expect("the pending run is followed");
    assert_eq!(job.slurm_job_id(), Some("5001"));
    assert!(job.state.is_active());

    click_panel(&mut harness, "Queue");
    settle(&mut harness);
    assert!(harness.query_by_label("On Slurm: 1 runs").is_some());
    assert_eq!(
        harness.query_all_by_label("pending").count(),
        2,
        "Slurm state and run status both pending"
    );
    assert!(!disabled(&harness, "Cancel Slurm job 5001"));
    harness.get_by_label("Cancel Slurm job 5001").click();
    drive_until(&mut harness, "the cancelled job", |app| {
        job_on(app, &run).is_some_and(|j| !j.state.is_active())
    });
    assert_eq!(
        scancelled().iter().filter(|l| *l == "5001").count(),
        1,
        "scancel ran once with the job id as its one argument: {:?}",
        scancelled()
    );
    assert_eq!(
        job_on(harness.state(), &run).expect("job").state,
        JobState::Cancelled
    );
    drive_until_label(&mut harness, "cancelled");
    assert!(
        disabled(&harness, "Cancel Slurm job 5001"),
        "an ended job cannot be cancelled again"
    );
}

#[test]
fn after_a_restart_the_app_follows_an_unfinished_slurm_run_again_and_cancels_it() {
    let _turn = turn();
    fake_slurm();
    squeue_says("5002", "PENDING");
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    // Requeued after USR2: run.json says preempted, `last` is written, the job waits in Slurm's
    // queue to resume.
    let run = fixed_run(
        ws,
        "2026-01-03_00-00-00.requeued",
        "requeued",
        RunStatus::Preempted,
        8,
        100,
    );
    let paths = RunPaths::new(&run);
    let mut m = RunManifest::read(&paths.manifest()).expect("run.json");
    m.slurm_job_id = Some("5002".into());
    m.write(&paths.manifest()).expect("write run.json");
    std::fs::write(
        run.join("logs/slurm.json"),
        r#"{"slurm_job_id":"5002","partition":"gpu","submitted":"2026-01-03T00:00:00Z"}"#,
    )
    .expect("slurm.json");
    let followed = |app: &WorldbenchApp| {
        job_on(app, &run).is_some_and(|j| j.state.is_active() && j.slurm_job_id() == Some("5002"))
    };
    let harness = app(ws, State::default());
    assert!(followed(harness.state()), "followed at start");
    drop(harness);

    // The app restarts on the same workspace: the run is followed again, with its progress.
    let mut harness = app(ws, State::default());
    assert!(
        followed(harness.state()),
        "followed again after the restart"
    );
    drive_until(&mut harness, "the run's progress from its folder", |app| {
        job_on(app, &run).is_some_and(|j| j.step == 100 && j.total_steps == 2000)
    });
    click_panel(&mut harness, "Runs");
    drive_until_label(&mut harness, "Slurm 5002 · gpu · pending");
    // Slurm restarts the job: the state follows the fake squeue.
    squeue_says("5002", "RUNNING");
    harness.state_mut().runs_panel_mut().slurm.poll_soon();
    drive_until_label(&mut harness, "Slurm 5002 · gpu · running");

    // Cancel from the Train panel: scancel with the job id, and the job ends cancelled.
    click_panel(&mut harness, "Train");
    assert!(harness.query_by_label("Slurm job 5002").is_some());
    harness
        .get_by_role_and_label(Role::Button, "Cancel")
        .click();
    drive_until(&mut harness, "the cancelled job", |app| {
        job_on(app, &run).is_some_and(|j| !j.state.is_active())
    });
    assert!(
        scancelled().iter().any(|l| l == "5002"),
        "{:?}",
        scancelled()
    );
    assert_eq!(
        job_on(harness.state(), &run).expect("job").state,
        JobState::Cancelled
    );
}

#[test]
fn runs_list_shows_a_submitted_run_as_pending_with_its_job_id() {
    fake_slurm();
    squeue_says("5003", "PENDING");
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path();
    let run = submitted_folder(ws, "2026-01-04_00-00-00.queued", "5003", "queued cell");
    let out =
        worldbench_tests::ok(worldbench_tests::worldbench(ws).args(["runs", "list", "--json"]));
    let lines: serde_json::Value = serde_json::from_str(&out).expect("runs list --json");
    let line = lines
        .as_array()
        .expect("a list")
        .iter()
        .find(|l| l["dir"].as_str().map(Path::new) == Some(run.as_path()))
        .unwrap_or_else(|| panic!("the submitted folder is listed: {out}"));
    assert_eq!(line["status"], "pending", "{line}");
    assert_eq!(line["slurm_job_id"], "5003", "{line}");
    assert_eq!(line["slurm_state"], "pending", "{line}");
    assert_eq!(line["title"], "queued cell", "{line}");
    let text = worldbench_tests::ok(worldbench_tests::worldbench(ws).args(["runs", "list"]));
    let row = text
        .lines()
        .find(|l| l.contains("queued cell"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.contains("pending") && row.contains("(slurm 5003: pending)"),
        "{row}"
    );
}
