//! Module migrations in the plan: when a capability module ships a breaking (major) version with a migration of
//! request files, one PR on the platform repo migrates every affected request, so consuming teams do none of the
//! work. Requests keep working at their old version until that PR merges.
//!
//! Pure: the rewrite ([`migrate_request`]) takes a file's text and the module; [`plan`] takes the rewritten files
//! and the platform repo's paved PRs as observed.
//!
//! # Guarantees
//! - One branch per module and major version, `paved/module/<module>-v<major>`; its action id is the one
//!   `paved modules migrate` gave before module migrations were planned (kind `status.write` hashed with the
//!   branch and the PR body), so an upgrade finds the PR it opened before.
//! - A PR a human closed is not reopened for that major version; an open PR whose body already says what the
//!   plan would write is left alone.

use super::{ActionId, ActionKind, ForgeAction, ForgeWork, Migrated};
use crate::forge::{PrState, PullRequest};
use crate::model::Model;
use crate::model::library::Module;
use serde_yaml::Value;

/// Rewrite a request file written for an older major of `module`. `None` when it is current.
///
/// # Errors
/// A missing migration step, or a file that is not a request mapping.
pub fn migrate_request(path: &str, text: &str, module: &Module) -> Result<Option<Migrated>, String> {
    let mut doc: Value = serde_yaml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
    let target = module.version.major;
    let spec = doc.get_mut("spec").and_then(Value::as_mapping_mut).ok_or_else(|| format!("{path}: no spec mapping"))?;
    let Some(from) = spec.get("moduleVersion").and_then(Value::as_u64) else { return Ok(None) };
    if from >= target {
        return Ok(None);
    }
    let mut params = spec.get("parameters").and_then(Value::as_mapping).cloned().unwrap_or_default();
    let mut notes = Vec::new();
    for step in from..target {
        let m = module
            .spec
            .migrations
            .iter()
            .find(|m| m.from == step)
            .ok_or_else(|| format!("module {} has no migration from major version {step}", module.name))?;
        for (old, new) in &m.rename_parameters {
            if let Some(v) = params.remove(old.as_str()) {
                params.insert(Value::String(new.clone()), v);
                notes.push(format!("renamed `{old}` to `{new}`"));
            }
        }
        for (k, v) in &m.set_parameters {
            if !params.contains_key(k) {
                params.insert(k.clone(), v.clone());
                notes.push(format!(
                    "set `{}` to {}",
                    k.as_str().unwrap_or_default(),
                    serde_yaml::to_string(v).unwrap_or_default().trim()
                ));
            }
        }
        for name in &m.remove_parameters {
            if params.remove(name.as_str()).is_some() {
                notes.push(format!("removed `{name}`"));
            }
        }
    }
    spec.insert(Value::String("parameters".into()), Value::Mapping(params));
    spec.insert(Value::String("moduleVersion".into()), Value::Number(target.into()));
    notes.push(format!("moduleVersion {from} → {target}"));
    // Keep the file's leading comment: it is the team's, and says why the request exists.
    let header: String = text.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    let body = serde_yaml::to_string(&doc).map_err(|e| format!("{path}: {e}"))?;
    Ok(Some(Migrated { path: path.to_owned(), from, to: target, text: format!("{header}{body}"), notes }))
}

/// Every request that needs migrating, by module: (module, migrated files).
pub fn pending(
    model: &Model,
    text_of: impl Fn(&str) -> Option<String>,
) -> Vec<(String, Result<Vec<Migrated>, String>)> {
    let mut out = Vec::new();
    for module in model.modules.values() {
        let mut files = Vec::new();
        let mut error = None;
        for r in model.requests.values().filter(|r| r.spec.capability == module.name) {
            // Only requests written for an older major are read again (most name the current one).
            if r.spec.module_version.is_none_or(|v| v >= module.version.major) {
                continue;
            }
            let Some(text) = text_of(&r.path) else { continue };
            match migrate_request(&r.path, &text, module) {
                Ok(Some(m)) => files.push(m),
                Ok(None) => {}
                Err(e) => error = Some(e),
            }
        }
        match error {
            Some(e) => out.push((module.name.clone(), Err(e))),
            None if !files.is_empty() => out.push((module.name.clone(), Ok(files))),
            None => {}
        }
    }
    out
}

/// Why a module with pending migrations has no action in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub module: String,
    pub requests: usize,
    /// `Ok`: nothing to do (the PR is current, or a human closed it); `Err`: the requests cannot be rewritten.
    pub note: Result<String, String>,
}

/// The branch of a module's migration PR for `major`.
pub fn branch(module: &str, major: u64) -> String {
    format!("paved/module/{module}-v{major}")
}

/// Plan the migration PR of every module with pending request migrations (`pending`, from [`pending`]), given the
/// platform repo's paved PRs as observed (`prs`). A module whose requests cannot all be rewritten is reported in
/// `errors` and gets no PR.
pub fn plan(
    model: &Model,
    platform_repo: &str,
    pending: &[(String, Result<Vec<Migrated>, String>)],
    prs: &[PullRequest],
    actions: &mut Vec<ForgeAction>,
    notes: &mut Vec<Note>,
) {
    for (name, files) in pending {
        let files = match files {
            Ok(files) => files,
            Err(e) => {
                notes.push(Note { module: name.clone(), requests: 0, note: Err(e.clone()) });
                continue;
            }
        };
        let Some(module) = model.modules.get(name) else { continue };
        let major = module.version.major;
        let branch = branch(name, major);
        let on_branch: Vec<&PullRequest> = prs.iter().filter(|p| p.head == branch).collect();
        let note = |note: String| Note { module: name.clone(), requests: files.len(), note: Ok(note) };
        if on_branch.iter().any(|p| p.state == PrState::Closed) {
            notes.push(note(format!("closed by a human: not reopened for {name} v{major}")));
            continue;
        }
        let (title, body) = pr_text(module, files);
        if let Some(open) = on_branch.iter().find(|p| p.state == PrState::Open && p.body == body) {
            notes.push(note(format!("unchanged #{}", open.number)));
            continue;
        }
        // The id `paved modules migrate` gave these PRs before they were planned (see the module docs).
        let id = ActionId::new(ActionKind::WriteStatus, &branch, body.as_bytes());
        actions.push(ForgeAction {
            id,
            kind: ActionKind::MigrateModule,
            target: platform_repo.to_owned(),
            entity: format!("module:{name}"),
            reason: format!("{} request(s) written for an older major of {name} v{major}", files.len()),
            work: ForgeWork::MigrateModule { module: name.clone(), branch, title, body, files: files.clone() },
        });
    }
}

/// The title and body of a module's migration PR.
fn pr_text(module: &Module, files: &[Migrated]) -> (String, String) {
    let major = module.version.major;
    let title = format!("Migrate {} request(s) to the {} module v{major}", files.len(), module.name);
    let mut body = format!(
        "paved migrates every request written for an older major version of the `{}` module. The requests keep \
         working at their old version until this PR merges.\n\n",
        module.name
    );
    for m in module.spec.migrations.iter().filter(|m| m.to <= major) {
        if let Some(d) = &m.description {
            body.push_str(&format!("- **v{} → v{}**: {d}\n", m.from, m.to));
        }
    }
    body.push_str("\n| request | changes |\n|---|---|\n");
    for f in files {
        body.push_str(&format!("| `{}` | {} |\n", f.path, f.notes.join("; ")));
    }
    (title, body)
}

#[cfg(test)]
mod tests {
    //! The module migration planner as a table: the example's `feature-flag` module with requests pending
    //! migration, paved's PRs on the platform repo observed each way, and what each gives.

    use super::*;
    use crate::model::example;

    fn pending() -> Vec<(String, Result<Vec<Migrated>, String>)> {
        let file = Migrated {
            path: "requests/storefront/new-checkout-flow.yaml".into(),
            from: 0,
            to: 1,
            text: "migrated\n".into(),
            notes: vec!["moduleVersion 0 → 1".into()],
        };
        vec![("feature-flag".into(), Ok(vec![file]))]
    }

    fn pr(state: PrState, body: &str) -> PullRequest {
        serde_json::from_value(serde_json::json!({
            "number": 4, "repo": "acme/platform", "title": "t", "body": body,
            "head": branch("feature-flag", 1), "base": "main", "state": state, "author": "paved",
            "head_commit": "h", "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z",
        }))
        .expect("a pull request")
    }

    /// The actions (as `module branch existing-body?`) and the notes of planning with `prs`.
    fn plan_with(pending: &[(String, Result<Vec<Migrated>, String>)], prs: &[PullRequest]) -> (Vec<String>, Vec<Note>) {
        let (mut actions, mut notes) = (Vec::new(), Vec::new());
        plan(&example(), "acme/platform", pending, prs, &mut actions, &mut notes);
        let actions = actions
            .iter()
            .map(|a| match &a.work {
                ForgeWork::MigrateModule { module, branch, .. } => format!("{} {module} {branch}", a.kind.as_str()),
                other => panic!("a module migration, not {other:?}"),
            })
            .collect();
        (actions, notes)
    }

    #[test]
    fn each_observed_pr_gives_its_action_or_note() {
        let (actions, notes) = plan_with(&pending(), &[]);
        assert_eq!(actions, ["module.migrate feature-flag paved/module/feature-flag-v1"]);
        assert!(notes.is_empty());
        let mut first = Vec::new();
        plan(&example(), "acme/platform", &pending(), &[], &mut first, &mut Vec::new());
        let ForgeWork::MigrateModule { body, .. } = &first[0].work else { panic!("a module migration") };

        let note = |prs: &[PullRequest]| {
            let (actions, notes) = plan_with(&pending(), prs);
            (actions.len(), notes.into_iter().map(|n| n.note).collect::<Vec<_>>())
        };
        assert_eq!(note(&[pr(PrState::Open, body)]), (0, vec![Ok("unchanged #4".to_owned())]), "the PR says it all");
        assert_eq!(note(&[pr(PrState::Open, "older text")]), (1, vec![]), "the open PR is brought up to date");
        assert_eq!(
            note(&[pr(PrState::Closed, body)]),
            (0, vec![Ok("closed by a human: not reopened for feature-flag v1".to_owned())])
        );
        let broken = vec![("feature-flag".to_owned(), Err("requests/x.yaml: no spec mapping".to_owned()))];
        let (actions, notes) = plan_with(&broken, &[]);
        assert!(actions.is_empty());
        assert_eq!(notes[0].note, Err("requests/x.yaml: no spec mapping".to_owned()));
    }

    #[test]
    fn the_id_is_the_one_modules_migrate_gave_before_it_was_planned() {
        let mut actions = Vec::new();
        plan(&example(), "acme/platform", &pending(), &[], &mut actions, &mut Vec::new());
        let ForgeWork::MigrateModule { branch, body, .. } = &actions[0].work else { panic!("a module migration") };
        assert_eq!(actions[0].id, ActionId::new(ActionKind::WriteStatus, branch, body.as_bytes()));
    }
}
