//! Running a paved path's codemods inside a service checkout: external commands bounded by a timeout, and
//! ast-grep rules in-process (ast-grep-core/-config).
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
