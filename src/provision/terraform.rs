//! The terraform backend: a root module rendered per request (one `module` block calling the capability module,
//! every value an escaped literal), then the Terraform CLI: `init`, `plan -out`, `show -json` (the plan JSON is
//! judged by the policies before anything is applied), `apply` of exactly that plan, and `output -json`.
//! Each request keeps its own working directory and state under `<state>/terraform/<team>/<name>/`.
//!
//! Observation runs `plan -detailed-exitcode`: no state is Absent, exit 2 is drift (something changed out of
//! band, or the request did), an error (a provider that cannot be installed, say) marks the request Blocked with
//! Terraform's own words. The binary is `$PAVED_TERRAFORM`, else `terraform` on PATH.

use super::{Applied, Backend, Context, Error, Observation, SecretStore, Target};
use crate::model::request::{Params, Request, RequestSpec};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// No Terraform command may run longer than this.
const TIMEOUT: Duration = Duration::from_secs(600);

pub struct Terraform {
    binary: String,
    work: PathBuf,
    repo_root: Option<PathBuf>,
    judge: Option<super::PlanJudge>,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Backend { backend: "terraform", message: e.to_string() }
}

/// Why a run of the Terraform CLI failed: an observation's reason, or (after `terraform: `) an apply's error.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("cannot run the Terraform CLI `{binary}`: {source}; install it, or set PAVED_TERRAFORM")]
    Spawn { binary: String, source: std::io::Error },
    /// Waiting for it failed.
    #[error(transparent)]
    Wait(#[from] std::io::Error),
    #[error("terraform {command} took longer than {}s", TIMEOUT.as_secs())]
    Timeout { command: String },
    /// It exited with an error: Terraform's message, its box drawing removed.
    #[error("terraform {command} failed: {message}")]
    Failed { command: String, message: String },
}

impl Terraform {
    pub fn new(ctx: &Context) -> Self {
        Terraform {
            binary: std::env::var("PAVED_TERRAFORM").unwrap_or_else(|_| "terraform".to_owned()),
            work: ctx.state_dir.join("terraform"),
            repo_root: ctx.repo_root.clone(),
            judge: ctx.plan_judge.clone(),
        }
    }

    fn dir(&self, t: &Target) -> PathBuf {
        self.work.join(&t.team).join(&t.name)
    }

    /// Run `terraform <args>` in `dir`, bounded in time; stdout on success, Terraform's message otherwise.
    fn run(&self, dir: &Path, args: &[&str]) -> Result<(i32, String), RunError> {
        let mut child = Command::new(&self.binary)
            .args(args)
            .current_dir(dir)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|source| RunError::Spawn { binary: self.binary.clone(), source })?;
        let started = std::time::Instant::now();
        loop {
            match child.try_wait()? {
                Some(_) => break,
                None if started.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    return Err(RunError::Timeout { command: args[0].to_owned() });
                }
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        let out = child.wait_with_output()?;
        let code = out.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if code == 0 || (code == 2 && args.contains(&"-detailed-exitcode")) {
            return Ok((code, stdout));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message: Vec<&str> =
            stderr.lines().filter(|l| !l.trim().is_empty() && !l.contains("CLI configuration")).take(12).collect();
        let message = message.join(" ").replace("│", "").replace("╷", "").replace("╵", "");
        Err(RunError::Failed { command: args[0].to_owned(), message })
    }

    /// Write the root module for `t` (the module source is the platform repo's own copy), passing every variable
    /// the module declares in any of its `.tf` files.
    fn prepare(&self, t: &Target) -> Result<PathBuf, Error> {
        use crate::render::{terraform, tf_module};
        let root = self.repo_root.as_ref().ok_or_else(|| err("no platform repo to take the module from"))?;
        let module_dir = root.join("modules").join(t.capability.as_str());
        let source = std::fs::canonicalize(&module_dir).map_err(|e| err(format!("{}: {e}", module_dir.display())))?;
        let declared = tf_module::read_dir(&source, &format!("modules/{}", t.capability)).map_err(err)?;
        let version = module_version(t, &source);
        let request = request_of(t);
        let mut text =
            terraform::root_module_for(&request, version, &source.display().to_string(), &declared).map_err(err)?;
        text.push_str(&terraform::output_blocks(&declared.outputs));
        let dir = self.dir(t);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
        std::fs::write(dir.join("main.tf"), text).map_err(|source| Error::Io { path: dir.join("main.tf"), source })?;
        Ok(dir)
    }
}

/// The request a provisioning target was planned from, as far as its root module needs it: its parameters as
/// recorded, and the context (environment, deletion protection) the target carries.
fn request_of(target: &Target) -> Request {
    Request {
        path: format!("requests/{}/{}.yaml", target.team, target.name),
        team: target.team.clone(),
        name: target.name.clone(),
        requested_by: None,
        spec: std::sync::Arc::new(RequestSpec {
            capability: target.capability.clone(),
            parameters: serde_yaml::to_value(&target.parameters)
                .ok()
                .and_then(|v| v.as_mapping().map(Params::from))
                .unwrap_or_default(),
            environment: target.environment,
            deletion_protection: target.deletion_protection,
            ..Default::default()
        }),
        positions: Default::default(),
    }
}

/// The version of the module `t` calls: as planned; for a target recorded before paved kept it, as the module's
/// `module.yaml` says.
fn module_version(t: &Target, source: &Path) -> semver::Version {
    let planned = t.module_version.as_deref().and_then(|v| semver::Version::parse(v).ok());
    planned
        .or_else(|| {
            let text = std::fs::read_to_string(source.join("module.yaml")).ok()?;
            let doc: serde_yaml::Value = serde_yaml::from_str(&text).ok()?;
            semver::Version::parse(doc["spec"]["version"].as_str()?).ok()
        })
        .unwrap_or(semver::Version::new(0, 0, 0))
}

impl Backend for Terraform {
    fn observe(&self, t: &Target) -> Observation {
        if !self.dir(t).join("terraform.tfstate").exists() {
            return Observation::Absent;
        }
        let dir = match self.prepare(t) {
            Ok(d) => d,
            Err(e) => return Observation::Unavailable { reason: e.to_string() },
        };
        let run = self
            .run(&dir, &["init", "-input=false", "-no-color"])
            .and_then(|_| self.run(&dir, &["plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode"]));
        match run {
            Ok((2, _)) => Observation::Present { drift: Some("terraform plan shows changes".into()) },
            Ok(_) => Observation::Present { drift: None },
            Err(e) => Observation::Unavailable { reason: e.to_string() },
        }
    }

    fn apply(&self, t: &Target, secrets: &SecretStore) -> Result<Applied, Error> {
        let dir = self.prepare(t)?;
        self.run(&dir, &["init", "-input=false", "-no-color"]).map_err(err)?;
        self.run(&dir, &["plan", "-input=false", "-no-color", "-out=paved.tfplan"]).map_err(err)?;
        let (_, plan_json) = self.run(&dir, &["show", "-json", "-no-color", "paved.tfplan"]).map_err(err)?;
        let plan: serde_json::Value = serde_json::from_str(&plan_json).map_err(|e| err(format!("plan JSON: {e}")))?;
        if let Some(judge) = &self.judge {
            let verdict = judge(t, &plan).map_err(err)?;
            if !verdict.allowed() {
                let reasons: Vec<&str> = verdict.deny.iter().map(|m| m.message.as_str()).collect();
                return Err(err(format!("the plan is denied by policy: {}", reasons.join("; "))));
            }
        }
        self.run(&dir, &["apply", "-input=false", "-no-color", "-auto-approve", "paved.tfplan"]).map_err(err)?;
        let (_, outputs) = self.run(&dir, &["output", "-json", "-no-color"]).map_err(err)?;
        let outputs: serde_json::Value = serde_json::from_str(&outputs).unwrap_or_default();
        let mut applied = Applied::default();
        let mut stored = secrets.read(&t.team, &t.name);
        for (name, o) in outputs.as_object().into_iter().flatten() {
            let value = match &o["value"] {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            if o["sensitive"].as_bool() == Some(true) {
                stored.insert(name.clone(), value);
            } else {
                applied.outputs.insert(name.clone(), value);
            }
        }
        if !stored.is_empty() {
            secrets.write(&t.team, &t.name, &stored)?;
        }
        applied.secrets = stored;
        Ok(applied)
    }

    fn destroy(&self, t: &Target, secrets: &SecretStore) -> Result<(), Error> {
        let dir = self.prepare(t)?;
        self.run(&dir, &["init", "-input=false", "-no-color"]).map_err(err)?;
        self.run(&dir, &["destroy", "-input=false", "-no-color", "-auto-approve"]).map_err(err)?;
        secrets.remove(&t.team, &t.name);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
