//! The command line: `worldbench <verb>`. Everything the app does, the CLI does too.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "worldbench",
    version,
    about = "A research workbench for JEPA world-model planning experiments"
)]
pub struct Cli {
    /// The workspace folder (default: a per-user data folder, created on first use; or $WORLDBENCH_WORKSPACE).
    #[arg(long, global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// With no command, the desktop app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate datasets and inspect them.
    #[command(subcommand)]
    Data(DataCommand),
    /// Train a JEPA world model (a new run, or `--resume` a stopped one).
    Train(TrainArgs),
    /// Evaluate h-based planning at checkpoints of a run (writes metrics/planning_metrics.csv).
    Eval(EvalArgs),
    /// The assessment scorecard of a run's checkpoint: each of the researchers' diagnostics judged
    /// Good/Ok/Bad by `[assessment]` of worldbench.toml.
    Assess(crate::commands::assess::AssessArgs),
    /// Plan from a start tile to a goal tile with a checkpoint's h-graph, and execute the plan.
    Plan(PlanArgs),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Generate a demo dataset, train a short run, evaluate it, and print where it all is.
    Demo(DemoArgs),
    /// Hypothesis gates: write a template (`new`), `check` one, `show` one as a table.
    #[command(subcommand)]
    Gate(crate::commands::gate::GateCommand),
    /// Worklog posts: `export` a run's post (plots, tables) and update FINDINGS.md.
    #[command(subcommand)]
    Worklog(crate::commands::worklog::WorklogCommand),
    /// The workspace's runs and their status (`interrupted` when a trainer died without stopping).
    #[command(subcommand)]
    Runs(crate::commands::runs::RunsCommand),
    /// Checkpoints of either trainer without Python: `inspect` a .pt (PyTorch zip) or .safetensors.
    #[command(subcommand)]
    Ckpt(crate::commands::ckpt::CkptCommand),
    /// Sweeps: grids of configs × seeds, run through the queue (`new`, `check`, `run`, `status`,
    /// `extend`, `retry`, `cancel`).
    #[command(subcommand)]
    Sweep(crate::commands::sweep::SweepCommand),
    /// The workspace's persistent run queue (`work`, `list`, `cancel`, `requeue`, `move`).
    #[command(subcommand)]
    Queue(crate::commands::queue::QueueCommand),
    /// Plan cards of plans/: `list`, `show`, `check`, `graph`, `tick` (metric done-whens), `set`.
    #[command(subcommand)]
    Cards(crate::commands::cards::CardsCommand),
    /// Tickets of tickets/: `list`, `show`, `check`, `approve` (deep changes).
    #[command(subcommand)]
    Tickets(crate::commands::tickets::TicketsCommand),
    /// Experiments of experiments/: `list`, `check` (completed or failed; proceed or pivot; FINDINGS.md).
    #[command(subcommand)]
    Experiments(crate::commands::experiments::ExperimentsCommand),
    /// Where runs are launched: `check` says what a backend lacks before anything is submitted.
    #[command(subcommand)]
    Launch(crate::commands::launch::LaunchCommand),
}

/// Where a run runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Backend {
    /// A process on this machine.
    #[default]
    Local,
    /// A job submitted with sbatch to the cluster of `[launch.slurm]` in worldbench.toml.
    Slurm,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Generate a dataset in the built-in grid world.
    Gen(DataGenArgs),
    /// Print a dataset's trajectories, frames, frame size, action histogram and visited tiles.
    Info(DataInfoArgs),
    /// Read and decode every file and frame of a dataset; list every bad file (exit 1 if any).
    Check(DataCheckArgs),
}

#[derive(Debug, Args)]
pub struct DataCheckArgs {
    /// A dataset folder (worldbench format or traj_* folders), or a dataset name in the workspace.
    pub dataset: PathBuf,
}

#[derive(Debug, Args)]
pub struct DataGenArgs {
    /// Movement pattern: corner-loops, random-walk or coverage.
    #[arg(long, default_value = "corner-loops")]
    pub preset: String,
    #[arg(long, default_value_t = 40)]
    pub episodes: usize,
    /// Steps per episode (default: the preset's own).
    #[arg(long)]
    pub steps: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder (default: <workspace>/datasets/<preset>-s<seed>). Must not exist or be empty.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A tile map file (14 lines of 16 characters, '#' wall, '.' floor) for interior walls.
    #[arg(long, conflicts_with = "layout")]
    pub map: Option<PathBuf>,
    /// A built-in layout: open, two-rooms, four-rooms or maze.
    #[arg(long)]
    pub layout: Option<String>,
    /// The seed of the layout (two-rooms' door, four-rooms' doors, the maze), or a range FROM..TO for a
    /// mixed-layout dataset (episode e on seed FROM + e % (TO - FROM)).
    #[arg(
        long,
        default_value = "0",
        requires = "layout",
        value_name = "N|FROM..TO"
    )]
    pub layout_seed: String,
}

#[derive(Debug, Args)]
pub struct DataInfoArgs {
    /// A dataset folder (worldbench format or traj_* folders), or a dataset name in the workspace.
    pub dataset: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// A progress bar on a terminal, plain lines otherwise.
    Bar,
    /// One JSON object per line on stdout (what the desktop app reads).
    Json,
    /// Nothing but the final result.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The dataset to train on (folder in either format, or a dataset name in the workspace).
    #[arg(long, required_unless_present = "resume")]
    pub data: Option<PathBuf>,
    /// Resume the stopped run in this folder from its `last` checkpoint.
    #[arg(long, conflicts_with_all = ["data", "smoke", "gate", "preset"])]
    pub resume: Option<PathBuf>,
    /// Model and training preset: default, reference, tiny.
    #[arg(long)]
    pub preset: Option<String>,
    /// Total training steps (default: the preset's).
    #[arg(long)]
    pub steps: Option<u64>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// The run's title (its folder name is made from it).
    #[arg(long, default_value = "untitled")]
    pub title: String,
    /// A smoke run: checks the setup; needs no hypothesis gate.
    #[arg(long)]
    pub smoke: bool,
    /// The hypothesis gate this attempt tests (required unless --smoke).
    #[arg(long)]
    pub gate: Option<PathBuf>,
    /// The ticket this attempt is for (TICKET-NNN in tickets/); a deep-change ticket must be
    /// approved, and the approval is recorded in run.json.
    #[arg(long, conflicts_with = "resume")]
    pub ticket: Option<String>,
    /// Checkpoint steps, comma separated (default: 100, 1000, then every 1000, and the last step).
    #[arg(long, value_delimiter = ',')]
    pub checkpoints: Option<Vec<u64>>,
    /// Evaluate planning at each checkpoint as it is written.
    #[arg(long, value_enum, default_value = "on")]
    pub plan_eval: OnOff,
    /// Steps at which to write visualisations (accepted; empty means off).
    #[arg(long, default_value = "")]
    pub vis_schedule: String,
    /// Steps at which to write planning visualisations (accepted; empty means off).
    #[arg(long, default_value = "")]
    pub plan_schedule: String,
    /// cpu, or cuda (needs a build with the `cuda` feature and a CUDA device).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    #[arg(long, value_enum, default_value = "bar")]
    pub progress: ProgressMode,
    /// Set a config key, e.g. `--set model.hidden=128 --set lr=0.001` (repeatable; the keys are
    /// run.json's `config` keys; applied after the preset and the other options).
    #[arg(long = "set", value_name = "KEY=VALUE", conflicts_with = "resume")]
    pub set: Vec<String>,
    /// Train in this existing, empty run folder instead of a new one (the queue uses it).
    #[arg(long, hide = true, conflicts_with = "resume")]
    pub run_dir: Option<PathBuf>,
    /// The sweep folder this run belongs to (recorded in run.json).
    #[arg(long, hide = true, conflicts_with = "resume")]
    pub sweep: Option<PathBuf>,
    /// The sweep cell this run is (recorded in run.json).
    #[arg(long, hide = true, conflicts_with = "resume")]
    pub cell: Option<String>,
    /// The queue job this trainer was started for: it trains only if that job records this
    /// process as its trainer (checked under the queue lock before anything else).
    #[arg(long, hide = true)]
    pub queue_job: Option<String>,
    /// Where the run runs: here (`local`), or submitted to Slurm (`slurm`, `[launch.slurm]` of
    /// worldbench.toml; prints the run folder and returns once submitted).
    #[arg(long, value_enum, default_value = "local")]
    pub backend: Backend,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// A checkpoint step (e.g. 1000), `last`, or `all`.
    #[arg(long, default_value = "last")]
    pub checkpoint: String,
    /// Held-out layouts, e.g. two-rooms:0..20: plan random pairs on each (seeded) with --planner and
    /// report success per planner, instead of writing metric rows.
    #[arg(long, value_name = "NAME:FROM..TO")]
    pub layouts: Option<String>,
    /// Random pairs per held-out layout.
    #[arg(long, default_value_t = 20)]
    pub pairs: usize,
    #[command(flatten)]
    pub planners: PlannerArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// A checkpoint step (e.g. 1000) or `last`.
    #[arg(long, default_value = "last")]
    pub checkpoint: String,
    /// Start tile as row,col (e.g. 12,1).
    #[arg(long, allow_hyphen_values = true)]
    pub start: Option<String>,
    /// Goal tile as row,col (e.g. 7,8).
    #[arg(long, allow_hyphen_values = true)]
    pub goal: Option<String>,
    /// Also plan between up to this many random (start, goal) pairs of connected tiles (seeded), and report the success rate
    /// (same-room and cross-room apart on a built-in layout).
    #[arg(long, value_name = "PAIRS")]
    pub sweep: Option<usize>,
    #[command(flatten)]
    pub planners: PlannerArgs,
    #[arg(long)]
    pub json: bool,
}

/// Which planners to run and their settings (`plan`, `eval --layouts`).
#[derive(Debug, Clone, Args)]
pub struct PlannerArgs {
    /// Planners, comma-separated: graph, lattice, mpc.
    #[arg(long, default_value = "graph", value_name = "LIST")]
    pub planner: String,
    /// mpc: actions per sampled sequence.
    #[arg(long, default_value_t = 16)]
    pub mpc_horizon: usize,
    /// mpc: sequences sampled per CEM iteration.
    #[arg(long, default_value_t = 128)]
    pub mpc_samples: usize,
    /// mpc: CEM iterations per plan step.
    #[arg(long, default_value_t = 4)]
    pub mpc_iterations: usize,
    /// mpc: elite sequences the distributions are refitted to.
    #[arg(long, default_value_t = 16)]
    pub mpc_elites: usize,
    /// lattice: most nodes one A* search expands.
    #[arg(long, default_value_t = 5000)]
    pub lattice_node_cap: usize,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Steps per second of the reference training step on the CPU.
    Train(BenchTrainArgs),
    /// Exact reachability on a synthetic h-graph (about 4 out-edges per node).
    Hgraph(BenchHgraphArgs),
    /// Per-frame CPU time of the h-graph view against egui_plot at 10k, 100k and 1M nodes.
    HgraphRender(BenchRenderArgs),
    /// Timings of each stage of a planning evaluation (encoding, clustering, reachability, local sanity, planning).
    Eval(BenchEvalArgs),
    /// Bytes, fsyncs and time that a run's train.csv costs: appended now vs rewritten per row before.
    MetricsIo(BenchMetricsIoArgs),
    /// The time the run queue adds per job: no-op jobs started directly vs through the queue.
    Queue(BenchQueueArgs),
}

#[derive(Debug, Args)]
pub struct BenchQueueArgs {
    /// How many no-op jobs.
    #[arg(long, default_value_t = 50)]
    pub jobs: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchMetricsIoArgs {
    /// The run length in steps.
    #[arg(long, default_value_t = 10_000)]
    pub steps: u64,
    /// The preset whose logging and checkpoint schedule is used.
    #[arg(long, default_value = "default")]
    pub preset: String,
    /// Where the files are written (default: the system's temporary folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchTrainArgs {
    /// Steps per timed repeat.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    #[arg(long, default_value_t = 5)]
    pub warmup: usize,
    /// Threads for the step (default: all cores; 2 with --peer).
    #[arg(long)]
    pub threads: Option<usize>,
    /// cpu, or cuda (a build with the `cuda` feature and a CUDA device); the peer runs on it too.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Sequences per step (default: the reference preset's 64).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Also run the PyTorch peer (`ref_step.py`), interleaved with ours, and print the ratio.
    #[arg(long)]
    pub peer: bool,
    /// The peer script (default: ../shared/bench/ref_step.py).
    #[arg(long, value_name = "FILE")]
    pub peer_script: Option<PathBuf>,
    /// A Python that can import torch (default: python3).
    #[arg(long, value_name = "FILE")]
    pub python: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchRenderArgs {
    /// Graph sizes in nodes (each with about 3× as many edges).
    #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000, 1_000_000])]
    pub nodes: Vec<usize>,
    /// Timed frames of our view per size.
    #[arg(long, default_value_t = 60)]
    pub frames: usize,
    /// Timed frames of the egui_plot peer per size (it is slow at large sizes).
    #[arg(long, default_value_t = 10)]
    pub peer_frames: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchEvalArgs {
    /// Evaluate this run's checkpoint on its dataset (default: a freshly initialised reference model on a generated
    /// 40-episode corner-loops dataset).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// A checkpoint step or `last` (with --run).
    #[arg(long, default_value = "last")]
    pub checkpoint: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchHgraphArgs {
    #[arg(long, default_value_t = 100_000)]
    pub nodes: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Training steps of the demo run (default: the default preset's).
    #[arg(long)]
    pub steps: Option<u64>,
    #[arg(long, value_enum, default_value = "bar")]
    pub progress: ProgressMode,
}
