//! Carrying out a plan. Bot-owned file changes and their audit records land together, in one bot commit that
//! touches only bot-owned paths and carries a `Paved-Action: <id>` trailer per action (design rule 6).
//!
//! # Guarantees
//! - A plan whose basis no longer holds (the repo moved since planning) is refused, not half-applied.
//! - Idempotent and crash-safe: file contents are computed from the planned snapshot, never appended to what a
//!   crashed run left on disk, so running again after a kill writes the same bytes and one commit.
//! - Nothing is committed when nothing changes.

pub mod checkout;
pub mod codemod;
pub mod merge;
pub mod modules;
pub mod paths;
pub mod sunset;
pub mod workspace;

pub use workspace::{Workspace, WorkspaceError};

use crate::audit::{self, Record, Tail};
use crate::model::platform::BackendKind;
use crate::plan::{ActionKind, FileChange, Plan, PlannedAction};
use crate::source::Snapshot;
use serde::Serialize;

/// The error returned by [`apply`] when nothing could be applied at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("stale plan: it was made at {planned}, but the repo is now at {current}; plan again")]
    Stale { planned: String, current: String },
    #[error("this plan kept no file texts (it was made to be shown, not applied); plan again to apply")]
    NoTexts,
    #[error("the audit log is broken ({0}); repair it before paved appends to it")]
    AuditBroken(audit::Broken),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    pub applied: Vec<String>,
    /// Actions that failed, with why; the others went ahead.
    pub failed: Vec<(String, String)>,
    pub skipped_audit: Vec<String>,
    pub commit: Option<String>,
    pub audit_file: Option<String>,
    /// The head of the audit chain once the bot commit landed.
    #[serde(skip)]
    pub audit_tail: Option<Tail>,
    /// The bot-owned files the commit wrote or removed.
    pub files: Vec<String>,
    /// Release tags made before the forge actions ran (`paths/<name>/v<version>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tagged: Vec<String>,
    /// What each forge action did (scaffolds, migration PRs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forge: Vec<crate::plan::ActionResult>,
}

impl ApplyReport {
    /// A forge action did something (a repo scaffolded, a PR opened or updated): what is observed changed.
    pub fn moved_the_forge(&self) -> bool {
        self.forge
            .iter()
            .any(|r| r.error.is_none() && !r.outcome.as_deref().is_some_and(|o| o.starts_with("unchanged")))
    }

    /// Add what a follow-up apply did: its actions, its files and its commit, which is now the last.
    pub fn follow(&mut self, next: ApplyReport) {
        self.applied.extend(next.applied);
        self.failed.extend(next.failed);
        self.skipped_audit.extend(next.skipped_audit);
        self.files.extend(next.files);
        self.tagged.extend(next.tagged);
        self.forge.extend(next.forge);
        if next.commit.is_some() {
            self.commit = next.commit;
            self.audit_file = next.audit_file;
            self.audit_tail = next.audit_tail;
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Recorded as the audit actor and commit author.
    pub actor: String,
    /// The audit time (injected so tests can pin it).
    pub now: chrono::DateTime<chrono::Utc>,
    /// Where provisioning actions provision; `None` fails them (a validation-only caller never plans them).
    pub provisioning: Option<crate::provision::Context>,
    /// Scratch space for codemods and clones of forge actions (a fresh temporary directory when `None`).
    pub workdir: Option<std::path::PathBuf>,
}

/// Carry out the provisioning half of `action`. Returns the changes to commit (the status, and any files the
/// backend produced for the repo) and, on failure, the error.
fn provision(action: &PlannedAction, options: &ApplyOptions) -> (Vec<FileChange>, Option<String>) {
    let Some(op) = &action.provision else { return (vec![action.change.clone()], None) };
    let result = match &options.provisioning {
        None => Err("no provisioning context".to_owned()),
        Some(ctx) => match crate::provision::backend_for(&op.target.capability, op.target.backend, ctx) {
            None => Err(format!("no {} backend for {}", op.target.backend.name(), op.target.capability)),
            Some(backend) => {
                let secrets = crate::provision::SecretStore::new(&ctx.state_dir);
                match action.kind {
                    ActionKind::Deprovision => backend.destroy(&op.target, &secrets).map(|_| None),
                    _ => backend.apply(&op.target, &secrets).map(Some),
                }
                .map_err(|e| e.to_string())
            }
        },
    };
    match (result, &action.change) {
        (Ok(applied), change) => {
            let applied = applied.unwrap_or_default();
            let mut changes = vec![match change {
                // Terraform's outputs are known only now: the status records them.
                FileChange::Write { path, before, after } if op.target.backend == BackendKind::Terraform => {
                    let after = crate::provision::status::applied_status(after, &applied, &op.target);
                    FileChange::Write { path: path.clone(), before: before.clone(), after }
                }
                change => change.clone(),
            }];
            let files = applied.repo_files;
            changes.extend(files.into_iter().map(|(path, after)| FileChange::Write { path, before: None, after }));
            if action.kind == ActionKind::Deprovision
                && op.target.capability == crate::model::capability::Capability::Secret
            {
                let (file, list) = crate::provision::secret::repo_paths(&op.target);
                changes.push(FileChange::Delete { path: file, before: String::new() });
                changes.push(FileChange::Delete { path: list, before: String::new() });
            }
            (changes, None)
        }
        (Err(e), FileChange::Write { path, before, after }) => {
            let failed = crate::provision::status::failed_status(after, op.previous_applied.as_deref(), &e);
            (vec![FileChange::Write { path: path.clone(), before: before.clone(), after: failed }], Some(e))
        }
        // A failed deprovision keeps its status file (it still says what exists).
        (Err(e), FileChange::Delete { .. }) => (Vec::new(), Some(e)),
    }
}

/// Apply `plan`, planned from `snapshot`, to `workspace`, reporting each action carried out to `progress`.
///
/// # Errors
/// [`Error::Stale`] when the workspace moved since `snapshot`; [`Error::AuditBroken`] when the existing audit log
/// does not verify; I/O and git failures from the workspace. On error nothing was committed.
pub fn apply(
    plan: &Plan,
    snapshot: &Snapshot,
    workspace: &dyn Workspace,
    forge: Option<&dyn crate::forge::Forge>,
    options: &ApplyOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<ApplyReport, Error> {
    let current = workspace.head()?;
    if let Some(current) = current.as_ref().filter(|c| **c != plan.basis.desired) {
        return Err(Error::Stale { planned: plan.basis.desired.clone(), current: current.clone() });
    }
    if plan.texts == crate::plan::Texts::Dropped {
        return Err(Error::NoTexts);
    }
    let mut report = ApplyReport::default();
    if plan.is_empty() {
        return Ok(report);
    }
    let (audit_files, tail) = audit_state(snapshot)?;
    let audit_path = audit::file_for(&options.now);
    let audit_text = audit_files.iter().find(|(p, _)| *p == audit_path).map(|(_, t)| t.clone()).unwrap_or_default();
    let last_recorded = audit::last_actions(&audit_files.iter().map(|(_, t)| t.as_str()).collect::<String>());

    let mut log = AuditLog { text: audit_text, tail, last_recorded, plan, options, records: 0 };
    let mut changes: Vec<FileChange> = Vec::new();
    let mut trailers = Vec::new();
    // Forge actions first: the campaign pages this commit writes say what they did.
    let campaigns = forge_actions(plan, snapshot, forge, options, progress, &mut report);
    let results = std::mem::take(&mut report.forge);
    for (action, result) in plan.forge.iter().zip(&results) {
        trailers.push(format!("Paved-Action: {}", action.id));
        let details = serde_json::json!({
            "reason": action.reason, "entity": action.entity, "outcome": result.outcome, "error": result.error,
            "conflicts": result.conflicts, "codemodFailures": result.codemod_failures,
        });
        log.record(&mut report, action.id, action.kind, &action.target, result.error.as_deref(), details);
    }
    report.forge = results;
    let file_actions = plan.actions.iter().filter(|a| campaigns.is_none() || a.kind != ActionKind::WriteCampaign);
    let file_actions: Vec<&PlannedAction> = file_actions.chain(campaigns.iter().flatten()).collect();
    progress.phase("applying actions", Some(file_actions.len() as u64));
    for action in &file_actions {
        let (produced, error) = provision(action, options);
        progress.step();
        changes.extend(produced);
        trailers.push(format!("Paved-Action: {}", action.id));
        let details = audit_details(action, error.as_deref());
        log.record(&mut report, action.id, action.kind, &action.target, error.as_deref(), details);
    }
    let AuditLog { text: audit_text, tail, records, .. } = log;
    if records > 0 {
        // The audit record goes first: in a plain directory a crash after it replays the action, and the replay
        // is recognised by its id; a crash before it loses nothing because nothing was done yet.
        changes.insert(0, FileChange::Write { path: audit_path.clone(), before: None, after: audit_text });
        report.audit_file = Some(audit_path);
    }
    report.audit_tail = Some(tail);
    let subject = format!(
        "paved: reconcile {} action(s) at {}",
        plan.forge.len() + file_actions.len(),
        &plan.basis.desired[..plan.basis.desired.len().min(12)]
    );
    let forge_lines = plan.forge.iter().map(|a| format!("{} {}: {}", a.kind.as_str(), a.target, a.reason));
    let file_lines = file_actions.iter().map(|a| format!("{} {}: {}", a.kind.as_str(), a.target, a.reason));
    let body: Vec<String> = forge_lines.chain(file_lines).collect();
    let message = format!("{subject}\n\n{}\n\n{}\n", body.join("\n"), trailers.join("\n"));
    progress.phase(&format!("committing {} file(s)", changes.len()), None);
    report.files = changes.iter().map(|c| c.path().to_owned()).collect();
    report.commit = workspace.commit(&changes, &message, &options.actor, current.as_deref())?;
    Ok(report)
}

/// The audit file being appended to, and the chain's tail.
struct AuditLog<'a> {
    text: String,
    tail: Tail,
    last_recorded: std::collections::HashMap<String, audit::Last>,
    plan: &'a Plan,
    options: &'a ApplyOptions,
    /// Records appended.
    records: usize,
}

impl AuditLog<'_> {
    /// Count the outcome of action `id` in `report` and append its record, unless it replays a recorded success:
    /// an interrupted apply run again must not record a success twice, while every other attempt (a first one,
    /// or one after a recorded failure) gets its record.
    fn record(
        &mut self,
        report: &mut ApplyReport,
        id: crate::plan::ActionId,
        kind: ActionKind,
        target: &str,
        error: Option<&str>,
        details: serde_json::Value,
    ) {
        match error {
            None => report.applied.push(id.to_string()),
            Some(e) => report.failed.push((id.to_string(), e.to_owned())),
        }
        if self.last_recorded.get(target).is_some_and(|last| last.is_recorded_success(id.as_str())) {
            report.skipped_audit.push(id.to_string());
            return;
        }
        let mut record = Record {
            seq: 0,
            time: self.options.now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            actor: self.options.actor.clone(),
            action: id.to_string(),
            kind: kind.as_str().to_owned(),
            target: target.to_owned(),
            basis: self.plan.basis.desired.clone(),
            result: if error.is_some() { audit::FAILED } else { audit::APPLIED }.to_owned(),
            details,
            prev: String::new(),
            hash: String::new(),
        };
        let line = record.seal(&self.tail);
        self.tail = Tail { hash: record.hash.clone(), seq: record.seq };
        self.text.push_str(&line);
        self.text.push('\n');
        self.records += 1;
    }
}

/// Carry out the plan's forge actions into `report.forge`. When any was a path's, the campaign pages are planned
/// again from what they did (a PR just opened has its number now): those replace the plan's campaign actions.
fn forge_actions(
    plan: &Plan,
    snapshot: &Snapshot,
    forge: Option<&dyn crate::forge::Forge>,
    options: &ApplyOptions,
    progress: &dyn crate::progress::Progress,
    report: &mut ApplyReport,
) -> Option<Vec<PlannedAction>> {
    if plan.forge.is_empty() {
        return None;
    }
    let paths_options = paths::PathsOptions { actor: options.actor.clone(), workdir: options.workdir.clone() };
    report.forge = match forge {
        Some(forge) => paths::execute(&plan.forge, snapshot, forge, &paths_options, progress),
        None => paths::execute_without_forge(&plan.forge),
    }
    .results;
    let moved = plan.forge.iter().any(|a| matches!(a.kind, ActionKind::ScaffoldRepo | ActionKind::MigratePath));
    moved.then(|| {
        let rows = crate::plan::campaign::after(&plan.rollout.drift, &report.forge);
        let reports = crate::observe::reports(snapshot);
        crate::plan::forge::campaign_pages(&rows, &plan.rollout.released, &plan.rollout.now, &reports)
    })
}

/// What an audit record says about an action: why, which file, and for requests who asked, the verdict, the
/// approvers the policies required, and the provisioned target (parameters included; secret ones are redacted
/// before planning, and secret values are never in a plan).
fn audit_details(action: &PlannedAction, error: Option<&str>) -> serde_json::Value {
    let mut d = serde_json::json!({ "reason": action.reason, "path": action.change.path() });
    // Only a provisioning action's status is a request status (parsing every entity's was a second per 25,000).
    if action.provision.is_some()
        && let FileChange::Write { after, .. } = &action.change
        && let Ok(status) = serde_yaml::from_str::<crate::provision::status::RequestStatus>(after)
    {
        d["requestedBy"] = serde_json::json!(status.requested_by);
        d["verdict"] = serde_json::json!(status.verdict);
        d["backend"] = serde_json::json!(status.backend);
        d["applied"] = serde_json::json!(status.applied);
    }
    if let Some(op) = &action.provision {
        d["target"] = serde_json::json!(op.target);
    }
    if let Some(e) = error {
        d["error"] = serde_json::json!(e);
    }
    d
}

/// The audit files of the snapshot, in order, and the tail of their chain (verified).
fn audit_state(snapshot: &Snapshot) -> Result<(Vec<(String, String)>, Tail), Error> {
    let mut files = Vec::new();
    for entry in snapshot.under("audit").filter(|e| e.path.ends_with(".jsonl")) {
        let text = snapshot.read_text(entry).map_err(|f| {
            Error::AuditBroken(audit::Broken {
                path: entry.path.clone(),
                line: f.pos.line as usize,
                message: f.message,
            })
        })?;
        files.push((entry.path.clone(), text));
    }
    let (tail, _) = audit::verify(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))).map_err(Error::AuditBroken)?;
    Ok((files, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ActionId, Basis, ProvisionOp, Texts};

    const STATUS: &str = "status/requests/payments/scratch.yaml";

    /// One apply of the action `id` on a plain directory: with `fails`, its provisioning half fails (there is
    /// no provisioning context); otherwise it only writes its status.
    fn attempt(dir: &std::path::Path, id: ActionId, fails: bool) -> ApplyReport {
        let target = serde_json::from_value(serde_json::json!({
            "team": "payments", "name": "scratch", "capability": "scratch-store", "backend": "terraform"
        }))
        .expect("a target");
        let action = PlannedAction {
            id,
            kind: ActionKind::Provision,
            target: "request:payments/scratch".into(),
            reason: "new request".into(),
            change: FileChange::Write { path: STATUS.into(), before: None, after: "phase: Ready\n".into() },
            provision: fails.then(|| Box::new(ProvisionOp { target, previous_applied: None })),
        };
        let plan = Plan {
            basis: Basis { desired: "worktree".into(), observed: String::new() },
            actions: vec![action],
            forge: vec![],
            rollout: Default::default(),
            errored: false,
            complete: true,
            texts: Texts::Kept,
        };
        let snapshot = Snapshot::worktree(dir).expect("snapshot");
        let options = ApplyOptions {
            actor: "paved".into(),
            now: chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").expect("time").to_utc(),
            provisioning: None,
            workdir: None,
        };
        let lease = crate::lock::lease_for_tests(&dir.join(".state"));
        let workspace = workspace::for_dir(dir, &lease);
        apply(&plan, &snapshot, workspace.as_ref(), None, &options, &crate::progress::Silent).expect("applied")
    }

    fn results(dir: &std::path::Path) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(dir.join("audit/2026-12.jsonl")).expect("audit log");
        assert!(audit::verify([("audit/2026-12.jsonl", text.as_str())]).is_ok(), "{text}");
        text.lines().map(|l| serde_json::from_str::<Record>(l).expect("record")).map(|r| (r.action, r.result)).collect()
    }

    #[test]
    fn each_attempt_is_recorded_and_each_success_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let id = ActionId::new(ActionKind::Provision, "request:payments/scratch", b"size: 10");
        let failed = attempt(dir.path(), id, true);
        assert_eq!(failed.failed.len(), 1, "{failed:?}");
        let again = attempt(dir.path(), id, true);
        assert!(again.skipped_audit.is_empty(), "a second failure is a second attempt: {again:?}");
        let succeeded = attempt(dir.path(), id, false);
        assert_eq!((succeeded.applied.len(), succeeded.skipped_audit.len()), (1, 0), "{succeeded:?}");
        let ids = |r: &[&str]| r.iter().map(|r| (id.to_string(), (*r).to_owned())).collect::<Vec<_>>();
        assert_eq!(results(dir.path()), ids(&["failed", "failed", "applied"]));

        // A replay of the recorded success (a crash after its record landed) is not recorded again.
        let replay = attempt(dir.path(), id, false);
        assert_eq!(replay.skipped_audit, vec![id.to_string()]);
        assert_eq!(results(dir.path()), ids(&["failed", "failed", "applied"]));
    }
}
