//! Rendering: paved paths (this module: one version of a path plus its answers gives a tree of files), and the
//! Terraform root module of a request ([`terraform`], every value an escaped HCL literal via [`hcl`], passing what
//! the module declares in [`tf_module`]).
//!
//! A path's files come from the platform repo ([`PathFiles::from_snapshot`]) or from the standard library built
//! into the binary ([`PathFiles::embedded`]). Its current version is `paths/<name>/path.yaml` with `template/`;
//! earlier versions live at `paths/<name>/history/<version>/` with the same layout, so every version a service
//! may still be on can be rendered again for a three-way update.
//!
//! # Guarantees
//! - Answers are validated against the version's parameter schema (types, patterns, enums, ranges), defaults are
//!   applied, unknown parameters are refused: [`resolve`].
//! - Templates render strictly: an undefined variable is an error naming the file, never an empty string.
//! - File names are templates too; a rendered name that is absolute, contains `..` or `.`, or writes into `.git/`
//!   or `.paved/` is refused ([`Error::Escapes`]). [`write_tree`] also refuses to write through a symlink.
//! - Secret parameters never reach the answers file ([`AnswersFile::new`]).

pub mod hcl;
pub mod terraform;
pub mod tf_module;

use crate::model::envelope::decode_kind;
use crate::model::library::PathSpec;
use crate::model::params::{self, ParamSpec};
use crate::source::Snapshot;
use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Where the answers file lives in a rendered repo.
pub const ANSWERS_FILE: &str = ".paved/answers.yaml";

/// The error returned by rendering and by [`write_tree`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no paved path named `{name}`{}", hint_list(available))]
    NoSuchPath { name: String, available: Vec<String> },
    #[error("paved path `{name}` has no version {version} (available: {})", available.join(", "))]
    NoSuchVersion { name: String, version: String, available: Vec<String> },
    #[error("{file}: {message}")]
    Manifest { file: String, message: String },
    #[error("invalid answers for {path} {version}:\n  {}", problems.join("\n  "))]
    Answers { path: String, version: String, problems: Vec<String> },
    #[error("template {file}: {message}")]
    Template { file: String, message: String },
    #[error("template {file} would write `{output}`, outside the target directory")]
    Escapes { file: String, output: String },
    #[error("templates {first} and {second} both render to `{output}`")]
    Collision { first: String, second: String, output: String },
    #[error("refusing to write through the symlink {0}")]
    Symlink(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn hint_list(names: &[String]) -> String {
    if names.is_empty() { String::new() } else { format!(" (paths: {})", names.join(", ")) }
}

/// Every file of one paved path, keyed by its path relative to `paths/<name>/`.
#[derive(Debug, Clone)]
pub struct PathFiles {
    pub name: String,
    /// Where the files came from, for the answers file: a commit, `worktree`, or the built-in library.
    pub origin: String,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// One version of a path: its manifest, template files and migration files.
#[derive(Debug, Clone)]
pub struct PathVersion {
    pub name: String,
    pub version: semver::Version,
    pub spec: PathSpec,
    /// Template files, relative to `template/`.
    pub template: BTreeMap<String, Vec<u8>>,
    /// Every other file of the version (codemod rules, scripts), relative to the version's directory.
    pub support: BTreeMap<String, Vec<u8>>,
}

impl PathFiles {
    /// The files of `paths/<name>/` in a platform repo snapshot.
    ///
    /// # Errors
    /// [`Error::NoSuchPath`] when there is no `paths/<name>/path.yaml`; [`Error::Manifest`] for unreadable files.
    pub fn from_snapshot(snapshot: &Snapshot, name: &str) -> Result<Self, Error> {
        Self::load(snapshot, name, false)
    }

    /// Only the manifests (`path.yaml` of the current version, of `history/` and of release tags): enough for
    /// [`PathFiles::versions`], without reading every template file.
    pub fn manifests(snapshot: &Snapshot, name: &str) -> Result<Self, Error> {
        Self::load(snapshot, name, true)
    }

    fn load(snapshot: &Snapshot, name: &str, manifests_only: bool) -> Result<Self, Error> {
        let dir = format!("paths/{name}");
        if snapshot.get(&format!("{dir}/path.yaml")).is_none() {
            let available = snapshot
                .under("paths")
                .filter_map(|e| e.path.strip_prefix("paths/")?.strip_suffix("/path.yaml"))
                .filter(|n| !n.contains('/'))
                .map(str::to_owned)
                .collect();
            return Err(Error::NoSuchPath { name: name.to_owned(), available });
        }
        let mut files = BTreeMap::new();
        for entry in snapshot.under(&dir).filter(|e| !manifests_only || e.path.ends_with("/path.yaml")) {
            if let Some(refusal) = Snapshot::refusal(entry) {
                return Err(Error::Manifest { file: entry.path.clone(), message: refusal.message });
            }
            let bytes = snapshot
                .read(entry)
                .map_err(|e| Error::Manifest { file: entry.path.clone(), message: e.to_string() })?;
            files.insert(entry.path[dir.len() + 1..].to_owned(), bytes);
        }
        let origin = match snapshot.basis.commit() {
            Some(commit) if manifests_only => commit.to_owned(),
            Some(commit) => last_change(&snapshot.root, commit, &dir).unwrap_or_else(|| commit.to_owned()),
            None => "worktree".to_owned(),
        };
        let mut path = PathFiles { name: name.to_owned(), origin, files };
        path.add_tagged_versions(&snapshot.root, manifests_only);
        Ok(path)
    }

    /// Versions released as tags `paths/<name>/v<version>` in the platform repo at `repo` that `history/` does not
    /// hold: their files join as `history/<version>/`, so every released version can be rendered again. A repo
    /// that is not git, or a tag that cannot be read, adds nothing.
    fn add_tagged_versions(&mut self, repo: &Path, manifests_only: bool) {
        let prefix = release_tag(&self.name, "");
        let listed = release_tags(repo, &prefix);
        let current = self.manifest("path.yaml").map(|(v, _)| v).ok();
        for tag in &listed {
            let Some(version) = tag.strip_prefix(&prefix).and_then(|v| semver::Version::parse(v).ok()) else {
                continue;
            };
            let dir = format!("history/{version}/");
            if Some(&version) == current.as_ref() || self.files.contains_key(&format!("{dir}path.yaml")) {
                continue;
            }
            let Ok(snapshot) = Snapshot::git(repo, tag) else { continue };
            let base = format!("paths/{}/", self.name);
            for entry in snapshot.under(&base) {
                let rel = &entry.path[base.len()..];
                if rel.starts_with("history/")
                    || Snapshot::refusal(entry).is_some()
                    || manifests_only && rel != "path.yaml"
                {
                    continue;
                }
                if let Ok(bytes) = snapshot.read(entry) {
                    self.files.insert(format!("{dir}{rel}"), bytes);
                }
            }
        }
    }

    /// The path as shipped in the standard library built into this binary.
    pub fn embedded(name: &str) -> Result<Self, Error> {
        let Some(dir) = crate::library::PATHS.get_dir(name) else {
            let available = crate::library::PATHS.dirs().map(|d| d.path().to_string_lossy().into_owned()).collect();
            return Err(Error::NoSuchPath { name: name.to_owned(), available });
        };
        let mut files = BTreeMap::new();
        collect_embedded(dir, name, &mut files);
        let origin = format!("paved {} (built-in library)", env!("CARGO_PKG_VERSION"));
        Ok(PathFiles { name: name.to_owned(), origin, files })
    }

    /// Every version this path can render, oldest first.
    pub fn versions(&self) -> Vec<semver::Version> {
        let mut out: Vec<semver::Version> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix("history/")?.strip_suffix("/path.yaml"))
            .filter_map(|v| semver::Version::parse(v).ok())
            .collect();
        if let Ok(current) = self.manifest("path.yaml").map(|(v, _)| v) {
            out.push(current);
        }
        out.sort();
        out.dedup();
        out
    }

    /// The current version.
    pub fn latest(&self) -> Result<PathVersion, Error> {
        self.load_dir("")
    }

    /// One version, current or from `history/`.
    ///
    /// # Errors
    /// [`Error::NoSuchVersion`] when neither the current manifest nor `history/<version>/` has it.
    pub fn version(&self, version: &semver::Version) -> Result<PathVersion, Error> {
        let latest = self.latest()?;
        if &latest.version == version {
            return Ok(latest);
        }
        let dir = format!("history/{version}/");
        if self.files.contains_key(&format!("{dir}path.yaml")) {
            let v = self.load_dir(&dir)?;
            if &v.version != version {
                return Err(Error::Manifest {
                    file: format!("paths/{}/{dir}path.yaml", self.name),
                    message: format!("declares version {}, but lives in history/{version}/", v.version),
                });
            }
            return Ok(v);
        }
        Err(Error::NoSuchVersion {
            name: self.name.clone(),
            version: version.to_string(),
            available: self.versions().iter().map(ToString::to_string).collect(),
        })
    }

    fn manifest(&self, rel: &str) -> Result<(semver::Version, PathSpec), Error> {
        let file = format!("paths/{}/{rel}", self.name);
        let bad = |message: String| Error::Manifest { file: file.clone(), message };
        let bytes = self.files.get(rel).ok_or_else(|| bad("missing".to_owned()))?;
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8".to_owned()))?;
        let docs = crate::yaml::parse(text).map_err(|e| bad(format!("{}:{}: {}", e.pos.line, e.pos.col, e.message)))?;
        let doc = docs.first().ok_or_else(|| bad("empty".to_owned()))?;
        let (_, spec) = decode_kind::<PathSpec>(doc, "PavedPath")
            .map_err(|f| bad(format!("{}:{}: {}", f.pos.line, f.pos.col, f.message)))?;
        let version = semver::Version::parse(&spec.version)
            .map_err(|e| bad(format!("`{}` is not a semantic version: {e}", spec.version)))?;
        Ok((version, spec))
    }

    /// Load the version rooted at `dir` (`""` for the current one, `history/<v>/` for an old one).
    fn load_dir(&self, dir: &str) -> Result<PathVersion, Error> {
        let (version, spec) = self.manifest(&format!("{dir}path.yaml"))?;
        let mut template = BTreeMap::new();
        let mut support = BTreeMap::new();
        for (k, v) in &self.files {
            let Some(rel) = k.strip_prefix(dir) else { continue };
            if dir.is_empty() && rel.starts_with("history/") || rel == "path.yaml" {
                continue;
            }
            match rel.strip_prefix("template/") {
                Some(t) => template.insert(t.to_owned(), v.clone()),
                None => support.insert(rel.to_owned(), v.clone()),
            };
        }
        Ok(PathVersion { name: self.name.clone(), version, spec, template, support })
    }
}

/// The last commit up to `commit` that changed `dir`: the platform commit a rendering really depends on, so an
/// unrelated platform commit does not make every answers file (and migration branch) change.
///
/// What `git log -1 -- <dir>` answers, in-process: walk back from `commit`, following a parent in which `dir` is
/// the same (history simplification, as git does through merges), to the first commit where it differs from
/// every parent, or where it appeared.
fn last_change(repo: &Path, commit: &str, dir: &str) -> Option<String> {
    let repo = gix::open(repo).ok()?;
    let entry = |id: gix::ObjectId| -> Option<Option<gix::ObjectId>> {
        let tree = repo.find_commit(id).ok()?.tree().ok()?;
        Some(tree.lookup_entry_by_path(dir).ok()?.map(|e| e.object_id()))
    };
    let mut at = gix::ObjectId::from_hex(commit.as_bytes()).ok()?;
    let mut here = entry(at)?;
    here?; // `dir` is not in `commit`: no answer, as git log has none
    loop {
        let parents: Vec<gix::ObjectId> = repo.find_commit(at).ok()?.parent_ids().map(|p| p.detach()).collect();
        let mut same = None;
        for p in parents {
            if entry(p)? == here {
                same = Some(p);
                break;
            }
        }
        match same {
            Some(p) => at = p,
            None => return Some(at.to_string()),
        }
        here = entry(at)?;
    }
}

/// The tags of the git repo at `repo` that start with `prefix` (without `refs/tags/`), read in-process. A repo that
/// is not git has none.
pub fn release_tags(repo: &Path, prefix: &str) -> Vec<String> {
    let Ok(r) = gix::open(repo) else { return Vec::new() };
    let Ok(platform) = r.references() else { return Vec::new() };
    let Ok(tags) = platform.tags() else { return Vec::new() };
    tags.filter_map(Result::ok)
        .filter_map(|t| t.name().as_bstr().to_string().strip_prefix("refs/tags/").map(str::to_owned))
        .filter(|t| t.starts_with(prefix))
        .collect()
}

/// The release tag of a path version: `paths/<name>/v<version>`.
pub fn release_tag(name: &str, version: &str) -> String {
    format!("paths/{name}/v{version}")
}

fn collect_embedded(dir: &include_dir::Dir<'_>, name: &str, out: &mut BTreeMap<String, Vec<u8>>) {
    for f in dir.files() {
        let rel = f.path().to_string_lossy();
        let rel = rel.strip_prefix(&format!("{name}/")).unwrap_or(&rel).to_owned();
        out.insert(rel, f.contents().to_vec());
    }
    for d in dir.dirs() {
        collect_embedded(d, name, out);
    }
}

/// Validate `given` against `params` and fill in defaults; the result is in declaration order.
///
/// # Errors
/// [`Error::Answers`] listing every problem: unknown parameters (with did-you-mean), rule breaks, missing required
/// parameters.
pub fn resolve(version: &PathVersion, given: &Mapping) -> Result<Mapping, Error> {
    let problems: Vec<String> = params::validate(
        &version.spec.parameters,
        &Value::Mapping(given.clone()),
        &crate::yaml::Positions::default(),
        "answers",
        &format!("paved path {}", version.name),
    )
    .into_iter()
    .filter(|f| f.is_error())
    .map(|f| match &f.hint {
        Some(h) => format!("{} ({h})", f.message),
        None => f.message.clone(),
    })
    .collect();
    if !problems.is_empty() {
        return Err(Error::Answers { path: version.name.clone(), version: version.version.to_string(), problems });
    }
    let mut out = Mapping::new();
    for p in &version.spec.parameters {
        let v = given.get(p.name.as_str()).or(p.default.as_ref()).cloned();
        if let Some(v) = v {
            out.insert(Value::String(p.name.clone()), v);
        }
    }
    Ok(out)
}

/// Turn `--set k=v` text into a value of the parameter's declared type (`port=8080` is an integer, `name=123`
/// stays a string for a string parameter).
///
/// An `owner` is read as Backstage's catalog reads `spec.owner`, default kind Group and namespace `default`, and
/// written in full: `payments` and `group:payments` both become `group:default/payments`. Text that is no entity
/// reference is kept as given, for the parameter's rules to judge.
pub fn parse_set(params: &[ParamSpec], key: &str, text: &str) -> Value {
    use crate::model::entity_ref::EntityRef;
    use crate::model::params::ParamType;
    let declared = params.iter().find(|p| p.name == key).map(|p| p.ty);
    match declared {
        Some(ParamType::String) if key == "owner" => Value::String(
            EntityRef::parse(text, Some("group"), "default").map_or_else(|_| text.to_owned(), |r| r.to_string()),
        ),
        Some(ParamType::String) | None => Value::String(text.to_owned()),
        _ => serde_yaml::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
    }
}

/// Render every template file of `version` with resolved `answers`: output path to content.
///
/// # Errors
/// [`Error::Template`] for a template that does not parse or uses an undefined variable; [`Error::Escapes`] for
/// an output path outside the target; [`Error::Collision`] when two templates render to one path.
pub fn render(version: &PathVersion, answers: &Mapping) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let mut context = tera::Context::new();
    for (k, v) in answers {
        if let Some(k) = k.as_str() {
            context.insert(k.to_owned(), &yaml_to_json(v));
        }
    }
    let mut tera = tera::Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    let mut text_names = Vec::new();
    for (name, bytes) in &version.template {
        if let Ok(text) = std::str::from_utf8(bytes) {
            tera.add_raw_template(name, text)
                .map_err(|e| Error::Template { file: template_file(version, name), message: describe(&e) })?;
            text_names.push(name.as_str());
        }
    }
    let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    for (name, bytes) in &version.template {
        let file = template_file(version, name);
        let output = if name.contains("{{") || name.contains("{%") {
            tera::Tera::one_off(name, &context, false)
                .map_err(|e| Error::Template { file: file.clone(), message: format!("file name: {}", describe(&e)) })?
        } else {
            name.clone()
        };
        // A name that renders to nothing (a conditional file) is not written.
        if output.trim().is_empty() || output.ends_with('/') {
            continue;
        }
        check_output(&output).map_err(|()| Error::Escapes { file: file.clone(), output: output.clone() })?;
        let content = if text_names.contains(&name.as_str()) {
            tera.render(name, &context)
                .map_err(|e| Error::Template { file: file.clone(), message: describe(&e) })?
                .into_bytes()
        } else {
            bytes.clone()
        };
        if let Some(first) = origin.insert(output.clone(), file.clone()) {
            return Err(Error::Collision { first, second: file, output });
        }
        out.insert(output, content);
    }
    Ok(out)
}

fn template_file(version: &PathVersion, name: &str) -> String {
    format!("paths/{}@{}/template/{name}", version.name, version.version)
}

/// The whole error chain of a tera error (the useful part is often in the source).
fn describe(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

/// A rendered output path must stay inside the target and out of git's and paved's own directories.
fn check_output(output: &str) -> Result<(), ()> {
    let p = Path::new(output);
    let ok = !output.contains('\\')
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && !output.split('/').any(|s| s.is_empty() || s == "." || s == "..")
        && !matches!(output.split('/').next(), Some(".git" | ".paved"));
    if ok { Ok(()) } else { Err(()) }
}

fn yaml_to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// `.paved/answers.yaml`: which path and version a repo was rendered from, at which platform commit, with which
/// answers. Secret parameters are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AnswersFile {
    pub path: String,
    pub version: String,
    pub platform_commit: String,
    #[serde(default)]
    pub answers: Mapping,
}

impl AnswersFile {
    /// The answers file for `answers` rendered from `version`; secret parameters are dropped.
    pub fn new(version: &PathVersion, origin: &str, answers: &Mapping) -> Self {
        let secret: Vec<&str> = version.spec.parameters.iter().filter(|p| p.secret).map(|p| p.name.as_str()).collect();
        let answers =
            answers.iter().filter(|(k, _)| !k.as_str().is_some_and(|k| secret.contains(&k))).map(clone_pair).collect();
        AnswersFile {
            path: version.name.clone(),
            version: version.version.to_string(),
            platform_commit: origin.to_owned(),
            answers,
        }
    }

    pub fn to_yaml(&self) -> String {
        format!(
            "# Written by paved: the paved path this repo follows and the answers it was rendered with.\n\
             # paved reads it to update the repo when the path releases a new version. Secrets are never stored.\n{}",
            serde_yaml::to_string(self).expect("an answers file always serializes")
        )
    }

    /// Parse an answers file read from a service repo.
    pub fn parse(text: &str) -> Result<Self, String> {
        crate::yaml::check_bounded(text).map_err(|e| format!("{ANSWERS_FILE}:{e}"))?;
        serde_yaml::from_str(text).map_err(|e| match e.location() {
            Some(l) => format!("{ANSWERS_FILE}:{}:{}: {e}", l.line(), l.column()),
            None => format!("{ANSWERS_FILE}: {e}"),
        })
    }

    /// The answers to render with again: the stored ones, with secret parameters (never stored) given as empty
    /// strings so that required secrets do not stop an update.
    pub fn answers_for(&self, version: &PathVersion) -> Mapping {
        let mut out = self.answers.clone();
        for p in version.spec.parameters.iter().filter(|p| p.secret) {
            out.entry(Value::String(p.name.clone())).or_insert_with(|| Value::String(String::new()));
        }
        out
    }
}

fn clone_pair((k, v): (&Value, &Value)) -> (Value, Value) {
    (k.clone(), v.clone())
}

/// Render `version` with `given` answers: resolved answers, files (answers file included).
pub fn render_with_answers(
    version: &PathVersion,
    origin: &str,
    given: &Mapping,
) -> Result<(Mapping, BTreeMap<String, Vec<u8>>), Error> {
    let answers = resolve(version, given)?;
    let mut files = render(version, &answers)?;
    files.insert(ANSWERS_FILE.to_owned(), AnswersFile::new(version, origin, &answers).to_yaml().into_bytes());
    Ok((answers, files))
}

/// Write `files` below `out`, creating directories. Refuses to write through a symlink anywhere between `out`
/// and a file (a planted link must not redirect a write outside the target).
///
/// # Errors
/// [`Error::Symlink`], [`Error::Escapes`] for a path that is not plainly relative, and I/O errors.
pub fn write_tree(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    for (rel, bytes) in files {
        if rel != ANSWERS_FILE {
            check_output(rel).map_err(|()| Error::Escapes { file: rel.clone(), output: rel.clone() })?;
        }
        let mut at = out.to_path_buf();
        for part in rel.split('/') {
            at.push(part);
            if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(Error::Symlink(at));
            }
        }
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&at, bytes).map_err(io(&at))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(files: &[(&str, &str)]) -> PathVersion {
        let spec: PathSpec = serde_yaml::from_str(
            "version: 1.0.0\nparameters:\n  - {name: name, type: string, required: true, pattern: '^[a-z-]+$'}\n  \
             - {name: port, type: integer, default: 8080}\n  - {name: token, type: string, default: '', secret: true}\n",
        )
        .expect("spec");
        PathVersion {
            name: "demo".into(),
            version: semver::Version::new(1, 0, 0),
            spec,
            template: files.iter().map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec())).collect(),
            support: BTreeMap::new(),
        }
    }

    fn given(pairs: &[(&str, Value)]) -> Mapping {
        pairs.iter().map(|(k, v)| (Value::String((*k).to_owned()), v.clone())).collect()
    }

    #[test]
    fn an_owner_set_on_the_command_line_is_read_as_backstage_reads_one() {
        let params: Vec<ParamSpec> = serde_yaml::from_str(
            "- {name: owner, type: string}\n- {name: team, type: string}\n- {name: port, type: integer}\n",
        )
        .expect("params");
        let set = |k: &str, v: &str| parse_set(&params, k, v);
        for given in ["payments", "group:payments", "default/payments", "Group:default/payments"] {
            assert_eq!(set("owner", given), Value::String("group:default/payments".into()), "{given}");
        }
        assert_eq!(set("owner", "user:jane"), Value::String("user:default/jane".into()));
        assert_eq!(set("owner", "ops/sre"), Value::String("group:ops/sre".into()));
        // Not a reference: kept for the parameter's rules to judge. Other parameters are never rewritten.
        assert_eq!(set("owner", "a:b:c"), Value::String("a:b:c".into()));
        assert_eq!(set("team", "payments"), Value::String("payments".into()));
        assert_eq!(set("port", "8080"), Value::Number(8080.into()));
    }

    #[test]
    fn names_and_contents_render_with_defaults() {
        let v = version(&[("src/{{ name | replace(from=\"-\", to=\"_\") }}.py", "PORT = {{ port }}\n")]);
        let (answers, files) =
            render_with_answers(&v, "abc", &given(&[("name", "my-svc".into()), ("token", "s3cret".into())]))
                .expect("render");
        assert_eq!(files["src/my_svc.py"], b"PORT = 8080\n");
        assert_eq!(answers.get("port"), Some(&Value::from(8080)));
        let stored = String::from_utf8(files[ANSWERS_FILE].clone()).expect("utf8");
        assert!(stored.contains("name: my-svc") && stored.contains("platformCommit: abc"), "{stored}");
        assert!(!stored.contains("s3cret") && !stored.contains("token"), "secrets never stored: {stored}");
    }

    #[test]
    fn undefined_variables_and_bad_answers_are_errors() {
        let v = version(&[("a.txt", "{{ nope }}")]);
        let e = render_with_answers(&v, "x", &given(&[("name", "ok".into())])).expect_err("undefined");
        assert!(matches!(&e, Error::Template { file, .. } if file.ends_with("template/a.txt")), "{e}");
        let e = render_with_answers(&v, "x", &given(&[("nmae", "ok".into())])).expect_err("bad answers");
        let text = e.to_string();
        assert!(text.contains("missing required parameter `name`") && text.contains("did you mean `name`"), "{text}");
        let e = render_with_answers(&v, "x", &given(&[("name", "Bad Name".into())])).expect_err("pattern");
        assert!(e.to_string().contains("does not match"), "{e}");
    }

    #[test]
    fn outputs_that_escape_are_refused() {
        for name in ["../{{ name }}.txt", "/etc/{{ name }}", "a/../../b", ".git/hooks/{{ name }}", "{{ name }}/./x"] {
            let v = version(&[(name, "x")]);
            let e = render_with_answers(&v, "x", &given(&[("name", "ok".into())])).expect_err(name);
            assert!(matches!(e, Error::Escapes { .. }), "{name}: {e}");
        }
        // A value that smuggles a path separator into a name is caught after rendering.
        let mut v = version(&[("{{ name }}", "x")]);
        v.spec.parameters[0].pattern = None;
        let e = render_with_answers(&v, "x", &given(&[("name", "../../etc/x".into())])).expect_err("value");
        assert!(matches!(e, Error::Escapes { .. }), "{e}");
    }

    #[test]
    fn writing_through_a_symlink_is_refused() {
        let target = tempfile::tempdir().expect("tmp");
        let outside = tempfile::tempdir().expect("tmp");
        std::os::unix::fs::symlink(outside.path(), target.path().join("src")).expect("symlink");
        let files = BTreeMap::from([("src/evil.py".to_owned(), b"x".to_vec())]);
        let e = write_tree(target.path(), &files).expect_err("symlink");
        assert!(matches!(e, Error::Symlink(_)), "{e}");
        assert!(!outside.path().join("evil.py").exists());
    }
}

#[cfg(test)]
mod last_change_tests {
    /// `last_change` answers what `git log -1 -- <dir>` answers, through merges too.
    #[test]
    fn the_last_change_of_a_directory_is_what_git_log_finds() {
        let dir = tempfile::tempdir().expect("tmp");
        let repo = dir.path();
        let git = |args: &[&str]| crate::gitcli::Git::new(repo).author("t").run(args).expect("git");
        let commit = |file: &str, body: &str, msg: &str| {
            let at = repo.join(file);
            std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
            std::fs::write(at, body).expect("write");
            git(&["add", "--all"]);
            git(&["commit", "--quiet", "-m", msg]);
        };
        git(&["init", "--quiet", "-b", "main"]);
        commit("paths/a/path.yaml", "1", "a1");
        commit("paths/b/path.yaml", "1", "b1");
        git(&["checkout", "--quiet", "-b", "side"]);
        commit("paths/a/t.txt", "side", "a on a side branch");
        git(&["checkout", "--quiet", "main"]);
        commit("other.txt", "x", "unrelated");
        git(&["merge", "--quiet", "--no-ff", "-m", "merge side", "side"]);
        commit("paths/b/path.yaml", "2", "b2");
        commit("README", "r", "unrelated again");
        let head = git(&["rev-parse", "HEAD"]);
        for d in ["paths/a", "paths/b", "paths", "README", "paths/none"] {
            let expected = git(&["log", "-1", "--format=%H", &head, "--", d]);
            let expected = (!expected.is_empty()).then_some(expected);
            assert_eq!(super::last_change(repo, &head, d), expected, "{d}");
        }
    }
}
