//! The executor of paved-path actions on service repos: scaffold a missing repo, or open/update a migration PR.
//!
//! Rendering happens here, from the platform snapshot's `paths/` (current version and `history/`), never in the
//! planner. One failure is reported and the other actions proceed.
//!
//! Repos are read and committed through the forge ([`Forge::read_branch`], [`Forge::commit_tree`]): the merge
//! works on in-memory trees, and files go to disk only when codemods run (they need a directory). On the local
//! forge a migration therefore spawns no git process at all.
//!
//! # Guarantees
//! - Scaffolding commits the rendered files and `.paved/answers.yaml` in one commit with a `Paved-Action` trailer.
//! - A migration is one branch `paved/migrate/<id>` and one PR per service and target version. Re-running rebuilds
//!   the branch from the current default branch and moves it only when the resulting tree differs, so running
//!   twice changes nothing. Conflicts are committed with markers and listed in the PR body; the PR still opens,
//!   marked.
//! - Codemod commands run inside a scratch checkout of the merged tree with a timeout (the whole process group is
//!   killed on expiry); what they leave there is what is committed.

use super::merge::{self, FileOutcome};
use crate::forge::{Files, Forge, NewCommit, NewPr};
use crate::plan::ActionResult;
use crate::plan::{ForgeAction, ForgeWork};
use crate::render::{self, ANSWERS_FILE, AnswersFile, PathFiles, PathVersion};
use crate::source::Snapshot;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The error of one repo action.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Render(#[from] render::Error),
    #[error(transparent)]
    Forge(#[from] crate::forge::Error),
    #[error(transparent)]
    Checkout(#[from] super::checkout::Error),
    #[error("{0}")]
    Answers(String),
    /// A PR on the platform repo (a module migration, the sunset review) could not be opened or updated.
    #[error("{0:#}")]
    PlatformPr(anyhow::Error),
}

#[derive(Debug, Clone)]
pub struct PathsOptions {
    /// Author of bot commits and PRs.
    pub actor: String,
    /// Scratch space for codemod checkouts (a fresh temporary directory when `None`).
    pub workdir: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PathsReport {
    pub results: Vec<ActionResult>,
}

impl PathsReport {
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| r.error.is_some()).count()
    }
}

/// Execute every forge action of a plan, counting them on `progress`.
pub fn execute(
    actions: &[ForgeAction],
    snapshot: &Snapshot,
    forge: &dyn Forge,
    options: &PathsOptions,
    progress: &dyn crate::progress::Progress,
) -> PathsReport {
    let scratch = match &options.workdir {
        Some(d) => Scratch::Kept(d.clone()),
        None => match tempfile::tempdir() {
            Ok(t) => Scratch::Temp(t),
            Err(e) => {
                let results = actions.iter().map(|a| failed(a, format!("no scratch directory: {e}"))).collect();
                return PathsReport { results };
            }
        },
    };
    let mut report = PathsReport::default();
    progress.phase("scaffolding repos and opening migration PRs", Some(actions.len() as u64));
    for action in actions {
        let dir = scratch.path().join(action.id.as_str());
        let _ = std::fs::remove_dir_all(&dir);
        let result = match &action.work {
            ForgeWork::Scaffold { path, version, answers } => {
                scaffold(action, snapshot, forge, options, path, version, answers).map(|o| (o, vec![], vec![]))
            }
            ForgeWork::Migrate { path, from, to, steps, branch, .. } => {
                let step = Step { path, from, to, steps, branch };
                migrate(action, &step, snapshot, forge, options, &dir)
            }
            ForgeWork::MigrateModule { branch, title, body, files, .. } => {
                let pr = super::modules::PlannedPr { branch, title, body, files };
                super::modules::open_pr(action, &pr, forge, &dir)
                    .map(|o| (o, vec![], vec![]))
                    .map_err(Error::PlatformPr)
            }
            ForgeWork::ProposeDeprecation { quarter, branch, title, body, manifests } => {
                let proposal = super::sunset::Proposal { quarter, branch, title, body, manifests };
                super::sunset::open_or_update(action, &proposal, forge)
                    .map(|o| (o, vec![], vec![]))
                    .map_err(Error::PlatformPr)
            }
        };
        let _ = std::fs::remove_dir_all(&dir);
        report.results.push(match result {
            Ok((outcome, conflicts, codemod_failures)) => ActionResult {
                id: action.id.to_string(),
                kind: action.kind.as_str(),
                target: action.target.clone(),
                outcome: Some(outcome),
                error: None,
                conflicts,
                codemod_failures,
            },
            Err(e) => failed(action, e.to_string()),
        });
        progress.step();
    }
    report
}

/// Every action failed: no forge is configured to carry them out.
pub fn execute_without_forge(actions: &[ForgeAction]) -> PathsReport {
    PathsReport { results: actions.iter().map(|a| failed(a, "no forge is configured".to_owned())).collect() }
}

enum Scratch {
    Kept(PathBuf),
    Temp(tempfile::TempDir),
}

impl Scratch {
    fn path(&self) -> &Path {
        match self {
            Scratch::Kept(p) => p,
            Scratch::Temp(t) => t.path(),
        }
    }
}

fn failed(a: &ForgeAction, error: String) -> ActionResult {
    ActionResult {
        id: a.id.to_string(),
        kind: a.kind.as_str(),
        target: a.target.clone(),
        outcome: None,
        error: Some(error),
        conflicts: vec![],
        codemod_failures: vec![],
    }
}

fn scaffold(
    action: &ForgeAction,
    snapshot: &Snapshot,
    forge: &dyn Forge,
    options: &PathsOptions,
    path: &str,
    version: &str,
    answers: &serde_yaml::Mapping,
) -> Result<String, Error> {
    let files = PathFiles::from_snapshot(snapshot, path)?;
    let v = semver::Version::parse(version).map_err(|e| Error::Answers(e.to_string()))?;
    let version = files.version(&v)?;
    // Render before creating anything: bad answers must not leave an empty repo behind.
    let (_, rendered) = render::render_with_answers(&version, &files.origin, answers)?;
    let info = match forge.get_repo(&action.target)? {
        Some(info) => info,
        None => forge.create_repo(&action.target, "main")?,
    };
    let message = format!(
        "Scaffold from paved path {path} {}\n\nRendered by paved from the platform repo at {}.\n\nPaved-Action: {}\n",
        version.version, files.origin, action.id
    );
    // The first commit of the repo: if its default branch appeared meanwhile, nothing is overwritten.
    let commit = NewCommit {
        branch: &info.default_branch,
        parent: None,
        files: &Files::regular(rendered),
        message: &message,
        author: &options.actor,
    };
    forge.commit_tree(&action.target, &commit)?;
    Ok(format!("scaffolded {path} {}", version.version))
}

type Migrated = (String, Vec<String>, Vec<String>);

/// The fields of a [`ForgeWork::Migrate`].
struct Step<'a> {
    path: &'a String,
    from: &'a String,
    to: &'a String,
    steps: &'a Vec<String>,
    branch: &'a String,
}

fn migrate(
    action: &ForgeAction,
    step: &Step<'_>,
    snapshot: &Snapshot,
    forge: &dyn Forge,
    options: &PathsOptions,
    dir: &Path,
) -> Result<Migrated, Error> {
    let Step { path, from, to, steps, branch } = *step;
    let info = forge.get_repo(&action.target)?.ok_or_else(|| crate::forge::Error::NoSuchRepo(action.target.clone()))?;
    let files = PathFiles::from_snapshot(snapshot, path)?;
    let parse = |s: &str| semver::Version::parse(s).map_err(|e| Error::Answers(format!("`{s}`: {e}")));
    let old = files.version(&parse(from)?)?;
    let new = files.version(&parse(to)?)?;
    let actor = &options.actor;

    // The branch is rebuilt from the default branch each run (symlinks and submodules are carried, not merged).
    let current = forge.read_branch(&action.target, &info.default_branch)?.ok_or_else(|| {
        crate::forge::Error::NoSuchBranch { repo: action.target.clone(), branch: info.default_branch.clone() }
    })?;
    let ours = &current.files.files;
    let stored = ours
        .get(ANSWERS_FILE)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .ok_or_else(|| Error::Answers(format!("{} has no {ANSWERS_FILE}", action.target)))?;
    let stored = AnswersFile::parse(&stored).map_err(Error::Answers)?;
    let old_answers = stored.answers_for(&old);
    let base = render::render(&old, &render::resolve(&old, &old_answers)?)?;
    // The new version's answers: what the repo chose, minus parameters the new version dropped, plus its defaults.
    let mut new_given = stored.answers_for(&new);
    new_given.retain(|k, _| new.spec.parameters.iter().any(|p| Some(p.name.as_str()) == k.as_str()));
    let new_answers = render::resolve(&new, &new_given)?;
    let theirs = render::render(&new, &new_answers)?;

    let mut merged = merge::three_way(&base, ours, &theirs, (&format!("{path} {from}"), &format!("{path} {to}")));
    merged
        .tree
        .insert(ANSWERS_FILE.to_owned(), AnswersFile::new(&new, &files.origin, &new_answers).to_yaml().into_bytes());
    let executable = current.files.executable.iter().filter(|p| merged.tree.contains_key(*p)).cloned().collect();
    let mut tree = Files { files: std::mem::take(&mut merged.tree), executable, kept: current.files.kept.clone() };

    // Codemods of every step, in order, in a checkout of the merged tree written for them (only if there are any).
    let mut on_disk = false;
    let mut codemod_log = Vec::new();
    let mut codemod_failures = Vec::new();
    let mut prev = old.version.clone();
    for step in steps {
        let step_version = files.version(&parse(step)?)?;
        for m in step_version
            .spec
            .migrations
            .iter()
            .filter(|m| matches(&m.from, &prev) && matches(&m.to, &step_version.version))
        {
            for c in &m.codemods {
                if !on_disk {
                    let _ = std::fs::remove_dir_all(dir);
                    super::checkout::materialize(dir, &tree)?;
                    on_disk = true;
                }
                match run_codemod(&step_version, c, dir) {
                    Ok(msg) => codemod_log.push(msg),
                    Err(msg) => codemod_failures.push(msg),
                }
            }
        }
        prev = step_version.version.clone();
    }
    if on_disk {
        tree = super::checkout::read_back(dir, &tree)?;
    }

    let conflicts: Vec<String> = merged.conflicts().iter().map(|s| (*s).to_owned()).collect();
    let title = format!(
        "{}Update {path} from {from} to {to}",
        if conflicts.is_empty() && codemod_failures.is_empty() { "" } else { "[needs attention] " }
    );
    let body = pr_body(action, &old, &new, &merged.outcomes, &conflicts, &codemod_log, &codemod_failures)
        + &format!("{}{} -->\n", crate::observe::services::BASE_MARKER, current.commit);
    let message = format!("{title}\n\n{}\n\nPaved-Action: {}\n", action.reason, action.id);
    // The branch moves only when its content would change: running twice changes nothing.
    let commit = NewCommit { branch, parent: Some(&current), files: &tree, message: &message, author: actor };
    let pushed = forge.commit_tree(&action.target, &commit)?.is_some();
    let mut labels = vec!["paved".to_owned(), "paved:migration".to_owned()];
    if !conflicts.is_empty() {
        labels.push(crate::observe::services::CONFLICTS_LABEL.to_owned());
    }
    let existing =
        forge.list_prs(&action.target, Some(crate::forge::PrState::Open))?.into_iter().find(|p| p.head == *branch);
    let outcome = match existing {
        Some(pr) => {
            if pr.body != body || pr.title != title {
                forge.update_pr(&action.target, pr.number, Some(&title), Some(&body))?;
            }
            if pushed || pr.body != body {
                format!("updated #{}", pr.number)
            } else {
                format!("unchanged #{}", pr.number)
            }
        }
        None => {
            let pr = forge.open_pr(
                &action.target,
                NewPr {
                    head: branch.clone(),
                    base: info.default_branch.clone(),
                    title,
                    body,
                    author: actor.clone(),
                    labels,
                },
            )?;
            format!("opened #{}", pr.number)
        }
    };
    Ok((outcome, conflicts, codemod_failures))
}

/// A migration's `from`/`to` names a major (`"2"`), a minor (`"2.1"`) or an exact version.
fn matches(spec: &str, v: &semver::Version) -> bool {
    spec == v.major.to_string() || spec == format!("{}.{}", v.major, v.minor) || spec == v.to_string()
}

fn pr_body(
    action: &ForgeAction,
    old: &PathVersion,
    new: &PathVersion,
    outcomes: &[FileOutcome],
    conflicts: &[String],
    codemods: &[String],
    codemod_failures: &[String],
) -> String {
    let mut b =
        format!("paved moves this repo from **{} {}** to **{} {}**.\n\n", old.name, old.version, new.name, new.version);
    if !conflicts.is_empty() {
        b.push_str(
            "> [!WARNING]\n> Conflicts: the template and this repo changed the same lines. Resolve the markers in:\n",
        );
        for c in conflicts {
            b.push_str(&format!(">  - `{c}`\n"));
        }
        b.push('\n');
    }
    if !codemod_failures.is_empty() {
        b.push_str("> [!WARNING]\n> Codemods that failed (the rest of the update is applied):\n");
        for c in codemod_failures {
            b.push_str(&format!(">  - {c}\n"));
        }
        b.push('\n');
    }
    b.push_str("### Changelog\n\n");
    for entry in new
        .spec
        .changelog
        .iter()
        .filter(|e| semver::Version::parse(&e.version).is_ok_and(|v| v > old.version && v <= new.version))
    {
        b.push_str(&format!("**{}**{}\n", entry.version, if entry.breaking { " (breaking)" } else { "" }));
        for c in &entry.changes {
            b.push_str(&format!("- {c}\n"));
        }
        b.push('\n');
    }
    b.push_str("### Files changed\n\n");
    if outcomes.is_empty() {
        b.push_str("- none besides the answers file\n");
    }
    for o in outcomes {
        let line = match o {
            FileOutcome::Added { path } => format!("- added `{path}`"),
            FileOutcome::Updated { path } => format!("- updated `{path}`"),
            FileOutcome::Merged { path } => format!("- merged `{path}` (your edits kept)"),
            FileOutcome::Conflicted { path, regions } => format!("- **conflict** in `{path}` ({regions} region(s))"),
            FileOutcome::Removed { path } => format!("- removed `{path}`"),
            FileOutcome::Renamed { from, to } => format!("- renamed `{from}` → `{to}`"),
            FileOutcome::KeptLocalEdit { path } => format!("- kept `{path}` (removed upstream, edited here)"),
            FileOutcome::KeptLocalDeletion { path } => format!("- left `{path}` deleted (deleted here)"),
        };
        b.push_str(&line);
        b.push('\n');
    }
    if !codemods.is_empty() {
        b.push_str("\n### Codemods\n\n");
        for c in codemods {
            b.push_str(&format!("- {c}\n"));
        }
    }
    b.push_str(&format!("\n<sub>Paved-Action: {} · re-run updates this PR in place</sub>\n", action.id));
    b
}

/// Run one codemod inside the checkout `dir`.
fn run_codemod(version: &PathVersion, c: &crate::model::library::Codemod, dir: &Path) -> Result<String, String> {
    if let Some(rule) = &c.ast_grep {
        let text = version
            .support
            .get(rule)
            .ok_or_else(|| format!("ast-grep rule {rule} is missing from {} {}", version.name, version.version))?;
        let text = std::str::from_utf8(text).map_err(|_| format!("{rule}: not UTF-8"))?;
        return super::codemod::ast_grep(text, dir)
            .map(|n| format!("ast-grep {rule}: {n} file(s) rewritten"))
            .map_err(|e| format!("ast-grep {rule}: {e}"));
    }
    let Some(cmd) = c.command.as_ref().filter(|c| !c.is_empty()) else {
        return Err("codemod has neither astGrep nor command".to_owned());
    };
    let timeout =
        parse_duration(c.timeout.as_deref().unwrap_or("60s")).ok_or_else(|| format!("bad timeout {:?}", c.timeout))?;
    // The path's own files (scripts) are materialised beside the checkout; arguments naming them point there.
    let support = dir.with_extension("support");
    for (rel, bytes) in &version.support {
        let at = support.join(rel);
        if let Some(p) = at.parent() {
            std::fs::create_dir_all(p).map_err(|e| e.to_string())?;
        }
        std::fs::write(&at, bytes).map_err(|e| e.to_string())?;
    }
    let args: Vec<String> =
        cmd.iter()
            .map(|a| {
                if version.support.contains_key(a) { support.join(a).to_string_lossy().into_owned() } else { a.clone() }
            })
            .collect();
    let shown = cmd.join(" ");
    let out = super::codemod::run_bounded(&args, dir, timeout);
    let _ = std::fs::remove_dir_all(&support);
    match out {
        Ok(()) => Ok(format!("`{shown}` ran")),
        Err(e) => Err(format!("`{shown}`: {e}")),
    }
}

/// `60s`, `5m`, `1h` (humantime's grammar, as `daemon::parse_duration`), or plain seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    s.parse().ok().map(Duration::from_secs).or_else(|| humantime::parse_duration(s).ok())
}
