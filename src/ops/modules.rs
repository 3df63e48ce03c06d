//! `paved modules migrate`: when a capability module ships a breaking (major) version with a migration of request
//! files, open one PR on the platform repo that migrates every affected request, so consuming teams do none of
//! the work. Requests keep working at their old version until that PR merges.
//!
//! The rewrite itself ([`migrate_request`]) is pure: renames, new parameters with their values, removed
//! parameters and `moduleVersion`, applied step by step through every major version in between. The PR is kept
//! up to date on one branch per module and major version; a PR a human closed is not reopened.

use super::RepoOptions;
use crate::forge::local::git;
use crate::forge::{Forge, NewPr, PrState};
use crate::model::library::Module;
use crate::model::{Loaded, cache::ParseCache};
use serde_yaml::Value;
use std::path::Path;

/// One request file rewritten for a module's current major version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub path: String,
    pub from: u64,
    pub to: u64,
    pub text: String,
    /// What changed, for the PR body.
    pub notes: Vec<String>,
}

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
pub fn pending(loaded: &Loaded, snapshot: &crate::source::Snapshot) -> Vec<(String, Result<Vec<Migrated>, String>)> {
    let mut out = Vec::new();
    for module in loaded.model.modules.values() {
        let mut files = Vec::new();
        let mut error = None;
        for r in loaded.model.requests.values().filter(|r| r.spec.capability == module.name) {
            let Some(text) = snapshot.get(&r.path).and_then(|e| snapshot.read_text(e).ok()) else { continue };
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

/// What happened to one module's migration PR.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub module: String,
    pub requests: usize,
    pub result: Result<String, String>,
}

/// Open or update the migration PR of every module with pending request migrations.
pub fn migrate(options: &RepoOptions, cache: &ParseCache, dry_run: bool) -> anyhow::Result<Vec<Outcome>> {
    let _lease = if dry_run { None } else { Some(super::lock_platform(options)?) };
    let snapshot = super::open_snapshot(options)?;
    let loaded = crate::model::load(&snapshot, cache, &crate::model::LoadOptions { strict: options.strict });
    let forge = super::local_forge(options, &loaded);
    let platform_repo = loaded.model.platform.spec.repos.platform.clone();
    let mut outcomes = Vec::new();
    for (module, files) in pending(&loaded, &snapshot) {
        let files = match files {
            Ok(f) => f,
            Err(e) => {
                outcomes.push(Outcome { module, requests: 0, result: Err(e) });
                continue;
            }
        };
        let requests = files.len();
        let result = match (&forge, &platform_repo, dry_run) {
            (_, _, true) => Ok("dry run: no PR".to_owned()),
            (None, _, _) => Err("no forge configured".to_owned()),
            (_, None, _) => Err("platform.yaml names no platform repo (spec.repos.platform)".to_owned()),
            (Some(forge), Some(repo), false) => {
                let m = &loaded.model.modules[&module];
                open_pr(forge, repo, m, &files).map_err(|e| format!("{e:#}"))
            }
        };
        outcomes.push(Outcome { module, requests, result });
    }
    Ok(outcomes)
}

fn open_pr(forge: &dyn Forge, repo: &str, module: &Module, files: &[Migrated]) -> anyhow::Result<String> {
    let info = forge.get_repo(repo)?.ok_or_else(|| anyhow::anyhow!("{repo} is not on the forge"))?;
    let major = module.version.major;
    let branch = format!("paved/module/{}-v{major}", module.name);
    let prs = forge.list_prs(repo, None)?;
    if prs.iter().any(|p| p.head == branch && p.state == PrState::Closed) {
        return Ok(format!("closed by a human: not reopened for {} v{major}", module.name));
    }
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path().join("platform");
    let url = std::fs::canonicalize(&info.clone_url).map(|p| p.display().to_string()).unwrap_or(info.clone_url.clone());
    git(scratch.path(), &["clone", "--quiet", &url, &dir.to_string_lossy()])?;
    git(&dir, &["checkout", "--quiet", "-B", &branch, &format!("origin/{}", info.default_branch)])?;
    for f in files {
        let path = dir.join(&f.path);
        anyhow::ensure!(Path::new(&f.path).starts_with("requests"), "refusing to write {}", f.path);
        std::fs::write(&path, &f.text)?;
    }
    git(&dir, &["add", "--all", "requests"])?;
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
    let id = crate::plan::ActionId::new(crate::plan::ActionKind::WriteStatus, &branch, body.as_bytes());
    let message = format!("{title}\n\nPaved-Action: {id}\n");
    let author = ["-c", "user.name=paved", "-c", "user.email=paved@paved.local", "-c", "commit.gpgsign=false"];
    let mut commit: Vec<&str> = author.to_vec();
    commit.extend(["commit", "--quiet", "--no-verify", "--allow-empty", "-m", &message]);
    git(&dir, &commit)?;
    let remote_tree = git(&dir, &["rev-parse", "--verify", "--quiet", &format!("origin/{branch}^{{tree}}")]).ok();
    let local_tree = git(&dir, &["rev-parse", "HEAD^{tree}"])?;
    if remote_tree.as_deref() != Some(local_tree.as_str()) {
        git(&dir, &["push", "--quiet", "--force", &url, &format!("HEAD:refs/heads/{branch}")])?;
    }
    match prs.iter().find(|p| p.head == branch && p.state == PrState::Open) {
        Some(pr) if pr.body == body && remote_tree.as_deref() == Some(local_tree.as_str()) => {
            Ok(format!("unchanged #{}", pr.number))
        }
        Some(pr) => {
            forge.update_pr(repo, pr.number, Some(&title), Some(&body))?;
            Ok(format!("updated #{}", pr.number))
        }
        None => {
            let pr = forge.open_pr(
                repo,
                NewPr {
                    head: branch.clone(),
                    base: info.default_branch.clone(),
                    title,
                    body,
                    author: "paved".into(),
                    labels: vec!["paved".into(), "paved:module-migration".into()],
                },
            )?;
            Ok(format!("opened #{}", pr.number))
        }
    }
}
