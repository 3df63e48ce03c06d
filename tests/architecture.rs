//! The rules of the house that the build checks (docs/architecture.md, "Rules the build checks").
//!
//! The test parses every file of `src/` with `syn` and builds the graph of which source file uses an item defined
//! in which other source file. A line scanner would miss what syn sees for free: nested `use` trees, renames,
//! paths in types, patterns and trait bounds, `super::`, and whether an item is `#[cfg(test)]`. Names are
//! resolved the way rustc does for the forms paved uses: `crate::`, `super::`, `self::`, names brought in by
//! `use` (also as a prefix: `use crate::plan; plan::requests::x`), glob imports, child modules, and re-exports
//! (`pub use x::Y` is followed to the file that defines `Y`). Importing a module is not itself an edge; using an
//! item through it is. Paths inside macro invocations (`tracing::debug!(.. crate::x::f() ..)`) are read from their
//! tokens. Code under `#[cfg(test)]` is left out: tests may build fixtures from any layer.
//!
//! Each rule below is an assertion over that graph; a failure names the files (and items) that break it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

// ------------------------------------------------------------------------------------------------------------
// The rules' parameters.

/// Modules whose own files still import each other: the module's `mod.rs` holds the types its children use, and
/// calls them back. A cycle whose files all lie in one of these modules is tolerated; any other cycle fails. Each
/// entry says what closes its cycle, and so how to remove it (then remove the entry): move what the children share
/// into a file of its own that `mod.rs` re-exports. A re-export is followed to the file that defines the item, so
/// a child naming `super::Error` then depends on that file, not on `mod.rs`, as it does in rustc.
const FILE_CYCLE_DEBT: &[(&str, &str)] = &[];

/// Modules `src/plan/` may import anything from: the model, and modules of values and pure functions (status
/// files are YAML, diagnostics are `diag`'s, scorecard pages and campaign answers are computed, verdicts are
/// values; `par` only spreads pure work over cores).
const PLAN_MAY_IMPORT: &[&str] = &["plan", "model", "yaml", "diag", "evidence", "scorecard", "policy", "render", "par"];

/// What `src/plan/` may use of modules that also do I/O: the values they define, and pure functions.
const PLAN_MAY_USE: &[&str] = &[
    // What was observed: the plan's second input.
    "observe::Observed",
    "observe::services::Services",
    "observe::services::MIGRATION_BRANCH_PREFIX",
    "forge::pr_state::PrState",
    "forge::PullRequest",
    // A request's provisioning target, its status document and the outputs its backend will report.
    "provision::context::Context",
    "provision::target::Target",
    "provision::backend::Observation",
    "provision::registry::not_enforced",
    "provision::registry::expected_outputs",
    "provision::status::",
    "provision::secrets::SecretStore",
];

/// Path prefixes that mean I/O (or a runtime that exists for it); none may appear in `src/plan/`.
const PLAN_NO_IO: &[&str] =
    &["std::fs", "std::process", "std::net", "std::env", "std::thread", "gix", "gix_pack", "tokio"];

/// The items of `plan` that `observe/`, `apply/` and `provision/` may use: the plan as data, as an executor is
/// handed it; never how it is made.
const PLAN_AS_DATA: &[&str] = &[
    "plan::Plan",
    // Every action, file or forge, and what it carries.
    "plan::action::",
    // How each service stands against its path.
    "plan::paths::PathsPlan",
    // Campaign pages say what the forge actions of the same apply did (a PR's number is known only then): apply
    // plans them again with the planner's own pure functions.
    "plan::campaign::after",
    "plan::forge::campaign_pages",
];

/// `item` (`provision::status::status_path`) is one of `allowed`: named exactly, or under an entry ending in `::`.
fn listed(allowed: &[&str], item: &str) -> bool {
    allowed.iter().any(|a| if a.ends_with("::") { item.starts_with(a) } else { item == *a })
}

// ------------------------------------------------------------------------------------------------------------
// The tests.

#[test]
fn no_cycle_among_source_files() {
    let g = graph();
    let debt = |cycle: &[String]| {
        FILE_CYCLE_DEBT.iter().any(|(module, _)| cycle.iter().all(|f| f.starts_with(&format!("src/{module}/"))))
    };
    let cycles: Vec<String> = g
        .file_cycles()
        .into_iter()
        .filter(|(component, _)| !debt(component))
        .map(|(component, cycle)| {
            let rest = if component.len() + 1 > cycle.len() {
                format!(" (all {})", component.join(", "))
            } else {
                String::new()
            };
            format!("  {}{rest}", cycle.join(" -> "))
        })
        .collect();
    assert!(cycles.is_empty(), "import cycles among source files:\n{}", cycles.join("\n"));
}

#[test]
fn no_cycle_among_top_level_modules() {
    let g = graph();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &g.edges {
        let (a, b) = (top(&e.from), top(&e.to));
        if a != b {
            edges.entry(a).or_default().insert(b);
        }
    }
    let cycles: Vec<Vec<String>> = sccs(&edges).into_iter().filter(|c| c.len() > 1).collect();
    // Each cycle with the uses that close it: one example per pair of modules.
    let why = cycles
        .iter()
        .map(|c| {
            let mut pairs: BTreeMap<(String, String), (usize, &Edge)> = BTreeMap::new();
            for e in &g.edges {
                let (a, b) = (top(&e.from), top(&e.to));
                if a != b && c.contains(&a) && c.contains(&b) {
                    pairs.entry((a, b)).or_insert((0, e)).0 += 1;
                }
            }
            let uses: Vec<String> = pairs
                .iter()
                .map(|((a, b), (n, e))| {
                    format!("    {a} -> {b}: {n} uses, such as {} -> {} ({})", e.from, e.to, e.item)
                })
                .collect();
            format!("  {} (all {})\n{}", one_cycle(&edges, c).join(" -> "), c.join(", "), uses.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cycles.is_empty(), "import cycles among top-level modules:\n{why}");
}

#[test]
fn plan_imports_only_model_and_values_and_does_no_io() {
    let g = graph();
    let beyond = |e: &&Edge| !PLAN_MAY_IMPORT.contains(&top(&e.to).as_str()) && !listed(PLAN_MAY_USE, &e.item);
    let edges = g.edges.iter().filter(|e| top(&e.from) == "plan").filter(beyond);
    assert_none(edges, "plan/ imports beyond PLAN_MAY_IMPORT and PLAN_MAY_USE");
    let io: Vec<String> = g
        .external
        .iter()
        .filter(|(file, _)| top(file) == "plan")
        .flat_map(|(file, paths)| paths.iter().map(move |p| (file, p)))
        .filter(|(_, p)| PLAN_NO_IO.iter().any(|io| p == io || p.starts_with(&format!("{io}::"))))
        .map(|(file, p)| format!("  {file}: {p}"))
        .collect();
    assert!(io.is_empty(), "plan/ does I/O:\n{}", io.join("\n"));
}

#[test]
fn only_the_cli_imports_ops_and_nothing_imports_the_cli() {
    let g = graph();
    let into = |module: &'static str| g.edges.iter().filter(move |e| top(&e.to) == module);
    let ops = into("ops").filter(|e| !matches!(top(&e.from).as_str(), "ops" | "cli" | "main"));
    assert_none(ops, "only cli/ (and main.rs, and ops/ itself) may import ops");
    let cli = into("cli").filter(|e| !matches!(top(&e.from).as_str(), "cli" | "main" | "lib"));
    assert_none(cli, "nothing but main.rs imports cli");
}

#[test]
fn observe_apply_and_provision_use_only_the_plan_as_data() {
    let g = graph();
    let edges = g
        .edges
        .iter()
        .filter(|e| matches!(top(&e.from).as_str(), "observe" | "apply" | "provision") && top(&e.to) == "plan")
        .filter(|e| !listed(PLAN_AS_DATA, &e.item));
    assert_none(edges, "observe/, apply/ and provision/ use plan beyond PLAN_AS_DATA");
}

/// Fails with `what` and one line per edge, when there are any.
fn assert_none<'a>(edges: impl Iterator<Item = &'a Edge>, what: &str) {
    let lines: Vec<String> = edges.map(|e| format!("  {} -> {} ({})", e.from, e.to, e.item)).collect();
    assert!(lines.is_empty(), "{what}:\n{}", lines.join("\n"));
}

/// The scanner itself finds what it must: a scanner that saw nothing would pass every rule.
#[test]
fn the_scanner_sees_uses_reexports_and_macro_paths() {
    let g = graph();
    assert!(g.files.len() > 100, "only {} files found under src/", g.files.len());
    let has = |from: &str, item: &str, to: &str| g.edges.iter().any(|e| e.from == from && e.item == item && e.to == to);
    // `paved::cli::main()` in the binary.
    assert!(has("src/main.rs", "cli::main", "src/cli/mod.rs"), "main.rs -> cli not seen");
    // Through `use super::{…}`, and a re-export followed to where the item is defined.
    assert!(has("src/plan/requests.rs", "plan::action::ActionId", "src/plan/action.rs"), "use super::… not seen");
    assert!(has("src/ops/reconcile.rs", "provision::status::provisioned_natively", "src/provision/status.rs"));
    // A path inside a macro's tokens (`tracing::debug!(… crate::memory::rss_mib() …)`).
    assert!(has("src/model/mod.rs", "memory::rss_mib", "src/memory.rs"), "a path inside a macro not seen");
    // I/O in a file, through a `use` alias.
    assert!(g.external.values().flatten().any(|p| p.starts_with("std::fs::")), "no std::fs use seen");
}

// ------------------------------------------------------------------------------------------------------------
// The graph.

/// The graph of `src/`, read once for all the tests.
fn graph() -> &'static Graph {
    static GRAPH: std::sync::OnceLock<Graph> = std::sync::OnceLock::new();
    GRAPH.get_or_init(Graph::of_src)
}

/// One use of an item of another file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    /// The item used, as a path from the crate root (`plan::requests::backend_of`).
    item: String,
}

struct Graph {
    files: BTreeSet<String>,
    edges: BTreeSet<Edge>,
    /// Per file, the paths it names outside the crate (`std::fs::read`, `gix::open`), as written after `use`
    /// aliases are expanded.
    external: BTreeMap<String, BTreeSet<String>>,
}

/// The top-level module a file belongs to: `src/plan/paths.rs` -> `plan`, `src/par.rs` -> `par`, `src/main.rs` ->
/// `main`, `src/lib.rs` -> `lib`.
fn top(file: &str) -> String {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first).to_owned()
}

/// A module: where its items are written, and the names it defines or imports.
#[derive(Default)]
struct Module {
    file: String,
    /// Items defined here (not child modules).
    items: BTreeSet<String>,
    /// Child modules: name -> module path.
    children: BTreeMap<String, Vec<String>>,
    /// `use` leaves: local name -> path as written.
    uses: BTreeMap<String, Vec<String>>,
    /// `use x::*` targets, as written.
    globs: Vec<Vec<String>>,
    /// The paths written in this module's code (and in its `use` items), to resolve once every module is known.
    paths: Vec<Vec<String>>,
}

/// A child module: written inline (its directory for its own children, and its items), or in a file of its own.
enum Child<'a> {
    Inline(PathBuf, &'a [syn::Item]),
    File(PathBuf),
}

/// What a path names.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    Module(Vec<String>),
    Item(Vec<String>, String),
}

/// Module paths: the library's root is `[]`; the binary's root (`src/main.rs`) is `["<main>"]` and names the
/// library `paved`.
struct Crate {
    modules: HashMap<Vec<String>, Module>,
}

impl Graph {
    fn of_src() -> Graph {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut krate = Crate { modules: HashMap::new() };
        krate.load_file(root, &root.join("src/lib.rs"), vec![]);
        krate.load_file(root, &root.join("src/main.rs"), vec!["<main>".to_owned()]);
        let mut edges = BTreeSet::new();
        let mut external: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut keys: Vec<&Vec<String>> = krate.modules.keys().collect();
        keys.sort();
        for m in keys {
            let module = &krate.modules[m];
            for path in &module.paths {
                match krate.resolve(m, path, 0) {
                    Some(Target::Item(at, name)) => {
                        let to = krate.modules[&at].file.clone();
                        if to != module.file {
                            let item = at.iter().chain(std::iter::once(&name)).cloned().collect::<Vec<_>>().join("::");
                            edges.insert(Edge { from: module.file.clone(), to, item });
                        }
                    }
                    Some(Target::Module(_)) => {}
                    None => {
                        if let Some(full) = krate.expand_external(m, path) {
                            external.entry(module.file.clone()).or_default().insert(full.join("::"));
                        }
                    }
                }
            }
        }
        let files = krate.modules.values().map(|m| m.file.clone()).collect();
        Graph { files, edges, external }
    }

    /// Every cycle among files: each strongly connected component, with one concrete cycle through it.
    fn file_cycles(&self) -> Vec<(Vec<String>, Vec<String>)> {
        let mut adj: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for e in &self.edges {
            adj.entry(e.from.clone()).or_default().insert(e.to.clone());
        }
        sccs(&adj)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let cycle = one_cycle(&adj, &c);
                (c, cycle)
            })
            .collect()
    }
}

impl Crate {
    fn load_file(&mut self, root: &Path, file: &Path, path: Vec<String>) {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let rel = file.strip_prefix(root).expect("under the crate").to_string_lossy().into_owned();
        // A child `mod x;` of `a/mod.rs`, `lib.rs` or `main.rs` lives in `a/x.rs`; of `a.rs`, in `a/x.rs` too.
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().expect("a parent").to_path_buf(),
            _ => file.with_extension(""),
        };
        self.load_items(root, &rel, &dir, path, &ast.items);
    }

    fn load_items(&mut self, root: &Path, file: &str, dir: &Path, path: Vec<String>, items: &[syn::Item]) {
        let mut module = Module { file: file.to_owned(), ..Module::default() };
        let mut nested: Vec<(Vec<String>, Child)> = Vec::new();
        for item in items {
            if is_cfg_test(item_attrs(item)) {
                continue;
            }
            match item {
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    let child: Vec<String> = path.iter().cloned().chain(std::iter::once(name.clone())).collect();
                    module.children.insert(name.clone(), child.clone());
                    match &m.content {
                        Some((_, inner)) => nested.push((child, Child::Inline(dir.join(&name), inner))),
                        None => {
                            let flat = dir.join(format!("{name}.rs"));
                            let file = if flat.exists() { flat } else { dir.join(&name).join("mod.rs") };
                            nested.push((child, Child::File(file)));
                        }
                    }
                }
                syn::Item::Use(u) => collect_use(&u.tree, &mut Vec::new(), &mut module),
                other => {
                    if let Some(name) = item_name(other) {
                        module.items.insert(name);
                    }
                    let mut v = PathCollector { module: &mut module };
                    v.visit_item(other);
                }
            }
        }
        self.modules.insert(path, module);
        for (path, child) in nested {
            match child {
                Child::Inline(dir, inner) => self.load_items(root, file, &dir, path, inner),
                Child::File(at) => self.load_file(root, &at, path),
            }
        }
    }

    /// What `path`, written in module `at`, names; `None` for a name outside the crate (or one not understood).
    fn resolve(&self, at: &[String], path: &[String], depth: usize) -> Option<Target> {
        if depth > 16 || path.is_empty() {
            return None;
        }
        let (start, rest): (Vec<String>, &[String]) = match path[0].as_str() {
            "crate" if at.first().map(String::as_str) == Some("<main>") => (vec!["<main>".to_owned()], &path[1..]),
            "crate" => (vec![], &path[1..]),
            "paved" if at.first().map(String::as_str) == Some("<main>") => (vec![], &path[1..]),
            "self" => (at.to_vec(), &path[1..]),
            "super" => {
                let mut m = at.to_vec();
                let mut rest = path;
                while rest.first().map(String::as_str) == Some("super") {
                    m.pop();
                    rest = &rest[1..];
                }
                (m, rest)
            }
            _ => {
                // A name in scope: defined here, a child module, imported, or through a glob.
                return match self.lookup(at, &path[0], depth)? {
                    Target::Module(m) => self.walk(m, &path[1..], depth),
                    item => Some(item),
                };
            }
        };
        self.walk(start, rest, depth)
    }

    /// Descends from module `m` along `rest`.
    fn walk(&self, mut m: Vec<String>, rest: &[String], depth: usize) -> Option<Target> {
        for seg in rest {
            if seg == "super" {
                m.pop();
                continue;
            }
            if seg == "self" {
                continue;
            }
            match self.lookup(&m, seg, depth) {
                Some(Target::Module(next)) => m = next,
                Some(item) => return Some(item),
                // Not found (a macro, or an item of a form the scanner does not list): the module itself.
                None => return Some(Target::Item(m, seg.clone())),
            }
        }
        Some(Target::Module(m))
    }

    /// The name `name` as seen from inside module `m`.
    fn lookup(&self, m: &[String], name: &str, depth: usize) -> Option<Target> {
        let module = self.modules.get(m)?;
        if let Some(child) = module.children.get(name) {
            return Some(Target::Module(child.clone()));
        }
        if module.items.contains(name) {
            return Some(Target::Item(m.to_vec(), name.to_owned()));
        }
        if let Some(path) = module.uses.get(name) {
            return self.resolve(m, path, depth + 1);
        }
        for glob in &module.globs {
            match self.resolve(m, glob, depth + 1) {
                Some(Target::Module(g)) if g.as_slice() != m => {
                    if let Some(t) = self.lookup(&g, name, depth + 1) {
                        return Some(t);
                    }
                }
                // `use Enum::*`: the variants (capitalised names) are the enum's.
                Some(Target::Item(at, item)) if name.starts_with(char::is_uppercase) => {
                    return Some(Target::Item(at, item));
                }
                _ => {}
            }
        }
        None
    }

    /// A path naming something outside the crate, with a `use` alias at its start expanded (`use std::fs; fs::read`
    /// -> `std::fs::read`).
    fn expand_external(&self, at: &[String], path: &[String]) -> Option<Vec<String>> {
        let module = self.modules.get(at)?;
        match module.uses.get(&path[0]) {
            Some(full) if full[0] != path[0] => {
                let mut out = full.clone();
                out.extend(path[1..].iter().cloned());
                Some(out)
            }
            Some(_) => Some(path.to_vec()),
            None if path.len() > 1 => Some(path.to_vec()),
            None => None,
        }
    }
}

fn collect_use(tree: &syn::UseTree, prefix: &mut Vec<String>, module: &mut Module) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_use(&p.tree, prefix, module);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let mut full = prefix.clone();
            full.push(name.clone());
            // `use x::{self}` imports `x`.
            let (local, full) = if name == "self" {
                (prefix.last().cloned().unwrap_or_default(), prefix.clone())
            } else {
                (name, full)
            };
            module.paths.push(full.clone());
            module.uses.insert(local, full);
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            full.push(r.ident.to_string());
            if r.ident == "self" {
                full.pop();
            }
            module.paths.push(full.clone());
            module.uses.insert(r.rename.to_string(), full);
        }
        syn::UseTree::Glob(_) => {
            module.paths.push(prefix.clone());
            module.globs.push(prefix.clone());
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_use(t, prefix, module);
            }
        }
    }
}

/// Collects every path in an item's code, skipping `#[cfg(test)]` parts and registering fn-local `use` items.
struct PathCollector<'a> {
    module: &'a mut Module,
}

impl<'ast> Visit<'ast> for PathCollector<'_> {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.module.paths.push(segs);
        syn::visit::visit_path(self, p);
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !is_cfg_test(&u.attrs) {
            collect_use(&u.tree, &mut Vec::new(), self.module);
        }
    }
    fn visit_item(&mut self, i: &'ast syn::Item) {
        if !is_cfg_test(item_attrs(i)) {
            syn::visit::visit_item(self, i);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_cfg_test(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        token_paths(m.tokens.clone(), &mut self.module.paths);
    }
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {
        // Attributes name derives and tools; doc comments and `#[serde(with = "…")]` strings are not code here.
    }
}

/// The `a::b::c` sequences in a macro's tokens.
fn token_paths(tokens: TokenStream, out: &mut Vec<Vec<String>>) {
    let mut cur: Vec<String> = Vec::new();
    let mut colons = 0;
    let flush = |cur: &mut Vec<String>, out: &mut Vec<Vec<String>>| {
        if cur.len() > 1 {
            out.push(std::mem::take(cur));
        }
        cur.clear();
    };
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => {
                if colons == 2 || cur.is_empty() {
                    cur.push(i.to_string());
                } else {
                    flush(&mut cur, out);
                    cur.push(i.to_string());
                }
                colons = 0;
            }
            TokenTree::Punct(p) if p.as_char() == ':' && !cur.is_empty() && colons < 2 => colons += 1,
            TokenTree::Group(g) => {
                flush(&mut cur, out);
                colons = 0;
                token_paths(g.stream(), out);
            }
            _ => {
                flush(&mut cur, out);
                colons = 0;
            }
        }
    }
    flush(&mut cur, out);
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::TraitAlias(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        syn::Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// `#[cfg(test)]` (also inside `all(..)`/`any(..)`, but not `not(test)`).
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                let s = l.tokens.to_string();
                s == "test" || (s.contains("test") && !s.contains("not"))
            })
    })
}

// ------------------------------------------------------------------------------------------------------------
// Graph algorithms.

/// Strongly connected components (Tarjan), each sorted.
fn sccs(adj: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct St<'a> {
        adj: &'a BTreeMap<String, BTreeSet<String>>,
        index: HashMap<&'a str, usize>,
        low: HashMap<&'a str, usize>,
        on: BTreeSet<&'a str>,
        stack: Vec<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn strong<'a>(s: &mut St<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        if let Some(ws) = s.adj.get(v) {
            for w in ws {
                if !s.index.contains_key(w.as_str()) {
                    strong(s, w);
                    let lw = s.low[w.as_str()];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(lw));
                } else if s.on.contains(w.as_str()) {
                    let iw = s.index[w.as_str()];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(iw));
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            comp.sort();
            s.out.push(comp);
        }
    }
    let mut s = St {
        adj,
        index: HashMap::new(),
        low: HashMap::new(),
        on: BTreeSet::new(),
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in adj.keys() {
        if !s.index.contains_key(v.as_str()) {
            strong(&mut s, v);
        }
    }
    s.out
}

/// One shortest cycle through the first node of a component, staying inside it.
fn one_cycle(adj: &BTreeMap<String, BTreeSet<String>>, comp: &[String]) -> Vec<String> {
    let inside: BTreeSet<&String> = comp.iter().collect();
    let start = &comp[0];
    let mut prev: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in adj.get(v).into_iter().flatten() {
            if !inside.contains(w) {
                continue;
            }
            if w == start {
                let mut cycle = vec![v.clone()];
                let mut at = v;
                while at != start {
                    at = prev[at];
                    cycle.push(at.clone());
                }
                cycle.reverse();
                cycle.push(start.clone());
                return cycle;
            }
            if !prev.contains_key(w) && w != start {
                prev.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    comp.to_vec()
}
