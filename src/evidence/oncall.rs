//! `oncall.wired`: the component's `paved.dev/oncall` annotation names a schedule in the on-call tool's export
//! (`evidence/oncall/schedules.yaml`) that belongs to the owning team and whose participants are all catalog
//! users, at least one of them. The annotation only points; the export proves.

use super::error::Error;
use super::fact::{Citation, Fact, parse_time};
use super::inputs::Inputs;
use crate::model::annotations;
use crate::model::entity::Entity;
use crate::model::entity_ref::EntityRef;
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub const FILE: &str = "evidence/oncall/schedules.yaml";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    #[serde(default)]
    exported_at: Option<String>,
    schedules: Vec<Schedule>,
}

#[derive(Debug, Deserialize)]
struct Schedule {
    name: String,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    participants: Vec<String>,
}

/// The export, read once for all components.
pub struct Schedules(Result<(Export, Option<DateTime<Utc>>, Citation), Error>);

impl Schedules {
    pub fn read(inputs: &Inputs<'_>) -> Self {
        Schedules(match inputs.file(FILE) {
            None => Err(Error::Missing { what: "on-call export", path: FILE }),
            Some(Err(e)) => Err(e),
            Some(Ok(f)) => match crate::yaml::check_bounded(&f.text)
                .and_then(|()| serde_yaml::from_str::<Export>(&f.text).map_err(|e| e.to_string()))
            {
                Ok(x) => {
                    let at = x.exported_at.as_deref().and_then(parse_time).or(f.delivered);
                    Ok((x, at, f.citation))
                }
                Err(message) => Err(Error::in_file(FILE, Error::Parse { what: "not an on-call export", message })),
            },
        })
    }

    pub fn collect(&self, inputs: &Inputs<'_>, component: &EntityRef, entity: &Entity) -> Fact {
        let Some(name) = entity.annotations.get(annotations::ONCALL) else {
            return Fact::fail(format!("no {} annotation names an on-call schedule", annotations::ONCALL));
        };
        let (export, at, citation) = match &self.0 {
            Ok(x) => x,
            Err(e) => return Fact::unreadable(e.to_string()),
        };
        let fail = |why: String| Fact::fail(why).cite(citation.clone());
        let Some(s) = export.schedules.iter().find(|s| &s.name == name) else {
            return fail(format!("schedule `{name}` is not in the on-call tool's export"));
        };
        let catalog = &inputs.model.catalog;
        let owner = catalog.owner_of(component);
        let team = s.team.as_deref().and_then(|t| EntityRef::parse(t, Some("group"), &component.namespace).ok());
        if owner.is_some() && team.as_ref() != owner {
            return fail(format!(
                "schedule `{name}` belongs to {}, not to the owner {}",
                s.team.as_deref().unwrap_or("no team"),
                owner.map(ToString::to_string).unwrap_or_default()
            ));
        }
        if s.participants.is_empty() {
            return fail(format!("schedule `{name}` has nobody in its rotation: pages reach no one"));
        }
        let unknown: Vec<&str> = s
            .participants
            .iter()
            .filter(|p| {
                EntityRef::parse(p, Some("user"), &component.namespace)
                    .ok()
                    .and_then(|u| catalog.get(&u))
                    .is_none_or(|u| u.entity.kind != "User")
            })
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return fail(format!(
                "schedule `{name}` has participants who are not catalog users: {}",
                unknown.join(", ")
            ));
        }
        Fact::pass(
            format!("{} on call", s.participants.len()),
            format!("schedule `{name}`: {}", s.participants.join(", ")),
        )
        .at(*at)
        .cite(citation.clone())
    }
}
