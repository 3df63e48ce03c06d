//! Judging requests with the policies of one snapshot ([`Judge`]): compiled once, evaluated on every core,
//! verdicts remembered in the parse cache so a plan after a one-file commit re-evaluates only what changed.

use super::{Error, Evaluator, PolicySet, Verdict};
use crate::model::Model;
use crate::model::cache::{FileClass, ParseCache};
use crate::model::request::Request;
use crate::source::Snapshot;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A request's verdict, or why the policies could not give one.
pub type Judgement = Result<Verdict, Error>;

/// The policies of one snapshot, compiled once, judging requests.
///
/// Verdicts are remembered in the parse cache by the hash of the policies and of the request's policy input, so
/// a plan after a one-file commit evaluates only the requests whose input changed.
pub struct Judge {
    set: Result<Arc<PolicySet>, Error>,
    /// Hash of every policy text (organisation and modules): part of each verdict's key. Hashed once: the policy
    /// text (tens of KB) must not be copied and hashed again for every request.
    policies: gix::ObjectId,
}

impl Judge {
    pub fn new(snapshot: &Snapshot, model: &Model) -> Self {
        let sources = super::module_sources(snapshot, model);
        let set = PolicySet::compile(model, &sources).map(Arc::new);
        let mut fingerprint = Vec::new();
        for p in model.policies.values() {
            fingerprint.extend_from_slice(format!("{}\0{}\0", p.path, p.source).as_bytes());
        }
        for (module, path, source) in &sources {
            fingerprint.extend_from_slice(format!("{module}\0{path}\0{source}\0").as_bytes());
        }
        Judge { set, policies: crate::source::blob_id(&fingerprint) }
    }

    /// The compiled policies, when they compiled.
    pub fn policies(&self) -> Option<Arc<PolicySet>> {
        self.set.as_ref().ok().cloned()
    }

    fn evaluator(&self) -> Result<Evaluator<'_>, Error> {
        self.set.as_ref().map(|s| s.evaluator()).map_err(Clone::clone)
    }

    /// Every request's verdict, on both cores (one evaluator per thread).
    pub fn all(&self, model: &Model, cache: &ParseCache) -> BTreeMap<String, Arc<Judgement>> {
        let requests: Vec<(&String, &Request)> = model.requests.iter().collect();
        let verdicts = crate::par::map_with(
            &requests,
            2,
            || self.evaluator(),
            |evaluator, (_, r)| self.judge(evaluator, model, r, cache),
        );
        requests.into_iter().map(|(key, _)| key.clone()).zip(verdicts).collect()
    }

    /// One request's verdict.
    pub fn one(&self, model: &Model, r: &Request, cache: &ParseCache) -> Arc<Judgement> {
        self.judge(&mut self.evaluator(), model, r, cache)
    }

    fn judge(
        &self,
        evaluator: &mut Result<Evaluator<'_>, Error>,
        model: &Model,
        r: &Request,
        cache: &ParseCache,
    ) -> Arc<Judgement> {
        let input = super::input::for_request(model, r, None);
        let text = serde_json::to_string(&input).expect("a JSON value always serializes");
        let mut key = self.policies.as_bytes().to_vec();
        key.extend_from_slice(r.spec.capability.as_str().as_bytes());
        key.push(0);
        key.extend_from_slice(text.as_bytes());
        // Shared with the cache, not copied out of it: the cache keeps every verdict for the next plan.
        cache.get_or_compute(crate::source::blob_id(&key), FileClass::Verdict, || match evaluator {
            Ok(evaluator) => evaluator.evaluate_value(Some(r.spec.capability.as_str()), regorus::Value::from(input)),
            // The policies did not compile: every request carries that error.
            Err(compile_error) => Err(compile_error.clone()),
        })
    }
}
