//! Structure-aware generators: catalog entities and requests that are valid-ish YAML, with the fields paved reads
//! given random values (references of every shape, names at and past their limits, wrong types) and unknown fields
//! among them, emitted as YAML text.

use paved::model::entity::CORE_KINDS;
use proptest::prelude::*;
use serde_yaml::{Mapping, Value};

/// Names and references of the shapes that trip parsers: empty, at and past length limits, separators only,
/// case, whitespace, non-ASCII, path traversal.
const NAMES: &[&str] = &[
    "orders",
    "team-a",
    "payments",
    "platform-core",
    "alice",
    "",
    " ",
    "-",
    "a",
    "a.b_c-d",
    "UPPER",
    "with space",
    "../../etc/passwd",
    "ünïcödé",
    "\u{202e}rtl",
    "null",
    "~",
    "0x10",
    "1e3",
    "group:payments",
    "group:default/payments",
    "user:default/alice",
    "component:orders",
    "api:payments-api",
    "resource:orders-db",
    "system:checkout",
    "domain:commerce",
    ":",
    "/",
    ":/",
    "group:",
    "group:/",
    ":default/x",
    "a:b/c/d",
    "Group:Default/Payments",
    "kind:namespace/name:extra",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(NAMES).prop_map(str::to_owned),
        2 => "[a-z0-9][a-z0-9.-]{0,70}",
        1 => (1..300usize).prop_map(|n| "x".repeat(n)),
        1 => any::<String>(),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => name().prop_map(Value::String),
        1 => any::<i64>().prop_map(|n| Value::Number(n.into())),
        1 => any::<u64>().prop_map(|n| Value::Number(n.into())),
        1 => any::<f64>().prop_map(|n| Value::Number(n.into())),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ]
}

/// Any YAML value, a few levels deep.
pub fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Sequence),
            prop::collection::vec((name(), inner), 0..6)
                .prop_map(|kv| Value::Mapping(kv.into_iter().map(|(k, v)| (Value::String(k), v)).collect())),
        ]
    })
}

/// A value for a field that usually holds a reference or a name: mostly one, or a list of them, or anything.
fn reference_like() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => name().prop_map(Value::String),
        2 => prop::collection::vec(name().prop_map(Value::String), 0..5).prop_map(Value::Sequence),
        1 => value(),
    ]
}

/// A mapping with some of `known` keys (each with a value from `field`) and maybe unknown ones.
fn mapping<S: Strategy<Value = Value> + 'static>(
    known: &'static [&'static str],
    field: S,
) -> impl Strategy<Value = Mapping> {
    let known_fields = prop::collection::vec((prop::sample::select(known), field), 0..known.len() + 1);
    let unknown = prop::collection::vec((name(), value()), 0..2);
    (known_fields, unknown).prop_map(|(known, unknown)| {
        let mut m = Mapping::new();
        for (k, v) in known.into_iter().map(|(k, v)| (k.to_owned(), v)).chain(unknown) {
            m.insert(Value::String(k), v);
        }
        m
    })
}

/// Kinds paved does not know, besides Backstage's own ([`CORE_KINDS`]).
const OTHER_KINDS: &[&str] = &["component", "Widget", ""];
const API_VERSIONS: &[&str] =
    &["backstage.io/v1alpha1", "backstage.io/v1beta1", "scaffolder.backstage.io/v1beta3", "paved.dev/v1", "v1", ""];
const METADATA: &[&str] =
    &["name", "namespace", "title", "description", "labels", "annotations", "tags", "links", "uid", "etag"];
const ANNOTATIONS: &[&str] = &[
    "paved.dev/path",
    "paved.dev/path-version",
    "paved.dev/repo",
    "paved.dev/oncall",
    "paved.dev/budget-monthly",
    "github.com/project-slug",
    "backstage.io/techdocs-ref",
];
const SPEC: &[&str] = &[
    "type",
    "lifecycle",
    "owner",
    "system",
    "domain",
    "subcomponentOf",
    "providesApis",
    "consumesApis",
    "dependsOn",
    "dependencyOf",
    "parent",
    "children",
    "members",
    "memberOf",
    "profile",
    "definition",
    "target",
    "targets",
    "subdomainOf",
    "steps",
    "parameters",
];

/// A catalog entity document, as YAML text.
pub fn entity() -> impl Strategy<Value = String> {
    let annotations = mapping(ANNOTATIONS, reference_like());
    let metadata = (mapping(METADATA, reference_like()), annotations).prop_map(|(mut m, a)| {
        m.insert(Value::String("annotations".into()), Value::Mapping(a));
        m
    });
    let spec = mapping(SPEC, reference_like());
    let api = prop_oneof![3 => Just("backstage.io/v1alpha1"), 1 => prop::sample::select(API_VERSIONS)];
    let kind = prop::sample::select(CORE_KINDS.iter().chain(OTHER_KINDS).copied().collect::<Vec<_>>());
    (api, kind, metadata, spec, prop::bool::weighted(0.9)).prop_map(|(api, kind, metadata, spec, with_spec)| {
        let mut doc = Mapping::new();
        doc.insert("apiVersion".into(), api.into());
        doc.insert("kind".into(), kind.into());
        doc.insert("metadata".into(), Value::Mapping(metadata));
        if with_spec {
            doc.insert("spec".into(), Value::Mapping(spec));
        }
        serde_yaml::to_string(&doc).expect("a YAML value serializes")
    })
}

const CAPABILITIES: &[&str] = &["database", "queue", "dns-record", "Database", "", "../modules/database"];
const ENVIRONMENTS: &[&str] = &["development", "staging", "production", "Production", "prod", ""];
const REQUEST_SPEC: &[&str] =
    &["capability", "moduleVersion", "environment", "owner", "parameters", "deletionProtection"];
const PARAMETERS: &[&str] =
    &["engine", "version", "sizeGb", "publiclyAccessible", "backupRetentionDays", "retentionHours", "subjects"];

fn request_field() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => prop::sample::select(CAPABILITIES).prop_map(|s| Value::String(s.to_owned())),
        2 => prop::sample::select(ENVIRONMENTS).prop_map(|s| Value::String(s.to_owned())),
        2 => prop_oneof![Just(1u64), Just(2), Just(0), any::<u64>()].prop_map(|n| Value::Number(n.into())),
        2 => mapping(PARAMETERS, value()).prop_map(Value::Mapping),
        2 => reference_like(),
    ]
}

/// A request document for `requests/<team>/<file>.yaml`, as YAML text.
pub fn request() -> impl Strategy<Value = String> {
    let metadata = mapping(&["name", "requestedBy", "title", "labels", "annotations"], reference_like());
    let api = prop_oneof![6 => Just("paved.dev/v1"), 1 => prop::sample::select(API_VERSIONS)];
    let kind = prop_oneof![6 => Just("Request"), 1 => Just("request")];
    (api, kind, metadata, mapping(REQUEST_SPEC, request_field())).prop_map(|(api, kind, metadata, spec)| {
        let mut doc = Mapping::new();
        doc.insert("apiVersion".into(), api.into());
        doc.insert("kind".into(), kind.into());
        doc.insert("metadata".into(), Value::Mapping(metadata));
        doc.insert("spec".into(), Value::Mapping(spec));
        serde_yaml::to_string(&doc).expect("a YAML value serializes")
    })
}
