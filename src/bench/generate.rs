//! `paved bench gen`: a synthetic platform repo of N services, committed to a new git repo.
//!
//! Proportions follow a mid-size engineering organisation: one team per 20 services (seven in ten
//! stream-aligned, the rest platform, enabling and complicated-subsystem), six people per team, one system per
//! ten services, an API for every microservice, a request for roughly every other service (spread over the nine
//! capabilities, with parameters inside each module's schema) and an OpenSLO file for every microservice.
//! Nothing random escapes the seed: the same `(services, seed)` gives the same bytes and the same commit id.
//! The platform configures no native servers and no forge, so planning it does no network I/O.

use crate::library;
use crate::progress::{Progress, Silent};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} is not empty; bench gen writes a new repo")]
    NotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("git {args}: {message}")]
    Git { args: String, message: String },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub services: usize,
    pub seed: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub services: usize,
    pub teams: usize,
    pub users: usize,
    pub systems: usize,
    pub apis: usize,
    pub requests: usize,
    pub evidence: usize,
    pub files: usize,
    /// The commit id of HEAD.
    pub commit: String,
    /// The request file that [`one_file_change`] edits.
    pub change_file: String,
}

/// The seeded generator: splitmix64, small and stable across platforms and releases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TEAM_WORDS: [&str; 24] = [
    "payments",
    "checkout",
    "search",
    "catalog",
    "pricing",
    "inventory",
    "fulfilment",
    "returns",
    "loyalty",
    "identity",
    "messaging",
    "billing",
    "reporting",
    "recommendations",
    "media",
    "reviews",
    "shipping",
    "fraud",
    "ledger",
    "partners",
    "mobile",
    "web",
    "growth",
    "support",
];
const SERVICE_WORDS: [&str; 20] = [
    "api",
    "worker",
    "gateway",
    "indexer",
    "scheduler",
    "sync",
    "importer",
    "exporter",
    "notifier",
    "router",
    "resolver",
    "aggregator",
    "ingest",
    "cache",
    "auth",
    "backend",
    "reconciler",
    "publisher",
    "consumer",
    "ui",
];
const FIRST: [&str; 16] = [
    "ana", "ben", "chen", "dana", "elif", "femi", "greta", "hiro", "ines", "jonas", "kofi", "lena", "mateo", "nadia",
    "omar", "priya",
];
const LAST: [&str; 16] = [
    "adams", "baker", "costa", "dubois", "ekstrom", "fischer", "garcia", "haddad", "ito", "jensen", "kowalski",
    "larsen", "moreau", "novak", "okafor", "patel",
];
const DOMAINS: [&str; 5] = ["commerce", "customer", "data", "operations", "platform"];
const ENVIRONMENTS: [&str; 3] = ["production", "staging", "development"];
/// The example's age recipient: every team can be encrypted to (the benchmark never decrypts).
const AGE_RECIPIENT: &str = "age1jlh0gu2ec40pedqzxf7uneq6kl6kmn6vun2rya5yetem5ry8g4eqkefjtd";

/// Paved paths with the version ranges services pin, weighted as they appear (microservice most).
const PATHS: [(&str, &[&str], usize); 4] = [
    ("microservice", &["^2", "^2", "^2.0", "^1", "~1.4", "1.4.0"], 55),
    ("data-pipeline", &["^1", "~1.1", ">=1.0.0, <2.0.0"], 20),
    ("scheduled-job", &["^1", "1.0.0"], 15),
    ("genai-feature", &["^1", "~1.0"], 10),
];

struct Team {
    name: String,
    kind: &'static str,
    domain: &'static str,
    users: Vec<String>,
    systems: Vec<String>,
    services: Vec<usize>,
}

fn team_kind(i: usize) -> &'static str {
    match i % 10 {
        0..=6 => "stream-aligned",
        7 => "platform",
        8 => "enabling",
        _ => "complicated-subsystem",
    }
}

/// The request file that [`one_file_change`] edits (a feature flag of the first team, in every generated repo).
pub const CHANGE_FILE: &str = "requests/payments-0000/bench-flag.yaml";

/// Write the repo at `out` and commit it.
pub fn generate(out: &Path, options: &Options) -> Result<Generated, Error> {
    generate_shown(out, options, &Silent)
}

/// [`generate`], counting the files written on `progress`.
pub fn generate_shown(out: &Path, options: &Options, progress: &dyn Progress) -> Result<Generated, Error> {
    if out.exists() && std::fs::read_dir(out).map_err(|e| io(out, e))?.next().is_some() {
        return Err(Error::NotEmpty(out.to_path_buf()));
    }
    let mut rng = Rng(options.seed);
    let n = options.services.max(1);
    progress.phase(&format!("generating {n} services"), None);
    let mut g = Generated { services: n, ..Generated::default() };
    let mut files: Vec<(String, String)> = Vec::new();

    let team_count = n.div_ceil(20).max(4);
    let mut teams: Vec<Team> = (0..team_count)
        .map(|i| Team {
            // The library's paths and modules are owned by group:platform-core: the first platform team.
            name: if i == 7 || (team_count <= 7 && i == team_count - 1) {
                "platform-core".to_owned()
            } else {
                format!("{}-{i:04}", TEAM_WORDS[i % TEAM_WORDS.len()])
            },
            kind: if team_count <= 7 && i == team_count - 1 { "platform" } else { team_kind(i) },
            domain: DOMAINS[i % DOMAINS.len()],
            users: Vec::new(),
            systems: Vec::new(),
            services: Vec::new(),
        })
        .collect();
    // Services go to stream-aligned teams mostly; the others own a few each.
    for s in 0..n {
        let t = if s % 5 == 4 { s % team_count } else { (s / 20) % team_count };
        teams[t].services.push(s);
    }

    let mut user_seq = 0usize;
    for team in teams.iter_mut() {
        for _ in 0..6 {
            team.users.push(format!("{}.{}{user_seq}", rng.pick(&FIRST), rng.pick(&LAST)));
            user_seq += 1;
        }
        for k in 0..team.services.len().div_ceil(10).max(1) {
            team.systems.push(format!("{}-sys-{k}", team.name));
        }
    }

    // The organisation and the domains.
    let mut org = String::from(
        "# The organisation, modelled on Team Topologies.\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: acme\n  title: Acme\nspec:\n  type: organization\n  children:\n",
    );
    for t in &teams {
        let _ = writeln!(org, "    - {}", t.name);
    }
    files.push(("catalog/org/acme.yaml".into(), org));
    let mut domains = String::new();
    for (i, d) in DOMAINS.iter().enumerate() {
        let owner = &teams[i % team_count].name;
        let _ = write!(
            domains,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: {d}\n  title: {}\nspec:\n  owner: {owner}\n",
            capitalise(d)
        );
    }
    files.push(("catalog/domains.yaml".into(), domains));

    let names: Vec<String> = (0..n).map(|s| format!("{}-{s:05}", SERVICE_WORDS[s % SERVICE_WORDS.len()])).collect();
    for team in &teams {
        g.teams += 1;
        let mut doc = format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\n  title: {title}\n  annotations:\n    paved.dev/age-recipients: {AGE_RECIPIENT}\nspec:\n  type: {kind}\n  profile:\n    displayName: {title}\n    email: {name}@acme.example\n  parent: acme\n  children: []\n",
            name = team.name,
            title = capitalise(&team.name),
            kind = team.kind,
        );
        for u in &team.users {
            g.users += 1;
            let (first, last) = u.split_once('.').expect("user names are first.lastN");
            let _ = write!(
                doc,
                "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: {u}\nspec:\n  profile:\n    displayName: {} {}\n    email: {u}@acme.example\n  memberOf: [{}]\n",
                capitalise(first),
                capitalise(last.trim_end_matches(|c: char| c.is_ascii_digit())),
                team.name
            );
        }
        for s in &team.systems {
            g.systems += 1;
            let _ = write!(
                doc,
                "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: {s}\n  description: Services of {} ({}).\nspec:\n  owner: {}\n  domain: {}\n",
                team.name, team.kind, team.name, team.domain
            );
        }
        files.push((format!("catalog/{}/team.yaml", team.name), doc));

        if team.services.is_empty() {
            continue;
        }
        let mut comps = format!("# Services owned by {}.\n", team.name);
        for (k, &s) in team.services.iter().enumerate() {
            let name = &names[s];
            let roll = rng.below(100);
            let mut acc = 0;
            let (path, ranges, _) = PATHS
                .iter()
                .find(|(_, _, w)| {
                    acc += w;
                    roll < acc
                })
                .expect("weights add up to 100");
            let range = rng.pick(ranges);
            let system = &team.systems[k / 10 % team.systems.len()];
            let lifecycle = *rng.pick(&["production", "production", "production", "experimental", "deprecated"]);
            let _ = write!(
                comps,
                "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: The {name} service of {team}.\n  tags: [{tag}]\n  annotations:\n    paved.dev/path: {path}\n    paved.dev/path-version: \"{range}\"\n    paved.dev/repo: acme/{name}\n    paved.dev/budget-monthly: \"{budget}\"\nspec:\n  type: {kind}\n  lifecycle: {lifecycle}\n  owner: {team}\n  system: {system}\n",
                team = team.name,
                tag = rng.pick(&["go", "python", "kotlin", "typescript", "rust", "java"]),
                budget = 100 * (1 + rng.below(30)),
                kind = if *path == "microservice" { "service" } else { "library" },
            );
            if *path == "microservice" {
                let _ = writeln!(comps, "  providesApis: [{name}-api]");
            }
            if k > 0 {
                let _ = writeln!(comps, "  dependsOn:\n    - component:default/{}", names[team.services[k - 1]]);
            }
            if *path == "microservice" {
                g.apis += 1;
                let _ = write!(
                    comps,
                    "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}-api\nspec:\n  type: openapi\n  lifecycle: {lifecycle}\n  owner: {team}\n  system: {system}\n  definition: |\n    openapi: 3.0.0\n    info:\n      title: {name}\n      version: 1.0.0\n    paths:\n      /health:\n        get:\n          responses:\n            \"200\":\n              description: ok\n",
                    team = team.name
                );
                g.evidence += 1;
                files.push((format!("evidence/{name}/slo.yaml"), slo(name)));
            }
        }
        files.push((format!("catalog/{}/components.yaml", team.name), comps));

        for &s in &team.services {
            if rng.below(2) == 1 {
                continue;
            }
            let capability = s % 9;
            let (cap, body) = request(&mut rng, capability, &names[s], team);
            g.requests += 1;
            files.push((format!("requests/{}/{}-{cap}.yaml", team.name, names[s]), body));
        }
    }
    // The request the incremental benchmark edits: a feature flag of the first team.
    g.change_file = CHANGE_FILE.to_owned();
    debug_assert_eq!(CHANGE_FILE, format!("requests/{}/bench-flag.yaml", teams[0].name));
    files.push((g.change_file.clone(), change_body(&teams[0].name, &teams[0].users[0], 0)));
    g.requests += 1;

    files.push(("platform.yaml".into(), PLATFORM.into()));
    files.push((".gitignore".into(), "/.paved/\n".into()));
    if let Some(policies) = library::EXAMPLE.get_dir("policies") {
        for f in policies.files() {
            let rel = f.path().to_string_lossy().into_owned();
            files.push((rel, String::from_utf8_lossy(f.contents()).into_owned()));
        }
    }
    if let Some(f) = library::EXAMPLE.get_file("evidence/README.md") {
        files.push(("evidence/README.md".into(), String::from_utf8_lossy(f.contents()).into_owned()));
    }

    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    g.files = library::extract(&library::PATHS, &out.join("paths")).map_err(|e| io(out, e))?;
    g.files += library::extract(&library::MODULES, &out.join("modules")).map_err(|e| io(out, e))?;
    progress.phase("writing files", Some(files.len() as u64));
    for (rel, body) in &files {
        let path = out.join(rel);
        std::fs::create_dir_all(path.parent().expect("generated files have a parent")).map_err(|e| io(&path, e))?;
        std::fs::write(&path, body).map_err(|e| io(&path, e))?;
        progress.step();
    }
    g.files += files.len();
    progress.phase(&format!("committing {} files", g.files), None);

    git(out, &["init", "--quiet", "--initial-branch=main"])?;
    commit_all(out, &format!("A synthetic platform of {n} services (seed {})", options.seed), 0)?;
    g.commit = git(out, &["rev-parse", "HEAD"])?.trim().to_owned();
    Ok(g)
}

/// Commit a one-file change to a repo [`generate`] wrote: the bench flag's description becomes revision
/// `revision` (so every revision is a new blob). Returns the new commit id.
pub fn one_file_change(repo: &Path, change_file: &str, revision: u64) -> Result<String, Error> {
    let path = repo.join(change_file);
    let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
    let owner = text.lines().find_map(|l| l.trim().strip_prefix("owner: group:")).unwrap_or("platform").to_owned();
    let by = text.lines().find_map(|l| l.trim().strip_prefix("requestedBy: user:")).unwrap_or("admin").to_owned();
    std::fs::write(&path, change_body(&owner, &by, revision)).map_err(|e| io(&path, e))?;
    git(repo, &["add", "--", change_file])?;
    // The revision may be a clock reading (unique across runs); the commit date only needs to be valid and later.
    commit_all(repo, &format!("bench: flag revision {revision}"), revision % 1_000_000)?;
    Ok(git(repo, &["rev-parse", "HEAD"])?.trim().to_owned())
}

fn change_body(team: &str, user: &str, revision: u64) -> String {
    format!(
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: bench-flag\n  requestedBy: user:{user}\nspec:\n  capability: feature-flag\n  moduleVersion: 1\n  environment: staging\n  owner: group:{team}\n  parameters:\n    key: bench-flag\n    variants:\n      \"on\": true\n      \"off\": false\n    defaultVariant: \"off\"\n    description: Revision {revision} of the flag the incremental benchmark edits\n"
    )
}

const PLATFORM: &str = "# A synthetic platform generated by `paved bench gen`. No native servers and no forge are configured,\n# so requests plan as Blocked and planning does no network I/O.\napiVersion: paved.dev/v1\nkind: Platform\nmetadata:\n  name: acme\nspec:\n  repos:\n    owner: acme\n    platform: acme/platform\n  backends:\n    database: native\n    queue: native\n    secret: native\n    dns-record: native\n    tls-certificate: native\n    namespace: native\n    iam-role: native\n    feature-flag: native\n    sandbox-ai-key: native\n";

/// One request of the `capability`-th capability for service `name`: (short capability name, file body).
fn request(rng: &mut Rng, capability: usize, name: &str, team: &Team) -> (&'static str, String) {
    let env = *rng.pick(&ENVIRONMENTS);
    let by = rng.pick(&team.users).clone();
    let (cap, params, protect) = match capability {
        0 => (
            "database",
            format!(
                "    engine: postgres\n    version: \"{}\"\n    sizeGb: {}\n    publiclyAccessible: false\n    backupRetentionDays: {}\n",
                rng.pick(&["15", "16", "17"]),
                rng.pick(&[10, 20, 50, 100, 200, 500]),
                if env == "production" { *rng.pick(&[14, 30, 35]) } else { *rng.pick(&[1, 3, 7]) }
            ),
            env == "production",
        ),
        1 => (
            "queue",
            format!(
                "    kind: stream\n    subjects:\n      - {name}.created\n      - {name}.updated\n    retentionHours: {}\n    maxDeliver: {}\n    deadLetter: true\n",
                rng.pick(&[24, 72, 168]),
                rng.pick(&[3, 5, 10])
            ),
            false,
        ),
        2 => (
            "secret",
            format!("    description: API credentials used by {name}\n    recipients:\n      - group:{}\n", team.name),
            false,
        ),
        3 => (
            "dns-record",
            format!(
                "    zone: acme.internal\n    name: {name}\n    type: CNAME\n    value: ingress.{env}.acme.internal.\n    ttl: {}\n",
                rng.pick(&[60, 300, 3600])
            ),
            false,
        ),
        4 => (
            "tls-certificate",
            format!(
                "    commonName: {name}.acme.internal\n    dnsNames:\n      - {name}.acme.internal\n    validityDays: {}\n",
                rng.pick(&[30, 90, 180])
            ),
            false,
        ),
        5 => (
            "namespace",
            format!(
                "    cpu: \"{}\"\n    memory: {}Gi\n    pods: {}\n",
                rng.pick(&[2, 4, 8]),
                rng.pick(&[4, 8, 16]),
                rng.pick(&[10, 20, 60])
            ),
            env == "production",
        ),
        6 => (
            "iam-role",
            format!(
                "    service: {name}\n    policies:\n      - \"s3:GetObject on arn:aws:s3:::acme-{name}/*\"\n    maxSessionHours: {}\n",
                rng.pick(&[1, 4, 8])
            ),
            false,
        ),
        7 => (
            "feature-flag",
            format!(
                "    key: {name}-rollout\n    variants:\n      \"on\": true\n      \"off\": false\n    defaultVariant: \"off\"\n    description: Gradual rollout of the new {name}\n"
            ),
            false,
        ),
        _ => (
            "sandbox-ai-key",
            format!(
                "    model: {}\n    monthlyBudgetUsd: {}\n    expiresInDays: {}\n",
                rng.pick(&["gpt-4.1-mini", "claude-haiku-4-5"]),
                rng.pick(&[50, 150, 300]),
                rng.pick(&[30, 60, 90])
            ),
            false,
        ),
    };
    let env = if cap == "sandbox-ai-key" { "development" } else { env };
    let mut body = format!(
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: {name}-{cap}\n  requestedBy: user:{by}\nspec:\n  capability: {cap}\n  moduleVersion: 1\n  environment: {env}\n  owner: group:{team}\n  parameters:\n{params}",
        team = team.name
    );
    if protect {
        body.push_str("  deletionProtection: true\n");
    }
    (cap, body)
}

fn slo(name: &str) -> String {
    format!(
        "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  description: {name}\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}-availability\nspec:\n  service: {name}\n  indicator:\n    metadata:\n      name: {name}-non-5xx\n    spec:\n      ratioMetric:\n        counter: true\n        good:\n          metricSource:\n            type: Prometheus\n            spec:\n              query: sum(rate(http_requests_total{{service=\"{name}\",code!~\"5..\"}}[5m]))\n        total:\n          metricSource:\n            type: Prometheus\n            spec:\n              query: sum(rate(http_requests_total{{service=\"{name}\"}}[5m]))\n  timeWindow:\n    - duration: 28d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - displayName: Good responses\n      target: 0.999\n"
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io { path: path.to_path_buf(), source }
}

/// Commit everything staged or changed, with a fixed author and a date derived from `tick`, so commit ids
/// depend on content alone.
fn commit_all(dir: &Path, message: &str, tick: u64) -> Result<(), Error> {
    git(dir, &["add", "--all"])?;
    let date = format!("{} +0000", 1_790_000_000 + tick * 60);
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Acme Platform Team",
            "-c",
            "user.email=platform@acme.example",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "-m",
            message,
        ])
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .map_err(|e| Error::Git { args: "commit".into(), message: e.to_string() })?;
    if !out.status.success() {
        return Err(Error::Git { args: "commit".into(), message: String::from_utf8_lossy(&out.stderr).into_owned() });
    }
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> Result<String, Error> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| Error::Git { args: args.join(" "), message: e.to_string() })?;
    if !out.status.success() {
        return Err(Error::Git { args: args.join(" "), message: String::from_utf8_lossy(&out.stderr).into_owned() });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
