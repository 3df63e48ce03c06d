//! Observed state: what is real, as opposed to what the platform repo asks for.
//!
//! In the foundation that is the status files paved last wrote (read from the same snapshot as the desired
//! state, so plan and apply agree on "before") and the repos on the forge. Later observers (provisioner backends,
//! service repos, evidence) add fields here; [`plan`](crate::plan) stays pure because it only ever sees this
//! value.

pub mod services;

use crate::forge::Forge;
use crate::source::Snapshot;
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What the forge holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgeState {
    /// `owner/name` of every repo.
    pub repos: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Bot-owned status files in the snapshot: path to content.
    pub status: BTreeMap<String, String>,
    /// `None` when the forge could not be read: then no drift is reported about repos (absence of evidence).
    pub forge: Option<ForgeState>,
    /// Why the forge could not be read.
    pub forge_error: Option<String>,
    /// What each request's backend sees, by `team/name` (desired requests, and removed ones still provisioned).
    pub requests: BTreeMap<String, crate::provision::Observation>,
    /// Scorecard facts derived from evidence; `None` when not collected (then no report is planned).
    pub evidence: Option<crate::evidence::Facts>,
    /// Bot-owned scorecard pages in the snapshot (`scorecards/**/*.md`): path to content.
    pub reports: BTreeMap<String, String>,
    /// Trend points recorded by previous org summaries in git history, oldest first, one per label.
    pub trend: Vec<crate::scorecard::report::TrendPoint>,
    /// Requests that hold a name with another (given by an older paved): the one provisioned first, and the
    /// others, observed as `Taken`. Which is which depends on every request, so plans of them are never patched.
    pub shared: BTreeSet<String>,
    /// The service repos of paved-path components, when a forge was read.
    pub services: Option<services::Services>,
    /// paved's own PRs on the platform repo (branches `paved/…`), when a forge was read.
    pub platform_prs: Option<Vec<crate::forge::PullRequest>>,
}

impl Observed {
    /// A digest of everything observed: a plan made from one observation is stale once this changes.
    pub fn digest(&self) -> String {
        ObservedDigest::of(self).to_hex()
    }

    /// The `source:` recorded in a status file: the catalog file the entity came from.
    pub fn status_source(content: &str) -> Option<&str> {
        content.lines().find_map(|l| l.strip_prefix("source: ")).map(str::trim)
    }
}

/// [`Observed::digest`] as a running sum, so that the incremental planner can update it for the few items a
/// commit changed instead of hashing every status file again.
///
/// Each observed item (a status file, a repo, a request's observation, a report, the evidence) is hashed on its
/// own with SHA-256 and the hashes are added as 256-bit integers (an additive multiset hash): the sum does not
/// depend on order, and removing an item subtracts its hash. It detects a stale plan; it is not a signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObservedDigest([u64; 4]);

/// What an observed item is, so the same key and content in two sections hash differently.
#[derive(Debug, Clone, Copy)]
pub enum Item {
    Status,
    Repo,
    Request,
    Report,
    Evidence,
    Forge,
}

impl ObservedDigest {
    pub fn of(observed: &Observed) -> Self {
        let mut d = ObservedDigest::default();
        for (path, content) in &observed.status {
            d.add(Item::Status, path, content.as_bytes());
        }
        for r in observed.forge.iter().flat_map(|f| &f.repos) {
            d.add(Item::Repo, r, b"");
        }
        for (key, o) in &observed.requests {
            d.add(Item::Request, key, &serde_json::to_vec(o).expect("observations serialize"));
        }
        for (path, content) in &observed.reports {
            d.add(Item::Report, path, content.as_bytes());
        }
        if let Some(facts) = &observed.evidence {
            d.add(Item::Evidence, "", &serde_json::to_vec(facts).expect("facts serialise: plain data"));
        }
        // Only when read, so plans without a forge keep their digest.
        if observed.services.is_some() || observed.platform_prs.is_some() {
            let text = format!("{:?}{:?}", observed.services, observed.platform_prs);
            d.add(Item::Forge, "", text.as_bytes());
        }
        d
    }

    fn item(item: Item, key: &str, content: &[u8]) -> [u64; 4] {
        let mut h = Sha256::new();
        h.update([item as u8]);
        h.update(key.as_bytes());
        h.update([0]);
        h.update(content);
        let bytes = h.finalize();
        std::array::from_fn(|i| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes")))
    }

    pub fn add(&mut self, item: Item, key: &str, content: &[u8]) {
        self.add_wide(Self::item(item, key, content));
    }

    /// Subtracting is adding the two's complement: `!h + 1`.
    pub fn remove(&mut self, item: Item, key: &str, content: &[u8]) {
        self.add_wide(Self::item(item, key, content).map(|x| !x));
        self.add_wide([1, 0, 0, 0]);
    }

    /// 256-bit addition, wrapping, of little-endian limbs.
    fn add_wide(&mut self, h: [u64; 4]) {
        let mut carry = false;
        for (limb, x) in self.0.iter_mut().zip(h) {
            let (sum, c1) = limb.overflowing_add(x);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = c1 || c2;
        }
    }

    /// 16 hex digits, as plans record it.
    pub fn to_hex(self) -> String {
        let bytes: Vec<u8> = self.0.iter().flat_map(|l| l.to_le_bytes()).collect();
        hex::encode(&Sha256::digest(&bytes)[..8])
    }
}

/// Ask each request's backend what it sees. Requests whose backend paved lacks are left out (the planner says
/// so in their status). Where an older paved gave two requests one name, the one the audit log (`audit`, the
/// snapshot's `audit/` files in name order) shows provisioned first keeps the resource; the other is observed as
/// [`Taken`](crate::provision::Observation::Taken).
pub fn observe_requests(
    model: &crate::model::Model,
    ctx: &crate::provision::Context,
    audit: impl FnOnce() -> Vec<String>,
    observed: &mut Observed,
) {
    let status = |key: &str| observed.status.get(&crate::provision::status::status_path(key)).map(String::as_str);
    for key in model.requests.keys() {
        if let Some(o) = observe_desired(model, ctx, key, status(key)) {
            observed.requests.insert(key.clone(), o);
        }
    }
    let removed: Vec<_> = observed
        .status
        .iter()
        .filter(|(p, _)| p.starts_with("status/requests/"))
        .filter_map(|(_, text)| observe_removed(model, ctx, text))
        .collect();
    observed.requests.extend(removed);
    let shared = holders(model, ctx, observed);
    if shared.is_empty() {
        return;
    }
    let first = first_provisioned(&audit());
    for holders in &shared {
        let mut keys: Vec<&Holder> = holders.iter().collect();
        keys.sort_by_key(|(key, ..)| (first.get(&format!("request:{key}")).copied().unwrap_or(u64::MAX), key.clone()));
        let (owner, ..) = keys[0];
        for (key, what, name) in &keys[1..] {
            observed.shared.insert(owner.clone());
            observed.shared.insert(key.clone());
            observed.requests.insert(
                key.clone(),
                crate::provision::Observation::Taken {
                    what: (*what).to_owned(),
                    name: name.clone(),
                    owner: owner.clone(),
                },
            );
        }
    }
}

/// A request holding a name: its key, what the name is, and the name.
type Holder = (String, &'static str, String);

/// The names held by more than one request, each with its holders (key, what, name): desired requests and
/// removed ones still provisioned. Only names an older paved gave can be held twice, so statuses are parsed only
/// for requests one of whose possible names (new or legacy) another request could hold.
fn holders(model: &crate::model::Model, ctx: &crate::provision::Context, observed: &Observed) -> Vec<Vec<Holder>> {
    use crate::model::naming;
    use crate::provision::status::{backend_of, key_of_status_path, named_target, parse_status, recorded_target};
    let platform = ctx.platform.as_str();
    let removed: Vec<(String, crate::provision::Target)> = observed
        .status
        .iter()
        .filter(|(path, _)| key_of_status_path(path).is_some_and(|k| !model.requests.contains_key(k)))
        .filter_map(|(_, text)| parse_status(text).filter(|s| s.applied.is_some()))
        .filter_map(|s| Some((s.request.clone(), recorded_target(&s, platform)?)))
        .collect();
    let names_of = |t: &crate::provision::Target| {
        let names = naming::Names { physical: t.physical_name.clone(), file: t.file_name.clone() };
        naming::held(&t.capability, t.backend, names)
    };
    let mut candidates: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    for (key, r) in &model.requests {
        let Some(kind) = backend_of(model, r) else { continue };
        for h in naming::possible(&r.spec.capability, kind, platform, &r.team, &r.name) {
            candidates.entry((h.space, h.name)).or_default().insert(key);
        }
    }
    for (key, t) in &removed {
        for h in names_of(t) {
            candidates.entry((h.space, h.name)).or_default().insert(key);
        }
    }
    let involved: BTreeSet<&str> = candidates.values().filter(|k| k.len() > 1).flatten().copied().collect();
    let mut held: BTreeMap<(String, String), Vec<Holder>> = BTreeMap::new();
    let mut add = |key: &str, hs: Vec<naming::Held>| {
        for h in hs {
            held.entry((h.space, h.name.clone())).or_default().push((key.to_owned(), h.what, h.name));
        }
    };
    for key in &involved {
        if let Some(r) = model.requests.get(*key) {
            let Some(kind) = backend_of(model, r) else { continue };
            let old = observed.status.get(&crate::provision::status::status_path(key)).and_then(|t| parse_status(t));
            add(key, names_of(&named_target(model, platform, r, kind, old.as_ref())));
        } else if let Some((_, t)) = removed.iter().find(|(k, _)| k == key) {
            add(key, names_of(t));
        }
    }
    held.into_values().filter(|h| h.len() > 1).collect()
}

/// The sequence number of each target's first successful provision in the audit log.
fn first_provisioned(audit: &[String]) -> BTreeMap<String, u64> {
    let mut first = BTreeMap::new();
    for text in audit {
        for record in text.lines().filter_map(|l| serde_json::from_str::<crate::audit::Record>(l).ok()) {
            if record.kind == "request.provision" && record.result == "applied" {
                first.entry(record.target).or_insert(record.seq);
            }
        }
    }
    first
}

/// What the backend of desired request `key` sees, through the names its last status (`status_text`) records;
/// `None` when paved has no backend for it.
pub fn observe_desired(
    model: &crate::model::Model,
    ctx: &crate::provision::Context,
    key: &str,
    status_text: Option<&str>,
) -> Option<crate::provision::Observation> {
    use crate::provision::status::{backend_of, named_target, parse_status};
    let r = model.requests.get(key)?;
    let kind = backend_of(model, r)?;
    let backend = crate::provision::backend_for(&r.spec.capability, kind, ctx)?;
    let old = status_text.and_then(parse_status);
    Some(backend.observe(&named_target(model, &ctx.platform, r, kind, old.as_ref())))
}

/// A removed request, observed through the target its last status (`status_text`) recorded: its key and what
/// its backend sees. `None` when the request is still desired, or nothing can observe it.
pub fn observe_removed(
    model: &crate::model::Model,
    ctx: &crate::provision::Context,
    status_text: &str,
) -> Option<(String, crate::provision::Observation)> {
    let s = crate::provision::status::parse_status(status_text)?;
    if model.requests.contains_key(&s.request) {
        return None;
    }
    let target = crate::provision::status::recorded_target(&s, &ctx.platform)?;
    let backend = crate::provision::backend_for(&target.capability, target.backend, ctx)?;
    Some((s.request, backend.observe(&target)))
}

/// The audit log's month files in `snapshot`, in name order: what decides which of two requests an older paved
/// gave one name was provisioned first.
pub fn audit_texts(snapshot: &Snapshot) -> Vec<String> {
    let mut files: Vec<_> = snapshot.under("audit").filter(|e| e.path.ends_with(".jsonl")).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.into_iter().filter_map(|e| snapshot.read_text(e).ok()).collect()
}

/// Observe the status files in `snapshot` and the repos on `forge`.
pub fn observe(snapshot: &Snapshot, forge: Option<&dyn Forge>) -> Observed {
    let mut observed = Observed::default();
    for entry in snapshot.under("status") {
        // Bot-owned files are ours; one that cannot be read is treated as absent and rewritten.
        if let Ok(text) = snapshot.read_text(entry) {
            observed.status.insert(entry.path.clone(), text);
        }
    }
    observed.reports = reports(snapshot);
    if let Some(forge) = forge {
        match forge.list_repos() {
            Ok(repos) => observed.forge = Some(ForgeState { repos: repos.into_iter().map(|r| r.full_name).collect() }),
            Err(e) => observed.forge_error = Some(e.to_string()),
        }
    }
    observed
}

/// Observe what the forge half of planning reads: the service repos of paved-path components and paved's own PRs
/// on the platform repo. A platform repo the forge cannot list PRs of is observed as having none, and says why in
/// `forge_error`.
pub fn observe_forge_work(
    model: &crate::model::Model,
    forge: &dyn Forge,
    progress: &dyn crate::progress::Progress,
    observed: &mut Observed,
) {
    observed.services = Some(services::observe_services(model, forge, progress));
    observe_platform_prs(model, forge, observed);
}

/// What the forge half of the plan reads: with `services` (where their executors run), the service repos and
/// paved's PRs on the platform repo ([`observe_forge_work`]); without, the PRs alone ([`observe_platform_prs`]).
pub fn observe_forge_side(
    model: &crate::model::Model,
    forge: &dyn Forge,
    services: bool,
    progress: &dyn crate::progress::Progress,
    observed: &mut Observed,
) {
    if services {
        observe_forge_work(model, forge, progress, observed);
    } else {
        observe_platform_prs(model, forge, observed);
    }
}

/// paved's own PRs on the platform repo (branches `paved/…`): what the sunset review and module migrations are
/// planned against.
pub fn observe_platform_prs(model: &crate::model::Model, forge: &dyn Forge, observed: &mut Observed) {
    if let Some(repo) = &model.platform.spec.repos.platform {
        match forge.list_prs(repo, None) {
            Ok(prs) => observed.platform_prs = Some(prs.into_iter().filter(|p| p.head.starts_with("paved/")).collect()),
            Err(crate::forge::Error::NoSuchRepo(_)) => observed.platform_prs = Some(Vec::new()),
            Err(e) => observed.forge_error = Some(format!("listing the PRs of {repo}: {e}")),
        }
    }
}

/// The scorecard report pages paved committed (`scorecards/**/*.md`), by path.
pub fn reports(snapshot: &Snapshot) -> BTreeMap<String, String> {
    let bot_owned = crate::model::bot_owned_matcher();
    snapshot
        .under("scorecards")
        .filter(|e| e.path.ends_with(".md") && bot_owned.is_match(&e.path))
        // Bot-owned files are ours; one that cannot be read is treated as absent and rewritten.
        .filter_map(|e| Some((e.path.clone(), snapshot.read_text(e).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_order_free_and_removing_undoes_adding() {
        let mut a = ObservedDigest::default();
        a.add(Item::Status, "status/x.yaml", b"one");
        a.add(Item::Request, "team/db", b"two");
        let mut b = ObservedDigest::default();
        b.add(Item::Request, "team/db", b"two");
        b.add(Item::Status, "status/x.yaml", b"one");
        assert_eq!(a, b, "order does not matter");
        let before = a;
        a.add(Item::Status, "status/y.yaml", b"three");
        assert_ne!(a, before);
        a.remove(Item::Status, "status/y.yaml", b"three");
        assert_eq!(a, before, "removing an item undoes adding it");
        a.remove(Item::Status, "status/x.yaml", b"one");
        a.remove(Item::Request, "team/db", b"two");
        assert_eq!(a, ObservedDigest::default());
    }
}
