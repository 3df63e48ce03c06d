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
pub mod paths;
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
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Recorded as the audit actor and commit author.
    pub actor: String,
    /// The audit time (injected so tests can pin it).
    pub now: chrono::DateTime<chrono::Utc>,
    /// Where provisioning actions provision; `None` fails them (a validation-only caller never plans them).
    pub provisioning: Option<crate::provision::Context>,
}

/// Carry out the provisioning half of `action`. Returns the changes to commit (the status, and any files the
/// backend produced for the repo) and, on failure, the error.
fn provision(action: &PlannedAction, options: &ApplyOptions) -> (Vec<FileChange>, Option<String>) {
    let Some(op) = &action.provision else { return (vec![action.change.clone()], None) };
    let result = match &options.provisioning {
        None => Err("no provisioning context".to_owned()),
        Some(ctx) => match crate::provision::backend_for(&op.target.capability, op.target.backend, ctx) {
            None => Err(format!("no {:?} backend for {}", op.target.backend, op.target.capability)),
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
            if action.kind == ActionKind::Deprovision && op.target.capability == "secret" {
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
    let mut audit_text = audit_files.iter().find(|(p, _)| *p == audit_path).map(|(_, t)| t.clone()).unwrap_or_default();
    let last_recorded = audit::last_actions(&audit_files.iter().map(|(_, t)| t.as_str()).collect::<String>());

    let mut tail = tail;
    let mut changes: Vec<FileChange> = Vec::new();
    let mut trailers = Vec::new();
    progress.phase("applying actions", Some(plan.actions.len() as u64));
    for action in &plan.actions {
        let (produced, error) = provision(action, options);
        progress.step();
        changes.extend(produced);
        trailers.push(format!("Paved-Action: {}", action.id));
        match &error {
            None => report.applied.push(action.id.to_string()),
            Some(e) => report.failed.push((action.id.to_string(), e.clone())),
        }
        // A replay of an interrupted apply whose success was already recorded must not be recorded twice; every
        // other attempt (a first one, or one after a recorded failure) gets its record.
        if last_recorded.get(&action.target).is_some_and(|last| last.is_recorded_success(action.id.as_str())) {
            report.skipped_audit.push(action.id.to_string());
            continue;
        }
        let mut record = Record {
            seq: 0,
            time: options.now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            actor: options.actor.clone(),
            action: action.id.to_string(),
            kind: action.kind.as_str().to_owned(),
            target: action.target.clone(),
            basis: plan.basis.desired.clone(),
            result: if error.is_some() { audit::FAILED } else { audit::APPLIED }.to_owned(),
            details: audit_details(action, error.as_deref()),
            prev: String::new(),
            hash: String::new(),
        };
        let line = record.seal(&tail);
        tail = Tail { hash: record.hash.clone(), seq: record.seq };
        audit_text.push_str(&line);
        audit_text.push('\n');
    }
    if report.skipped_audit.len() < plan.actions.len() {
        // The audit record goes first: in a plain directory a crash after it replays the action, and the replay
        // is recognised by its id; a crash before it loses nothing because nothing was done yet.
        changes.insert(0, FileChange::Write { path: audit_path.clone(), before: None, after: audit_text });
        report.audit_file = Some(audit_path);
    }
    report.audit_tail = Some(tail);
    let subject = format!(
        "paved: reconcile {} action(s) at {}",
        plan.actions.len(),
        &plan.basis.desired[..plan.basis.desired.len().min(12)]
    );
    let body: Vec<String> =
        plan.actions.iter().map(|a| format!("{} {}: {}", a.kind.as_str(), a.target, a.reason)).collect();
    let message = format!("{subject}\n\n{}\n\n{}\n", body.join("\n"), trailers.join("\n"));
    progress.phase(&format!("committing {} file(s)", changes.len()), None);
    report.commit = workspace.commit(&changes, &message, &options.actor, current.as_deref())?;
    Ok(report)
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
            errored: false,
            complete: true,
            texts: Texts::Kept,
        };
        let snapshot = Snapshot::worktree(dir).expect("snapshot");
        let options = ApplyOptions {
            actor: "paved".into(),
            now: chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").expect("time").to_utc(),
            provisioning: None,
        };
        let lease = crate::lock::lease_for_tests(&dir.join(".state"));
        let workspace = workspace::for_dir(dir, &lease);
        apply(&plan, &snapshot, workspace.as_ref(), &options, &crate::progress::Silent).expect("applied")
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
