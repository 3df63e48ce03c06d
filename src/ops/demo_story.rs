//! The living organisation `paved demo` builds around the example, dated relative to the moment it runs: the
//! platform repo's git history (each team's members register their components and request capabilities over the
//! last months, CI delivers the evidence and the current SLI exports), and the service repos on the local forge
//! (scaffolded from the oldest version of their paved path, with `.paved/answers.yaml`, then changed by their
//! team, each change deployed to production and some followed by an incident).
//!
//! Nothing is faked in the pages: the scorecards, DORA and adoption pages are computed from this history like any
//! other. Everything is a pure function of the example and "now" (`PAVED_NOW` pins it), so two demos run at the
//! same moment are identical.

use crate::forge::Forge;
use crate::forge::local::LocalForge;
use crate::gitcli::Git;
use crate::model::Model;
use crate::model::entity_ref::EntityRef;
use crate::render::PathFiles;
use crate::source::Snapshot;
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::path::Path;

/// Someone who commits.
#[derive(Debug, Clone)]
struct Person {
    name: String,
    email: String,
}

impl Person {
    fn new(name: &str, email: &str) -> Self {
        Person { name: name.to_owned(), email: email.to_owned() }
    }
}

/// The members of each group (Users with a profile email), by group reference; and who went quiet when.
struct People {
    teams: BTreeMap<EntityRef, Vec<Person>>,
    /// Members of the [`QUIET_TEAMS`]: they commit nowhere after `cutoff`.
    quiet: Vec<String>,
    cutoff: DateTime<Utc>,
}

impl People {
    fn of(model: &Model, now: DateTime<Utc>) -> Self {
        let mut teams = BTreeMap::new();
        for (group, _) in model.catalog.of_kind("group") {
            let members: Vec<Person> = model
                .catalog
                .members(group)
                .iter()
                .filter_map(|u| {
                    let profile = model.catalog.get(u)?.entity.spec.get("profile")?;
                    let email = profile.get("email")?.as_str()?;
                    let name = profile.get("displayName").and_then(|n| n.as_str()).unwrap_or(&u.name);
                    Some(Person::new(name, email))
                })
                .collect();
            teams.insert(group.clone(), members);
        }
        let quiet = teams
            .iter()
            .filter(|(g, _)| QUIET_TEAMS.contains(&g.name.as_str()))
            .flat_map(|(_, m)| m.iter().map(|p| p.email.clone()))
            .collect();
        People { teams, quiet, cutoff: now - Duration::days(QUIET_DAYS) }
    }

    /// Who of the owner of `entity` commits at `at` (round robin over `n`), or the platform team's lead when none
    /// of them does.
    fn member(&self, model: &Model, entity: Option<&EntityRef>, n: usize, at: DateTime<Utc>) -> Person {
        let team = entity.and_then(|e| model.catalog.owner_of(e)).and_then(|o| self.teams.get(o));
        self.of_team(team, n, at)
    }

    fn of_group(&self, group: &str, n: usize, at: DateTime<Utc>) -> Person {
        self.of_team(self.teams.iter().find(|(g, _)| g.name == group).map(|(_, m)| m), n, at)
    }

    fn of_team(&self, team: Option<&Vec<Person>>, n: usize, at: DateTime<Utc>) -> Person {
        let active: Vec<&Person> =
            team.into_iter().flatten().filter(|p| at <= self.cutoff || !self.quiet.contains(&p.email)).collect();
        if active.is_empty() { self.platform() } else { active[n % active.len()].clone() }
    }

    /// The platform team's lead: the first member of `platform-core`, else a team identity.
    fn platform(&self) -> Person {
        self.teams
            .iter()
            .find(|(g, m)| g.name == "platform-core" && !m.is_empty())
            .map(|(_, m)| m[0].clone())
            .unwrap_or_else(|| Person::new("Acme Platform Team", "platform@acme.example"))
    }
}

/// Teams that went quiet: none of their members has committed for [`QUIET_DAYS`] days (the example's
/// search-relevance team also has nobody on call), so their ownership shows stale; their services stopped changing.
const QUIET_TEAMS: [&str; 1] = ["search-relevance"];
const QUIET_DAYS: i64 = 45;

fn quiet(model: &Model, entity: Option<&EntityRef>) -> bool {
    entity.and_then(|e| model.catalog.owner_of(e)).is_some_and(|o| QUIET_TEAMS.contains(&o.name.as_str()))
}

/// The CI system that delivers evidence.
fn ci() -> Person {
    Person::new("Acme CI", "ci@acme.example")
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A linear history on `main`, written by one `git fast-import` (a git process per commit was most of the demo's
/// time). Each commit lists the files it adds or changes.
struct Import {
    stream: Vec<u8>,
    commits: usize,
}

impl Import {
    fn new() -> Self {
        Import { stream: Vec::new(), commits: 0 }
    }

    fn data(&mut self, bytes: &[u8]) {
        self.stream.extend_from_slice(format!("data {}\n", bytes.len()).as_bytes());
        self.stream.extend_from_slice(bytes);
        self.stream.push(b'\n');
    }

    fn commit<'a>(
        &mut self,
        who: &Person,
        at: DateTime<Utc>,
        message: &str,
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) {
        self.commits += 1;
        let ident = format!("{} <{}> {} +0000", who.name, who.email, at.timestamp());
        self.stream
            .extend_from_slice(format!("commit refs/heads/main\nauthor {ident}\ncommitter {ident}\n").as_bytes());
        self.data(format!("{message}\n").as_bytes());
        for (path, body) in files {
            // C-style quoted, so that any path (templates have spaces and quotes in their names) reads back.
            let quoted = path.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            self.stream.extend_from_slice(format!("M 100644 inline \"{quoted}\"\n").as_bytes());
            self.data(body);
        }
    }

    /// Write the history into the repository at `dir` (a work tree or a bare repo); its commits, oldest first.
    fn run(self, dir: &Path) -> anyhow::Result<Vec<String>> {
        Git::new(dir).no_maintenance().stdin(self.stream).run(&["fast-import", "--quiet"])?;
        let shas = Git::new(dir).run(&["rev-list", "--reverse", "refs/heads/main"])?;
        Ok(shas.lines().map(str::to_owned).collect())
    }
}

/// What the history says about each component: when its team registered it in the catalog.
pub struct History {
    pub registered: BTreeMap<String, DateTime<Utc>>,
}

/// Every file below `dir`, repo-relative with `/`, sorted.
pub(super) fn files_under(root: &Path, dir: &str) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_name() == ".git" {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &root.join(dir), &mut out);
    out.sort();
    out
}

/// A YAML document of a catalog file, with the `metadata.name` of the Component it declares (if it is one).
type Document = (String, Option<String>);

/// The YAML documents of a catalog file; joined, they are the file.
fn documents(text: &str) -> Vec<Document> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" && !docs.last().is_some_and(String::is_empty) {
            docs.push(String::new());
        }
        docs.last_mut().expect("never empty").push_str(line);
    }
    docs.into_iter()
        .map(|d| {
            let component = serde_yaml::from_str::<serde_yaml::Value>(d.trim_start_matches("---\n"))
                .ok()
                .filter(|v| v.get("kind").and_then(|k| k.as_str()) == Some("Component"))
                .and_then(|v| v.get("metadata")?.get("name")?.as_str().map(str::to_owned));
            (d, component)
        })
        .collect()
}

/// `days` before `now`, at a working hour that varies with `n`.
fn ago(now: DateTime<Utc>, days: i64, n: usize) -> DateTime<Utc> {
    now - Duration::days(days) - Duration::minutes(37 * (n as i64 % 11) + 60)
}

/// Build the platform repo's history in `platform` (the example, extracted, not yet a git repo) and return when
/// each component was registered. The last commit is CI's evidence delivery, a few hours before `now`.
pub fn platform_history(platform: &Path, model: &Model, now: DateTime<Utc>) -> anyhow::Result<History> {
    let people = People::of(model, now);
    let read = |f: &str| std::fs::read(platform.join(f)).with_context(|| format!("reading {f}"));
    let catalog_files = files_under(platform, "catalog");
    let with_components: Vec<(String, Vec<Document>)> = catalog_files
        .iter()
        .filter_map(|f| {
            let docs = documents(&std::fs::read_to_string(platform.join(f)).ok()?);
            docs.iter().any(|(_, c)| c.is_some()).then(|| (f.clone(), docs))
        })
        .collect();
    let mut import = Import::new();

    // Half a year ago: the platform team sets up paved (everything but the teams' components, requests, evidence).
    let foundation: Vec<(String, Vec<u8>)> = files_under(platform, "")
        .into_iter()
        .filter(|f| !f.starts_with("requests/") && !f.starts_with("evidence/"))
        .filter(|f| !with_components.iter().any(|(c, _)| c == f))
        .map(|f| read(&f).map(|b| (f, b)))
        .collect::<anyhow::Result<_>>()?;
    import.commit(
        &people.platform(),
        ago(now, 180, 0),
        "Set up the Acme platform repo with paved",
        foundation.iter().map(|(f, b)| (f.as_str(), b.as_slice())),
    );

    // The teams register their components one by one, from 170 to 8 days ago.
    let total = with_components.iter().map(|(_, d)| d.iter().filter(|(_, c)| c.is_some()).count()).sum::<usize>();
    let mut n = 0usize;
    let mut registered = BTreeMap::new();
    for (file, docs) in &with_components {
        let last = docs.iter().rposition(|(_, c)| c.is_some()).expect("the file holds a component");
        for (i, (_, name)) in docs.iter().enumerate() {
            let Some(name) = name else { continue };
            let upto = if i == last { docs.len() } else { i + 1 };
            let text: String = docs[..upto].iter().map(|(d, _)| d.as_str()).collect();
            let days = 170 - (162 * n / total.max(1)) as i64;
            let at = ago(now, days, n);
            let entity = component_ref(model, name);
            let author = people.member(model, entity.as_ref(), n, at);
            import.commit(&author, at, &format!("Register {name} in the catalog"), [(file.as_str(), text.as_bytes())]);
            registered.insert(name.to_ascii_lowercase(), at);
            n += 1;
        }
    }

    // The teams request capabilities (requests/<team>/), from 160 to 3 days ago.
    let requests = files_under(platform, "requests");
    for (i, file) in requests.iter().enumerate() {
        let team = file.split('/').nth(1).unwrap_or_default();
        let days = 160 - (157 * i / requests.len().max(1)) as i64;
        let stem = file.rsplit('/').next().unwrap_or(file).trim_end_matches(".yaml");
        let at = ago(now, days, i);
        let body = read(file)?;
        import.commit(
            &people.of_group(team, i, at),
            at,
            &format!("Request {stem}"),
            [(file.as_str(), body.as_slice())],
        );
    }

    // Last night's evidence delivery, with the metrics pipeline's SLI export of the current window.
    write_sli_exports(platform, model, now)?;
    let evidence: Vec<(String, Vec<u8>)> = files_under(platform, "evidence")
        .into_iter()
        .map(|f| read(&f).map(|b| (f, b)))
        .collect::<anyhow::Result<_>>()?;
    import.commit(
        &ci(),
        now - Duration::hours(3),
        "Deliver the nightly evidence export",
        evidence.iter().map(|(f, b)| (f.as_str(), b.as_slice())),
    );
    Git::new(platform).run(&["init", "--quiet", "--initial-branch=main"])?;
    import.run(platform)?;
    // The work tree already holds the last commit's files: only the index is brought in line.
    Git::new(platform).run(&["reset", "--quiet"])?;
    Ok(History { registered })
}

fn component_ref(model: &Model, name: &str) -> Option<EntityRef> {
    model.catalog.of_kind("component").find(|(_, c)| c.entity.name.eq_ignore_ascii_case(name)).map(|(r, _)| r.clone())
}

/// How much of its error budget each service's window burnt, in turn: most have budget left, one in four has
/// spent it all.
const BURN: [f64; 4] = [0.35, 0.8, 1.3, 0.1];

/// `evidence/<component>/sli.json` for every component with an SLO, for the window ending an hour ago.
fn write_sli_exports(platform: &Path, model: &Model, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut n = 0usize;
    for (_, item) in model.catalog.of_kind("component") {
        let name = item.entity.name.as_str();
        let dir = platform.join("evidence").join(name);
        let Some(text) = crate::evidence::slo::FILES.iter().find_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        else {
            continue;
        };
        let Some((slo, target)) =
            crate::evidence::slo::read_slos(&text, name).ok().and_then(|(s, _)| s.into_iter().next()).and_then(|s| {
                let target = s.target.filter(|t| *t > 0.0 && *t < 1.0)?;
                Some((s.name, target))
            })
        else {
            continue;
        };
        let total = 1_800_000 + 173_000 * n as u64;
        let bad = (total as f64 * (1.0 - target) * BURN[n % BURN.len()]).round() as u64;
        let sli = serde_json::json!({
            "slo": slo,
            "windowEnd": stamp(now - Duration::hours(1)),
            "good": total - bad,
            "total": total,
        });
        let body = serde_json::to_string_pretty(&sli).expect("JSON values serialize") + "\n";
        std::fs::write(dir.join(crate::evidence::slo::SLI), body)?;
        n += 1;
    }
    Ok(())
}

/// What changes a team makes to its service, in turn.
const CHANGES: [&str; 8] = [
    "Retry idempotent calls once on a timeout",
    "Raise the connection pool to 20",
    "Log the request id on every error",
    "Drop the unused v0 endpoints",
    "Cache the configuration for a minute",
    "Upgrade the base image",
    "Tighten input validation",
    "Add a readiness probe",
];

/// Create and push every component's repo (except experimental ones, which the reconcile scaffolds) with its
/// history, and record its production deployments and incidents on `forge`. Returns the repos created.
pub fn seed_services(
    forge: &LocalForge,
    model: &Model,
    snapshot: &Snapshot,
    history: &History,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    let people = People::of(model, now);
    let label = model.platform.spec.evidence.incident_label().to_owned();
    let mut created = Vec::new();
    for (n, (r, item)) in model.catalog.of_kind("component").enumerate() {
        let e = &item.entity;
        let Some(repo) = Model::repo_of(e) else { continue };
        if e.spec_str("lifecycle") == Some("experimental") || forge.get_repo(repo)?.is_some() {
            continue;
        }
        let registered = history.registered.get(&e.name.to_ascii_lowercase()).copied().unwrap_or(now);
        let files = initial_files(model, snapshot, r, e).with_context(|| format!("rendering the repo of {r}"))?;
        forge.create_repo(repo, "main")?;
        let mut import = Import::new();
        let first = registered + Duration::days(1);
        import.commit(
            &people.member(model, Some(r), 0, first),
            first,
            "Initial commit",
            files.iter().map(|(f, b)| (f.as_str(), b.as_slice())),
        );
        let mut times = vec![first];
        // Changes every few days (each service its own pace) over the last six weeks; a deprecated service
        // stopped changing two months ago, a quiet team's when it went quiet.
        let pace = 3 + (n % 5) as i64;
        let stop = if e.spec_str("lifecycle") == Some("deprecated") {
            now - Duration::days(60)
        } else if quiet(model, Some(r)) {
            now - Duration::days(QUIET_DAYS)
        } else {
            now
        };
        let mut at = first.max(stop - Duration::days(42)) + Duration::days(pace);
        let mut changelog = format!("# Changes to {}\n", e.name);
        let mut i = 1usize;
        while at < stop - Duration::hours(6) {
            let message = CHANGES[(n + i) % CHANGES.len()];
            changelog.push_str(&format!("\n- {message}"));
            let body = format!("{changelog}\n");
            import.commit(&people.member(model, Some(r), i, at), at, message, [("CHANGELOG.md", body.as_bytes())]);
            times.push(at);
            at += Duration::days(pace) + Duration::hours((i % 3) as i64 * 5);
            i += 1;
        }
        // Written straight into the forge's bare repo.
        let shas = import.run(&forge.repo_path(repo)?)?;
        let seeded: Vec<(String, DateTime<Utc>)> = shas.into_iter().zip(times).collect();
        record_delivery(forge, repo, &seeded, n, &label, now)?;
        created.push(repo.to_owned());
    }
    Ok(created)
}

/// The files a service repo starts with: its paved path rendered at the path's oldest version with the answers
/// a scaffold would have given (and `.paved/answers.yaml`), or a README and catalog-info.yaml without a path.
fn initial_files(
    model: &Model,
    snapshot: &Snapshot,
    r: &EntityRef,
    e: &crate::model::entity::Entity,
) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    if let Some(path) = e.annotations.get(crate::model::annotations::PATH)
        && let Ok(files) = PathFiles::from_snapshot(snapshot, path)
        && let Some(oldest) = files.versions().first().cloned()
    {
        let version = files.version(&oldest)?;
        let declared: Vec<String> = version.spec.parameters.iter().map(|p| p.name.clone()).collect();
        let answers = crate::plan::paths::scaffold_answers(model, r, e, Some(&declared));
        let (_, rendered) = crate::render::render_with_answers(&version, &files.origin, &answers)?;
        return Ok(rendered);
    }
    let readme = format!("# {}\n\n{}\n", e.name, e.description.as_deref().unwrap_or_default());
    let catalog_info = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {}\nspec:\n  type: {}\n  lifecycle: {}\n  owner: {}\n",
        e.name,
        e.spec_str("type").unwrap_or("service"),
        e.spec_str("lifecycle").unwrap_or("production"),
        model.catalog.owner_of(r).map(|o| o.to_string()).unwrap_or_default()
    );
    Ok(BTreeMap::from([
        ("README.md".to_owned(), readme.into_bytes()),
        ("catalog-info.yaml".to_owned(), catalog_info.into_bytes()),
    ]))
}

/// Each commit after the first is deployed to production a few hours later; one deployment in nine fails, and one
/// successful deployment in six is followed by an incident, resolved within hours.
fn record_delivery(
    forge: &LocalForge,
    repo: &str,
    commits: &[(String, DateTime<Utc>)],
    n: usize,
    label: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (i, (sha, committed)) in commits.iter().enumerate().skip(1) {
        let k = n * 7 + i;
        let deployed = *committed + Duration::hours(2 + (k % 20) as i64);
        if deployed >= now {
            continue;
        }
        let state = if k % 9 == 4 { "failure" } else { "success" };
        forge.record_deployment(repo, "production", sha, state, &stamp(deployed))?;
        if state == "success" && k % 6 == 2 {
            let opened = deployed + Duration::minutes(40);
            let title = format!("Elevated error rate after deploying {}", &sha[..sha.len().min(7)]);
            let issue = forge.open_issue(repo, &title, &[label.to_owned()], &stamp(opened))?;
            let closed = opened + Duration::hours(1 + (k % 5) as i64);
            if closed < now {
                forge.close_issue(repo, issue.number, &stamp(closed))?;
            }
        }
    }
    Ok(())
}
