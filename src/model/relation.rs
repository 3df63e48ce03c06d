//! The relations Backstage's built-in kinds make between entities ([`RelationType`]), each with its reverse.

use serde::{Serialize, Serializer};

/// A relation type. Variants are in the order of their names, so relations sort as their names do (status files
/// list them that way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum RelationType {
    ApiConsumedBy,
    ApiProvidedBy,
    ChildOf,
    ConsumesApi,
    DependencyOf,
    DependsOn,
    HasMember,
    HasPart,
    HasPlugin,
    HasSkill,
    MemberOf,
    OwnedBy,
    OwnerOf,
    ParentOf,
    PartOf,
    PluginOf,
    ProvidesApi,
    RelatedTo,
    SkillOf,
}

impl RelationType {
    /// Every relation type, in order.
    pub const ALL: [RelationType; 19] = [
        RelationType::ApiConsumedBy,
        RelationType::ApiProvidedBy,
        RelationType::ChildOf,
        RelationType::ConsumesApi,
        RelationType::DependencyOf,
        RelationType::DependsOn,
        RelationType::HasMember,
        RelationType::HasPart,
        RelationType::HasPlugin,
        RelationType::HasSkill,
        RelationType::MemberOf,
        RelationType::OwnedBy,
        RelationType::OwnerOf,
        RelationType::ParentOf,
        RelationType::PartOf,
        RelationType::PluginOf,
        RelationType::ProvidesApi,
        RelationType::RelatedTo,
        RelationType::SkillOf,
    ];

    /// Its name, as Backstage spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::ApiConsumedBy => "apiConsumedBy",
            RelationType::ApiProvidedBy => "apiProvidedBy",
            RelationType::ChildOf => "childOf",
            RelationType::ConsumesApi => "consumesApi",
            RelationType::DependencyOf => "dependencyOf",
            RelationType::DependsOn => "dependsOn",
            RelationType::HasMember => "hasMember",
            RelationType::HasPart => "hasPart",
            RelationType::HasPlugin => "hasPlugin",
            RelationType::HasSkill => "hasSkill",
            RelationType::MemberOf => "memberOf",
            RelationType::OwnedBy => "ownedBy",
            RelationType::OwnerOf => "ownerOf",
            RelationType::ParentOf => "parentOf",
            RelationType::PartOf => "partOf",
            RelationType::PluginOf => "pluginOf",
            RelationType::ProvidesApi => "providesApi",
            RelationType::RelatedTo => "relatedTo",
            RelationType::SkillOf => "skillOf",
        }
    }

    /// The relation the target has back, as Backstage names it.
    pub fn reverse(self) -> RelationType {
        use RelationType::*;
        match self {
            OwnedBy => OwnerOf,
            OwnerOf => OwnedBy,
            PartOf => HasPart,
            HasPart => PartOf,
            DependsOn => DependencyOf,
            DependencyOf => DependsOn,
            ProvidesApi => ApiProvidedBy,
            ApiProvidedBy => ProvidesApi,
            ConsumesApi => ApiConsumedBy,
            ApiConsumedBy => ConsumesApi,
            ChildOf => ParentOf,
            ParentOf => ChildOf,
            MemberOf => HasMember,
            HasMember => MemberOf,
            HasSkill => SkillOf,
            SkillOf => HasSkill,
            HasPlugin => PluginOf,
            PluginOf => HasPlugin,
            RelatedTo => RelatedTo,
        }
    }
}

impl std::fmt::Display for RelationType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RelationType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_order_as_their_names_and_reverse_twice_is_itself() {
        assert!(RelationType::ALL.windows(2).all(|w| w[0] < w[1] && w[0].as_str() < w[1].as_str()));
        for t in RelationType::ALL {
            assert_eq!(t.reverse().reverse(), t, "{t}");
        }
    }
}
