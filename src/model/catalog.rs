//! The catalog as a whole: entities by reference, references resolved, relations computed both ways.

use super::entity::{Entity, reverse_relation};
use super::entity_ref::EntityRef;
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// An entity and the file it came from.
#[derive(Debug, Clone)]
pub struct CatalogEntity {
    pub entity: Entity,
    pub file: String,
    /// False when the entity's own document had errors: it still resolves references, but is reported Stalled.
    pub valid: bool,
}

impl CatalogEntity {
    pub fn reference(&self) -> EntityRef {
        EntityRef::new(&self.entity.kind, &self.entity.namespace, &self.entity.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Relation {
    #[serde(rename = "type")]
    pub kind: String,
    pub target: EntityRef,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub entities: BTreeMap<EntityRef, CatalogEntity>,
    pub relations: BTreeMap<EntityRef, BTreeSet<Relation>>,
}

impl Catalog {
    /// Add every entity, report duplicates, resolve references and compute relations.
    pub fn build(items: Vec<CatalogEntity>, diags: &mut Diagnostics) -> Catalog {
        let mut catalog = Catalog::default();
        for item in items {
            let r = item.reference();
            if let Some(first) = catalog.entities.get(&r) {
                diags.push(Diagnostic::error(&item.file, item.entity.name_pos, format!("duplicate entity {r}")).hint(
                    format!(
                        "first defined at {}:{}:{}; rename one of them",
                        first.file, first.entity.pos.line, first.entity.pos.col
                    ),
                ));
                continue;
            }
            catalog.entities.insert(r, item);
        }
        catalog.resolve(diags);
        catalog
    }

    fn resolve(&mut self, diags: &mut Diagnostics) {
        // Relations are collected as pairs, sorted once and built into the maps in bulk: inserting some 100,000
        // of them one at a time was most of the catalog build at 10,000 services.
        let mut pairs: Vec<(EntityRef, Relation)> = Vec::new();
        let mut dangling = Vec::new();
        for (source, item) in &self.entities {
            for raw in &item.entity.refs {
                let target = match EntityRef::parse(&raw.text, raw.default_kind, &item.entity.namespace) {
                    Ok(t) => t,
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(&item.file, raw.pos, format!("spec.{}: {e}", raw.field))
                                .hint("write `kind:namespace/name`, e.g. `resource:default/orders-db`"),
                        );
                        dangling.push(source.clone());
                        continue;
                    }
                };
                if !self.entities.contains_key(&target) {
                    diags.push(self.dangling(&item.file, raw.pos, raw.field, &target));
                    dangling.push(source.clone());
                    continue;
                }
                pairs.push((source.clone(), Relation { kind: raw.relation.to_owned(), target: target.clone() }));
                let reverse = Relation { kind: reverse_relation(raw.relation).to_owned(), target: source.clone() };
                pairs.push((target, reverse));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut grouped: Vec<(EntityRef, Vec<Relation>)> = Vec::new();
        for (source, relation) in pairs {
            match grouped.last_mut() {
                Some((last, relations)) if *last == source => relations.push(relation),
                _ => grouped.push((source, vec![relation])),
            }
        }
        self.relations =
            grouped.into_iter().map(|(source, relations)| (source, relations.into_iter().collect())).collect();
        // An entity with a broken reference keeps its last good status rather than one missing that relation.
        for r in dangling {
            if let Some(item) = self.entities.get_mut(&r) {
                item.valid = false;
            }
        }
    }

    fn dangling(&self, file: &str, pos: crate::diag::Pos, field: &str, target: &EntityRef) -> Diagnostic {
        let same_kind: Vec<String> = self
            .entities
            .keys()
            .filter(|r| r.kind == target.kind && r.namespace == target.namespace)
            .map(|r| r.name.clone())
            .collect();
        let d = Diagnostic::error(file, pos, format!("spec.{field} refers to {target}, which is not in the catalog"));
        match did_you_mean(&target.name, same_kind.iter().map(String::as_str)) {
            Some(s) => d.hint(format!("did you mean `{}:{}/{s}`?", target.kind, target.namespace)),
            None => {
                d.hint(format!("add a {} named `{}` to the catalog, or fix the reference", target.kind, target.name))
            }
        }
    }

    pub fn get(&self, r: &EntityRef) -> Option<&CatalogEntity> {
        self.entities.get(r)
    }

    /// Relations of `r` of one type, sorted.
    pub fn related<'a>(&'a self, r: &EntityRef, kind: &'a str) -> impl Iterator<Item = &'a EntityRef> + 'a {
        self.relations.get(r).into_iter().flatten().filter(move |rel| rel.kind == kind).map(|rel| &rel.target)
    }

    pub fn owner_of(&self, r: &EntityRef) -> Option<&EntityRef> {
        self.related(r, "ownedBy").next()
    }

    /// Users who are members of `group` or of any group below it.
    pub fn members(&self, group: &EntityRef) -> BTreeSet<EntityRef> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![group.clone()];
        while let Some(g) = stack.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            out.extend(self.related(&g, "hasMember").cloned());
            stack.extend(self.related(&g, "parentOf").cloned());
        }
        out
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a EntityRef, &'a CatalogEntity)> + 'a {
        let kind = kind.to_ascii_lowercase();
        self.entities.iter().filter(move |(r, _)| r.kind == kind)
    }
}
