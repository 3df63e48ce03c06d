//! Printing results: human text on a terminal, JSON for tools, markdown for PR comments. Diagnostics and
//! progress go to stderr; results to stdout. Progress shows only when stderr is a terminal and the output is
//! text, and it is taken away before anything else is printed.

use crate::model::Loaded;
use crate::ops::audit_verify::Verified;
use crate::ops::demo::Demo;
use crate::ops::pr::PrOutcome;
use crate::ops::reconcile::Reconciled;
use crate::plan::{Plan, render};
use crate::progress::Progress;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// What the printer writes. Commands offer the values that fit them: [`DataFormat`] where no markdown is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For tools.
    Json,
    /// Ready to post as a PR comment (plan) or commit as report pages (scorecard).
    Markdown,
}

/// `--format` of the commands that make no markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// For people.
    Text,
    /// For tools.
    Json,
}

impl From<DataFormat> for Format {
    fn from(f: DataFormat) -> Self {
        match f {
            DataFormat::Text => Format::Text,
            DataFormat::Json => Format::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// For people.
    Text,
    /// JSON lines, for log collectors.
    Json,
}

pub struct Printer {
    format: Format,
    log: LogFormat,
    bar: Bar,
}

/// Progress on a terminal: a spinner while a phase has no count, a bar with counts when it has one.
struct Bar {
    shown: bool,
    current: Mutex<Option<ProgressBar>>,
}

impl Bar {
    fn current(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        // A panic elsewhere while the lock was held leaves a bar that is still fine to draw or clear.
        self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Take the bar off the terminal.
    fn clear(&self) {
        if let Some(bar) = self.current().take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn phase(&self, what: &str, total: Option<u64>) {
        if !self.shown {
            return;
        }
        let mut current = self.current();
        if let Some(old) = current.take() {
            old.finish_and_clear();
        }
        let (bar, template) = match total {
            Some(n) => (ProgressBar::new(n), "{spinner} {msg} [{bar:30}] {human_pos}/{human_len} ({elapsed})"),
            None => (ProgressBar::new_spinner(), "{spinner} {msg}… ({elapsed})"),
        };
        let style = ProgressStyle::with_template(template).expect("the templates above are valid");
        let bar = bar.with_style(style.progress_chars("=> ")).with_message(what.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        *current = Some(bar);
    }

    fn step(&self) {
        if let Some(bar) = self.current().as_ref() {
            bar.inc(1);
        }
    }
}

impl Printer {
    pub fn new(format: Format, log: LogFormat) -> Self {
        let shown = std::io::stderr().is_terminal() && format == Format::Text && log == LogFormat::Text;
        Printer { format, log, bar: Bar { shown, current: Mutex::new(None) } }
    }

    /// Say on the terminal what long work is under way, until its result is printed.
    pub fn progress(&self, what: &str) {
        self.bar.phase(what, None);
    }

    /// Where operations report their phases and counts (shown only on a terminal, for text output).
    pub fn progress_bar(&self) -> &dyn Progress {
        &self.bar
    }

    /// A line about what was done on the way (a push before `pr open`), to stderr: stdout stays the result.
    pub fn note(&self, text: &str) {
        self.log_line("info", "paved", text);
    }

    pub fn warning(&self, text: &str) {
        self.log_line("warning", "warning", text);
    }

    fn log_line(&self, level: &str, prefix: &str, text: &str) {
        self.bar.clear();
        match self.log {
            LogFormat::Json => eprintln!("{}", serde_json::json!({ "level": level, "message": text })),
            LogFormat::Text => eprintln!("{prefix}: {text}"),
        }
    }

    pub fn line(&self, text: &str) {
        self.bar.clear();
        match self.format {
            Format::Json => println!("{}", serde_json::json!({ "message": text })),
            _ => println!("{text}"),
        }
    }

    pub fn error(&self, e: &anyhow::Error) {
        self.bar.clear();
        let message = error_message(e);
        match self.log {
            LogFormat::Json => eprintln!("{}", serde_json::json!({ "level": "error", "message": message })),
            LogFormat::Text => eprintln!("error: {message}"),
        }
    }

    /// Every diagnostic, to stderr (stdout stays for the result).
    pub fn diagnostics(&self, loaded: &Loaded) {
        self.bar.clear();
        for d in loaded.diagnostics.iter() {
            match self.log {
                LogFormat::Json => eprintln!("{}", serde_json::to_string(d).expect("diagnostics serialize")),
                LogFormat::Text => eprintln!("{d}"),
            }
        }
    }

    pub fn validation(&self, loaded: &Loaded) {
        self.bar.clear();
        let m = &loaded.model;
        let d = &loaded.diagnostics;
        match self.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "basis": loaded.basis.label(),
                    "errors": d.errors(),
                    "warnings": d.warnings(),
                    "diagnostics": d,
                    "counts": {
                        "entities": m.catalog.entities.len(),
                        "requests": m.requests.len(),
                        "paths": m.paths.len(),
                        "modules": m.modules.len(),
                        "policies": m.policies.len(),
                        "scorecards": m.scorecards.len(),
                    }
                }))
                .expect("json")
            ),
            _ => {
                for diag in d.iter() {
                    println!("{diag}");
                }
                println!(
                    "{}: {} error(s), {} warning(s) in {} files — {} entities, {} requests, {} paths, {} modules, {} policies, {} scorecards",
                    loaded.basis.label(),
                    d.errors(),
                    d.warnings(),
                    loaded.files,
                    m.catalog.entities.len(),
                    m.requests.len(),
                    m.paths.len(),
                    m.modules.len(),
                    m.policies.len(),
                    m.scorecards.len()
                );
            }
        }
    }

    pub fn file_diagnostics(&self, diags: &crate::diag::Diagnostics, files: usize) {
        self.bar.clear();
        match self.format {
            Format::Json => println!(
                "{}",
                serde_json::json!({ "errors": diags.errors(), "warnings": diags.warnings(), "diagnostics": diags })
            ),
            _ => {
                for d in diags.iter() {
                    println!("{d}");
                }
                println!("{} error(s), {} warning(s) in {files} file(s)", diags.errors(), diags.warnings());
            }
        }
    }

    pub fn plan(&self, plan: &Plan, forge_error: Option<&str>) {
        self.bar.clear();
        if let Some(e) = forge_error {
            eprintln!("warning: the forge could not be read: {e}");
        }
        match self.format {
            Format::Markdown => print!("{}", render::markdown(plan)),
            // Streamed: held whole, a 50,000-service plan's JSON (40 MiB) was the command's peak memory.
            Format::Json | Format::Text => {
                use std::io::Write;
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                let written = match self.format {
                    Format::Json => render::write_json(plan, &mut out).and_then(|()| writeln!(out)),
                    _ => render::write_text(plan, &mut out),
                };
                // A reader that stopped early (`paved plan | head`) is not an error worth reporting.
                if let Err(e) = written.and_then(|()| out.flush())
                    && e.kind() != std::io::ErrorKind::BrokenPipe
                {
                    eprintln!("error: writing the plan: {e}");
                }
            }
        }
    }

    pub fn reconciled(&self, done: &Reconciled) {
        self.bar.clear();
        let plan = &done.planned.plan;
        match self.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "plan": plan, "apply": done.report })).expect("json")
            ),
            _ => {
                self.plan(plan, done.planned.forge_error.as_deref());
                for (id, e) in done.report.iter().flat_map(|r| &r.failed) {
                    eprintln!("error: action {id} failed: {e}");
                }
                for r in done.report.iter().flat_map(|r| &r.forge) {
                    if let Some(outcome) = &r.outcome {
                        println!("{} {}: {outcome}", r.kind, r.target);
                    }
                }
                match &done.report {
                    None => println!("Dry run: nothing written."),
                    Some(r) if r.applied.is_empty() => {}
                    Some(r) => println!(
                        "Applied {} action(s){}{}.",
                        r.applied.len(),
                        r.commit
                            .as_ref()
                            .map(|c| format!(" in bot commit {}", &c[..c.len().min(12)]))
                            .unwrap_or_default(),
                        r.audit_file.as_ref().map(|f| format!(", audited in {f}")).unwrap_or_default()
                    ),
                }
            }
        }
    }

    pub fn review(&self, review: &crate::review::Review) {
        self.bar.clear();
        match self.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(review).expect("a Review serializes")),
            _ => print!("{}", crate::review::markdown::render(review)),
        }
    }

    pub fn posted(&self, review: &crate::review::Review, body: &str) {
        self.bar.clear();
        match self.format {
            Format::Json => println!("{}", serde_json::json!({ "conclusion": review.conclusion(), "comment": body })),
            _ => println!(
                "{body}\n(posted as the PR's paved comment; check {} = {:?})",
                crate::ops::review::CHECK,
                review.conclusion()
            ),
        }
    }

    /// `paved scorecard`: JSON is the whole evaluation; markdown the report pages, each after a `<!-- path -->`
    /// line; text one line per component and scorecard.
    pub fn scorecard(&self, scored: &crate::ops::scorecard::Scored) {
        self.bar.clear();
        match self.format {
            // Streamed: at 10,000 services the document is about 90 MB, and building it as one string first
            // cost a tenth of the run in copies and page faults.
            Format::Json => print_json_stream(&scored.evaluation),
            Format::Markdown => {
                for (path, page) in &scored.pages {
                    println!("<!-- {path} -->\n{page}");
                }
            }
            Format::Text => {
                for e in &scored.evaluation.entities {
                    for c in &e.cards {
                        let failing: Vec<&str> = c
                            .checks
                            .iter()
                            .filter(|k| k.status == crate::scorecard::Status::Fail)
                            .map(|k| k.id.as_str())
                            .collect();
                        let level = c.level.map_or("none".to_owned(), |l| format!("{l:?}"));
                        let failing = if failing.is_empty() {
                            String::new()
                        } else {
                            format!("  failing: {}", failing.join(", "))
                        };
                        println!("{}  {}  {level} ({}%){failing}", e.entity, c.scorecard, c.score);
                    }
                }
            }
        }
    }

    pub fn audit_ok(&self, v: &Verified) {
        self.bar.clear();
        match self.format {
            Format::Json => println!(
                "{}",
                serde_json::json!({
                    "ok": true, "records": v.records, "files": v.files, "head": v.tail.hash, "commits": v.commits,
                    "rewrittenSince": v.rewritten_since,
                })
            ),
            _ => {
                println!(
                    "audit log intact: {} record(s) in {} file(s), head {:.12}; only appended to across {} commit(s)",
                    v.records, v.files, v.tail.hash, v.commits
                );
                if let Some(commit) = &v.rewritten_since {
                    println!(
                        "note: the history no longer holds commit {commit:.12}, which paved last verified (a \
                         force-push); every record verified then is still in the chain"
                    );
                }
            }
        }
    }

    pub fn audit_broken(&self, b: &crate::audit::Broken) {
        self.bar.clear();
        match self.format {
            Format::Json => {
                println!("{}", serde_json::json!({ "ok": false, "path": b.path, "line": b.line, "message": b.message }))
            }
            _ => println!("{}:{}: error: {}", b.path, b.line, b.message),
        }
    }

    pub fn pr(&self, outcome: &PrOutcome) {
        self.bar.clear();
        match (self.format, outcome) {
            (Format::Json, PrOutcome::List(prs)) => println!("{}", serde_json::to_string_pretty(prs).expect("json")),
            (Format::Json, PrOutcome::One(pr)) => println!("{}", serde_json::to_string_pretty(pr).expect("json")),
            (_, PrOutcome::List(prs)) => {
                if prs.is_empty() {
                    println!("no pull requests");
                }
                for pr in prs {
                    println!(
                        "#{:<4} {:<7} {:<40} {} -> {}  by {}",
                        pr.number,
                        pr.state.to_string(),
                        pr.title,
                        pr.head,
                        pr.base,
                        pr.author
                    );
                }
            }
            (_, PrOutcome::One(pr)) => {
                println!(
                    "#{} {} [{}]\n{} -> {} at {:.12}, by {}\n",
                    pr.number, pr.title, pr.state, pr.head, pr.base, pr.head_commit, pr.author
                );
                if !pr.body.is_empty() {
                    println!("{}\n", pr.body);
                }
                for c in &pr.checks {
                    println!("check {} on {:.12}: {:?} — {}", c.name, c.commit, c.conclusion, c.summary);
                }
                for r in &pr.reviews {
                    println!("review by {}: {:?} on {:.12}", r.reviewer, r.state, r.commit);
                }
                for c in &pr.comments {
                    println!("\n--- comment by {} (updated {}) ---\n{}", c.author, c.updated_at, c.body);
                }
            }
        }
    }

    /// `paved paths status|sync`: see [`paths`]. Returns whether anything failed.
    pub fn paths(&self, run: &crate::ops::paths::PathsRun) -> bool {
        self.bar.clear();
        paths(self.format, run)
    }

    pub fn demo(&self, demo: &Demo) {
        self.bar.clear();
        let first = &demo.first;
        let report = first.report.as_ref();
        let platform = shown(&demo.platform);
        println!("paved demo: the example platform repo reconciled against the local forge.\n");
        println!(
            "  platform repo  {}  (git; {} entities, {} requests)",
            platform,
            first.planned.loaded.model.catalog.entities.len(),
            first.planned.loaded.model.requests.len()
        );
        println!("  local forge    {}  ({} repos created)", shown(&demo.forge), demo.repos_created.len());
        println!("\nFirst reconcile:");
        print!("{}", render::text(&first.planned.plan).lines().next().map(|l| format!("  {l}\n")).unwrap_or_default());
        if let Some(r) = report {
            println!("  applied {} action(s) in bot commit {}", r.applied.len(), r.commit.as_deref().unwrap_or("-"));
            let done = |kind: &str| r.forge.iter().filter(|f| f.kind == kind && f.error.is_none()).count();
            let (scaffolded, migrations) = (done("repo.scaffold"), done("path.migrate"));
            if scaffolded + migrations > 0 {
                println!(
                    "  scaffolded {scaffolded} missing service repo(s) and opened {migrations} migration PR(s) on the forge"
                );
            }
            if done("sunset.propose") > 0 {
                println!("  opened the quarter's sunset review PR on the platform repo");
            }
        }
        println!("\nSecond reconcile: {}", render::summary(&demo.second.planned.plan));
        println!("\nWhere to look:");
        println!("  {}/status/            status of every entity: owner, relations, drift findings", platform);
        println!("  {}/status/forge/unclaimed-repos.yaml", platform);
        println!("  {}/status/requests/   each request: phase (Ready, Denied, Blocked…), outputs, verdict", platform);
        println!("  {}/scorecards/campaigns/   each path version's rollout: migration PRs and burndown", platform);
        let state = shown(&first.planned.context.state_dir);
        println!(
            "  {}/   secret store (0600) and what native backends wrote (zone file, manifests, flags, certificates)",
            state
        );
        println!(
            "  {}/scorecards/README.md   scorecards from evidence (teams/, services/, dora.md, outcomes.md, adoption.md)",
            platform
        );
        let paved = invocation();
        println!("  {platform}/audit/             hash-chained audit log ({paved} audit verify --repo {platform})");
        println!("  git -C {} log -1 --format=%B   the bot commit and its Paved-Action trailers", platform);
        println!("  {paved} plan --repo {platform}           (no changes now)");
    }
}

/// `paved paths status|sync`: the drift table, then planned actions and what was done. Returns whether any
/// service is in error or any action failed.
fn paths(format: Format, run: &crate::ops::paths::PathsRun) -> bool {
    use crate::plan::paths::DriftState;
    let failed = run.plan.drift.iter().any(|d| d.state == DriftState::Error)
        || run.report.as_ref().is_some_and(|r| r.failed() > 0);
    if format == Format::Json {
        let v = serde_json::json!({
            "services": run.plan.drift,
            "actions": run.plan.actions,
            "held": run.plan.held,
            "results": run.report.as_ref().map(|r| &r.results),
            "tagged": run.tagged,
            "campaigns": run.campaigns,
        });
        println!("{v}");
        return failed;
    }
    println!(
        "{:<42} {:<26} {:<14} {:<9} {:<9} {:<7} {:<7} state",
        "service", "repo", "path", "version", "allowed", "target", "behind"
    );
    for d in &run.plan.drift {
        let state = match (&d.error, d.state) {
            (Some(e), _) => format!("error: {e}"),
            (None, DriftState::UpToDate) => "up to date".to_owned(),
            (None, DriftState::Behind) => {
                format!("behind{}", d.pr.as_deref().map(|p| format!(" (PR {p})")).unwrap_or_default())
            }
            (None, DriftState::Missing) => "repo missing: will be scaffolded".to_owned(),
            (None, DriftState::Error) => "error".to_owned(),
        };
        println!(
            "{:<42} {:<26} {:<14} {:<9} {:<9} {:<7} {:<7} {state}",
            d.entity,
            d.repo,
            d.path,
            d.current.as_deref().unwrap_or("-"),
            d.allowed,
            d.target.as_deref().unwrap_or("-"),
            d.behind
        );
    }
    for h in &run.plan.held {
        println!("held: {h}");
    }
    for t in &run.tagged {
        println!("tagged release {t}");
    }
    for c in &run.campaigns {
        println!("campaign page {c}");
    }
    match &run.report {
        None => {
            for a in &run.plan.actions {
                println!("planned {} {}: {}  [{}]", a.kind.as_str(), a.target, a.reason, a.id);
            }
        }
        Some(r) => {
            for x in &r.results {
                match (&x.outcome, &x.error) {
                    (Some(o), _) => {
                        let mut line = format!("{} {}: {o}", x.kind, x.target);
                        if !x.conflicts.is_empty() {
                            line.push_str(&format!(" (conflicts: {})", x.conflicts.join(", ")));
                        }
                        if !x.codemod_failures.is_empty() {
                            line.push_str(&format!(" (codemods failed: {})", x.codemod_failures.join("; ")));
                        }
                        println!("{line}");
                    }
                    (None, Some(e)) => println!("{} {}: FAILED: {e}", x.kind, x.target),
                    (None, None) => {}
                }
            }
        }
    }
    failed
}

/// Pretty JSON written straight to stdout, as `println!` would print it, without building the string first. A
/// closed pipe (`paved scorecard --format json | head`) ends the output quietly.
fn print_json_stream(value: &impl serde::Serialize) {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from);
    if let Err(e) = written.and_then(|()| writeln!(out)).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("paved: cannot write the output: {e}");
    }
}

/// A path as a person in the current directory would type it: relative when it lies below it.
pub(super) fn shown(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    match path.strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// How to run this paved again from the current directory: `paved` when that is what PATH finds, else this
/// binary's path (after `cargo run`, `paved` is usually not on PATH, or is another build).
pub(super) fn invocation() -> String {
    let Ok(me) = std::env::current_exe().and_then(|p| p.canonicalize()) else { return "paved".to_owned() };
    let on_path = std::env::var_os("PATH")
        .and_then(|dirs| std::env::split_paths(&dirs).map(|d| d.join("paved")).find(|p| p.is_file()))
        .and_then(|p| p.canonicalize().ok());
    if on_path.as_ref() == Some(&me) { "paved".to_owned() } else { shown(&me) }
}

/// An error and its causes on one line, each cause said once: many errors (ours, std's, libraries') already
/// include their source in their own message, and printing the chain would repeat it.
fn error_message(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_says_each_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("forge storage at {path}: {source}")]
        struct Storage {
            path: String,
            source: std::io::Error,
        }
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        let e = anyhow::Error::new(Storage { path: "/f/acme/x.git".into(), source: io }).context("pushing acme/x");
        assert_eq!(
            super::error_message(&e),
            "pushing acme/x: forge storage at /f/acme/x.git: No such file or directory (os error 2)"
        );
    }
}
