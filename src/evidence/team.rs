//! The team a component's team facts are about: its owning group and the group's members.

use crate::model::Model;
use crate::model::entity_ref::EntityRef;

/// An owning group and its members.
pub type Team = (EntityRef, Vec<Member>);

/// A user and their email (lowercase), if the catalog gives one.
pub type Member = (EntityRef, Option<String>);

/// Users of the owner group of `component`, with their email (lowercase) when the catalog gives one.
pub fn owner_members(model: &Model, component: &EntityRef) -> Option<Team> {
    let owner = model.catalog.owner_of(component)?.clone();
    let members = model
        .catalog
        .members(&owner)
        .into_iter()
        .map(|u| {
            let email = model
                .catalog
                .get(&u)
                .and_then(|e| e.entity.spec.get("profile")?.get("email")?.as_str().map(str::to_ascii_lowercase));
            (u, email)
        })
        .collect();
    Some((owner, members))
}
