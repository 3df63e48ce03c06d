//! Backstage catalog entities: the envelope, Backstage's naming rules, and the reference fields of each core
//! kind. Everything here looks at one document; resolving references across the catalog is [`super::catalog`]'s.

use super::decode::Finding;
use super::entity_ref::{common, static_or_owned};
use super::relation::RelationType;
use super::small_map::SmallMap;
use crate::diag::{Pos, did_you_mean};
use crate::yaml::compact::Compact;
use crate::yaml::{Document, Positions, join_key};
use regex::Regex;
use serde_yaml::Value;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Backstage's built-in kinds, as spelled in files: the core kinds, and the kinds catalog-model has added since
/// (`Environment`, `AiResource`; see `docs/status.md` for the Backstage commit paved follows).
pub const CORE_KINDS: [&str; 11] = [
    "Domain",
    "System",
    "Component",
    "API",
    "Resource",
    "Group",
    "User",
    "Location",
    "Template",
    "Environment",
    "AiResource",
];

/// The apiVersions Backstage's schema for `kind` accepts (each kind's `apiVersion` enum).
fn api_versions(kind: &str) -> &'static [&'static str] {
    match kind {
        "Template" => &["scaffolder.backstage.io/v1beta3"],
        "Environment" | "AiResource" => &["backstage.io/v1alpha1"],
        _ => &["backstage.io/v1alpha1", "backstage.io/v1beta1"],
    }
}

/// The Team Topologies team types, recognised in a Group's free-form `spec.type`.
pub const TEAM_TOPOLOGIES: [&str; 4] = ["stream-aligned", "platform", "enabling", "complicated-subsystem"];

// Backstage's own rules (catalog-model `KubernetesValidatorFunctions` and `CommonValidatorFunctions`).
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").expect("static regex"));
static DNS_LABEL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$").expect("static regex"));
static KIND: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-z0-9A-Z]*$").expect("static regex"));
static API_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-z0-9]+(?:[-.][a-z0-9]+)*/)?[a-z0-9A-Z]+$").expect("static regex"));
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$").expect("static regex"));

/// How a spec field that names other entities is read, and the relation it makes.
#[derive(Debug, Clone, Copy)]
pub struct RefField {
    pub field: &'static str,
    pub default_kind: Option<&'static str>,
    pub relation: RelationType,
    pub many: bool,
}

const fn one(field: &'static str, default_kind: Option<&'static str>, relation: RelationType) -> RefField {
    RefField { field, default_kind, relation, many: false }
}
const fn many(field: &'static str, default_kind: Option<&'static str>, relation: RelationType) -> RefField {
    RefField { field, default_kind, relation, many: true }
}

/// What a spec field must hold, beyond what its [`RefField`] (if any) checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A non-empty string.
    Text,
    /// A list of non-empty strings.
    TextList,
    /// `true` or `false`.
    Flag,
    /// An API's `remotes` (types `mcp-server`, `ai-model-server`): at least one `{type, url}` of non-empty strings.
    Remotes,
    /// An AI rule's `activation`: at least one entry, each for one agent harness with that harness's fields only.
    Activation,
}

/// The shape of one built-in kind's `spec` (or of one `spec.type` of it): required fields, every known field,
/// the reference fields, and the fields whose values have a shape to check.
pub struct KindSpec {
    pub kind: &'static str,
    /// The `spec.type` this shape is for (catalog-model's `specType` variants); `None`: every other type.
    pub spec_type: Option<&'static str>,
    pub required: &'static [&'static str],
    pub known: &'static [&'static str],
    pub refs: &'static [RefField],
    pub shapes: &'static [(&'static str, Shape)],
}

const OWNER: RefField = one("owner", Some("group"), RelationType::OwnedBy);
const SYSTEM: RefField = one("system", Some("system"), RelationType::PartOf);
const DEPENDS_ON: RefField = many("dependsOn", None, RelationType::DependsOn);
const DEPENDENCY_OF: RefField = many("dependencyOf", None, RelationType::DependencyOf);

pub static KIND_SPECS: [KindSpec; 17] = [
    KindSpec {
        kind: "Component",
        spec_type: None,
        required: &["type", "lifecycle", "owner"],
        known: &[
            "type",
            "lifecycle",
            "owner",
            "system",
            "subcomponentOf",
            "providesApis",
            "consumesApis",
            "dependsOn",
            "dependencyOf",
        ],
        refs: &[
            OWNER,
            SYSTEM,
            one("subcomponentOf", Some("component"), RelationType::PartOf),
            many("providesApis", Some("api"), RelationType::ProvidesApi),
            many("consumesApis", Some("api"), RelationType::ConsumesApi),
            DEPENDS_ON,
            DEPENDENCY_OF,
        ],
        shapes: &[],
    },
    KindSpec {
        kind: "API",
        spec_type: None,
        required: &["type", "lifecycle", "owner", "definition"],
        known: &["type", "lifecycle", "owner", "definition", "system"],
        refs: &[OWNER, SYSTEM],
        shapes: &[],
    },
    KindSpec {
        kind: "Resource",
        spec_type: None,
        required: &["type", "owner"],
        known: &["type", "owner", "system", "dependsOn", "dependencyOf"],
        refs: &[OWNER, SYSTEM, DEPENDS_ON, DEPENDENCY_OF],
        shapes: &[],
    },
    KindSpec {
        kind: "System",
        spec_type: None,
        required: &["owner"],
        known: &["owner", "domain", "type"],
        refs: &[OWNER, one("domain", Some("domain"), RelationType::PartOf)],
        shapes: &[],
    },
    KindSpec {
        kind: "Domain",
        spec_type: None,
        required: &["owner"],
        known: &["owner", "subdomainOf", "type"],
        refs: &[OWNER, one("subdomainOf", Some("domain"), RelationType::PartOf)],
        shapes: &[],
    },
    KindSpec {
        kind: "Group",
        spec_type: None,
        required: &["type", "children"],
        known: &["type", "profile", "parent", "children", "members"],
        refs: &[
            one("parent", Some("group"), RelationType::ChildOf),
            many("children", Some("group"), RelationType::ParentOf),
            many("members", Some("user"), RelationType::HasMember),
        ],
        shapes: &[],
    },
    KindSpec {
        kind: "User",
        spec_type: None,
        required: &["memberOf"],
        known: &["profile", "memberOf"],
        refs: &[many("memberOf", Some("group"), RelationType::MemberOf)],
        shapes: &[],
    },
    KindSpec {
        kind: "Location",
        spec_type: None,
        required: &[],
        known: &["type", "target", "targets", "presence"],
        refs: &[],
        shapes: &[],
    },
    // Scaffolder templates carry free-form parameters and steps; only the owner is a reference.
    KindSpec {
        kind: "Template",
        spec_type: None,
        required: &["type", "steps"],
        known: &[],
        refs: &[OWNER],
        shapes: &[],
    },
    // catalog-model's API `specType` variants: a server reached at `remotes` instead of a `definition`.
    remote_api("mcp-server"),
    remote_api("ai-model-server"),
    // Environment.v1alpha1: only `lifecycle` is defined (and a `spec` may be left out altogether).
    KindSpec {
        kind: "Environment",
        spec_type: None,
        required: &["lifecycle"],
        known: &["lifecycle"],
        refs: &[],
        shapes: &[LIFECYCLE],
    },
    // AiResource.v1alpha1 and its typed variants.
    KindSpec {
        kind: "AiResource",
        spec_type: None,
        required: AI_REQUIRED,
        known: &["type", "lifecycle", "owner", "system"],
        refs: &[OWNER, SYSTEM],
        shapes: &[("type", Shape::Text), LIFECYCLE],
    },
    KindSpec {
        kind: "AiResource",
        spec_type: Some("skill"),
        required: AI_REQUIRED,
        known: &[
            "type",
            "lifecycle",
            "owner",
            "system",
            "disciplines",
            "categories",
            "agents",
            "dependsOn",
            "allowedTools",
            "license",
            "compatibility",
        ],
        refs: &[OWNER, SYSTEM, many("dependsOn", Some("airesource"), RelationType::DependsOn)],
        shapes: &[
            LIFECYCLE,
            ("disciplines", Shape::TextList),
            ("categories", Shape::TextList),
            ("agents", Shape::TextList),
            ("allowedTools", Shape::TextList),
            ("license", Shape::Text),
            ("compatibility", Shape::Text),
        ],
    },
    KindSpec {
        kind: "AiResource",
        spec_type: Some("rule"),
        required: &["type", "lifecycle", "owner", "category", "rationale"],
        known: &["type", "lifecycle", "owner", "system", "disciplines", "category", "rationale", "activation"],
        refs: &[OWNER, SYSTEM],
        shapes: &[
            LIFECYCLE,
            ("disciplines", Shape::TextList),
            ("category", Shape::Text),
            ("rationale", Shape::Text),
            ("activation", Shape::Activation),
        ],
    },
    KindSpec {
        kind: "AiResource",
        spec_type: Some("plugin"),
        required: &["type", "lifecycle", "owner", "skills"],
        known: &["type", "lifecycle", "owner", "system", "skills", "version"],
        refs: &[OWNER, SYSTEM, many("skills", Some("airesource"), RelationType::HasSkill)],
        shapes: &[LIFECYCLE, ("version", Shape::Text)],
    },
    KindSpec {
        kind: "AiResource",
        spec_type: Some("marketplace"),
        required: &["type", "lifecycle", "owner", "plugins"],
        known: &["type", "lifecycle", "owner", "system", "plugins", "version"],
        refs: &[OWNER, SYSTEM, many("plugins", Some("airesource"), RelationType::HasPlugin)],
        shapes: &[LIFECYCLE, ("version", Shape::Text)],
    },
];

const LIFECYCLE: (&str, Shape) = ("lifecycle", Shape::Text);
const AI_REQUIRED: &[&str] = &["type", "lifecycle", "owner"];

/// An API of a type whose servers are reached at `remotes` (catalog-model's `API.v1alpha1.<type>` schemas).
const fn remote_api(spec_type: &'static str) -> KindSpec {
    KindSpec {
        kind: "API",
        spec_type: Some(spec_type),
        required: &["type", "lifecycle", "owner", "remotes"],
        known: &["type", "lifecycle", "owner", "system", "remotes"],
        refs: &[OWNER, SYSTEM],
        shapes: &[LIFECYCLE, ("remotes", Shape::Remotes)],
    }
}

/// The shape of `kind`'s spec for `spec_type`: the variant for that type when catalog-model has one, else the kind's.
pub fn kind_spec(kind: &str, spec_type: Option<&str>) -> Option<&'static KindSpec> {
    let of_kind = || KIND_SPECS.iter().filter(|k| k.kind.eq_ignore_ascii_case(kind));
    of_kind()
        .find(|k| k.spec_type.is_some() && k.spec_type == spec_type)
        .or_else(|| of_kind().find(|k| k.spec_type.is_none()))
}

/// A reference as written, with where it was written, before resolution.
#[derive(Debug, Clone)]
pub struct RawRef {
    /// The field it was written in: its name, default kind and relation.
    pub field: &'static RefField,
    pub text: Box<str>,
    pub pos: Pos,
}

/// One catalog entity as parsed from its document.
#[derive(Debug, Clone)]
pub struct Entity {
    /// `api_version`, `kind` and `namespace` borrow a static when common ([`common`]).
    pub api_version: Cow<'static, str>,
    /// The kind as written (`Component`), canonical case for core kinds.
    pub kind: Cow<'static, str>,
    pub name: String,
    pub namespace: Cow<'static, str>,
    /// Boxed, not `String`: no spare capacity word in each of 100,000 entities.
    pub title: Option<Box<str>>,
    pub description: Option<Box<str>>,
    pub annotations: SmallMap<String>,
    pub labels: SmallMap<String>,
    pub tags: Box<[Box<str>]>,
    /// The whole `spec`, for policies and scorecards.
    pub spec: Compact,
    pub refs: Box<[RawRef]>,
    /// Where the document starts.
    pub pos: Pos,
    /// Where `metadata.name` stands, for duplicate reports.
    pub name_pos: Pos,
    pub kind_pos: Pos,
    /// Where each annotation's value stands, for errors about paved's annotations: in `annotations`' order.
    pub annotation_pos: Box<[Pos]>,
}

impl Entity {
    /// Where annotation `key` stands, or the entity itself.
    pub fn annotation_at(&self, key: &str) -> Pos {
        self.annotations.index_of(key).map_or(self.pos, |i| self.annotation_pos[i])
    }
}

impl Entity {
    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.spec.get(field).and_then(Compact::as_str)
    }
    /// The Team Topologies type of a Group, when its `spec.type` is one.
    pub fn team_topology(&self) -> Option<&'static str> {
        let t = self.spec_str("type")?;
        TEAM_TOPOLOGIES.iter().copied().find(|tt| *tt == t)
    }
}

/// Options that change how entities are judged.
#[derive(Debug, Clone, Default)]
pub struct EntityRules {
    /// Kinds allowed besides the core ones (`platform.yaml` `spec.catalog.allowedKinds`).
    pub allowed_kinds: Vec<String>,
}

/// Read one catalog document. `None` with findings when the document is not an entity at all; an entity with
/// error findings is still returned when its identity (kind, namespace, name) is readable, so that references
/// to it resolve and only it is reported.
pub fn read_entity(doc: &Document, findings: &mut Vec<Finding>) -> Option<Entity> {
    let p = &doc.positions;
    let Value::Mapping(_) = &doc.value else {
        if !doc.value.is_null() {
            findings.push(Finding::error(doc.start, "a catalog document must be a mapping (an entity)"));
        }
        return None;
    };
    let v = &doc.value;

    for key in keys(v) {
        // Backstage refuses unknown top-level fields (its envelope schema is closed), unlike fields inside spec.
        if !["apiVersion", "kind", "metadata", "spec", "relations", "status"].contains(&key) {
            let mut f = unknown_field(p, "", key, &["apiVersion", "kind", "metadata", "spec"]);
            f.severity = crate::diag::Severity::Error;
            findings.push(f);
        }
    }
    let api_version = required_str(v, p, "", "apiVersion", findings).unwrap_or_default();
    if !api_version.is_empty() && !API_VERSION.is_match(&api_version) {
        findings.push(
            Finding::error(p.value("apiVersion"), format!("`{api_version}` is not a valid apiVersion"))
                .hint("use `backstage.io/v1alpha1`"),
        );
    }
    let written_kind = required_str(v, p, "", "kind", findings)?;
    let kind = check_kind(&written_kind, &api_version, p, findings)?;

    let meta = v.get("metadata");
    let Some(Value::Mapping(_)) = meta else {
        findings.push(
            Finding::error(p.value("metadata"), "missing `metadata` mapping")
                .hint("add `metadata:` with at least `name:`"),
        );
        return None;
    };
    let meta = meta.expect("matched Some above");
    for key in keys(meta) {
        const KNOWN: [&str; 10] =
            ["name", "namespace", "title", "description", "labels", "annotations", "tags", "links", "uid", "etag"];
        if !KNOWN.contains(&key) {
            findings.push(unknown_field(p, "metadata", key, &KNOWN));
        }
    }
    let name = required_str(meta, p, "metadata", "name", findings)?;
    if name.chars().count() > 63 {
        findings.push(
            Finding::error(
                p.value("metadata.name"),
                format!("name `{name}` is {} characters, over the 63 limit", name.chars().count()),
            )
            .hint("shorten it; Backstage refuses names longer than 63 characters"),
        );
    } else if !NAME.is_match(&name) {
        findings.push(
            Finding::error(p.value("metadata.name"), format!("`{name}` is not a valid entity name"))
                .hint("names are 1-63 characters of [a-zA-Z0-9] separated by one of [-_.], e.g. `orders-api`"),
        );
    }
    let namespace = match meta.get("namespace") {
        None | Some(Value::Null) => Cow::Borrowed("default"),
        Some(Value::String(ns)) => {
            if ns.len() > 63 || !DNS_LABEL.is_match(ns) {
                findings.push(
                    Finding::error(p.value("metadata.namespace"), format!("`{ns}` is not a valid namespace"))
                        .hint("namespaces are lowercase DNS labels: [a-z0-9] separated by `-`, at most 63 characters"),
                );
            }
            common(ns)
        }
        Some(_) => {
            findings.push(Finding::error(p.value("metadata.namespace"), "`metadata.namespace` must be a string"));
            Cow::Borrowed("default")
        }
    };
    let title = optional_str(meta, p, "metadata", "title", findings).map(String::into_boxed_str);
    let description = optional_str(meta, p, "metadata", "description", findings).map(String::into_boxed_str);
    let labels = string_map(meta, p, "metadata.labels", findings, true);
    let annotations = string_map(meta, p, "metadata.annotations", findings, false);
    let tags = read_tags(meta, p, findings);

    let spec = v.get("spec").unwrap_or(&Value::Null);
    let mut refs = Vec::new();
    let spec_type = spec.get("type").and_then(Value::as_str);
    if let Some(ks) = kind_spec(&kind, spec_type) {
        read_spec(ks, spec, p, findings, &mut refs);
    }
    let spec = Compact::from(spec);
    let entity = Entity {
        api_version: common(&api_version),
        kind: common(&kind),
        name,
        namespace,
        title,
        description,
        labels,
        tags,
        spec,
        refs: refs.into_boxed_slice(),
        pos: doc.start,
        name_pos: p.value("metadata.name"),
        kind_pos: p.value("kind"),
        annotation_pos: annotations.keys().map(|k| p.value(&join_key("metadata.annotations", k))).collect(),
        annotations,
    };
    Some(entity)
}

fn check_kind(written: &str, api_version: &str, p: &Positions, findings: &mut Vec<Finding>) -> Option<String> {
    if !KIND.is_match(written) {
        findings.push(Finding::error(p.value("kind"), format!("`{written}` is not a valid kind")));
        return None;
    }
    if let Some(core) = CORE_KINDS.iter().find(|k| **k == written) {
        let versions = api_versions(core);
        if !api_version.is_empty() && !versions.contains(&api_version) {
            let list = versions.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or ");
            findings.push(
                Finding::error(p.value("apiVersion"), format!("kind {core} is {list}, not `{api_version}`"))
                    .hint(format!("use `{}`", versions[0])),
            );
        }
    }
    // Other kinds are judged against platform.yaml's allowed kinds by [`check_allowed_kind`], outside the cache.
    Some(written.to_owned())
}

/// Is the entity's kind a core kind or one `platform.yaml` allows? The finding says what to do when it is not.
pub fn check_allowed_kind(entity: &Entity, rules: &EntityRules) -> Result<(), Finding> {
    let kind = &*entity.kind;
    if CORE_KINDS.contains(&kind) || rules.allowed_kinds.iter().any(|k| k == kind) {
        return Ok(());
    }
    let candidates = CORE_KINDS.iter().copied().chain(rules.allowed_kinds.iter().map(String::as_str));
    let f = Finding::error(entity.kind_pos, format!("unknown kind `{kind}`"));
    Err(match did_you_mean(kind, candidates) {
        Some(s) => f.hint(format!("did you mean `{s}`? (kinds are case-sensitive)")),
        None => f.hint(
            "built-in kinds are Domain, System, Component, API, Resource, Group, User, Location, Template, \
             Environment, AiResource; allow others in platform.yaml `spec.catalog.allowedKinds`",
        ),
    })
}

fn read_spec(ks: &'static KindSpec, spec: &Value, p: &Positions, findings: &mut Vec<Finding>, refs: &mut Vec<RawRef>) {
    if !matches!(spec, Value::Mapping(_)) {
        // Environment.v1alpha1 requires `lifecycle` in a `spec`, but not a `spec`.
        let may_be_left_out = ks.kind == "Environment" && spec.is_null();
        if !ks.required.is_empty() && !may_be_left_out {
            findings.push(
                Finding::error(p.value("spec"), format!("{} needs a `spec` mapping", ks.kind))
                    .hint(format!("add `spec:` with {}", ks.required.join(", "))),
            );
        }
        return;
    }
    for field in ks.required {
        if spec.get(*field).is_none_or(Value::is_null) {
            findings.push(
                Finding::error(p.value("spec"), format!("{} is missing required field `spec.{field}`", ks.kind))
                    .hint(format!("add `{field}:` under `spec`")),
            );
        }
    }
    if !ks.known.is_empty() {
        for key in keys(spec) {
            if !ks.known.contains(&key) {
                findings.push(unknown_field(p, "spec", key, ks.known));
            }
        }
    }
    for field in ["type", "lifecycle"] {
        if spec.get(field).is_some_and(|v| !v.is_null() && !v.is_string()) {
            findings.push(
                Finding::error(p.value(&format!("spec.{field}")), format!("`spec.{field}` must be a string")).hint(
                    format!(
                        "write a string, e.g. `{field}: {}`",
                        if field == "type" { "service" } else { "production" }
                    ),
                ),
            );
        }
    }
    for (field, shape) in ks.shapes {
        match spec.get(*field) {
            None | Some(Value::Null) => {}
            Some(v) => check_shape(*shape, v, &join_key("spec", field), p, findings),
        }
    }
    if ks.kind == "API"
        && ks.spec_type.is_none()
        && let Some(definition) = spec.get("definition")
        && !definition.is_null()
        && !definition.is_string()
        && super::placeholder::of(definition).is_none()
    {
        findings.push(
            Finding::error(
                p.value("spec.definition"),
                "`spec.definition` must be a string (the API's definition text)",
            )
            .hint(
                "write it inline as a block scalar (`definition: |`), or pull a file in with `$text: ./openapi.yaml`",
            ),
        );
    }
    for rf in ks.refs {
        let path = join_key("spec", rf.field);
        match spec.get(rf.field) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if !rf.many => refs.push(raw_ref(rf, s, p.value(&path))),
            Some(Value::Sequence(items)) if rf.many => {
                for (i, item) in items.iter().enumerate() {
                    let ipath = crate::yaml::join_index(&path, i);
                    match item.as_str() {
                        Some(s) => refs.push(raw_ref(rf, s, p.value(&ipath))),
                        None => findings.push(Finding::error(
                            p.value(&ipath),
                            format!("`{ipath}` must be an entity reference string"),
                        )),
                    }
                }
            }
            Some(_) => findings.push(
                Finding::error(
                    p.value(&path),
                    format!(
                        "`{path}` must be {}",
                        if rf.many { "a list of entity references" } else { "an entity reference string" }
                    ),
                )
                .hint(if rf.many {
                    "write a YAML list, e.g. `[api:orders]`"
                } else {
                    "write one reference, e.g. `group:payments`"
                }),
            ),
        }
    }
}

/// The agent harnesses an AI rule's `activation` entries name, and the fields each takes besides `harness`.
const HARNESSES: [(&str, &[(&str, Shape)]); 3] = [
    ("claude", &[("paths", Shape::TextList), ("description", Shape::Text)]),
    ("cursor", &[("alwaysApply", Shape::Flag), ("globs", Shape::TextList), ("description", Shape::Text)]),
    ("codex", &[]),
];

/// Check `v`, the value at `path`, against `shape` (as catalog-model's JSON Schemas do).
fn check_shape(shape: Shape, v: &Value, path: &str, p: &Positions, findings: &mut Vec<Finding>) {
    let at = |path: &str| p.value(path);
    match shape {
        Shape::Text => {
            if v.as_str().is_none_or(str::is_empty) {
                findings.push(Finding::error(at(path), format!("`{path}` must be a non-empty string")));
            }
        }
        Shape::Flag => {
            if !matches!(v, Value::Bool(_)) {
                findings.push(Finding::error(at(path), format!("`{path}` must be true or false")));
            }
        }
        Shape::TextList => match v {
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_shape(Shape::Text, item, &crate::yaml::join_index(path, i), p, findings);
                }
            }
            _ => findings.push(
                Finding::error(at(path), format!("`{path}` must be a list of strings"))
                    .hint("write a YAML list, e.g. `[web, backend]`"),
            ),
        },
        Shape::Remotes | Shape::Activation => {
            let items = match v {
                Value::Sequence(items) if !items.is_empty() => items,
                _ => {
                    let example = if shape == Shape::Remotes {
                        "`- {type: streamable-http, url: https://mcp.example.com/mcp}`"
                    } else {
                        "`- harness: claude`"
                    };
                    findings.push(
                        Finding::error(at(path), format!("`{path}` must be a list of at least one entry"))
                            .hint(format!("write one entry a line, e.g. {example}")),
                    );
                    return;
                }
            };
            for (i, item) in items.iter().enumerate() {
                let ipath = crate::yaml::join_index(path, i);
                if !matches!(item, Value::Mapping(_)) {
                    findings.push(Finding::error(at(&ipath), format!("`{ipath}` must be a mapping")));
                } else if shape == Shape::Remotes {
                    // A missing field is reported at the entry's first key: where the entry is read from.
                    let entry_at = keys(item).first().map_or_else(|| at(&ipath), |k| p.key(&join_key(&ipath, k)));
                    for field in ["type", "url"] {
                        match item.get(field) {
                            None | Some(Value::Null) => findings.push(
                                Finding::error(entry_at, format!("`{ipath}` is missing required field `{field}`"))
                                    .hint("a remote is `{type: <transport, e.g. streamable-http>, url: <endpoint>}`"),
                            ),
                            Some(v) => check_shape(Shape::Text, v, &join_key(&ipath, field), p, findings),
                        }
                    }
                } else {
                    check_activation(item, &ipath, p, findings);
                }
            }
        }
    }
}

/// One `activation` entry: its `harness` is one catalog-model knows, and it has that harness's fields only (the
/// schema closes each entry with `additionalProperties: false`, so Backstage refuses any other).
fn check_activation(item: &Value, path: &str, p: &Positions, findings: &mut Vec<Finding>) {
    let harness_path = join_key(path, "harness");
    let names = HARNESSES.iter().map(|(h, _)| *h);
    let Some((_, fields)) =
        item.get("harness").and_then(Value::as_str).and_then(|h| HARNESSES.iter().find(|(n, _)| *n == h))
    else {
        let written = item.get("harness").map(display_scalar);
        let f = match &written {
            None => Finding::error(p.value(path), format!("`{path}` is missing required field `harness`")),
            Some(w) => Finding::error(p.value(&harness_path), format!("`{w}` is not a harness paved knows")),
        };
        findings.push(match written.as_deref().and_then(|w| did_you_mean(w, names.clone())) {
            Some(s) => f.hint(format!("did you mean `{s}`?")),
            None => f.hint(format!("harnesses: {}", names.collect::<Vec<_>>().join(", "))),
        });
        return;
    };
    for key in keys(item).into_iter().filter(|k| *k != "harness") {
        let kpath = join_key(path, key);
        match fields.iter().find(|(f, _)| *f == key) {
            Some((_, shape)) => check_shape(*shape, item.get(key).unwrap_or(&Value::Null), &kpath, p, findings),
            None => {
                let known: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
                let f = Finding::error(p.key(&kpath), format!("unknown field `{kpath}`"));
                findings.push(match did_you_mean(key, known.iter().copied()) {
                    Some(s) => f.hint(format!("did you mean `{s}`?")),
                    None if known.is_empty() => f.hint("this harness takes no fields besides `harness`"),
                    None => f.hint(format!("this harness takes {}", known.join(", "))),
                });
            }
        }
    }
}

fn raw_ref(rf: &'static RefField, text: &str, pos: Pos) -> RawRef {
    RawRef { field: rf, text: text.into(), pos }
}

fn keys(v: &Value) -> Vec<&str> {
    match v {
        Value::Mapping(m) => m.keys().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Backstage accepts extra fields, so in entities they are warnings (errors under `--strict`).
fn unknown_field(p: &Positions, parent: &str, key: &str, known: &[&str]) -> Finding {
    let path = join_key(parent, key);
    let f = Finding::warning(p.key(&path), format!("unknown field `{path}`"));
    match did_you_mean(key, known.iter().copied()) {
        Some(s) => f.hint(format!("did you mean `{s}`?")),
        None => f.hint(format!("Backstage ignores it; known fields here: {}", known.join(", "))),
    }
}

fn required_str(v: &Value, p: &Positions, parent: &str, field: &str, findings: &mut Vec<Finding>) -> Option<String> {
    let path = join_key(parent, field);
    match v.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        None | Some(Value::Null) => {
            findings.push(
                Finding::error(p.value(&path), format!("missing required field `{path}`"))
                    .hint(format!("add `{field}:`")),
            );
            None
        }
        Some(_) => {
            findings.push(Finding::error(p.value(&path), format!("`{path}` must be a non-empty string")));
            None
        }
    }
}

fn optional_str(v: &Value, p: &Positions, parent: &str, field: &str, findings: &mut Vec<Finding>) -> Option<String> {
    let path = join_key(parent, field);
    match v.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            findings.push(Finding::error(p.value(&path), format!("`{path}` must be a string")));
            None
        }
    }
}

static LABEL_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?$").expect("static regex"));
static DNS_SUBDOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").expect("static regex")
});

fn valid_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    prefix.is_none_or(|p| p.len() <= 253 && DNS_SUBDOMAIN.is_match(p)) && name.len() <= 63 && LABEL_NAME.is_match(name)
}

fn string_map(
    meta: &Value,
    p: &Positions,
    path: &str,
    findings: &mut Vec<Finding>,
    is_label: bool,
) -> SmallMap<String> {
    let field = path.rsplit('.').next().expect("path has a field");
    let mut out = Vec::new();
    match meta.get(field) {
        None | Some(Value::Null) => {}
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                let key = k.as_str().unwrap_or_default();
                let kpath = join_key(path, key);
                if !valid_key(key) {
                    findings.push(Finding::error(p.key(&kpath), format!("`{key}` is not a valid {} key", field.trim_end_matches('s')))
                        .hint("keys are `[prefix/]name`: an optional DNS subdomain, then 1-63 characters of [a-zA-Z0-9-_.]"));
                }
                let value = match v {
                    Value::String(s) => s.clone(),
                    _ => {
                        findings.push(
                            Finding::error(p.value(&kpath), format!("`{kpath}` must be a string"))
                                .hint("quote the value, e.g. \"1200\""),
                        );
                        continue;
                    }
                };
                if is_label && !value.is_empty() && (value.len() > 63 || !LABEL_NAME.is_match(&value)) {
                    findings.push(
                        Finding::error(p.value(&kpath), format!("`{value}` is not a valid label value"))
                            .hint("label values are at most 63 characters of [a-zA-Z0-9-_.]"),
                    );
                }
                out.push((static_or_owned(&KNOWN_KEYS, key), value));
            }
        }
        Some(_) => findings.push(Finding::error(p.value(path), format!("`{path}` must be a mapping of strings"))),
    }
    out.into_iter().collect()
}

/// The annotation keys paved reads, which nearly every entity of a paved platform carries.
const KNOWN_KEYS: [&str; 7] = [
    super::annotations::PATH,
    super::annotations::PATH_VERSION,
    super::annotations::REPO,
    super::annotations::GITHUB_SLUG,
    super::annotations::ONCALL,
    super::annotations::BUDGET,
    super::annotations::AGE_RECIPIENTS,
];

fn read_tags(meta: &Value, p: &Positions, findings: &mut Vec<Finding>) -> Box<[Box<str>]> {
    let mut tags = Vec::new();
    match meta.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Sequence(items)) => {
            for (i, item) in items.iter().enumerate() {
                let ipath = format!("metadata.tags[{i}]");
                match item.as_str() {
                    Some(t) if t.len() <= 63 && TAG.is_match(t) => tags.push(t.into()),
                    _ => findings.push(
                        Finding::error(p.value(&ipath), format!("`{}` is not a valid tag", display_scalar(item)))
                            .hint("tags are lowercase words of [a-z0-9:+#] joined by `-`, at most 63 characters"),
                    ),
                }
            }
        }
        Some(_) => findings.push(Finding::error(p.value("metadata.tags"), "`metadata.tags` must be a list of strings")),
    }
    tags.into_boxed_slice()
}

fn display_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_field_of_a_core_kind_is_kept_without_a_copy() {
        for spec in &KIND_SPECS {
            for field in spec.known {
                assert!(crate::yaml::compact::Key::is_known(field), "{}.spec.{field}", spec.kind);
            }
        }
    }

    fn read(text: &str) -> (Option<Entity>, Vec<Finding>) {
        let docs = crate::yaml::parse(text).expect("yaml");
        let mut f = Vec::new();
        let e = read_entity(&docs[0], &mut f);
        if let Some(e) = &e
            && let Err(kind) = check_allowed_kind(e, &EntityRules::default())
        {
            f.push(kind);
            return (None, f);
        }
        (e, f)
    }

    #[test]
    fn a_valid_component_reads_its_refs() {
        let (e, f) = read(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders\n  tags: [java, payments-core]\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  providesApis: [orders-api]\n",
        );
        assert!(f.is_empty(), "{f:?}");
        let e = e.expect("entity");
        assert_eq!((&*e.kind, &*e.namespace), ("Component", "default"));
        let refs: Vec<_> = e.refs.iter().map(|r| (r.field.field, &*r.text, r.pos.line)).collect();
        assert_eq!(refs, vec![("owner", "team-a", 9), ("providesApis", "orders-api", 10)]);
    }

    #[test]
    fn backstage_naming_rules() {
        let (_, f) = read(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: bad name\n  namespace: Ops\n  tags: [Foo Bar]\nspec:\n  type: team\n  children: []\n",
        );
        let msgs: Vec<_> = f.iter().map(|f| (f.pos.line, f.message.as_str())).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].1.contains("not a valid entity name") && msgs[0].0 == 4);
        assert!(msgs[1].1.contains("not a valid namespace") && msgs[1].0 == 5);
        assert!(msgs[2].1.contains("not a valid tag") && msgs[2].0 == 6);
    }

    #[test]
    fn unknown_kind_suggests_and_unknown_spec_field_warns() {
        let (e, f) = read("apiVersion: backstage.io/v1alpha1\nkind: Componnt\nmetadata:\n  name: x\n");
        assert!(e.is_none());
        assert_eq!(f[0].hint.as_deref(), Some("did you mean `Component`? (kinds are case-sensitive)"));
        let (_, f) = read(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: service\n  lifecycle: production\n  owner: a\n  ownr: b\n",
        );
        assert_eq!(f.len(), 1);
        assert!(!f[0].is_error());
        assert_eq!(f[0].pos, Pos::new(9, 3));
        assert_eq!(f[0].hint.as_deref(), Some("did you mean `owner`?"));
    }

    #[test]
    fn missing_required_spec_fields() {
        let (_, f) =
            read("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: service\n");
        let msgs: Vec<_> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "Component is missing required field `spec.lifecycle`",
                "Component is missing required field `spec.owner`"
            ]
        );
    }
}
