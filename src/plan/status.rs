//! The status document of each catalog entity: ownership, relations, conditions and drift findings.
//! Pure: computed from the model and the observation only, and serialized deterministically.

use crate::model::catalog::CatalogEntity;
use crate::model::entity_ref::EntityRef;
use crate::model::relation::RelationType;
use crate::model::status::{ConditionReason, ConditionStatus, ConditionType};
use crate::model::{Model, annotations};
use crate::observe::Observed;
use serde::Serialize;
use std::collections::BTreeMap;

// Every status file is written the same way; the entity planner names the writer here.
pub use crate::model::status::render;

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
    pub kind: RelationType,
    pub target: EntityRef,
}

/// A Flux-style condition.
#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: ConditionType,
    pub status: ConditionStatus,
    pub reason: ConditionReason,
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
    let owner =
        catalog.relations_in(item).find(|(kind, ..)| *kind == RelationType::OwnedBy).map(|(_, o, owner)| (o, owner));
    let owner_team_type = owner.and_then(|(_, o)| o.entity.team_topology()).map(str::to_owned);
    let mut findings = Vec::new();

    if r.kind == "component"
        && let (Some(repo), Some(forge)) = (Model::repo_of(e), &observed.forge)
        && !forge.repos.contains(repo)
    {
        findings.push(Finding { kind: "RepoMissing", message: format!("repo {repo} does not exist on the forge") });
    }
    if let Some((o, owner)) = owner.filter(|(o, _)| o.kind == "group")
        && !catalog.has_members_in(o, owner)
    {
        findings.push(Finding {
            kind: "OwnerHasNoMembers",
            message: format!("owner {o} has no members: nobody can act on this entity"),
        });
    }
    if r.kind == "group"
        && !catalog.has_members_in(r, item)
        && catalog.relations_in(item).any(|(kind, ..)| kind == RelationType::OwnerOf)
    {
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
            kind: ConditionType::Ready,
            status: ConditionStatus::True,
            reason: ConditionReason::Reconciled,
            message: "catalog entry and reality agree".to_owned(),
        }
    } else {
        Condition {
            kind: ConditionType::Ready,
            status: ConditionStatus::False,
            reason: ConditionReason::DriftDetected,
            message: format!("{} drift finding(s)", findings.len()),
        }
    };
    EntityStatus {
        entity: r.clone(),
        source: item.file.to_string(),
        title: e.title.as_deref().map(str::to_owned),
        owner: owner.map(|(o, _)| o.clone()),
        owner_team_type,
        team_topology: e.team_topology().map(str::to_owned),
        paved,
        relations: catalog
            .relations_in(item)
            .map(|(kind, target, _)| Relation { kind, target: target.clone() })
            .collect(),
        conditions: vec![ready],
        findings,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostics;
    use crate::model::catalog::Catalog;
    use std::sync::Arc;

    fn entity(text: &str) -> CatalogEntity {
        let docs = crate::yaml::parse(text).expect("yaml");
        let entity = crate::model::entity::read_entity(&docs[0], &mut Vec::new()).expect("entity");
        CatalogEntity {
            entity: Arc::new(entity),
            file: "catalog/x.yaml".into(),
            valid: true,
            relations: Box::default(),
        }
    }

    fn doc(kind: &str, name: &str, spec: &str) -> String {
        format!("apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}")
    }

    #[test]
    fn owners_their_team_type_and_missing_members_are_reported() {
        let component = |name: &str, owner: &str| {
            doc("Component", name, &format!("  type: service\n  lifecycle: production\n  owner: {owner}\n"))
        };
        let items = vec![
            entity(&doc("Group", "staffed", "  type: stream-aligned\n  children: [squad]\n")),
            entity(&doc("Group", "squad", "  type: team\n  children: []\n")),
            entity(&doc("User", "alice", "  memberOf: [squad]\n")),
            entity(&doc("Group", "empty", "  type: platform\n  children: []\n")),
            entity(&component("orders", "staffed")),
            entity(&component("ledger", "empty")),
        ];
        let mut diags = Diagnostics::default();
        let model = Model { catalog: Catalog::build(items, &mut diags), ..Model::default() };
        assert!(diags.is_empty(), "{diags:?}");
        let status = |kind: &str, name: &str| {
            let (r, item) =
                model.catalog.entities.get_key_value(&EntityRef::new(kind, "default", name)).expect("entity");
            entity_status(&model, &Observed::default(), r, item)
        };
        let kinds = |s: &EntityStatus| s.findings.iter().map(|f| f.kind).collect::<Vec<_>>();

        // Staffed through a group below it: no finding, and the owner's Team Topologies type is shown.
        let orders = status("component", "orders");
        assert_eq!(orders.owner.as_ref().map(ToString::to_string).as_deref(), Some("group:default/staffed"));
        assert_eq!(orders.owner_team_type.as_deref(), Some("stream-aligned"));
        assert!(orders.findings.is_empty(), "{:?}", orders.findings);
        assert_eq!(orders.conditions[0].status, crate::model::status::ConditionStatus::True);
        let relations: Vec<_> = orders.relations.iter().map(|r| format!("{} {}", r.kind, r.target)).collect();
        assert_eq!(relations, vec!["ownedBy group:default/staffed"]);

        assert_eq!(kinds(&status("component", "ledger")), vec!["OwnerHasNoMembers"]);
        assert_eq!(kinds(&status("group", "empty")), vec!["NoMembers"], "it owns ledger and has nobody");
        assert!(kinds(&status("group", "squad")).is_empty(), "alice is a member");
    }
}
