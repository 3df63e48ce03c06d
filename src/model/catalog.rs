//! The catalog as a whole: entities by reference, references resolved, relations computed both ways.

use super::entity::Entity;
use super::entity_ref::{EntityRef, common};
use super::relation::RelationType;
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use std::collections::BTreeSet;
use std::sync::Arc;

/// An entity and the file it came from.
#[derive(Debug, Clone)]
pub struct CatalogEntity {
    /// Shared with the parse cache: a load takes each entity from the cache without copying it.
    pub entity: Arc<Entity>,
    /// Shared by the entities of one file (a copy each was 4 MiB at 50,000 services).
    pub file: Arc<str>,
    /// False when the entity's own document had errors: it still resolves references, but is reported Stalled.
    pub valid: bool,
    /// Its relations, both ways, sorted by type then target (filled by [`Catalog::build`]; read them with
    /// [`Catalog::relations_of`]). A sorted slice, not a set: a `BTreeSet` allocates a node for eleven relations
    /// whatever it holds, and most entities have three (a ninth of a 50,000-service plan's memory).
    pub relations: Box<[Relation]>,
}

impl CatalogEntity {
    pub fn reference(&self) -> EntityRef {
        EntityRef::new(&self.entity.kind, &self.entity.namespace, &self.entity.name)
    }
}

/// One relation: its type and the entity it points at, by place in the catalog's sorted entity list (an index,
/// not a copy of the reference: a copy was three strings for each of some 300,000 relations at 50,000 services).
/// Ordered by type, then target, as the target references order. Eight bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relation {
    kind: RelationType,
    target: u32,
}

impl Relation {
    pub fn kind(&self) -> RelationType {
        self.kind
    }
}

/// The catalog's entities sorted by reference: looked up as in a map, and addressable by place.
#[derive(Debug, Clone, Default)]
pub struct Entities(Vec<(EntityRef, CatalogEntity)>);

impl Entities {
    pub fn get(&self, r: &EntityRef) -> Option<&CatalogEntity> {
        self.index_of(r).map(|i| &self.0[i].1)
    }

    pub fn get_key_value(&self, r: &EntityRef) -> Option<(&EntityRef, &CatalogEntity)> {
        self.index_of(r).map(|i| (&self.0[i].0, &self.0[i].1))
    }

    /// In reference order.
    /// In reference order, as a slice (for splitting across threads without a list of references to it).
    pub fn as_slice(&self) -> &[(EntityRef, CatalogEntity)] {
        &self.0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&EntityRef, &CatalogEntity)> + ExactSizeIterator {
        self.0.iter().map(|(r, item)| (r, item))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &EntityRef> + ExactSizeIterator {
        self.0.iter().map(|(r, _)| r)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &CatalogEntity> + ExactSizeIterator {
        self.0.iter().map(|(_, item)| item)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn index_of(&self, r: &EntityRef) -> Option<usize> {
        self.0.binary_search_by(|(k, _)| k.cmp(r)).ok()
    }

    fn key_at(&self, index: u32) -> &EntityRef {
        &self.0[index as usize].0
    }
}

/// Entities per chunk of reference resolution: large enough that a chunk's overhead is nothing.
const RESOLVE_CHUNK: usize = 2048;

/// Each entity's place in the sorted list, by kind, namespace and name.
type RefIndex<'a> = std::collections::HashMap<(&'a str, &'a str, &'a str), usize>;

/// What resolving one chunk of entities gives.
#[derive(Default)]
struct Resolved {
    triples: Vec<(u32, RelationType, u32)>,
    diagnostics: Vec<Diagnostic>,
    /// Entities (indices) with a reference that does not resolve.
    dangling: Vec<usize>,
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 entities")
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub entities: Entities,
}

impl Catalog {
    /// Add every entity, report duplicates, resolve references and compute relations.
    pub fn build(items: Vec<CatalogEntity>, diags: &mut Diagnostics) -> Catalog {
        // Sorted once and built in bulk rather than inserted one by one (a third of the catalog build at 10,000
        // services). The sort is stable, so of two entities with one reference the first read is kept.
        let mut keyed: Vec<(EntityRef, CatalogEntity)> = items.into_iter().map(|i| (i.reference(), i)).collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(EntityRef, CatalogEntity)> = Vec::with_capacity(keyed.len());
        for (r, item) in keyed {
            if let Some((last, first)) = unique.last()
                && *last == r
            {
                diags.push(Diagnostic::error(&*item.file, item.entity.name_pos, format!("duplicate entity {r}")).hint(
                    format!(
                        "first defined at {}:{}:{}; rename one of them",
                        first.file, first.entity.pos.line, first.entity.pos.col
                    ),
                ));
                continue;
            }
            unique.push((r, item));
        }
        let mut catalog = Catalog { entities: Entities(unique) };
        catalog.resolve(diags);
        catalog
    }

    fn resolve(&mut self, diags: &mut Diagnostics) {
        // Relations are collected as (source, type, target) triples of indices into the sorted entity list, so
        // collecting and sorting some 300,000 of them copies no strings, and a `Relation` keeps the index.
        // Resolving runs on every core, in chunks of the entity list whose results are joined in order, so the
        // diagnostics come out as from one pass.
        let n = self.entities.len();
        let chunks: Vec<std::ops::Range<usize>> =
            (0..n).step_by(RESOLVE_CHUNK).map(|s| s..(s + RESOLVE_CHUNK).min(n)).collect();
        // References are looked up in a hash index of the sorted list: a binary search was some 17 comparisons
        // of three strings, most of them cache misses, for each of 150,000 references at 50,000 services.
        let index: RefIndex =
            self.entities.keys().enumerate().map(|(i, r)| ((&*r.kind, &*r.namespace, &*r.name), i)).collect();
        let resolved = crate::par::map(&chunks, 2, |range| self.resolve_chunk(range.clone(), &index));
        drop(index);
        let mut triples: Vec<(u32, RelationType, u32)> = Vec::new();
        let mut dangling = Vec::new();
        for chunk in resolved {
            triples.extend(chunk.triples);
            diags.extend(chunk.diagnostics);
            dangling.extend(chunk.dangling);
        }
        // Indices follow the entities' order, so each source's run is its relations in (type, target) order.
        triples.sort_unstable();
        triples.dedup();
        let mut runs = triples.chunk_by(|a, b| a.0 == b.0).peekable();
        let mut dangling = dangling.into_iter().peekable();
        for (i, (_, item)) in self.entities.0.iter_mut().enumerate() {
            if let Some(run) = runs.next_if(|run| run[0].0 as usize == i) {
                item.relations = run.iter().map(|&(_, kind, target)| Relation { kind, target }).collect();
            }
            // An entity with a broken reference keeps its last good status rather than one missing that relation.
            if dangling.next_if_eq(&i).is_some() {
                item.valid = false;
            }
        }
    }

    /// The references of the entities at `range` (indices into the sorted entity list).
    fn resolve_chunk(&self, range: std::ops::Range<usize>, places: &RefIndex) -> Resolved {
        let mut out = Resolved::default();
        for source in range {
            let item = &self.entities.0[source].1;
            let mut broken = false;
            for raw in &item.entity.refs {
                let parts = EntityRef::parse_parts(&raw.text, raw.field.default_kind, &item.entity.namespace);
                let (kind, namespace, name) = match parts {
                    Ok(parts) => parts,
                    Err(e) => {
                        out.diagnostics.push(
                            Diagnostic::error(&*item.file, raw.pos, format!("spec.{}: {e}", raw.field.field))
                                .hint("write `kind:namespace/name`, e.g. `resource:default/orders-db`"),
                        );
                        broken = true;
                        continue;
                    }
                };
                let Some(&target) = places.get(&(&*kind, &*namespace, &*name)) else {
                    let target =
                        EntityRef { kind: common(&kind), namespace: common(&namespace), name: name.into_owned() };
                    out.diagnostics.push(self.dangling(&item.file, raw.pos, raw.field.field, &target));
                    broken = true;
                    continue;
                };
                let (s, t) = (index(source), index(target));
                out.triples.push((s, raw.field.relation, t));
                out.triples.push((t, raw.field.relation.reverse(), s));
            }
            if broken {
                out.dangling.push(source);
            }
        }
        out
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

    /// Every relation of `r` as (type, target), sorted by type then target.
    pub fn relations_of<'a>(&'a self, r: &EntityRef) -> impl Iterator<Item = (RelationType, &'a EntityRef)> + 'a {
        let relations = self.entities.get(r).map(|item| &item.relations[..]).unwrap_or_default();
        relations.iter().map(|rel| (rel.kind(), self.entities.key_at(rel.target)))
    }

    /// The relations of `item`, an entity of this catalog, as (type, target, target's entity), sorted by type then
    /// target: nothing is looked up, as each relation holds its target's place. Rendering 100,000 status files
    /// spent a quarter of its time in the binary searches [`Catalog::relations_of`] and [`Catalog::get`] make.
    pub fn relations_in<'a>(
        &'a self,
        item: &'a CatalogEntity,
    ) -> impl Iterator<Item = (RelationType, &'a EntityRef, &'a CatalogEntity)> + 'a {
        item.relations.iter().map(|rel| {
            let (r, target) = &self.entities.0[rel.target as usize];
            (rel.kind(), r, target)
        })
    }

    /// Relations of `r` of one type, sorted.
    pub fn related<'a>(&'a self, r: &EntityRef, kind: RelationType) -> impl Iterator<Item = &'a EntityRef> + 'a {
        self.relations_of(r).filter(move |(k, _)| *k == kind).map(|(_, target)| target)
    }

    pub fn owner_of(&self, r: &EntityRef) -> Option<&EntityRef> {
        self.related(r, RelationType::OwnedBy).next()
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
            out.extend(self.related(&g, RelationType::HasMember).cloned());
            stack.extend(self.related(&g, RelationType::ParentOf).cloned());
        }
        out
    }

    /// Whether `group` or any group below it has a member: [`Catalog::members`]`(group).is_empty()` negated,
    /// stopping at the first member (every entity's status asks it of its owner).
    pub fn has_members(&self, group: &EntityRef) -> bool {
        self.entities.get_key_value(group).is_some_and(|(r, item)| self.has_members_in(r, item))
    }

    /// [`Catalog::has_members`] of `item`, an entity of this catalog whose reference is `group`, without lookups.
    pub fn has_members_in(&self, group: &EntityRef, item: &CatalogEntity) -> bool {
        // The references in the entity list are one object per entity: their addresses tell groups apart.
        let mut seen = BTreeSet::new();
        let mut stack = vec![(group, item)];
        while let Some((g, item)) = stack.pop() {
            if !seen.insert(std::ptr::from_ref(g)) {
                continue;
            }
            if self.relations_in(item).any(|(kind, ..)| kind == RelationType::HasMember) {
                return true;
            }
            stack.extend(
                self.relations_in(item)
                    .filter(|(kind, ..)| *kind == RelationType::ParentOf)
                    .map(|(_, r, sub)| (r, sub)),
            );
        }
        false
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a EntityRef, &'a CatalogEntity)> + 'a {
        let kind = kind.to_ascii_lowercase();
        self.entities.iter().filter(move |(r, _)| r.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(file: &str, text: &str) -> CatalogEntity {
        let docs = crate::yaml::parse(text).expect("yaml");
        let entity = super::super::entity::read_entity(&docs[0], &mut Vec::new()).expect("entity");
        CatalogEntity {
            entity: Arc::new(entity),
            file: std::sync::Arc::from(file),
            valid: true,
            relations: Box::default(),
        }
    }

    const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";

    fn service(name: &str, owner: &str) -> String {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
        )
    }

    #[test]
    fn the_first_of_two_same_entities_is_kept_and_the_second_reported() {
        let items = vec![
            entity("catalog/b.yaml", &service("orders", "team-a")),
            entity("catalog/a.yaml", TEAM),
            entity("catalog/c.yaml", &service("orders", "team-b")),
        ];
        let mut diags = Diagnostics::default();
        let catalog = Catalog::build(items, &mut diags);
        let errors: Vec<_> = diags.iter().collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, "catalog/c.yaml");
        assert_eq!(errors[0].message, "duplicate entity component:default/orders");
        assert!(errors[0].hint.as_deref().is_some_and(|h| h.starts_with("first defined at catalog/b.yaml:")));
        let orders = EntityRef::new("component", "default", "orders");
        assert_eq!(catalog.get(&orders).map(|i| &*i.file), Some("catalog/b.yaml"));
        // The kept one's owner resolves both ways; the dropped one's dangling owner is never looked at.
        let team = EntityRef::new("group", "default", "team-a");
        assert_eq!(catalog.owner_of(&orders), Some(&team));
        assert_eq!(catalog.related(&team, RelationType::OwnerOf).collect::<Vec<_>>(), vec![&orders]);
    }

    #[test]
    fn a_group_has_members_when_it_or_a_group_below_it_has_one() {
        let group = |name: &str, children: &str| {
            format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n  children: [{children}]\n"
            )
        };
        let user =
            "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: alice\nspec:\n  memberOf: [team-a]\n";
        let items = vec![
            entity("catalog/g.yaml", &group("parent", "team-a")),
            entity("catalog/g.yaml", &group("team-a", "")),
            entity("catalog/g.yaml", &group("empty", "")),
            entity("catalog/u.yaml", user),
        ];
        let mut diags = Diagnostics::default();
        let catalog = Catalog::build(items, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        for (name, expected) in [("parent", true), ("team-a", true), ("empty", false)] {
            let g = EntityRef::new("group", "default", name);
            assert_eq!(catalog.has_members(&g), expected, "{name}");
            assert_eq!(catalog.has_members(&g), !catalog.members(&g).is_empty(), "{name}");
        }
    }

    #[test]
    fn relations_are_sorted_by_type_then_target_and_a_dangling_reference_stalls_its_entity() {
        let items = vec![
            entity("catalog/a.yaml", TEAM),
            entity("catalog/s.yaml", &service("zeta", "team-a")),
            entity("catalog/s.yaml", &service("alpha", "team-a")),
            entity("catalog/s.yaml", &service("lost", "team-x")),
        ];
        let mut diags = Diagnostics::default();
        let catalog = Catalog::build(items, &mut diags);
        let team = EntityRef::new("group", "default", "team-a");
        let names: Vec<_> = catalog.related(&team, RelationType::OwnerOf).map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["alpha", "zeta"]);
        let lost = catalog.get(&EntityRef::new("component", "default", "lost")).expect("kept");
        assert!(!lost.valid);
        let d: Vec<_> = diags.iter().collect();
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("refers to group:default/team-x, which is not in the catalog"), "{}", d[0]);
    }
}
