//! Paved paths in the plan: which service repos to scaffold, which are behind their path and need a migration PR,
//! and the drift table `paved paths status` prints. Pure: the catalogue of versions and the observed service repos
//! come in as values.
//!
//! # Guarantees
//! - A scaffold action's id hashes the repo, path, version and answers; a migration's id hashes the repo, path and
//!   the version step, so re-running (even after the repo moved) targets the same branch, `paved/migrate/<id>`.
//! - A migration whose PR a human closed is not planned again for that target version.
//! - At most `max_new_prs` migration PRs are newly opened per run; open ones are kept up to date regardless.
//! - One service's bad input (no answers file, unknown version) is a row error; every other service proceeds.

use super::{ActionId, ActionKind, ForgeAction, ForgeWork};
use crate::forge::PrState;
use crate::model::entity_ref::EntityRef;
use crate::model::{Model, annotations};
use crate::observe::services::{MIGRATION_BRANCH_PREFIX, Services};
use crate::render::AnswersFile;
use serde::Serialize;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// Per path: every version that can be rendered, and the parameter names of the latest.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub versions: BTreeMap<String, Vec<semver::Version>>,
    pub parameters: BTreeMap<String, Vec<String>>,
}

/// How a service stands against its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftState {
    UpToDate,
    Behind,
    /// The repo does not exist yet: it will be scaffolded.
    Missing,
    Error,
}

/// One row of `paved paths status`.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDrift {
    pub entity: String,
    pub repo: String,
    pub path: String,
    /// `latest` or a semver range.
    pub allowed: String,
    pub current: Option<String>,
    pub target: Option<String>,
    /// How many released versions lie between current and target.
    pub behind: usize,
    pub state: DriftState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The migration PR, when one exists for the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr: Option<String>,
    /// Where the rollout of `target` stands for this repo (the campaign page's column).
    pub campaign: CampaignState,
}

/// A repo's state in the campaign that rolls out one version of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignState {
    /// Behind, no PR yet (held by the cap, or to be opened).
    Pending,
    Open,
    /// On the target version.
    Merged,
    /// A human closed the PR.
    Closed,
    Failed,
    /// The PR is open with conflicts to resolve.
    Conflicted,
}

impl CampaignState {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Pending => "pending",
            CampaignState::Open => "open",
            CampaignState::Merged => "merged",
            CampaignState::Closed => "closed",
            CampaignState::Failed => "failed",
            CampaignState::Conflicted => "conflicted",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PathsPlan {
    pub actions: Vec<ForgeAction>,
    pub drift: Vec<ServiceDrift>,
    /// Migrations held back by the cap, or skipped because a human closed their PR.
    pub held: Vec<String>,
}

/// The default cap on migration PRs newly opened in one run.
pub const DEFAULT_MAX_NEW_PRS: usize = 20;

/// Plan scaffolds and migrations for every component that follows a paved path.
pub fn plan(model: &Model, catalogue: &Catalogue, services: &Services, max_new_prs: usize) -> PathsPlan {
    let mut out = PathsPlan::default();
    let mut new_prs = 0usize;
    for (r, item) in model.catalog.of_kind("component") {
        let e = &item.entity;
        let Some(path) = e.annotations.get(annotations::PATH) else { continue };
        let allowed = e.annotations.get(annotations::PATH_VERSION).cloned().unwrap_or_else(|| "latest".to_owned());
        let mut row = ServiceDrift {
            entity: r.to_string(),
            repo: Model::repo_of(e).unwrap_or_default().to_owned(),
            path: path.clone(),
            allowed: allowed.clone(),
            current: None,
            target: None,
            behind: 0,
            state: DriftState::Error,
            error: None,
            pr: None,
            campaign: CampaignState::Failed,
        };
        let fail = |mut row: ServiceDrift, msg: String| {
            row.error = Some(msg);
            row
        };
        if row.repo.is_empty() {
            out.drift.push(fail(row, format!("no `{}` annotation: paved does not know its repo", annotations::REPO)));
            continue;
        }
        let Some(versions) = catalogue.versions.get(path).filter(|v| !v.is_empty()) else {
            out.drift.push(fail(row, format!("paved path `{path}` does not exist")));
            continue;
        };
        let Some(target) = pick_target(versions, &allowed) else {
            out.drift.push(fail(row, format!("no version of {path} satisfies `{allowed}`")));
            continue;
        };
        row.target = Some(target.to_string());
        if !item.valid {
            out.drift.push(fail(row, "the catalog entry has errors: nothing is done until it is fixed".to_owned()));
            continue;
        }
        if let Some(err) = services.errors.get(&row.repo) {
            out.drift.push(fail(row, format!("the forge could not be read: {err}")));
            continue;
        }
        let Some(seen) = services.repos.get(&row.repo) else { continue };
        let Some(seen) = seen else {
            row.state = DriftState::Missing;
            row.campaign = CampaignState::Pending;
            let answers = scaffold_answers(model, r, e, catalogue.parameters.get(path));
            let content = format!("{path}@{target}\n{}", serde_yaml::to_string(&answers).unwrap_or_default());
            out.actions.push(ForgeAction {
                id: ActionId::new(ActionKind::ScaffoldRepo, &row.repo, content.as_bytes()),
                kind: ActionKind::ScaffoldRepo,
                target: row.repo.clone(),
                entity: row.entity.clone(),
                reason: format!("repo missing: scaffold from {path} {target}"),
                work: ForgeWork::Scaffold { path: path.clone(), version: target.to_string(), answers },
            });
            out.drift.push(row);
            continue;
        };
        let text = match &seen.answers {
            Ok(Some(t)) => t,
            Ok(None) => {
                let msg = format!("no {} in {}: paved cannot tell its version", crate::render::ANSWERS_FILE, row.repo);
                out.drift.push(fail(row, msg));
                continue;
            }
            Err(e) => {
                out.drift.push(fail(row, e.to_string()));
                continue;
            }
        };
        let answers = match AnswersFile::parse(text) {
            Ok(a) => a,
            Err(e) => {
                out.drift.push(fail(row, e));
                continue;
            }
        };
        row.current = Some(answers.version.clone());
        if answers.path != *path {
            let msg = format!("the repo follows `{}`, the catalog says `{path}`", answers.path);
            out.drift.push(fail(row, msg));
            continue;
        }
        let current = match semver::Version::parse(&answers.version) {
            Ok(v) if versions.contains(&v) => v,
            _ => {
                let list: Vec<String> = versions.iter().map(ToString::to_string).collect();
                let msg = format!("version {} of {path} does not exist (known: {})", answers.version, list.join(", "));
                out.drift.push(fail(row, msg));
                continue;
            }
        };
        let steps: Vec<&semver::Version> = versions.iter().filter(|v| **v > current && **v <= target).collect();
        row.behind = steps.len();
        if steps.is_empty() {
            row.state = DriftState::UpToDate;
            row.campaign = CampaignState::Merged;
            out.drift.push(row);
            continue;
        }
        row.state = DriftState::Behind;
        let step = format!("{path}@{current}->{target}");
        let id = ActionId::new(ActionKind::MigratePath, &row.repo, step.as_bytes());
        let branch = format!("{MIGRATION_BRANCH_PREFIX}{id}");
        let prs: Vec<_> = seen.prs.iter().filter(|p| p.head == branch).collect();
        let open_pr = prs.iter().find(|p| p.state == PrState::Open);
        let open = open_pr.map(|p| p.number);
        row.campaign = CampaignState::Pending;
        if let Some(p) = open_pr {
            row.pr = Some(format!("#{} open", p.number));
            row.campaign = if p.conflicted { CampaignState::Conflicted } else { CampaignState::Open };
            // Built on the default branch as it is now: the PR says all it can until someone pushes or merges.
            if p.base.is_some() && p.base == seen.default_head {
                out.drift.push(row);
                continue;
            }
        } else if let Some(p) = prs.iter().max_by_key(|p| p.number) {
            row.pr = Some(format!("#{} {}", p.number, p.state));
            row.campaign = if p.state == PrState::Merged { CampaignState::Merged } else { CampaignState::Closed };
            out.held
                .push(format!("{}: PR #{} for {target} was {} by a human; not reopened", row.repo, p.number, p.state));
            out.drift.push(row);
            continue;
        } else if new_prs >= max_new_prs {
            out.held.push(format!("{}: {step} held back: at most {max_new_prs} new migration PRs per run", row.repo));
            out.drift.push(row);
            continue;
        } else {
            new_prs += 1;
        }
        out.actions.push(ForgeAction {
            id,
            kind: ActionKind::MigratePath,
            target: row.repo.clone(),
            entity: row.entity.clone(),
            reason: format!("{} version(s) behind: {path} {current} -> {target}", steps.len()),
            work: ForgeWork::Migrate {
                path: path.clone(),
                from: current.to_string(),
                to: target.to_string(),
                steps: steps.iter().map(ToString::to_string).collect(),
                branch,
                existing_pr: open,
            },
        });
        out.drift.push(row);
    }
    out
}

/// The highest version `allowed` admits (`latest`: the highest of all).
pub fn pick_target(versions: &[semver::Version], allowed: &str) -> Option<semver::Version> {
    if allowed == "latest" {
        return versions.iter().max().cloned();
    }
    let req = semver::VersionReq::parse(allowed).ok()?;
    versions.iter().filter(|v| req.matches(v)).max().cloned()
}

/// Answers a new repo is scaffolded with, from its catalog entry: name, owner, system, on-call schedule (only the
/// ones the path declares; everything else takes the path's defaults).
pub(crate) fn scaffold_answers(
    model: &Model,
    r: &EntityRef,
    e: &crate::model::entity::Entity,
    declared: Option<&Vec<String>>,
) -> Mapping {
    let mut m = Mapping::new();
    let mut put = |k: &str, v: String| {
        if declared.is_none_or(|d| d.iter().any(|p| p == k)) {
            m.insert(Value::String(k.to_owned()), Value::String(v));
        }
    };
    put("name", e.name.clone());
    // In full, as `paved scaffold --set owner=…` writes it (and of the owner's own kind, which may be a User).
    if let Some(owner) = model.catalog.owner_of(r) {
        put("owner", owner.to_string());
    }
    if let Some(system) = e.spec_str("system") {
        put("system", system.to_owned());
    }
    if let Some(oncall) = e.annotations.get(annotations::ONCALL) {
        put("oncallSchedule", oncall.clone());
    }
    m
}

#[cfg(test)]
mod tests {
    //! The path planner as a table: one paved-path component of the example (`acme/payments-api`, on
    //! `microservice` `^2`), its service repo observed each way the planner must tell apart, and the action each
    //! gives.

    use super::*;
    use crate::model::example;
    use crate::observe::services::{PavedPr, ServiceRepo};

    const REPO: &str = "acme/payments-api";
    const HEAD: &str = "c0ffee";

    fn catalogue() -> Catalogue {
        let versions = ["1.0.0", "2.0.0", "2.1.0", "3.0.0"].map(|v| semver::Version::parse(v).expect("semver"));
        Catalogue { versions: [("microservice".to_owned(), versions.to_vec())].into(), parameters: BTreeMap::new() }
    }

    fn on(version: &str, prs: Vec<PavedPr>) -> Option<ServiceRepo> {
        let answers = AnswersFile {
            path: "microservice".into(),
            version: version.into(),
            platform_commit: "p".into(),
            answers: Default::default(),
        };
        Some(ServiceRepo {
            default_branch: "main".into(),
            default_head: Some(HEAD.into()),
            answers: Ok(Some(answers.to_yaml())),
            prs,
        })
    }

    /// The migration branch of 2.0.0 -> 2.1.0, and a PR on it.
    fn pr(state: PrState, base: Option<&str>) -> PavedPr {
        let id = ActionId::new(ActionKind::MigratePath, REPO, b"microservice@2.0.0->2.1.0");
        PavedPr {
            number: 7,
            head: format!("{MIGRATION_BRANCH_PREFIX}{id}"),
            state,
            conflicted: false,
            base: base.map(str::to_owned),
        }
    }

    /// What the planner does for the repo observed as `seen`: its action, its state, and what it held back.
    fn plan_for(seen: Option<ServiceRepo>, cap: usize) -> (Option<String>, DriftState, Vec<String>) {
        let services = Services { repos: [(REPO.to_owned(), seen)].into(), errors: BTreeMap::new() };
        let planned = plan(&example(), &catalogue(), &services, cap);
        let row = planned.drift.iter().find(|r| r.repo == REPO).expect("the component's row");
        let action = planned.actions.iter().find(|a| a.target == REPO).map(|a| match &a.work {
            ForgeWork::Scaffold { version, .. } => format!("scaffold {version}"),
            ForgeWork::Migrate { from, to, existing_pr, .. } => format!("migrate {from}->{to} pr {existing_pr:?}"),
            ForgeWork::MigrateModule { .. } | ForgeWork::ProposeDeprecation { .. } => "platform repo".to_owned(),
        });
        (action, row.state, planned.held)
    }

    /// A case: the repo as observed and the cap on new PRs; the action, the state and how many were held back.
    type Case = (&'static str, Option<ServiceRepo>, usize, Option<&'static str>, DriftState, usize);

    #[test]
    fn each_observed_service_repo_gives_its_action() {
        #[rustfmt::skip]
        let table: Vec<Case> = vec![
            ("no repo: scaffold the newest ^2",    None,                                           20, Some("scaffold 2.1.0"),               DriftState::Missing,  0),
            ("on the target: nothing",              on("2.1.0", vec![]),                            20, None,                                  DriftState::UpToDate, 0),
            ("behind: a migration PR",              on("2.0.0", vec![]),                            20, Some("migrate 2.0.0->2.1.0 pr None"),  DriftState::Behind,   0),
            ("behind, over the cap: held",          on("2.0.0", vec![]),                            0,  None,                                  DriftState::Behind,   1),
            ("PR open on this head: nothing",       on("2.0.0", vec![pr(PrState::Open, Some(HEAD))]), 20, None,                                DriftState::Behind,   0),
            ("PR open on an older head: update",    on("2.0.0", vec![pr(PrState::Open, Some("old"))]), 20, Some("migrate 2.0.0->2.1.0 pr Some(7)"), DriftState::Behind, 0),
            ("PR closed by a human: not reopened",  on("2.0.0", vec![pr(PrState::Closed, None)]),   20, None,                                  DriftState::Behind,   1),
            ("a version the path never had",        on("2.0.9", vec![]),                            20, None,                                  DriftState::Error,    0),
        ];
        for (case, seen, cap, action, state, held) in table {
            let (got, got_state, got_held) = plan_for(seen, cap);
            assert_eq!((got.as_deref(), got_state, got_held.len()), (action, state, held), "{case}: {got_held:?}");
        }
    }

    #[test]
    fn a_repo_the_forge_could_not_read_is_an_error_and_plans_nothing() {
        let services =
            Services { repos: BTreeMap::new(), errors: [(REPO.to_owned(), "rate limited".to_owned())].into() };
        let planned = plan(&example(), &catalogue(), &services, 20);
        let row = planned.drift.iter().find(|r| r.repo == REPO).expect("row");
        assert_eq!(row.state, DriftState::Error);
        assert!(row.error.as_deref().is_some_and(|e| e.contains("rate limited")), "{row:?}");
        assert!(planned.actions.iter().all(|a| a.target != REPO));
    }
}
