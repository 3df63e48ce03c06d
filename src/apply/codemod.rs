//! Running a paved path's codemods inside a service checkout: external commands bounded by a timeout, and
//! ast-grep rules in-process (ast-grep-core/-config).
//!
//! # Guarantees
//! - A command runs in its own process group with the checkout as working directory; on timeout the whole group
//!   is killed, so a hanging codemod (and its children) never stalls the run. What it leaves running in the
//!   background when it exits is killed too.
//! - A non-zero exit is an error that names the exit status and the last lines of stderr.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Run `args` in `dir`, killing it (and its process group) after `timeout`.
///
/// The command's exit is waited for, not polled: a watchdog thread kills the group when the timeout passes
/// first. Its stderr is read while it runs (so a chatty command cannot fill the pipe and stall), keeping the
/// last [`STDERR_KEPT`] bytes. Once the command exits, anything it left running in its group is killed before
/// the command is reaped, while its process id (the group's id) cannot yet be reused.
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
    let group = i32::try_from(child.id()).map_err(|e| e.to_string())?;
    let stderr = child.stderr.take().map(|pipe| std::thread::spawn(move || tail_of(pipe)));
    let (exited, exit_seen) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let timed_out = matches!(exit_seen.recv_timeout(timeout), Err(mpsc::RecvTimeoutError::Timeout));
        if timed_out {
            kill_group(group);
        }
        timed_out
    });
    let waited = wait_unreaped(group);
    let _ = exited.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    kill_group(group);
    let status = child.wait().map_err(|e| e.to_string())?;
    waited?;
    if timed_out {
        return Err(format!("timed out after {}s and was killed", timeout.as_secs_f32()));
    }
    if status.success() {
        return Ok(());
    }
    let err = stderr.and_then(|reader| reader.join().ok()).unwrap_or_default();
    // The last three lines, each cut to its end: what a failing command says last is what explains it.
    let tail: Vec<&str> = err.lines().rev().take(3).collect::<Vec<_>>().into_iter().rev().map(line_end).collect();
    Err(format!("exited with {status}: {}", tail.join(" / ")))
}

/// How much of a command's stderr is kept for its error message (the end of it).
const STDERR_KEPT: usize = 16 * 1024;

/// Everything read from `pipe` until it closes, keeping only the last [`STDERR_KEPT`] bytes.
fn tail_of(mut pipe: impl std::io::Read) -> String {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut buf) {
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * STDERR_KEPT {
            kept.drain(..kept.len() - STDERR_KEPT);
        }
    }
    let from = kept.len().saturating_sub(STDERR_KEPT);
    String::from_utf8_lossy(&kept[from..]).into_owned()
}

/// The last 200 characters of `line`.
fn line_end(line: &str) -> &str {
    let skip = line.chars().count().saturating_sub(200);
    line.char_indices().nth(skip).map_or(line, |(at, _)| &line[at..])
}

/// Block until process `pid` has exited, leaving it a zombie (not reaped) so its id stays taken.
fn wait_unreaped(pid: i32) -> Result<(), String> {
    loop {
        // SAFETY: waitid(2) writes only into the zeroed siginfo_t we own.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if rc == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("waiting for the command: {e}"));
        }
    }
}

fn kill_group(group: i32) {
    // SAFETY: kill(2) on the process group we created; no memory is touched. ESRCH (nothing left) is fine.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
}

/// Apply an ast-grep rule file (one or more YAML rules with `fix:`) in-process to every file of the checkout in
/// the rules' language. Returns how many files changed.
///
/// Only the Python grammar is compiled into paved (the shipped paths are Python); a rule for another language is
/// refused with an error instead of being silently skipped.
pub fn ast_grep(rule: &str, dir: &Path) -> Result<usize, String> {
    use ast_grep_config::{GlobalRules, from_yaml_string};
    use ast_grep_core::tree_sitter::LanguageExt;
    use ast_grep_language::SupportLang;
    use serde::Deserialize;

    for doc in serde_yaml::Deserializer::from_str(rule) {
        let v = serde_yaml::Value::deserialize(doc).map_err(|e| format!("not YAML: {e}"))?;
        let lang = v.get("language").and_then(|l| l.as_str()).unwrap_or_default().to_ascii_lowercase();
        if !matches!(lang.as_str(), "python" | "py") {
            return Err(format!("rule language `{lang}` is not supported (paved compiles in Python only)"));
        }
    }
    let rules = from_yaml_string::<SupportLang>(rule, &GlobalRules::default()).map_err(|e| e.to_string())?;
    let mut changed = 0;
    for file in python_files(dir) {
        let Ok(source) = std::fs::read_to_string(&file) else { continue };
        let mut text = source.clone();
        for r in &rules {
            let Some(fixer) = r.fixer.first() else { continue };
            let mut edits: Vec<(usize, usize, String)> = {
                let grep = SupportLang::Python.ast_grep(&text);
                grep.root()
                    .find_all(&r.matcher)
                    .map(|m| {
                        let e = m.make_edit(&r.matcher, fixer);
                        (e.position, e.deleted_length, String::from_utf8_lossy(&e.inserted_text).into_owned())
                    })
                    .collect()
            };
            edits.sort_by_key(|e| e.0);
            let mut out = String::with_capacity(text.len());
            let mut cursor = 0;
            for (at, len, insert) in edits {
                if at < cursor {
                    continue; // overlapping match: the outer one already rewrote it
                }
                out.push_str(&text[cursor..at]);
                out.push_str(&insert);
                cursor = at + len;
            }
            out.push_str(&text[cursor..]);
            text = out;
        }
        if text != source {
            std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Python files of the checkout (`.git/` excluded), in a stable order.
fn python_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
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
                Ok(t) if t.is_file() && p.extension().is_some_and(|x| x == "py" || x == "pyi") => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

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

    #[test]
    fn background_leftovers_are_killed_and_a_flood_of_stderr_cannot_stall() {
        let dir = tempfile::tempdir().expect("tmp");
        let leave = ["sh", "-c", "sleep 30 & echo $! > pid"].map(str::to_owned);
        run_bounded(&leave, dir.path(), Duration::from_secs(10)).expect("exits 0");
        let pid = std::fs::read_to_string(dir.path().join("pid")).expect("pid written");
        let alive = |pid: &str| {
            // A killed child of the exited shell is reaped by init; until then it is a zombie (state Z).
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .is_ok_and(|stat| !stat.split(") ").nth(1).is_some_and(|rest| rest.starts_with('Z')))
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(&pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!alive(&pid), "the background sleep outlived its codemod");
        // 200 KB of stderr is more than a pipe holds: the command must still finish, and its last line be kept.
        let flood = ["sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x >&2; echo >&2; echo last words >&2; exit 4"]
            .map(str::to_owned);
        let e = run_bounded(&flood, dir.path(), Duration::from_secs(20)).expect_err("exit 4");
        assert!(e.contains("last words") && e.contains('4') && !e.contains("timed out") && e.len() < 400, "{e}");
    }

    #[test]
    fn ast_grep_rules_rewrite_python_in_process() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("app")).expect("mkdir");
        let code = "import os\nA = os.environ[\"OTEL_ENDPOINT\"]\nB = os.getenv(\"OTEL_ENDPOINT\", \"x\")\nC = \"OTEL_ENDPOINT\"\n";
        std::fs::write(dir.path().join("app/x.py"), code).expect("write");
        let rule = include_str!("../../paths/microservice/migrations/v2/rename-otel-env.yml");
        assert_eq!(ast_grep(rule, dir.path()).expect("rules run"), 1);
        let out = std::fs::read_to_string(dir.path().join("app/x.py")).expect("read");
        assert!(out.contains("os.environ[\"OTEL_EXPORTER_OTLP_ENDPOINT\"]"), "{out}");
        assert!(out.contains("os.getenv(\"OTEL_EXPORTER_OTLP_ENDPOINT\", \"x\")"), "{out}");
        assert!(out.contains("C = \"OTEL_ENDPOINT\""), "a bare string is not an env lookup: {out}");
        assert_eq!(ast_grep(rule, dir.path()).expect("idempotent"), 0);
        let e = ast_grep("id: x\nlanguage: go\nrule: {pattern: a}\nfix: b\n", dir.path()).expect_err("go");
        assert!(e.contains("not supported"), "{e}");
    }
}
