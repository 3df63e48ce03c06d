//! The desired state: a whole platform repo, parsed and validated into typed structures.
//!
//! [`load`] reads a [`Snapshot`] (a commit or a working directory) and returns the [`Model`] together with every
//! diagnostic. It never stops at the first bad file: an invalid file is reported at `path:line:col` and left out,
//! and everything else loads (design rule 5). Per-file work is cached by blob id ([`cache::ParseCache`]).

pub mod annotations;
pub mod cache;
pub mod capability;
pub mod catalog;
pub mod collisions;
pub mod decode;
mod desired;
pub mod entity;
pub mod entity_ref;
pub mod envelope;
pub mod library;
pub mod naming;
pub mod params;
pub mod placeholder;
pub mod platform;
pub mod relation;
pub mod request;
pub mod scorecard;
pub mod small_map;
pub mod status;

use crate::diag::{Diagnostic, Diagnostics, Finding, Pos};
use crate::source::{Basis, Entry, Snapshot};
use crate::yaml::{self, Document, Positions};
use cache::{FileClass, ParseCache};
use catalog::{Catalog, CatalogEntity};
use entity::{Entity, EntityRules};
use entity_ref::EntityRef;
use envelope::{Metadata, decode_kind};
use library::{Module, ModuleSpec, PathSpec, PavedPath};
use platform::PlatformSpec;
use request::{Request, RequestSpec};
use scorecard::{Scorecard, ScorecardSpec};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::sync::Arc;

pub use desired::{Model, Platform, Policy};

/// Paths only paved writes. They are never read as desired state.
pub const BOT_OWNED: [&str; 4] = ["status/**", "audit/**", "scorecards/**/*.md", "secrets/**"];

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Warnings count as errors.
    pub strict: bool,
}

/// The outcome of [`load`].
#[derive(Debug)]
pub struct Loaded {
    pub basis: Basis,
    pub model: Model,
    pub diagnostics: Diagnostics,
    /// Files whose content was looked at (for progress and benchmarks).
    pub files: usize,
}

/// Load and validate the platform repo in `snapshot`.
pub fn load(snapshot: &Snapshot, cache: &ParseCache, options: &LoadOptions) -> Loaded {
    let mut diags = Diagnostics::default();
    let mut model = Model::default();
    let mut files = 0usize;
    let bot_owned = bot_owned_matcher();
    let started = std::time::Instant::now();
    warm_cache(snapshot, cache);
    tracing::debug!(
        ms = started.elapsed().as_secs_f64() * 1e3,
        parses = cache.parses(),
        rss_mib = crate::memory::rss_mib(),
        "parse cache warmed"
    );

    // platform.yaml first: it decides which extra kinds the catalog allows.
    match snapshot.get("platform.yaml") {
        Some(entry) => {
            files += 1;
            if let Some((meta, spec)) =
                load_one::<PlatformSpec>(snapshot, cache, entry, FileClass::Platform, "Platform", &mut diags)
            {
                model.platform = Platform { name: meta.name, spec };
            }
        }
        None => diags.push(
            Diagnostic::error("platform.yaml", Pos::FILE, "no platform.yaml at the repo root")
                .hint("run `paved init` to create one, or point --repo at the platform repo's root"),
        ),
    }
    let rules = EntityRules { allowed_kinds: model.platform.spec.catalog.allowed_kinds.clone() };
    refuse_links_out(snapshot, &bot_owned, &mut diags);

    let catalog_files: Vec<&Entry> = snapshot
        .under("catalog")
        .filter(|e| is_yaml(&e.path) && !is_link_out(e) && !bot_owned.is_match(&e.path))
        .collect();
    let pulled_in = placeholder_targets(snapshot, cache, &catalog_files);
    let mut entities = Vec::new();
    for entry in catalog_files.into_iter().filter(|e| !pulled_in.contains(&e.path)) {
        files += 1;
        entities.extend(load_catalog_file(snapshot, cache, entry, &rules, &mut diags));
    }
    model.catalog = Catalog::build(entities, &mut diags);

    for entry in snapshot.under("paths").filter(|e| is_manifest(&e.path, "paths", "path.yaml") && !is_link_out(e)) {
        files += 1;
        if let Some(p) = load_path(snapshot, cache, entry, &mut diags) {
            model.paths.insert(p.name.clone(), p);
        }
    }
    for entry in snapshot.under("modules").filter(|e| is_manifest(&e.path, "modules", "module.yaml") && !is_link_out(e))
    {
        files += 1;
        if let Some(m) = load_module(snapshot, cache, entry, &mut diags) {
            model.modules.insert(m.name.clone(), m);
        }
    }
    for entry in snapshot.under("requests").filter(|e| is_yaml(&e.path) && !is_link_out(e)) {
        files += 1;
        if let Some(r) = load_request(snapshot, cache, entry, &mut diags) {
            if let Some(first) = model.requests.get(&r.key()) {
                diags.push(
                    Diagnostic::error(&r.path, Pos::FILE, duplicate_request_message(&r.key()))
                        .hint(format!("{} already defines it", first.path)),
                );
                continue;
            }
            model.requests.insert(r.key(), r);
        }
    }
    for entry in snapshot.under("policies").filter(|e| e.path.ends_with(".rego") && !is_link_out(e)) {
        files += 1;
        match snapshot.read_text(entry) {
            Ok(source) => {
                model.policies.insert(entry.path.clone(), Policy { path: entry.path.clone(), source });
            }
            Err(f) => diags.push(f.at(&entry.path)),
        }
    }
    for entry in snapshot
        .under("scorecards")
        .filter(|e| is_yaml(&e.path) && !is_link_out(e) && !e.path["scorecards/".len()..].contains('/'))
    {
        files += 1;
        if let Some(s) = load_scorecard(snapshot, cache, entry, &model.catalog, &mut diags) {
            model.scorecards.insert(s.name.clone(), s);
        }
    }

    check_cross_references(&model, &mut diags);
    diags.extend(collisions::check(&model, snapshot).into_vec());
    if options.strict {
        diags.promote_warnings();
    }
    diags.sort();
    Loaded { basis: snapshot.basis.clone(), model, diagnostics: diags, files }
}

/// One request file, loaded and checked against the rest of `model` exactly as [`load`] does it: for the
/// incremental planner, which patches a model after a commit that changed request files only. Returns the request
/// (when it loads) and every diagnostic about the file. Duplicate keys across files are the caller's to detect.
pub fn load_request_file(
    snapshot: &Snapshot,
    cache: &ParseCache,
    entry: &Entry,
    model: &Model,
    options: &LoadOptions,
) -> (Option<Request>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let request = load_request(snapshot, cache, entry, &mut diags);
    if let Some(r) = &request {
        check_request(model, r, &mut diags);
        check_request_deprecated(model, r, &mut diags);
    }
    if options.strict {
        diags.promote_warnings();
    }
    (request, diags)
}

/// The message of the error [`load`] gives a request file whose `team/name` another file already defines.
pub fn duplicate_request_message(key: &str) -> String {
    format!("duplicate request {key}")
}

/// Whether `path` is read as a request file by [`load`].
pub fn is_request_file(path: &str) -> bool {
    path.starts_with("requests/") && is_yaml(path)
}

/// The catalog rules of the platform in `snapshot` (its `platform.yaml`: the kinds it allows), with what is wrong
/// with that file in `diags`; the defaults when it has none.
pub fn catalog_rules(snapshot: &Snapshot, diags: &mut Diagnostics) -> EntityRules {
    let cache = ParseCache::new();
    let platform = snapshot
        .get("platform.yaml")
        .and_then(|entry| load_one::<PlatformSpec>(snapshot, &cache, entry, FileClass::Platform, "Platform", diags));
    EntityRules { allowed_kinds: platform.map(|(_, spec)| spec.catalog.allowed_kinds).unwrap_or_default() }
}

/// Validate catalog files on their own (`paved validate --file`): envelope, naming rules, kinds and spec fields
/// of every entity, as Backstage checks them on ingestion, under `rules`. `files` are relative to the directory
/// `root`, inside which their placeholders are resolved. References are not resolved: there is no catalog.
///
/// # Errors
/// When a file cannot be read.
pub fn check_entity_files(
    root: &std::path::Path,
    files: &[String],
    rules: &EntityRules,
    diags: &mut Diagnostics,
) -> Result<(), crate::source::Error> {
    let cache = ParseCache::new();
    // The files the placeholders pull in are listed with the files, once they are known.
    let listed = Snapshot::worktree_files(root, files)?;
    let entries: Vec<&Entry> = listed.entries().iter().collect();
    let pulled_in = placeholder_targets(&listed, &cache, &entries);
    let wanted: Vec<String> = files.iter().cloned().chain(pulled_in.iter().cloned()).collect();
    let snapshot = Snapshot::worktree_files(root, &wanted)?;
    for file in files.iter().filter(|f| !pulled_in.contains(*f)) {
        match snapshot.get(file) {
            Some(entry) => drop(load_catalog_file(&snapshot, &cache, entry, rules, diags)),
            None => diags.push(Diagnostic::error(file, Pos::FILE, "no such file")),
        }
    }
    Ok(())
}

/// The folders [`load`] reads desired state from.
const DESIRED_DIRS: [&str; 6] = ["catalog", "requests", "paths", "modules", "policies", "scorecards"];

fn is_link_out(entry: &Entry) -> bool {
    matches!(entry.kind, crate::source::FileKind::SymlinkOutside(_))
}

/// Every symlink in a desired-state folder that paved will not follow (out of the repo, or to a directory) is an
/// error at the link, whatever its name: a link to a directory of entities is not silently skipped. The loaders
/// leave such links out, so each is reported once, here.
fn refuse_links_out(snapshot: &Snapshot, bot_owned: &globset::GlobSet, diags: &mut Diagnostics) {
    for dir in DESIRED_DIRS {
        for entry in snapshot.under(dir).filter(|e| is_link_out(e) && !bot_owned.is_match(&e.path)) {
            if let Some(refusal) = Snapshot::refusal(entry) {
                diags.push(refusal.at(&entry.path));
            }
        }
    }
}

/// The globs of bot-owned paths.
pub fn bot_owned_matcher() -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for g in BOT_OWNED {
        b.add(globset::Glob::new(g).expect("static glob"));
    }
    b.build().expect("static globs")
}

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// `dir/<name>/<file>` exactly.
fn is_manifest(path: &str, dir: &str, file: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() == 3 && parts[0] == dir && parts[2] == file
}

/// What parsing one file yields, cached by blob id: the documents that read, and the file-level findings
/// (unreadable file, YAML syntax errors).
struct Parsed<T> {
    docs: Vec<T>,
    errors: Vec<Finding>,
}

fn parse_docs(snapshot: &Snapshot, entry: &Entry) -> (Vec<Document>, Vec<Finding>) {
    let text = match snapshot.read_text(entry) {
        Ok(t) => t,
        Err(f) => return (Vec::new(), vec![f]),
    };
    let (docs, errors) = yaml::parse_recovering(&text);
    let errors = errors
        .into_iter()
        .map(|e| {
            Finding::error(e.pos, format!("invalid YAML: {}", e.message))
                .hint("fix the YAML syntax; check indentation and quotes")
        })
        .collect();
    (docs, errors)
}

/// A file of one of paved's own kinds, parsed and decoded (what the cache keeps for it).
fn parse_own<S: DeserializeOwned + Default>(snapshot: &Snapshot, entry: &Entry, kind: &str) -> Parsed<OwnDoc<S>> {
    let (docs, errors) = parse_docs(snapshot, entry);
    let docs = docs
        .into_iter()
        .map(|doc| {
            let decoded = decode_kind::<S>(&doc, kind);
            OwnDoc { positions: Arc::new(doc.positions.compacted()), decoded }
        })
        .collect();
    Parsed { docs, errors }
}

/// One document of a catalog file, as the cache keeps it.
enum CatalogDoc {
    /// Its entity (if it reads) and its findings.
    Read(Option<Arc<Entity>>, Vec<Finding>),
    /// A document with `$text`/`$json`/`$yaml` placeholders ([`placeholder`]): what it pulls in is other files,
    /// which its file's blob id does not key, so it is read on each load once they are resolved in that load's
    /// snapshot.
    Unresolved(Box<Document>),
}

/// A catalog file, parsed.
type CatalogParse = Parsed<CatalogDoc>;

fn parse_catalog(snapshot: &Snapshot, entry: &Entry) -> CatalogParse {
    let (docs, errors) = parse_docs(snapshot, entry);
    let docs = docs
        .into_iter()
        .filter(|d| !d.value.is_null())
        .map(|d| {
            if placeholder::any(&d.value) {
                return CatalogDoc::Unresolved(Box::new(d));
            }
            let mut findings = Vec::new();
            CatalogDoc::Read(read_catalog_doc(&d, &mut findings).map(Arc::new), findings)
        })
        .collect();
    Parsed { docs, errors }
}

/// The entity of one catalog document; a document that is not one (neither `apiVersion` nor `kind`: an OpenAPI
/// description, a config file) gets a warning and is skipped. Backstage reads only the files its Locations name,
/// so such a file is no error; paved reads every YAML file under `catalog/` and says which it skips.
fn read_catalog_doc(doc: &Document, findings: &mut Vec<Finding>) -> Option<Entity> {
    let is_entity = doc.value.get("apiVersion").is_some() || doc.value.get("kind").is_some();
    if !is_entity {
        findings.push(
            Finding::warning(doc.start, "not a catalog entity (it has neither `apiVersion` nor `kind`); skipped")
                .hint("move it out of catalog/, or pull it into an entity with `$text`, `$json` or `$yaml`"),
        );
        return None;
    }
    entity::read_entity(doc, findings)
}

/// The files under `catalog/` that a placeholder of some entity pulls in: they are that entity's data, not
/// entities, and are not judged as catalog files.
fn placeholder_targets(
    snapshot: &Snapshot,
    cache: &ParseCache,
    entries: &[&Entry],
) -> std::collections::HashSet<String> {
    let mut targets = Vec::new();
    for entry in entries.iter().filter(|e| Snapshot::refusal(e).is_none()) {
        let parsed: Arc<CatalogParse> =
            cache.get_or_parse(entry.blob, FileClass::Catalog, || parse_catalog(snapshot, entry));
        for doc in &parsed.docs {
            if let CatalogDoc::Unresolved(doc) = doc {
                placeholder::targets(&doc.value, &entry.path, &mut targets);
            }
        }
    }
    targets.into_iter().collect()
}

/// Parse the catalog and request files the cache lacks on every core, ahead of the sequential load, which then
/// finds them cached. Parsing (inflating blobs, YAML with positions, decoding) is most of a cold load; the
/// sequential pass keeps the diagnostics' order and the cross-file checks deterministic.
fn warm_cache(snapshot: &Snapshot, cache: &ParseCache) {
    let bot_owned = bot_owned_matcher();
    let wanted = |e: &&Entry| is_yaml(&e.path) && Snapshot::refusal(e).is_none();
    let catalog: Vec<&Entry> =
        snapshot.under("catalog").filter(wanted).filter(|e| !bot_owned.is_match(&e.path)).collect();
    let requests: Vec<&Entry> = snapshot.under("requests").filter(wanted).collect();
    crate::par::map(&catalog, 64, |entry| {
        cache.get_or_parse(entry.blob, FileClass::Catalog, || parse_catalog(snapshot, entry));
    });
    crate::par::map(&requests, 64, |entry| {
        cache
            .get_or_parse(entry.blob, FileClass::Request, || parse_own::<Arc<RequestSpec>>(snapshot, entry, "Request"));
    });
}

/// One document of one of paved's own kinds, decoded, with its positions kept for later cross-checks.
struct OwnDoc<S> {
    /// The document's positions (its data is dropped once decoded: kept for every request, it was a tenth of a
    /// 50,000-service plan's memory), shared with what the load makes of it.
    positions: Arc<Positions>,
    decoded: Result<(Metadata, S), Finding>,
}

/// Load a single-document file of one of paved's kinds.
fn load_one<S: DeserializeOwned + Default + Clone + Send + Sync + 'static>(
    snapshot: &Snapshot,
    cache: &ParseCache,
    entry: &Entry,
    class: FileClass,
    kind: &str,
    diags: &mut Diagnostics,
) -> Option<(Metadata, S)> {
    load_own(snapshot, cache, entry, class, kind, diags).map(|(_, meta, spec)| (meta, spec))
}

fn load_own<S: DeserializeOwned + Default + Clone + Send + Sync + 'static>(
    snapshot: &Snapshot,
    cache: &ParseCache,
    entry: &Entry,
    class: FileClass,
    kind: &str,
    diags: &mut Diagnostics,
) -> Option<(Arc<Positions>, Metadata, S)> {
    if let Some(refusal) = Snapshot::refusal(entry) {
        diags.push(refusal.at(&entry.path));
        return None;
    }
    let parsed: Arc<Parsed<OwnDoc<S>>> = cache.get_or_parse(entry.blob, class, || parse_own(snapshot, entry, kind));
    if !parsed.errors.is_empty() {
        diags.extend(parsed.errors.iter().map(|f| f.at(&entry.path)));
        return None;
    }
    let docs = &parsed.docs;
    let [one] = docs.as_slice() else {
        diags.push(
            Diagnostic::error(
                &entry.path,
                Pos::FILE,
                format!("expected exactly one {kind} document, found {}", docs.len()),
            )
            .hint(format!("put one {kind} per file")),
        );
        return None;
    };
    match &one.decoded {
        Err(f) => {
            diags.push(f.at(&entry.path));
            None
        }
        Ok((meta, spec)) => {
            let ok = check_name(&entry.path, &one.positions, &meta.name, diags);
            ok.then(|| (Arc::clone(&one.positions), meta.clone(), spec.clone()))
        }
    }
}

fn check_name(path: &str, positions: &Positions, name: &str, diags: &mut Diagnostics) -> bool {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid {
        diags.push(
            Diagnostic::error(path, positions.value("metadata.name"), format!("`{name}` is not a valid name"))
                .hint("names are 1-63 characters of [a-zA-Z0-9] separated by one of [-_.]"),
        );
    }
    valid
}

fn load_catalog_file(
    snapshot: &Snapshot,
    cache: &ParseCache,
    entry: &Entry,
    rules: &EntityRules,
    diags: &mut Diagnostics,
) -> Vec<CatalogEntity> {
    if let Some(refusal) = Snapshot::refusal(entry) {
        diags.push(refusal.at(&entry.path));
        return Vec::new();
    }
    let parsed: Arc<CatalogParse> =
        cache.get_or_parse(entry.blob, FileClass::Catalog, || parse_catalog(snapshot, entry));
    diags.extend(parsed.errors.iter().map(|f| f.at(&entry.path)));
    let file: Arc<str> = Arc::from(entry.path.as_str());
    let mut pulled = 0;
    parsed
        .docs
        .iter()
        .filter_map(|doc| {
            let (entity, findings) = match doc {
                CatalogDoc::Read(entity, findings) => (entity.clone(), Cow::Borrowed(findings)),
                CatalogDoc::Unresolved(doc) => {
                    let mut findings = Vec::new();
                    let resolved = placeholder::resolve(snapshot, &entry.path, doc, &mut pulled, &mut findings);
                    (read_catalog_doc(&resolved, &mut findings).map(Arc::new), Cow::Owned(findings))
                }
            };
            diags.extend(findings.iter().map(|f| f.at(&entry.path)));
            let entity = entity?;
            if let Err(f) = entity::check_allowed_kind(&entity, rules) {
                diags.push(f.at(&entry.path));
                return None;
            }
            let valid = !findings.iter().any(Finding::is_error);
            Some(CatalogEntity { entity, file: Arc::clone(&file), valid, relations: Box::default() })
        })
        .collect()
}

fn load_path(snapshot: &Snapshot, cache: &ParseCache, entry: &Entry, diags: &mut Diagnostics) -> Option<PavedPath> {
    let (positions, meta, spec) = load_own::<PathSpec>(snapshot, cache, entry, FileClass::Path, "PavedPath", diags)?;
    let (dir, version) = check_manifest(entry, &positions, &meta.name, "path", &spec.version, &spec.parameters, diags)?;
    for (i, m) in spec.migrations.iter().enumerate() {
        for (j, c) in m.codemods.iter().enumerate() {
            let at = positions.value(&format!("spec.migrations[{i}].codemods[{j}]"));
            match (&c.ast_grep, &c.command) {
                (Some(rule), None) => {
                    if snapshot.get(&format!("{dir}/{rule}")).is_none() {
                        diags.push(Diagnostic::error(
                            &entry.path,
                            at,
                            format!("codemod rule `{rule}` does not exist in {dir}/"),
                        ));
                    }
                }
                (None, Some(cmd)) if !cmd.is_empty() => {}
                _ => diags.push(Diagnostic::error(
                    &entry.path,
                    at,
                    "a codemod needs exactly one of `astGrep` or `command`",
                )),
            }
        }
    }
    Some(PavedPath { name: meta.name, dir, owner: meta.owner, version, spec })
}

fn load_module(snapshot: &Snapshot, cache: &ParseCache, entry: &Entry, diags: &mut Diagnostics) -> Option<Module> {
    let (positions, meta, spec) = load_own::<ModuleSpec>(snapshot, cache, entry, FileClass::Module, "Module", diags)?;
    let (dir, version) =
        check_manifest(entry, &positions, &meta.name, "module", &spec.version, &spec.parameters, diags)?;
    if spec.backends.is_empty() {
        diags.push(
            Diagnostic::error(&entry.path, positions.value("spec.backends"), "a module needs at least one backend")
                .hint("add `backends: [terraform]`"),
        );
    }
    Some(Module { name: meta.name, dir, owner: meta.owner, version, spec })
}

/// What paths and modules share: the manifest's name is its folder's, its version is semver, its parameter
/// schema is sound. Returns the folder and the version.
fn check_manifest(
    entry: &Entry,
    positions: &Positions,
    name: &str,
    what: &str,
    version: &str,
    parameters: &[params::ParamSpec],
    diags: &mut Diagnostics,
) -> Option<(String, semver::Version)> {
    let dir = entry.path.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default();
    let (root, folder) = dir.rsplit_once('/').unwrap_or(("", dir.as_str()));
    if name != folder {
        diags.push(
            Diagnostic::error(
                &entry.path,
                positions.value("metadata.name"),
                format!("{what} `{name}` lives in folder `{folder}`"),
            )
            .hint(format!("name it `{folder}` or move it to {root}/{name}/")),
        );
        return None;
    }
    let version = parse_version(&entry.path, positions, version, diags)?;
    diags.extend(params::check_schema(parameters, positions, "spec.parameters").iter().map(|f| f.at(&entry.path)));
    Some((dir, version))
}

fn parse_version(path: &str, positions: &Positions, text: &str, diags: &mut Diagnostics) -> Option<semver::Version> {
    match semver::Version::parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    path,
                    positions.value("spec.version"),
                    format!("`{text}` is not a semantic version: {e}"),
                )
                .hint("write MAJOR.MINOR.PATCH, e.g. `2.0.0`"),
            );
            None
        }
    }
}

fn load_request(snapshot: &Snapshot, cache: &ParseCache, entry: &Entry, diags: &mut Diagnostics) -> Option<Request> {
    let parts: Vec<&str> = entry.path.split('/').collect();
    if parts.len() != 3 {
        diags.push(
            Diagnostic::error(&entry.path, Pos::FILE, "requests live at requests/<team>/<name>.yaml")
                .hint("move the file into its team's folder"),
        );
        return None;
    }
    let (positions, meta, spec) =
        load_own::<Arc<RequestSpec>>(snapshot, cache, entry, FileClass::Request, "Request", diags)?;
    Some(Request {
        path: entry.path.clone(),
        team: parts[1].to_owned(),
        name: meta.name,
        requested_by: meta.requested_by,
        spec,
        positions,
    })
}

fn load_scorecard(
    snapshot: &Snapshot,
    cache: &ParseCache,
    entry: &Entry,
    catalog: &Catalog,
    diags: &mut Diagnostics,
) -> Option<Scorecard> {
    let (positions, meta, spec) =
        load_own::<ScorecardSpec>(snapshot, cache, entry, FileClass::Scorecard, "Scorecard", diags)?;
    let mut ids = std::collections::BTreeSet::new();
    for (i, c) in spec.checks.iter().enumerate() {
        if !ids.insert(c.id.as_str()) {
            diags.push(Diagnostic::error(
                &entry.path,
                positions.value(&format!("spec.checks[{i}].id")),
                format!("check `{}` is declared twice", c.id),
            ));
        }
    }
    for (i, c) in spec.checks.iter().enumerate() {
        if !scorecard::FACTS.contains(&c.fact.as_str()) {
            let d = Diagnostic::error(
                &entry.path,
                positions.value(&format!("spec.checks[{i}].fact")),
                format!("no evidence collector derives the fact `{}`", c.fact),
            );
            diags.push(match crate::diag::did_you_mean(&c.fact, scorecard::FACTS) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("facts: {}", scorecard::FACTS.join(", "))),
            });
        }
    }
    for (i, ex) in spec.exemptions.iter().enumerate() {
        let at = |f: &str| positions.value(&format!("spec.exemptions[{i}].{f}"));
        if !ids.contains(ex.check.as_str()) {
            diags.push(Diagnostic::error(
                &entry.path,
                at("check"),
                format!("exemption names check `{}`, which this scorecard does not have", ex.check),
            ));
        }
        if EntityRef::parse(&ex.entity, Some("component"), "default").ok().and_then(|r| catalog.get(&r)).is_none() {
            diags.push(
                Diagnostic::error(
                    &entry.path,
                    at("entity"),
                    format!("exemption names {}, which is not in the catalog", ex.entity),
                )
                .hint("exemptions are for existing entities; remove it once the entity is gone"),
            );
        }
        if chrono::NaiveDate::parse_from_str(&ex.expires, "%Y-%m-%d").is_err() {
            diags.push(
                Diagnostic::error(&entry.path, at("expires"), format!("`{}` is not a date", ex.expires))
                    .hint("write YYYY-MM-DD"),
            );
        }
    }
    Some(Scorecard { name: meta.name, path: entry.path.clone(), title: meta.title, spec })
}

/// Checks that need more than one file: references from paved's kinds into the catalog and between each other.
fn check_cross_references(model: &Model, diags: &mut Diagnostics) {
    let catalog = &model.catalog;
    let group_exists =
        |text: &str| EntityRef::parse(text, Some("group"), "default").ok().filter(|r| catalog.get(r).is_some());

    // Components and requests are each checked alone against the model: on every core, joined in order (the
    // diagnostics are sorted at the end of the load in any case).
    let components: Vec<(&EntityRef, &CatalogEntity)> =
        catalog.entities.iter().filter(|(r, _)| r.kind == "component").collect();
    for mine in crate::par::map(&components, 512, |(r, item)| check_component(model, r, item)) {
        diags.extend(mine);
    }
    for p in model.paths.values() {
        check_owner(&format!("{}/path.yaml", p.dir), p.owner.as_deref(), &group_exists, diags);
    }
    for m in model.modules.values() {
        check_owner(&format!("{}/module.yaml", m.dir), m.owner.as_deref(), &group_exists, diags);
    }
    let requests: Vec<&Request> = model.requests.values().collect();
    let checked = crate::par::map(&requests, 512, |r| {
        let mut mine = Diagnostics::default();
        check_request(model, r, &mut mine);
        check_request_deprecated(model, r, &mut mine);
        mine
    });
    for mine in checked {
        diags.extend(mine);
    }
}

/// A component's paved path: it must exist, its version range must parse, and it should not be deprecated.
fn check_component(model: &Model, r: &EntityRef, item: &CatalogEntity) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let e = &item.entity;
    if let Some(path) = e.annotations.get(annotations::PATH) {
        match model.paths.get(path) {
            None => {
                let names = model.paths.keys().map(String::as_str);
                let d = Diagnostic::error(
                    &*item.file,
                    e.pos,
                    format!("{r} follows paved path `{path}`, which does not exist"),
                );
                diags.push(match crate::diag::did_you_mean(path, names) {
                    Some(s) => d.hint(format!("did you mean `{s}`?")),
                    None => d.hint(format!("paths: {}", model.paths.keys().cloned().collect::<Vec<_>>().join(", "))),
                });
            }
            // Sunset: components on a deprecated path are warned.
            Some(p) if p.spec.deprecated => diags.push(
                Diagnostic::warning(
                    &*item.file,
                    e.annotation_at(annotations::PATH),
                    format!("{r} follows deprecated paved path `{}`", p.name),
                )
                .hint("it is being sunset (see scorecards/adoption.md); move to the path that replaces it"),
            ),
            Some(_) => {}
        }
    }
    if let Some(range) = e.annotations.get(annotations::PATH_VERSION)
        && range != "latest"
        && semver::VersionReq::parse(range).is_err()
    {
        diags.push(
            Diagnostic::error(&*item.file, e.pos, format!("{r}: `{range}` is not a version range"))
                .hint("use `latest` or a semver range such as `^2` or `>=1.4, <3`"),
        );
    }
    diags
}

/// Sunset: requests for a deprecated capability are warned.
fn check_request_deprecated(model: &Model, r: &Request, diags: &mut Diagnostics) {
    if let Some(m) = model.modules.get(r.spec.capability.as_str()).filter(|m| m.spec.deprecated) {
        diags.push(
            Diagnostic::warning(
                &r.path,
                r.positions.value("spec.capability"),
                format!("capability `{}` is deprecated", m.name),
            )
            .hint("it is being sunset (see scorecards/adoption.md); ask its owner what replaces it"),
        );
    }
}

fn check_owner(
    file: &str,
    owner: Option<&str>,
    group_exists: &dyn Fn(&str) -> Option<EntityRef>,
    diags: &mut Diagnostics,
) {
    if let Some(owner) = owner
        && group_exists(owner).is_none()
    {
        diags.push(
            Diagnostic::error(file, Pos::FILE, format!("owner `{owner}` is not a group in the catalog"))
                .hint("set metadata.owner to an existing group, e.g. `group:platform-core`"),
        );
    }
}

fn check_request(model: &Model, r: &Request, diags: &mut Diagnostics) {
    let p = &r.positions;
    let team = EntityRef::new("group", "default", &r.team);
    if model.catalog.get(&team).is_none() {
        diags.push(
            Diagnostic::error(
                &r.path,
                Pos::FILE,
                format!("folder `requests/{}` names no group in the catalog", r.team),
            )
            .hint("requests live in the folder of the team that owns them: requests/<group name>/"),
        );
    }
    match EntityRef::parse(&r.spec.owner, Some("group"), "default") {
        Ok(owner) if owner == team => {}
        Ok(owner) => diags.push(
            Diagnostic::error(
                &r.path,
                p.value("spec.owner"),
                format!("request in requests/{}/ is owned by {owner}", r.team),
            )
            .hint(format!(
                "a team requests only in its own folder: set `owner: group:{}` or move the file to requests/{}/",
                r.team, owner.name
            )),
        ),
        Err(e) => diags.push(
            Diagnostic::error(&r.path, p.value("spec.owner"), format!("spec.owner: {e}"))
                .hint(format!("write `owner: group:{}`", r.team)),
        ),
    }
    if r.spec.environment.is_none() {
        diags.push(
            Diagnostic::error(&r.path, p.value("spec"), "missing `spec.environment`")
                .hint("one of development, staging, production"),
        );
    }
    let Some(module) = model.modules.get(r.spec.capability.as_str()) else {
        let names = model.modules.keys().map(String::as_str);
        let d = Diagnostic::error(
            &r.path,
            p.value("spec.capability"),
            format!("no capability module named `{}`", r.spec.capability),
        );
        diags.push(match crate::diag::did_you_mean(r.spec.capability.as_str(), names) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None => d.hint(format!("capabilities: {}", model.modules.keys().cloned().collect::<Vec<_>>().join(", "))),
        });
        return;
    };
    if let Some(v) = r.spec.module_version {
        let current = module.version.major;
        let migratable = module.spec.migrations.iter().any(|m| m.from == v);
        if v > current || (v < current && !migratable) {
            diags.push(
                Diagnostic::error(
                    &r.path,
                    p.value("spec.moduleVersion"),
                    format!("module `{}` has no major version {v} (current: {current})", module.name),
                )
                .hint(format!("set `moduleVersion: {current}`")),
            );
        }
        if v < current {
            // Written for an older major: its parameters follow that version's schema until the migration PR merges.
            return;
        }
    }
    let owner = format!("module {}", module.name);
    diags.extend(
        params::validate(&module.spec.parameters, &r.parameters_value(), p, "spec.parameters", &owner)
            .iter()
            .map(|f| f.at(&r.path)),
    );
}

/// The example platform repo (`platform-repo-example/`), loaded from its work tree: what unit tests of the
/// planners build their cases on.
#[cfg(test)]
pub fn example() -> Model {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("platform-repo-example");
    let snapshot = crate::source::Snapshot::worktree(&root).expect("the example reads");
    let loaded = load(&snapshot, &cache::ParseCache::new(), &LoadOptions { strict: false });
    assert_eq!(loaded.diagnostics.errors(), 0, "the example is valid");
    loaded.model
}
