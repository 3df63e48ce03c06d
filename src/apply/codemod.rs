//! Running a paved path's codemods inside a service checkout: external commands bounded by a timeout, and
//! ast-grep rules.
//!
//! # Guarantees
//! - A command runs in its own process group with the checkout as working directory; on timeout the whole group
//!   is killed, so a hanging codemod (and its children) never stalls the run.
//! - A non-zero exit is an error that names the exit status and the last lines of stderr.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run `args` in `dir`, killing it (and its process group) after `timeout`.
pub fn run_bounded(args: &[String], dir: &Path, timeout: Duration) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let (program, rest) = args.split_first().ok_or("empty command")?;
    let mut child = Command::new(program)
        .args(rest)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                if status.success() {
                    return Ok(());
                }
                let mut err = String::new();
                if let Some(mut s) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut s, &mut err);
                }
                let tail: Vec<&str> = err.lines().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect();
                return Err(format!("exited with {status}: {}", tail.join(" / ")));
            }
            Ok(None) if start.elapsed() >= timeout => {
                let pid = i32::try_from(child.id()).map_err(|e| e.to_string())?;
                // SAFETY: kill(2) on the process group we created; no memory is touched.
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                }
                let _ = child.wait();
                return Err(format!("timed out after {}s and was killed", timeout.as_secs_f32()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Apply an ast-grep rule file (one or more YAML rules with `fix:`) to every file of the checkout it matches.
/// Returns how many files changed.
///
/// Deviation: this runs the `ast-grep` binary (PyPI `ast-grep-cli`) bounded by a timeout, not ast-grep-core
/// in-process; the rule format is the same.
pub fn ast_grep(rule: &str, dir: &Path) -> Result<usize, String> {
    let before = snapshot(dir);
    let rule_file = dir.with_extension("rule.yml");
    std::fs::write(&rule_file, rule).map_err(|e| e.to_string())?;
    let args: Vec<String> =
        ["ast-grep", "scan", "--rule", &rule_file.to_string_lossy(), "--update-all", "."].map(str::to_owned).to_vec();
    let out = run_bounded(&args, dir, Duration::from_secs(120));
    let _ = std::fs::remove_file(&rule_file);
    out?;
    let after = snapshot(dir);
    Ok(after.iter().filter(|(k, v)| before.get(*k) != Some(*v)).count())
}

fn snapshot(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => {
                    if let Ok(b) = std::fs::read(&p) {
                        out.insert(p, b);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hanging_command_is_killed_on_time() {
        let dir = tempfile::tempdir().expect("tmp");
        let args = ["sh", "-c", "sleep 30 & sleep 30"].map(str::to_owned).to_vec();
        let start = Instant::now();
        let e = run_bounded(&args, dir.path(), Duration::from_millis(300)).expect_err("timeout");
        assert!(e.contains("timed out"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(5));
        let e =
            run_bounded(&["sh", "-c", "echo boom >&2; exit 3"].map(str::to_owned), dir.path(), Duration::from_secs(5))
                .expect_err("exit 3");
        assert!(e.contains("boom") && e.contains('3'), "{e}");
    }
}
