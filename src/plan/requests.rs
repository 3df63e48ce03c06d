//! Planning requests: provision what merged requests ask for, heal what drifted or vanished, deprovision what was
//! removed (unless deletion protection holds it), and keep `status/requests/<team>/<name>.yaml` saying which.
//!
//! A request's *applied digest* (its spec, module version and backend) is recorded in its status once applied;
//! a different digest, an absent resource or reported drift makes a provision action. Phases:
//! `Ready`, `Denied` (policy), `Blocked` (backend unavailable or missing — the reason says how to fix it),
//! `Failed` (an apply failed; retried next pass), `Protected` (removed but deletion-protected).

use super::{ActionId, ActionKind, FileChange, PlannedAction, ProvisionOp, Texts};
use crate::model::Model;
use crate::model::platform::BackendKind;
use crate::model::request::Request;
use crate::model::status::{Phase, StalledReason};
use crate::observe::Observed;
use crate::policy::Verdict;
use crate::provision::status::{
    RequestStatus, backend_of, named_target, parse_status, recorded_target, render, status_path,
};
use crate::provision::{self, Observation, Target};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

// Where a request's status lives, for the planner's patching of single files (`super::patch`).
pub(crate) use crate::provision::status::key_of_status_path;

/// What the planner needs besides the model: each request's verdict (computed with the policies of the
/// snapshot), and the provisioning context.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Shared with the parse cache, which remembers each verdict for the next plan.
    pub verdicts: BTreeMap<String, std::sync::Arc<crate::policy::judge::Judgement>>,
    pub context: provision::Context,
}

fn digest(model: &Model, r: &Request, backend: BackendKind) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&r.spec).expect("a spec serializes"));
    if let Some(m) = model.modules.get(r.spec.capability.as_str()) {
        h.update(m.version.to_string().as_bytes());
    }
    // As first written (`Native`, `Terraform`): the digest of every applied request depends on it.
    h.update(format!("{backend:?}").as_bytes());
    hex::encode(&h.finalize()[..8])
}

/// The target's parameters with the module's defaults for those the request leaves out: what the request gets.
fn with_defaults(model: &Model, r: &Request, target: &Target) -> serde_json::Map<String, serde_json::Value> {
    let mut params = target.parameters.as_object().cloned().unwrap_or_default();
    for p in model.modules.get(r.spec.capability.as_str()).map(|m| m.spec.parameters.as_slice()).unwrap_or_default() {
        if let (false, Some(default)) = (params.contains_key(&p.name), &p.default) {
            params.insert(p.name.clone(), serde_json::to_value(default).unwrap_or_default());
        }
    }
    params
}

/// Plan every request of the commit `basis`. `broken` are files with errors (their requests keep their last
/// state).
pub fn plan(
    model: &Model,
    judged: &Judged,
    observed: &Observed,
    broken: &BTreeSet<&str>,
    texts: Texts,
    basis: &str,
    actions: &mut Vec<PlannedAction>,
) {
    // Each request plans alone (its status, rendered, and maybe a provision action): on every core.
    let live: Vec<(&String, &Request)> =
        model.requests.iter().filter(|(_, r)| !broken.contains(r.path.as_str())).collect();
    crate::par::extend(actions, &live, 256, |(key, r)| {
        // Most requests plan one action: room for one, not the four a first push makes room for.
        let mut mine = Vec::with_capacity(1);
        plan_request(model, judged, observed, basis, key, r, &mut mine);
        if texts == Texts::Dropped {
            mine.iter_mut().for_each(|a| a.change.drop_texts());
        }
        mine
    });
    // Requests whose file is gone.
    for (path, before) in observed.status.iter().filter(|(p, _)| p.starts_with("status/requests/")) {
        plan_removed(model, judged, observed, broken, path, before, actions);
    }
}

/// Plan desired request `key`: its status, and a provision action when it must be created or converged.
pub fn plan_request(
    model: &Model,
    judged: &Judged,
    observed: &Observed,
    basis: &str,
    key: &str,
    r: &Request,
    actions: &mut Vec<PlannedAction>,
) {
    let ctx = &judged.context;
    let path = status_path(key);
    let before = observed.status.get(&path);
    let old = before.and_then(|t| parse_status(t));
    let previous_applied = old.as_ref().and_then(|o| o.applied.clone());
    let mut status = RequestStatus {
        request: key.to_owned(),
        source: r.path.clone(),
        capability: r.spec.capability.clone(),
        environment: r.spec.environment.map(|e| e.name().to_owned()),
        backend: backend_of(model, r),
        phase: Phase::Failed,
        reason: None,
        message: String::new(),
        applied: previous_applied.clone(),
        deletion_protection: r.spec.deletion_protection,
        requested_by: r.requested_by.clone(),
        verdict: None,
        outputs: old.as_ref().map(|o| o.outputs.clone()).unwrap_or_default(),
        not_enforced: old.as_ref().map(|o| o.not_enforced.clone()).unwrap_or_default(),
        secrets: old.as_ref().and_then(|o| o.secrets.clone()),
        target: old.as_ref().and_then(|o| o.target.clone()),
    };
    let verdict = match judged.verdicts.get(key).map(|v| &**v) {
        Some(Ok(v)) => v.clone(),
        Some(Err(e)) => {
            status.message = format!(
                "policy evaluation failed: {e}; fix the policy on the default branch (`paved validate` names its \
                 file and line), and this request is judged again"
            );
            stall(actions, key, path, before, status, StalledReason::PolicyError);
            return;
        }
        None => Verdict::default(),
    };
    status.verdict = Some(verdict.clone());
    if !verdict.allowed() {
        status.phase = Phase::Denied;
        status.message = verdict.deny.iter().map(|m| m.message.as_str()).collect::<Vec<_>>().join("; ");
        push_status(actions, key, path, before, &status);
        return;
    }
    let Some(backend) = status.backend else {
        status.message = format!("module `{}` names no backend; set spec.backends in platform.yaml", r.spec.capability);
        stall(actions, key, path, before, status, StalledReason::NoBackend);
        return;
    };
    let supported = model.modules.get(r.spec.capability.as_str()).is_some_and(|m| m.spec.backends.contains(&backend));
    let mut target = named_target(model, &ctx.platform, r, backend, old.as_ref());
    let observation = observed.requests.get(key).cloned().unwrap_or(Observation::Unavailable {
        reason: format!(
            "paved has no {} backend for `{}` yet; choose another in platform.yaml spec.backends",
            backend.name(),
            r.spec.capability
        ),
    });
    if !supported {
        status.message = format!(
            "module `{}` does not support the {} backend; choose one it lists (spec.backends in its module.yaml) in \
             platform.yaml spec.backends",
            r.spec.capability,
            backend.name()
        );
        stall(actions, key, path, before, status, StalledReason::BackendUnsupported);
        return;
    }
    if let Observation::Unavailable { reason } | Observation::Unsatisfiable { reason } = &observation {
        status.phase = Phase::Blocked;
        status.message = reason.clone();
        push_status(actions, key, path, before, &status);
        return;
    }
    if let Observation::Taken { what, name, owner } = &observation {
        // The resource is the owner's: nothing of it is handed out here, and nothing here may destroy it (no
        // applied digest). The recorded name keeps this request Blocked until it is renamed.
        status.phase = Phase::Blocked;
        status.message = taken_message(what, name, owner, &r.path);
        status.applied = None;
        status.outputs.clear();
        status.secrets = None;
        target.parameters.release();
        status.target = Some(target);
        push_status(actions, key, path, before, &status);
        return;
    }
    let wanted = digest(model, r, backend);
    let reason = match (&observation, previous_applied.as_deref()) {
        (_, None) => Some(Cow::Borrowed("new request")),
        (_, Some(d)) if d != wanted => Some(Cow::Borrowed("request changed")),
        (Observation::Absent, _) => Some(Cow::Borrowed("missing: deleted out of band, recreating")),
        (Observation::Present { drift: Some(d) }, _) => Some(Cow::Owned(format!("drift: {d}"))),
        _ => None,
    };
    status.phase = Phase::Ready;
    status.not_enforced = provision::not_enforced(&r.spec.capability, backend, || with_defaults(model, r, &target));
    status.message = if status.not_enforced.is_empty() {
        "provisioned".into()
    } else {
        let names: Vec<&str> = status.not_enforced.keys().map(String::as_str).collect();
        format!("provisioned; not enforced by this backend: {} (see notEnforced)", names.join(", "))
    };
    status.applied = Some(wanted.clone());
    // Terraform's outputs are known only once applied: the apply records them (and where the sensitive ones
    // are), and the plan keeps what the last apply recorded.
    if backend != BackendKind::Terraform {
        status.outputs = provision::expected_outputs(ctx, &target);
        status.secrets = r.spec.capability.has_secrets().then(|| provision::SecretStore::reference(&r.team, &r.name));
    }
    // The plan keeps the target for an apply that may not come: not the parse the outputs read.
    target.parameters.release();
    status.target = Some(target.clone());
    let Some(reason) = reason else {
        push_status(actions, key, path, before, &status);
        return;
    };
    let after = render(&status);
    let mut content = after.clone().into_bytes();
    // A heal is a new event even when the desired content is the same as last time: a second identical heal,
    // planned after the commit that recorded the first, is told apart by that commit (a crash-replay of one
    // heal plans from the same commit, so it keeps its id).
    content.extend_from_slice(reason.as_bytes());
    if !matches!(reason.as_ref(), "new request" | "request changed") {
        content.extend_from_slice(basis.as_bytes());
    }
    actions.push(PlannedAction {
        id: ActionId::new(ActionKind::Provision, &format!("request:{key}"), &content),
        kind: ActionKind::Provision,
        target: format!("request:{key}"),
        reason,
        change: FileChange::Write { path, before: before.cloned(), after },
        provision: Some(Box::new(ProvisionOp { target, previous_applied })),
    });
}

/// Plan the request status at `path` (content `before`) if its request file is gone: deprovision what it
/// provisioned, keep it while deletion protection holds, or drop the status. Nothing when the request is still
/// desired, or its file is broken (it keeps its last state).
pub fn plan_removed(
    model: &Model,
    judged: &Judged,
    observed: &Observed,
    broken: &BTreeSet<&str>,
    path: &str,
    before: &String,
    actions: &mut Vec<PlannedAction>,
) {
    let Some(old) = parse_status(before) else { return };
    if model.requests.contains_key(&old.request) || broken.contains(old.source.as_str()) {
        return;
    }
    let target = format!("request:{}", old.request);
    let delete_status = |target: String, reason: String| PlannedAction {
        id: ActionId::new(ActionKind::DeleteStatus, &target, b""),
        kind: ActionKind::DeleteStatus,
        target,
        reason: reason.into(),
        change: FileChange::Delete { path: path.to_owned(), before: before.clone() },
        provision: None,
    };
    if let Some(Observation::Taken { what, name, owner }) = observed.requests.get(&old.request) {
        // What it names is another request's: the status goes, the resource stays.
        let reason = format!("{} was removed; the {what} `{name}` it named is {owner}'s and stays", old.source);
        actions.push(delete_status(target, reason));
        return;
    }
    let recorded = recorded_target(&old, &judged.context.platform);
    match (&recorded, old.applied.is_some()) {
        (Some(_), true) if old.deletion_protection => {
            let mut status = old.clone();
            status.phase = Phase::Protected;
            status.message = "the request file was removed, but deletion protection is on: to deprovision, set \
                              spec.deletionProtection: false in a PR, merge it, then remove the file"
                .into();
            push_status(actions, &old.request, path.to_owned(), Some(before), &status);
        }
        (Some(t), true) => actions.push(PlannedAction {
            id: ActionId::new(ActionKind::Deprovision, &target, before.as_bytes()),
            kind: ActionKind::Deprovision,
            target,
            reason: format!("{} was removed", old.source).into(),
            change: FileChange::Delete { path: path.to_owned(), before: before.clone() },
            provision: Some(Box::new(ProvisionOp { target: t.clone(), previous_applied: old.applied.clone() })),
        }),
        _ => actions.push(delete_status(target, format!("{} was removed; nothing was provisioned", old.source))),
    }
}

/// Why a request whose name another request holds is Blocked, and what to do.
fn taken_message(what: &str, name: &str, owner: &str, path: &str) -> String {
    format!(
        "the {what} `{name}` this request was provisioned under is also request {owner}'s, which was provisioned \
         first (older paved versions gave both the same name): it stays {owner}'s, and this request's stored \
         credential is not used. Fix: rename this request (metadata.name in {path}, and the file): under its new \
         name it gets a {what} of its own, named collision-free"
    )
}

/// Write `status` as Stalled for `reason`: nothing is provisioned or destroyed for the request until the platform
/// repo changes, and what it had keeps its outputs.
fn stall(
    actions: &mut Vec<PlannedAction>,
    key: &str,
    path: String,
    before: Option<&String>,
    mut status: RequestStatus,
    reason: StalledReason,
) {
    status.phase = Phase::Stalled;
    status.reason = Some(reason);
    push_status(actions, key, path, before, &status);
}

fn push_status(
    actions: &mut Vec<PlannedAction>,
    key: &str,
    path: String,
    before: Option<&String>,
    status: &RequestStatus,
) {
    let after = render(status);
    if before == Some(&after) {
        return;
    }
    let target = format!("request:{key}");
    let reason = format!("{}: {}", status.phase, status.message).into();
    actions.push(PlannedAction {
        id: ActionId::new(ActionKind::WriteStatus, &target, after.as_bytes()),
        kind: ActionKind::WriteStatus,
        target,
        reason,
        change: FileChange::Write { path, before: before.cloned(), after },
        provision: None,
    });
}

#[cfg(test)]
mod tests {
    //! The request planner as a table: one request of the example platform, judged and observed each way the
    //! planner must tell apart, and the phase, reason and provisioning each gives.

    use super::*;
    use crate::model::capability::Capability;
    use crate::model::example;
    use crate::policy::Message;
    use crate::policy::judge::Judgement;
    use std::sync::Arc;

    const KEY: &str = "payments/payments-dns";

    /// The phase, the Stalled reason, and the reason of the provision action planned (if one is).
    type Expected = (Phase, Option<StalledReason>, Option<&'static str>);

    fn judged(verdict: Option<Judgement>) -> Judged {
        let context = provision::Context {
            platform: "acme".into(),
            state_dir: "/nonexistent/state".into(),
            output_dir: "/nonexistent/out".into(),
            postgres: None,
            nats: None,
            repo_root: None,
            plan_judge: None,
        };
        Judged { verdicts: verdict.map(|v| (KEY.to_owned(), Arc::new(v))).into_iter().collect(), context }
    }

    /// Plan the request alone: its status as written, and whether a provision action came with it.
    fn plan_one(model: &Model, judged: &Judged, observation: Option<Observation>) -> (RequestStatus, Option<String>) {
        let mut observed = Observed::default();
        observed.requests.extend(observation.map(|o| (KEY.to_owned(), o)));
        let mut actions = Vec::new();
        plan_request(model, judged, &observed, "basis", KEY, &model.requests[KEY], &mut actions);
        assert_eq!(actions.len(), 1, "one action: the status, or the provisioning that writes it");
        let action = actions.remove(0);
        let FileChange::Write { after, .. } = &action.change else { panic!("a request's status is written") };
        let status = parse_status(after).expect("the status parses back");
        (status, action.provision.is_some().then(|| action.reason.into_owned()))
    }

    #[test]
    fn each_verdict_and_observation_gives_its_phase() {
        let allow = || Some(Ok(Verdict::default()));
        let deny = Verdict {
            deny: vec![Message { policy: "paved.org.dns".into(), message: "no CNAMEs in production".into() }],
            ..Verdict::default()
        };
        let drift = Observation::Present { drift: Some("zone record is `x`".into()) };
        let unavailable = Observation::Unavailable { reason: "the DNS server is down".into() };
        let unsatisfiable = Observation::Unsatisfiable { reason: "no such zone".into() };
        let taken = Observation::Taken { what: "zone record".into(), name: "payments".into(), owner: "a/b".into() };
        let stalled = |reason| (Phase::Stalled, Some(reason), None);
        #[rustfmt::skip]
        let table: Vec<(&str, Option<Judgement>, Option<Observation>, Expected)> = vec![
            ("new, allowed",               allow(),                  Some(Observation::Absent), (Phase::Ready, None, Some("new request"))),
            ("no verdict: nothing judged", None,                     Some(Observation::Absent), (Phase::Ready, None, Some("new request"))),
            ("denied",                     Some(Ok(deny)),           Some(Observation::Absent), (Phase::Denied, None, None)),
            ("policies do not evaluate",   Some(Err(crate::policy::Error::Eval("rego".into()))), Some(Observation::Absent), stalled(StalledReason::PolicyError)),
            ("backend down",               allow(),                  Some(unavailable),         (Phase::Blocked, None, None)),
            ("backend cannot serve it",    allow(),                  Some(unsatisfiable),       (Phase::Blocked, None, None)),
            ("name held by another",       allow(),                  Some(taken),               (Phase::Blocked, None, None)),
            ("not observed: no backend",   allow(),                  None,                      (Phase::Blocked, None, None)),
            ("drifted, never applied",     allow(),                  Some(drift),               (Phase::Ready, None, Some("new request"))),
        ];
        let model = example();
        for (case, verdict, observation, (phase, reason, provision)) in table {
            let (status, provisioned) = plan_one(&model, &judged(verdict), observation);
            assert_eq!((status.phase, status.reason), (phase, reason), "{case}: {}", status.message);
            assert_eq!(provisioned.as_deref(), provision, "{case}");
            assert_eq!(status.capability, Capability::DnsRecord, "{case}");
        }
    }

    #[test]
    fn a_backend_the_module_cannot_use_stalls_and_says_which() {
        let mut model = example();
        model.modules.get_mut("dns-record").expect("module").spec.backends = vec![BackendKind::Terraform];
        let (status, provisioned) = plan_one(&model, &judged(Some(Ok(Verdict::default()))), None);
        assert_eq!((status.phase, status.reason), (Phase::Stalled, Some(StalledReason::BackendUnsupported)));
        assert!(status.message.contains("does not support the native backend"), "{}", status.message);
        assert_eq!(provisioned, None);

        model.platform.spec.backends.remove("dns-record");
        model.modules.get_mut("dns-record").expect("module").spec.backends.clear();
        let (status, _) = plan_one(&model, &judged(Some(Ok(Verdict::default()))), None);
        assert_eq!((status.phase, status.reason), (Phase::Stalled, Some(StalledReason::NoBackend)));
    }

    #[test]
    fn an_applied_request_heals_drift_and_plans_nothing_when_reality_agrees() {
        let model = example();
        let judged = judged(Some(Ok(Verdict::default())));
        let mut observed = Observed::default();
        observed.requests.insert(KEY.to_owned(), Observation::Absent);
        let mut first = Vec::new();
        plan_request(&model, &judged, &observed, "basis", KEY, &model.requests[KEY], &mut first);
        let FileChange::Write { after, .. } = &first[0].change else { panic!("written") };
        observed.status.insert(status_path(KEY), after.clone());

        let replan = |observation: Observation| {
            let mut observed = observed.clone();
            observed.requests.insert(KEY.to_owned(), observation);
            let mut actions = Vec::new();
            plan_request(&model, &judged, &observed, "basis", KEY, &model.requests[KEY], &mut actions);
            actions.into_iter().map(|a| (a.kind, a.reason.into_owned())).collect::<Vec<_>>()
        };
        assert_eq!(replan(Observation::Present { drift: None }), vec![], "applied and in place: nothing to do");
        assert_eq!(
            replan(Observation::Present { drift: Some("zone record is `x`".into()) }),
            vec![(ActionKind::Provision, "drift: zone record is `x`".to_owned())]
        );
        assert_eq!(
            replan(Observation::Absent),
            vec![(ActionKind::Provision, "missing: deleted out of band, recreating".to_owned())]
        );
    }
}
