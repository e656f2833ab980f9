//! What a job runs, typed. [`JobSpec::argv`] is the one place that turns a job into `worldbench`
//! arguments; a test parses every kind of spec back with the CLI's own clap parser, so the app can
//! never launch a command line the CLI does not accept.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What kind of work a job is (how the app shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// `worldbench train …` (a new run).
    Train,
    /// `worldbench train --resume <run>`.
    Resume,
    /// `worldbench eval --run <run> --checkpoint <step or last>`.
    Eval,
    /// `worldbench data gen …`.
    GenerateDataset,
    /// A run started before this app (or by another process), followed by polling its files.
    Follow,
}

/// `worldbench --workspace <ws> train …` for a new run, as the Train form fills it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainJob {
    pub workspace: PathBuf,
    pub data: PathBuf,
    pub preset: String,
    pub steps: u64,
    pub seed: u64,
    pub title: String,
    /// `--checkpoints`; `None` keeps the preset's schedule.
    pub checkpoints: Option<Vec<u64>>,
    /// A smoke run (no gate needed); otherwise an attempt.
    pub smoke: bool,
    /// Required for an attempt; optional for a smoke run.
    pub gate: Option<PathBuf>,
    pub plan_eval: bool,
    /// The planners swept at every checkpoint (`--set plan_eval_planners=…`).
    pub plan_eval_planners: Vec<String>,
    pub device: String,
    /// `--backend slurm`: the job submits the run with sbatch, prints its folder and ends; the app
    /// then follows the run from its folder and Slurm's state.
    pub slurm: bool,
}

/// `worldbench --workspace <ws> data gen --preset <preset> --out <out>`.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateJob {
    pub workspace: PathBuf,
    pub preset: String,
    pub out: PathBuf,
}

/// A job of the workspace's queue: `worldbench --workspace <ws> train <args> --run-dir <run>`
/// in the run folder the worker made for it, or `train --resume <run>` when its run was
/// interrupted. `args` are the queue job's own (a sweep cell's `train` options and `--set`s).
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedJob {
    pub workspace: PathBuf,
    pub args: Vec<String>,
    /// The run folder; `None` for a job that is not a training run.
    pub run: Option<PathBuf>,
    pub resume: bool,
    /// The queue job's id: a training run confirms with `train --queue-job <id>`, under the queue
    /// lock, that the job records it as its trainer before it does anything.
    pub job_id: Option<String>,
}

/// The command a job runs.
#[derive(Debug, Clone, PartialEq)]
pub enum JobCommand {
    Queued(QueuedJob),
    Train(TrainJob),
    /// `worldbench train --resume <run> --progress json`.
    Resume {
        run: PathBuf,
    },
    /// `worldbench eval --run <run> --checkpoint <step|last|all> --json`.
    Eval {
        run: PathBuf,
        checkpoint: String,
    },
    GenerateDataset(GenerateJob),
}

/// A job to launch: what it runs and how the UI names it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// Shown in the UI ("smoke run \"first try\"").
    pub label: String,
    pub command: JobCommand,
    /// Threads the job may use (`RAYON_NUM_THREADS`); `None`: all cores.
    pub threads: Option<u32>,
}

impl JobSpec {
    pub fn new(label: impl Into<String>, command: JobCommand) -> Self {
        Self {
            label: label.into(),
            command,
            threads: None,
        }
    }

    pub fn kind(&self) -> JobKind {
        match self.command {
            JobCommand::Queued(QueuedJob { resume: true, .. }) | JobCommand::Resume { .. } => {
                JobKind::Resume
            }
            JobCommand::Queued(_) | JobCommand::Train(_) => JobKind::Train,
            JobCommand::Eval { .. } => JobKind::Eval,
            JobCommand::GenerateDataset(_) => JobKind::GenerateDataset,
        }
    }

    /// Whether the job submits a run to Slurm (`train … --backend slurm`) rather than training it.
    pub fn is_slurm_submission(&self) -> bool {
        matches!(&self.command, JobCommand::Train(t) if t.slurm)
    }

    /// The run this job works on, when it is known before the job starts (resume, eval).
    pub fn run_dir(&self) -> Option<&Path> {
        match &self.command {
            JobCommand::Resume { run } | JobCommand::Eval { run, .. } => Some(run),
            JobCommand::Queued(q) => q.run.as_deref(),
            JobCommand::Train(_) | JobCommand::GenerateDataset(_) => None,
        }
    }

    /// The `worldbench` arguments (after the program name). Each value is one argument: nothing
    /// is ever interpreted by a shell.
    pub fn argv(&self) -> Vec<OsString> {
        let mut a = Argv::default();
        match &self.command {
            JobCommand::Queued(q) => {
                a.flag_value("--workspace", &q.workspace);
                match (&q.run, q.resume) {
                    (Some(run), true) => {
                        a.word("train");
                        a.flag_value("--resume", run);
                        a.flag_value("--progress", "none");
                    }
                    (run, _) => {
                        a.0.extend(q.args.iter().map(OsString::from));
                        if let (Some(run), Some("train")) =
                            (run, q.args.first().map(String::as_str))
                        {
                            a.flag_value("--run-dir", run);
                        }
                    }
                }
                let trains = q.resume || q.args.first().is_some_and(|w| w == "train");
                if let (Some(id), true) = (&q.job_id, trains) {
                    a.flag_value("--queue-job", id);
                }
            }
            JobCommand::Train(t) => {
                a.flag_value("--workspace", &t.workspace);
                a.word("train");
                a.flag_value("--data", &t.data);
                a.flag_value("--preset", &t.preset);
                a.flag_value("--steps", t.steps.to_string());
                a.flag_value("--seed", t.seed.to_string());
                a.flag_value("--title", &t.title);
                if let Some(list) = &t.checkpoints {
                    let joined: Vec<String> = list.iter().map(u64::to_string).collect();
                    a.flag_value("--checkpoints", joined.join(","));
                }
                if t.smoke {
                    a.word("--smoke");
                }
                if let Some(gate) = &t.gate {
                    a.flag_value("--gate", gate);
                }
                a.flag_value("--plan-eval", if t.plan_eval { "on" } else { "off" });
                a.flag_value(
                    "--set",
                    format!("plan_eval_planners={}", t.plan_eval_planners.join(",")),
                );
                a.flag_value("--device", &t.device);
                a.flag_value("--progress", "json");
                if t.slurm {
                    a.flag_value("--backend", "slurm");
                }
            }
            JobCommand::Resume { run } => {
                a.word("train");
                a.flag_value("--resume", run);
                a.flag_value("--progress", "json");
            }
            JobCommand::Eval { run, checkpoint } => {
                a.word("eval");
                a.flag_value("--run", run);
                a.flag_value("--checkpoint", checkpoint);
                a.word("--json");
            }
            JobCommand::GenerateDataset(g) => {
                a.flag_value("--workspace", &g.workspace);
                a.word("data");
                a.word("gen");
                a.flag_value("--preset", &g.preset);
                a.flag_value("--out", &g.out);
            }
        }
        a.0
    }
}

#[derive(Default)]
struct Argv(Vec<OsString>);

impl Argv {
    fn word(&mut self, w: &str) {
        self.0.push(w.into());
    }
    /// `--flag value`, or `--flag=value` when the value starts with `-` (a title such as
    /// "--lr sweep" must stay a value, never become a flag).
    fn flag_value(&mut self, flag: &str, value: impl AsRef<std::ffi::OsStr>) {
        let value = value.as_ref();
        if value.as_encoded_bytes().first() == Some(&b'-') {
            let mut joined = OsString::from(format!("{flag}="));
            joined.push(value);
            self.0.push(joined);
        } else {
            self.0.push(flag.into());
            self.0.push(value.to_os_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command, DataCommand, OnOff, ProgressMode};

    fn parse(spec: &JobSpec) -> Cli {
        let mut argv: Vec<OsString> = vec!["worldbench".into()];
        argv.extend(spec.argv());
        Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?} does not parse: {e}"))
    }

    fn train_job(smoke: bool, gate: Option<&str>, checkpoints: Option<Vec<u64>>) -> TrainJob {
        TrainJob {
            workspace: "/ws".into(),
            data: "/ws/datasets/a dataset; rm -rf ~".into(),
            preset: "tiny".into(),
            steps: 6,
            seed: 3,
            title: "--not-a-flag \"quoted\" $HOME".into(),
            checkpoints,
            smoke,
            gate: gate.map(PathBuf::from),
            plan_eval: false,
            plan_eval_planners: vec!["graph".into(), "mpc".into()],
            device: "cpu".into(),
            slurm: false,
        }
    }

    #[test]
    fn every_train_spec_round_trips_through_the_cli_parser() {
        for (smoke, gate, checkpoints) in [
            (true, None, None),
            (true, Some("/ws/gates/g.json"), Some(vec![3, 6])),
            (false, Some("/ws/gates/g.json"), Some(vec![6])),
        ] {
            let t = train_job(smoke, gate, checkpoints.clone());
            let cli = parse(&JobSpec::new("t", JobCommand::Train(t.clone())));
            assert_eq!(cli.workspace.as_deref(), Some(Path::new("/ws")));
            let Some(Command::Train(args)) = cli.command else {
                panic!("not a train command")
            };
            assert_eq!(args.data.as_deref(), Some(t.data.as_path()));
            assert_eq!(args.preset.as_deref(), Some("tiny"));
            assert_eq!((args.steps, args.seed), (Some(6), Some(3)));
            assert_eq!(args.title, t.title, "user text stays one argument");
            assert_eq!(args.checkpoints, checkpoints);
            assert_eq!(args.smoke, smoke);
            assert_eq!(args.gate.as_deref(), gate.map(Path::new));
            assert_eq!(args.plan_eval, OnOff::Off);
            assert_eq!(args.set, ["plan_eval_planners=graph,mpc"]);
            assert_eq!(args.device, "cpu");
            assert_eq!(args.progress, ProgressMode::Json);
            assert!(args.resume.is_none());
            assert_eq!(args.backend, crate::cli::Backend::Local);
        }
        let slurm = JobSpec::new(
            "t",
            JobCommand::Train(TrainJob {
                slurm: true,
                ..train_job(true, None, None)
            }),
        );
        assert!(slurm.is_slurm_submission());
        let Some(Command::Train(args)) = parse(&slurm).command else {
            panic!("not a train command")
        };
        assert_eq!(args.backend, crate::cli::Backend::Slurm);
    }

    #[test]
    fn queued_specs_round_trip() {
        let q = QueuedJob {
            workspace: "/ws".into(),
            args: vec![
                "train".into(),
                "--data".into(),
                "/ws/datasets/d".into(),
                "--set=model.hidden=8".into(),
                "--title=grid lr=0.001 seed=0".into(),
                "--smoke".into(),
            ],
            run: Some("/ws/runs/r".into()),
            resume: false,
            job_id: Some("000007".into()),
        };
        let spec = JobSpec::new("q", JobCommand::Queued(q.clone()));
        assert_eq!(
            (spec.kind(), spec.run_dir()),
            (JobKind::Train, Some(Path::new("/ws/runs/r")))
        );
        let Some(Command::Train(args)) = parse(&spec).command else {
            panic!()
        };
        assert_eq!(args.run_dir.as_deref(), Some(Path::new("/ws/runs/r")));
        assert_eq!(args.set, ["model.hidden=8"]);
        assert_eq!(args.title, "grid lr=0.001 seed=0");
        assert_eq!(args.queue_job.as_deref(), Some("000007"));
        let spec = JobSpec::new("q", JobCommand::Queued(QueuedJob { resume: true, ..q }));
        assert_eq!(spec.kind(), JobKind::Resume);
        let Some(Command::Train(args)) = parse(&spec).command else {
            panic!()
        };
        assert_eq!(args.resume.as_deref(), Some(Path::new("/ws/runs/r")));
        assert_eq!(args.queue_job.as_deref(), Some("000007"));
    }

    #[test]
    fn resume_eval_and_generate_specs_round_trip() {
        let spec = JobSpec::new(
            "r",
            JobCommand::Resume {
                run: "/ws/runs/r 1".into(),
            },
        );
        assert_eq!(spec.kind(), JobKind::Resume);
        assert_eq!(spec.run_dir(), Some(Path::new("/ws/runs/r 1")));
        let Some(Command::Train(args)) = parse(&spec).command else {
            panic!()
        };
        assert_eq!(args.resume.as_deref(), Some(Path::new("/ws/runs/r 1")));
        assert_eq!(args.progress, ProgressMode::Json);

        let spec = JobSpec::new(
            "e",
            JobCommand::Eval {
                run: "/ws/runs/r".into(),
                checkpoint: "last".into(),
            },
        );
        assert_eq!(spec.kind(), JobKind::Eval);
        let Some(Command::Eval(args)) = parse(&spec).command else {
            panic!()
        };
        assert_eq!(args.run, PathBuf::from("/ws/runs/r"));
        assert_eq!(args.checkpoint, "last");
        assert!(args.json);

        let spec = JobSpec::new(
            "g",
            JobCommand::GenerateDataset(GenerateJob {
                workspace: "/ws".into(),
                preset: "corner-loops".into(),
                out: "/ws/datasets/demo".into(),
            }),
        );
        assert_eq!(
            (spec.kind(), spec.run_dir()),
            (JobKind::GenerateDataset, None)
        );
        let cli = parse(&spec);
        let Some(Command::Data(DataCommand::Gen(args))) = cli.command else {
            panic!()
        };
        assert_eq!(args.preset, "corner-loops");
        assert_eq!(args.out.as_deref(), Some(Path::new("/ws/datasets/demo")));
    }
}
