//! `[launch.slurm]` of `worldbench.toml`: where and how runs are submitted to a Slurm cluster.
//! Typed; an unknown key is refused with the line it is on. A shared filesystem is assumed: the
//! cluster's nodes see the workspace at `remote_workspace` (default: the same path).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Result, StorageError};

/// The `#SBATCH` options and paths of `[launch.slurm]`. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmSettings {
    pub partition: Option<String>,
    pub account: Option<String>,
    pub qos: Option<String>,
    /// `--time`, Slurm's syntax (`"01:00:00"`, `"2-00:00:00"`).
    pub time: Option<String>,
    pub cpus_per_task: Option<u32>,
    /// `--mem` (`"4G"`).
    pub mem: Option<String>,
    /// `--gres` (`"gpu:1"` for `--device cuda`).
    pub gres: Option<String>,
    pub constraint: Option<String>,
    /// Further `#SBATCH` options, one per item (`"--exclusive"`).
    #[serde(default)]
    pub extra: Vec<String>,
    /// The workspace as the cluster's nodes see it.
    pub remote_workspace: Option<PathBuf>,
    /// The `worldbench` the nodes run; default: the one that submits.
    pub binary: Option<PathBuf>,
    /// Seconds before the time limit that Slurm sends USR2 (the trainer writes `last`).
    pub signal_seconds: Option<u32>,
    /// How many times a job that got USR2 requeues itself; default 3.
    pub max_requeues: Option<u32>,
}

#[derive(Deserialize)]
struct File {
    launch: Option<Launch>,
}

#[derive(Deserialize)]
struct Launch {
    slurm: Option<SlurmSettings>,
}

impl SlurmSettings {
    pub const DEFAULT_SIGNAL_SECONDS: u32 = 120;
    pub const DEFAULT_MAX_REQUEUES: u32 = 3;

    /// Reads `[launch.slurm]` of `worldbench.toml`; a missing file or table means the defaults.
    pub fn read(config_path: &Path) -> Result<Self> {
        match std::fs::read_to_string(config_path) {
            Ok(text) => Self::parse(config_path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(StorageError::io(config_path, e)),
        }
    }

    /// `[launch.slurm]` of `worldbench.toml`, or `None` when the file or the table is absent
    /// (the app offers the Slurm backend only when it is configured).
    pub fn read_configured(config_path: &Path) -> Result<Option<Self>> {
        match std::fs::read_to_string(config_path) {
            Ok(text) => Self::parse_configured(config_path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StorageError::io(config_path, e)),
        }
    }

    /// Parses the text of `worldbench.toml`; the error names the line and the key.
    pub fn parse(config_path: &Path, text: &str) -> Result<Self> {
        Ok(Self::parse_configured(config_path, text)?.unwrap_or_default())
    }

    fn parse_configured(config_path: &Path, text: &str) -> Result<Option<Self>> {
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1);
            let at = line.map_or(String::new(), |l| format!("line {l}: "));
            StorageError::invalid(config_path, format!("{at}{}", e.message().trim()))
        })?;
        let Some(s) = file.launch.and_then(|l| l.slurm) else {
            return Ok(None);
        };
        for line in &s.extra {
            if line.contains('\n') || line.contains('\r') {
                return Err(StorageError::invalid(
                    config_path,
                    format!("[launch.slurm] extra: {line:?} spans lines; give one option per item"),
                ));
            }
        }
        Ok(Some(s))
    }

    pub fn signal_seconds(&self) -> u32 {
        self.signal_seconds.unwrap_or(Self::DEFAULT_SIGNAL_SECONDS)
    }

    pub fn max_requeues(&self) -> u32 {
        self.max_requeues.unwrap_or(Self::DEFAULT_MAX_REQUEUES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SlurmSettings> {
        SlurmSettings::parse(Path::new("/ws/worldbench.toml"), text)
    }

    #[test]
    fn reads_every_key() {
        let s = parse(
            r#"
[launch]
backend = "slurm"
[launch.slurm]
partition = "gpu"
account = "lab"
qos = "normal"
time = "01:00:00"
cpus_per_task = 4
mem = "8G"
gres = "gpu:1"
constraint = "a100"
extra = ["--exclusive", "--nice=10"]
remote_workspace = "/shared/ws"
binary = "/shared/bin/worldbench"
signal_seconds = 60
max_requeues = 2
"#,
        )
        .unwrap();
        assert_eq!(s.partition.as_deref(), Some("gpu"));
        assert_eq!(s.cpus_per_task, Some(4));
        assert_eq!(s.extra, ["--exclusive", "--nice=10"]);
        assert_eq!(s.remote_workspace.as_deref(), Some(Path::new("/shared/ws")));
        assert_eq!((s.signal_seconds(), s.max_requeues()), (60, 2));
    }

    #[test]
    fn missing_table_is_the_default() {
        assert_eq!(
            parse("[queue]\nmax_parallel = 2\n").unwrap(),
            SlurmSettings::default()
        );
        let s = parse("").unwrap();
        assert_eq!(
            (s.signal_seconds(), s.max_requeues()),
            (
                SlurmSettings::DEFAULT_SIGNAL_SECONDS,
                SlurmSettings::DEFAULT_MAX_REQUEUES
            )
        );
    }

    #[test]
    fn unknown_key_is_refused_with_its_line() {
        let e = parse("[launch.slurm]\npartition = \"a\"\npartiton = \"b\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("worldbench.toml") && e.contains("line 3") && e.contains("partiton"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_is_refused() {
        let e = parse("[launch.slurm]\ncpus_per_task = \"four\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn multi_line_extra_is_refused() {
        let e = parse("[launch.slurm]\nextra = [\"--a\\n#SBATCH --b\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("one option per item"), "{e}");
    }
}
