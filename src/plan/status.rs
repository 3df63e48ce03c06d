//! The status document of each catalog entity: ownership, relations, conditions and drift findings.
//! Pure: computed from the model and the observation only, and serialized deterministically.

use crate::model::catalog::CatalogEntity;
use crate::model::entity_ref::EntityRef;
use crate::model::{Model, annotations};
use crate::observe::Observed;
use serde::Serialize;
use std::collections::BTreeMap;

pub const HEADER: &str = "# Written by paved. Do not edit: this file is bot-owned and is overwritten.\n";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityStatus {
    pub entity: EntityRef,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<EntityRef>,
    /// The owner's Team Topologies type, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_team_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_topology: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub paved: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<Relation>,
    pub conditions: Vec<Condition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// A relation as a status file shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Relation {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub target: EntityRef,
}

/// A Flux-style condition.
#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub reason: &'static str,
    pub message: String,
}

/// A drift finding: something real disagrees with the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub message: String,
}

/// Where an entity's status file lives.
pub fn status_path(r: &EntityRef) -> String {
    format!("status/{}/{}/{}.yaml", r.kind, r.namespace, r.name)
}

/// The entity whose status lives at `path`, when `path` is one [`status_path`] gives.
pub fn entity_of_status_path(path: &str) -> Option<EntityRef> {
    let rest = path.strip_prefix("status/")?.strip_suffix(".yaml")?;
    let mut parts = rest.split('/');
    let (kind, namespace, name) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let r = EntityRef::new(kind, namespace, name);
    (status_path(&r) == path).then_some(r)
}

/// The status of one entity.
pub fn entity_status(model: &Model, observed: &Observed, r: &EntityRef, item: &CatalogEntity) -> EntityStatus {
    let catalog = &model.catalog;
    let e = &item.entity;
    let owner = catalog.owner_of(r).cloned();
    let owner_team_type =
        owner.as_ref().and_then(|o| catalog.get(o)).and_then(|o| o.entity.team_topology()).map(str::to_owned);
    let mut findings = Vec::new();

    if r.kind == "component"
        && let (Some(repo), Some(forge)) = (Model::repo_of(e), &observed.forge)
        && !forge.repos.contains(repo)
    {
        findings.push(Finding { kind: "RepoMissing", message: format!("repo {repo} does not exist on the forge") });
    }
    if let Some(o) = owner.as_ref().filter(|o| o.kind == "group")
        && !catalog.has_members(o)
    {
        findings.push(Finding {
            kind: "OwnerHasNoMembers",
            message: format!("owner {o} has no members: nobody can act on this entity"),
        });
    }
    if r.kind == "group" && !catalog.has_members(r) && catalog.related(r, "ownerOf").next().is_some() {
        findings.push(Finding { kind: "NoMembers", message: "this group owns entities but has no members".to_owned() });
    }

    let mut paved = BTreeMap::new();
    for (key, ann) in
        [("path", annotations::PATH), ("pathVersion", annotations::PATH_VERSION), ("oncall", annotations::ONCALL)]
    {
        if let Some(v) = e.annotations.get(ann) {
            paved.insert(key.to_owned(), v.clone());
        }
    }
    if let Some(repo) = Model::repo_of(e) {
        paved.insert("repo".to_owned(), repo.to_owned());
    }
    let ready = if findings.is_empty() {
        Condition {
            kind: "Ready",
            status: "True",
            reason: "Reconciled",
            message: "catalog entry and reality agree".to_owned(),
        }
    } else {
        Condition {
            kind: "Ready",
            status: "False",
            reason: "DriftDetected",
            message: format!("{} drift finding(s)", findings.len()),
        }
    };
    EntityStatus {
        entity: r.clone(),
        source: item.file.clone(),
        title: e.title.clone(),
        owner,
        owner_team_type,
        team_topology: e.team_topology().map(str::to_owned),
        paved,
        relations: catalog.relations_of(r).map(|(kind, target)| Relation { kind, target: target.clone() }).collect(),
        conditions: vec![ready],
        findings,
    }
}

/// Render a status document as the file paved writes.
pub fn render<T: Serialize>(doc: &T) -> String {
    let body = crate::yaml::emit::to_string(doc).expect("status documents always serialize");
    // Sized exactly: a plan holds every status it writes, and a string grown by doubling is up to half slack.
    let mut file = String::with_capacity(HEADER.len() + body.len());
    file.push_str(HEADER);
    file.push_str(&body);
    file
}

/// Forge repos that no catalog entity claims (nor the platform's ignore globs).
#[derive(Debug, Clone, Serialize)]
pub struct UnclaimedRepos {
    pub repos: Vec<String>,
    pub hint: &'static str,
}

pub fn unclaimed_repos(model: &Model, observed: &Observed) -> Option<UnclaimedRepos> {
    let forge = observed.forge.as_ref()?;
    let claimed: std::collections::BTreeSet<&str> = model
        .catalog
        .entities
        .values()
        .filter_map(|i| Model::repo_of(&i.entity))
        .chain(model.platform.spec.repos.platform.as_deref())
        .collect();
    let mut ignore = globset::GlobSetBuilder::new();
    for g in &model.platform.spec.repos.ignore {
        if let Ok(g) = globset::Glob::new(g) {
            ignore.add(g);
        }
    }
    let ignore = ignore.build().unwrap_or_else(|_| globset::GlobSet::empty());
    let repos: Vec<String> =
        forge.repos.iter().filter(|r| !claimed.contains(r.as_str()) && !ignore.is_match(r.as_str())).cloned().collect();
    Some(UnclaimedRepos {
        repos,
        hint: "add a catalog entity with `paved.dev/repo: <owner/name>`, archive the repo, or list it in platform.yaml spec.repos.ignore",
    })
}

pub const UNCLAIMED_PATH: &str = "status/forge/unclaimed-repos.yaml";
