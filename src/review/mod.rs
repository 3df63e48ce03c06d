//! Plans on pull requests: what a PR on the platform repo changes, judged by the base branch.
//!
//! For every request the PR adds, changes or removes: the rendered Terraform root module before and after (as a
//! unified diff), the policy verdict, and the approvers still needed. When the PR touches policies, an impact
//! report lists every existing request whose verdict the new policies would change. Everything that judges — the
//! policies, the module code, the catalog context — comes from the base branch (design rule 3); only the requests
//! under review come from the head.

pub mod markdown;

use crate::diag::Diagnostic;
use crate::model::cache::ParseCache;
use crate::model::entity_ref::EntityRef;
use crate::model::request::Request;
use crate::model::{LoadOptions, Loaded, Model, load};
use crate::policy::{self, PolicySet, Verdict};
use crate::render::{terraform, tf_module};
use crate::source::Snapshot;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// The error returned by [`review`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Source(#[from] crate::source::Error),
    #[error("the base branch's policies do not work: {0}")]
    BasePolicy(policy::Error),
    #[error("cannot find the merge base of {base} and {head}: {message}")]
    MergeBase { base: String, head: String, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Changed,
    Removed,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestReview {
    /// `team/name`.
    pub key: String,
    pub path: String,
    pub change: Change,
    pub capability: crate::model::capability::Capability,
    pub environment: String,
    /// Unified diff of the rendered root module.
    pub diff: String,
    /// The base policies' verdict on the head request (none for a removal).
    pub verdict: Option<Verdict>,
    /// Why the request could not be judged (its module is missing on the base branch, a policy failed…).
    pub error: Option<String>,
}

/// A request whose verdict the PR's policy changes would change.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub key: String,
    pub before: Verdict,
    pub after: Verdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The base branch tip whose rules judge the PR.
    pub base: String,
    pub head: String,
    pub requests: Vec<RequestReview>,
    /// Policy files the PR changes.
    pub policies_changed: Vec<String>,
    /// `Some` when policies changed: requests whose verdict changes (empty: none does).
    pub impact: Option<Vec<Impact>>,
    /// Errors in the head's platform repo (they block the PR).
    pub head_errors: Vec<Diagnostic>,
    /// Required approver groups that no approval covers yet.
    pub approvers_missing: BTreeSet<String>,
}

impl Review {
    /// Every group some policy requires for this PR.
    pub fn approvers_required(&self) -> BTreeSet<String> {
        self.requests.iter().filter_map(|r| r.verdict.as_ref()).flat_map(|v| v.approvers.iter().cloned()).collect()
    }
    pub fn denied(&self) -> usize {
        self.requests.iter().filter(|r| r.verdict.as_ref().is_some_and(|v| !v.allowed()) || r.error.is_some()).count()
    }
    /// The check conclusion: errors or denials fail; missing approvals need action; otherwise success.
    pub fn conclusion(&self) -> crate::forge::CheckConclusion {
        use crate::forge::CheckConclusion as C;
        if !self.head_errors.is_empty() || self.denied() > 0 {
            C::Failure
        } else if !self.approvers_missing.is_empty() {
            C::ActionRequired
        } else {
            C::Success
        }
    }

    /// Required groups not yet covered by an approval of one of their members.
    fn missing(&self, model: &Model, approved_by: &[&str]) -> BTreeSet<String> {
        let mut covered = BTreeSet::new();
        for group in self.approvers_required() {
            let Ok(g) = EntityRef::parse(&group, Some("group"), "default") else { continue };
            let members = model.catalog.members(&g);
            if approved_by.iter().any(|who| members.iter().any(|m| m.name.eq_ignore_ascii_case(who))) {
                covered.insert(group);
            }
        }
        self.approvers_required().difference(&covered).cloned().collect()
    }
}

fn merge_base(repo: &Path, base: &str, head: &str) -> Result<String, Error> {
    crate::forge::local::git(repo, &["merge-base", base, head]).map_err(|e| Error::MergeBase {
        base: base.to_owned(),
        head: head.to_owned(),
        message: e.to_string(),
    })
}

/// Loaded state of one side.
struct Side {
    snapshot: Snapshot,
    loaded: Loaded,
}

fn side(repo: &Path, rev: &str, cache: &ParseCache) -> Result<Side, Error> {
    let snapshot = Snapshot::git(repo, rev)?;
    let loaded = load(&snapshot, cache, &LoadOptions::default());
    Ok(Side { snapshot, loaded })
}

fn policies_of(side: &Side) -> Result<PolicySet, policy::Error> {
    PolicySet::compile(&side.loaded.model, &policy::module_sources(&side.snapshot, &side.loaded.model))
}

/// Policy files (organisation and module) and their content, to tell whether a PR changes them.
fn policy_files(snapshot: &Snapshot) -> Vec<(String, gix::ObjectId)> {
    snapshot
        .entries()
        .iter()
        .filter(|e| {
            (e.path.starts_with("policies/") && e.path.ends_with(".rego"))
                || (e.path.starts_with("modules/") && e.path.ends_with("/policy.rego"))
        })
        .map(|e| (e.path.clone(), e.blob))
        .collect()
}

/// Render a request's root module with the base branch's module code (what it declares in any of its `.tf`
/// files). A module paved cannot read renders as the reason, so the review shows it.
fn rendered(base: &Side, request: &Request) -> Option<String> {
    let module = base.loaded.model.modules.get(request.spec.capability.as_str())?;
    let prefix = format!("{}/", module.dir);
    let mut files = Vec::new();
    for entry in base.snapshot.under(&module.dir) {
        if entry.path.ends_with(".tf") && !entry.path[prefix.len()..].contains('/') {
            match base.snapshot.read_text(entry) {
                Ok(text) => files.push((entry.path.clone(), text)),
                Err(f) => return Some(format!("# paved cannot read the module: {}\n", f.at(&entry.path))),
            }
        }
    }
    Some(match tf_module::read(files) {
        Ok(declared) => terraform::root_module(request, module, &format!("../../{}", module.dir), &declared),
        Err(e) => format!("# paved cannot read the module: {e}\n"),
    })
}

fn unified(before: &str, after: &str, path: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Review the PR from `head` onto `base` in the git repository at `repo`. `approved_by` are the users whose
/// approval of the current head counts (matched to catalog users by name).
///
/// # Errors
/// Unreadable revisions, or base policies that do not compile (then nothing can be judged).
pub fn review(repo: &Path, base: &str, head: &str, approved_by: &[&str], cache: &ParseCache) -> Result<Review, Error> {
    let fork = merge_base(repo, base, head)?;
    let tip = side(repo, base, cache)?;
    let from = side(repo, &fork, cache)?;
    let to = side(repo, head, cache)?;
    let rules = policies_of(&tip).map_err(Error::BasePolicy)?;

    let mut requests = Vec::new();
    let keys: BTreeSet<&String> = from.loaded.model.requests.keys().chain(to.loaded.model.requests.keys()).collect();
    for key in keys {
        let before = from.loaded.model.requests.get(key);
        let after = to.loaded.model.requests.get(key);
        let change = match (before, after) {
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(b), Some(a)) if spec_differs(b, a) => Change::Changed,
            _ => continue,
        };
        let subject = after.or(before).expect("one side has the request");
        let before_text = before.and_then(|r| rendered(&tip, r)).unwrap_or_default();
        let after_text = after.and_then(|r| rendered(&tip, r)).unwrap_or_default();
        let (verdict, error) = match after {
            None => (None, None),
            Some(r) if !tip.loaded.model.modules.contains_key(r.spec.capability.as_str()) => {
                (None, Some(format!("the base branch has no `{}` module", r.spec.capability)))
            }
            Some(r) => {
                let input = policy::input::for_request(&tip.loaded.model, r, None);
                match rules.evaluate(Some(r.spec.capability.as_str()), &input) {
                    Ok(v) => (Some(v), None),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
        };
        requests.push(RequestReview {
            key: key.clone(),
            path: subject.path.clone(),
            change,
            capability: subject.spec.capability.clone(),
            environment: subject.spec.environment.map(|e| e.name().to_owned()).unwrap_or_default(),
            diff: unified(&before_text, &after_text, &format!("rendered/{key}/main.tf")),
            verdict,
            error,
        });
    }

    let policies_changed: Vec<String> = {
        let a: BTreeSet<_> = policy_files(&from.snapshot).into_iter().collect();
        let b: BTreeSet<_> = policy_files(&to.snapshot).into_iter().collect();
        let mut changed: Vec<String> = a.symmetric_difference(&b).map(|(p, _)| p.clone()).collect();
        changed.dedup();
        changed
    };
    let impact = if policies_changed.is_empty() { None } else { Some(impact(&tip, &rules, &to)) };
    let head_errors = to.loaded.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    let mut review = Review {
        base: tip.snapshot.basis.label(),
        head: to.snapshot.basis.label(),
        requests,
        policies_changed,
        impact,
        head_errors,
        approvers_missing: BTreeSet::new(),
    };
    review.approvers_missing = review.missing(&tip.loaded.model, approved_by);
    Ok(review)
}

fn spec_differs(a: &Request, b: &Request) -> bool {
    serde_json::to_value(&a.spec).ok() != serde_json::to_value(&b.spec).ok()
}

/// Every existing request (on the base branch) judged by the base policies and by the head's.
fn impact(tip: &Side, base_rules: &PolicySet, head: &Side) -> Vec<Impact> {
    let head_rules = match policies_of(head) {
        Ok(r) => r,
        Err(e) => {
            // New policies that do not compile would deny everything: say so once, as an impact on every request.
            let broken = Verdict {
                deny: vec![policy::Message { policy: "(head)".into(), message: e.to_string() }],
                ..Verdict::default()
            };
            return tip
                .loaded
                .model
                .requests
                .keys()
                .map(|k| Impact { key: k.clone(), before: Verdict::default(), after: broken.clone() })
                .collect();
        }
    };
    let mut out = Vec::new();
    for (key, r) in &tip.loaded.model.requests {
        let input = policy::input::for_request(&tip.loaded.model, r, None);
        let before = base_rules.evaluate(Some(r.spec.capability.as_str()), &input).unwrap_or_default();
        let after = match head_rules.evaluate(Some(r.spec.capability.as_str()), &input) {
            Ok(v) => v,
            Err(e) => Verdict {
                deny: vec![policy::Message { policy: "(head)".into(), message: e.to_string() }],
                ..Verdict::default()
            },
        };
        if before != after {
            out.push(Impact { key: key.clone(), before, after });
        }
    }
    out
}
