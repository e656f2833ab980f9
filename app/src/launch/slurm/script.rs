//! The sbatch script of a run (or of a sweep's job array), kept as `logs/slurm.sbatch` in the run
//! folder. Built from argv: every argument is shell-quoted ([`quote`]), and user text (titles,
//! paths) never reaches an `#SBATCH` line or a comment, so no shell ever interprets it. Each task
//! resumes from `last` when its run folder holds one (a requeued job), else runs its argv.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use worldbench_storage::SlurmSettings;

/// One task of a submission: its run folder and the `worldbench` argv of its first start.
#[derive(Debug, Clone, PartialEq)]
pub struct SlurmTask {
    pub run: PathBuf,
    pub argv: Vec<OsString>,
}

/// What one sbatch script runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SlurmScript<'a> {
    pub settings: &'a SlurmSettings,
    /// The `worldbench` the nodes run.
    pub binary: &'a Path,
    /// One task: a plain job; more: a job array, one run folder per task.
    pub tasks: &'a [SlurmTask],
    /// `%P` of `--array=0-N%P` (how many tasks run at once).
    pub max_parallel: Option<usize>,
}

/// `s` quoted for bash: `'…'` where needed (shlex), or `$'…'` with escapes when it holds a
/// newline or another control character, so that every script line is one of ours (no user
/// text can start a line such as `#SBATCH …`). Refuses text a shell cannot hold (NUL).
pub fn quote(s: &str) -> Result<String> {
    if s.contains('\0') {
        bail!("{s:?} cannot be quoted for a shell: it holds a NUL byte");
    }
    if s.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return Ok(out);
    }
    shlex::try_quote(s)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| anyhow::anyhow!("{s:?} cannot be quoted for a shell: {e}"))
}

fn quote_os(s: &std::ffi::OsStr) -> Result<String> {
    quote(
        s.to_str()
            .with_context(|| format!("{} is not valid UTF-8", s.display()))?,
    )
}

/// An `#SBATCH` value from the config: one word, no quotes or shell characters, since sbatch
/// reads these lines itself.
fn sbatch_value(key: &str, value: &str) -> Result<String> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "'\"`$\\;#".contains(c))
    {
        bail!("[launch.slurm] {key} = {value:?}: give one word without spaces or quotes");
    }
    Ok(value.to_string())
}

impl SlurmScript<'_> {
    /// The `#SBATCH` options (without the prefix).
    pub fn sbatch_options(&self) -> Result<Vec<String>> {
        let s = self.settings;
        let mut o = vec![
            "--job-name=worldbench".to_string(),
            "--requeue".to_string(),
            "--open-mode=append".to_string(),
            // B: to the batch shell, which `exec`s the trainer: it gets the signal, writes `last`.
            format!("--signal=B:USR2@{}", s.signal_seconds()),
        ];
        if self.tasks.len() > 1 {
            let mut array = format!("--array=0-{}", self.tasks.len() - 1);
            if let Some(p) = self.max_parallel {
                let _ = write!(array, "%{}", p.max(1));
            }
            o.push(array);
        }
        let named = [
            ("partition", &s.partition),
            ("account", &s.account),
            ("qos", &s.qos),
            ("time", &s.time),
            ("mem", &s.mem),
            ("gres", &s.gres),
            ("constraint", &s.constraint),
        ];
        for (key, value) in named {
            if let Some(v) = value {
                o.push(format!("--{key}={}", sbatch_value(key, v)?));
            }
        }
        if let Some(n) = s.cpus_per_task {
            o.push(format!("--cpus-per-task={n}"));
        }
        for line in &s.extra {
            let line = line.trim();
            if !line.starts_with('-') || line.contains(['\n', '\r', '#']) {
                bail!("[launch.slurm] extra: {line:?} is not one sbatch option");
            }
            o.push(line.to_string());
        }
        Ok(o)
    }

    /// The whole script.
    pub fn render(&self) -> Result<String> {
        if self.tasks.is_empty() {
            bail!("nothing to submit");
        }
        let mut out = String::from("#!/bin/bash\n");
        for o in self.sbatch_options()? {
            let _ = writeln!(out, "#SBATCH {o}");
        }
        out.push_str(
            "# Generated by worldbench; every argument below is quoted. A requeued task resumes\n\
             # from its run's `last` checkpoint.\nset -u\n",
        );
        let _ = writeln!(
            out,
            "export WORLDBENCH_SLURM_MAX_REQUEUES={}",
            self.settings.max_requeues()
        );
        let bin = quote_os(self.binary.as_os_str())?;
        out.push_str("task=\"${SLURM_ARRAY_TASK_ID:-0}\"\ncase \"$task\" in\n");
        for (i, t) in self.tasks.iter().enumerate() {
            let run = quote_os(t.run.as_os_str())?;
            let argv: Vec<String> = t.argv.iter().map(|a| quote_os(a)).collect::<Result<_>>()?;
            let _ = write!(
                out,
                "{i})\n  run={run}\n  first=({bin} {})\n  ;;\n",
                argv.join(" ")
            );
        }
        out.push_str("*)\n  echo \"no task $task in this script\" >&2\n  exit 2\n  ;;\nesac\n");
        out.push_str(concat!(
            "mkdir -p \"$run/logs\"\n",
            "exec >>\"$run/logs/slurm-${SLURM_ARRAY_JOB_ID:-${SLURM_JOB_ID:-none}}_${SLURM_ARRAY_TASK_ID:-0}.out\" 2>&1\n",
            "if [ -e \"$run/checkpoints/last.safetensors\" ]; then\n",
            "  exec ",
        ));
        out.push_str(&bin);
        out.push_str(concat!(
            " train --resume \"$run\" --progress none\n",
            "fi\n",
            "exec \"${first[@]}\"\n",
        ));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    const HOSTILE: &[&str] = &[
        "it's \"quoted\"",
        "$(touch /tmp/wb-pwned) `touch /tmp/wb-pwned2`",
        "two\nlines\n#SBATCH --wrap=evil",
        "  spaces  and\ttabs ",
        "--looks-like-a-flag",
        "semi; rm -rf ~ && echo $HOME | cat > x",
        "",
        "ünïcödé ✓ \\backslash\\ '",
        "bell\u{7} and \r return \\n '$'",
    ];

    /// What bash makes of `printf '%s\0' <quoted>`: each word back, byte for byte.
    fn through_bash(words: &[&str]) -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| quote(w).unwrap()).collect();
        let script = format!("printf '%s\\0' {}", quoted.join(" "));
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let mut back: Vec<String> = text.split('\0').map(str::to_string).collect();
        back.pop();
        back
    }

    #[test]
    fn hostile_text_comes_back_as_the_same_words() {
        assert_eq!(through_bash(HOSTILE), HOSTILE);
        assert!(!Path::new("/tmp/wb-pwned").exists());
        assert!(quote("nul\0byte").is_err());
    }

    fn settings() -> SlurmSettings {
        SlurmSettings {
            partition: Some("main".into()),
            time: Some("00:10:00".into()),
            cpus_per_task: Some(2),
            extra: vec!["--exclusive".into()],
            ..SlurmSettings::default()
        }
    }

    fn task(title: &str, run: &str) -> SlurmTask {
        SlurmTask {
            run: run.into(),
            argv: vec![
                "--workspace".into(),
                "/ws dir".into(),
                "train".into(),
                "--title".into(),
                title.into(),
                "--run-dir".into(),
                run.into(),
            ],
        }
    }

    #[test]
    fn script_runs_each_task_argv_verbatim() {
        let s = settings();
        let tasks: Vec<SlurmTask> = HOSTILE
            .iter()
            .enumerate()
            .map(|(i, t)| task(t, &format!("/ws dir/runs/r $(x) {i}")))
            .collect();
        let script = SlurmScript {
            settings: &s,
            binary: Path::new("/opt/wb bin/worldbench"),
            tasks: &tasks,
            max_parallel: Some(2),
        }
        .render()
        .unwrap();
        assert!(script.contains(&format!("#SBATCH --array=0-{}%2\n", HOSTILE.len() - 1)));
        assert!(script.contains("#SBATCH --signal=B:USR2@120\n#"));
        // Every #SBATCH line is ours: no user text reaches one, nor starts any line.
        for line in script.lines().filter(|l| l.starts_with('#')) {
            assert!(!line.contains("wrap"), "{line}");
        }
        // Run each task's case with `exec` replaced by a print: the argv comes back whole.
        for (i, t) in tasks.iter().enumerate() {
            let probe = script
                .replace("exec >>", ": ")
                .replace("exec \"${first[@]}\"", "printf '%s\\0' \"${first[@]}\"")
                .replace("mkdir -p", ": ");
            let out = Command::new("bash")
                .arg("-c")
                .arg(&probe)
                .env("SLURM_ARRAY_TASK_ID", i.to_string())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let words: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .split('\0')
                .map(str::to_string)
                .collect();
            let mut want = vec!["/opt/wb bin/worldbench".to_string()];
            want.extend(t.argv.iter().map(|a| a.to_string_lossy().into_owned()));
            assert_eq!(&words[..want.len()], want.as_slice());
        }
    }

    #[test]
    fn a_single_run_is_no_array_and_bad_options_are_refused() {
        let s = settings();
        let tasks = [task("t", "/ws/runs/r")];
        let script = SlurmScript {
            settings: &s,
            binary: Path::new("worldbench"),
            tasks: &tasks,
            max_parallel: None,
        };
        let text = script.render().unwrap();
        assert!(!text.contains("--array"));
        assert!(text.contains("#SBATCH --partition=main\n"));
        assert!(text.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(text.contains("#SBATCH --exclusive\n"));
        let bad = SlurmSettings {
            partition: Some("main --wrap=x".into()),
            ..SlurmSettings::default()
        };
        let e = SlurmScript {
            settings: &bad,
            ..script.clone()
        }
        .render()
        .unwrap_err();
        assert!(e.to_string().contains("partition"), "{e}");
        let bad = SlurmSettings {
            extra: vec!["not an option".into()],
            ..SlurmSettings::default()
        };
        assert!(SlurmScript {
            settings: &bad,
            ..script
        }
        .render()
        .is_err());
    }
}
