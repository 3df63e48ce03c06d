//! paved: the engine of an Internal Developer Platform, run as GitOps.
//!
//! Module map (data flows top to bottom):
//!
//! | module | job |
//! |---|---|
//! | [`abspath`] | paths typed by people or named in `platform.yaml`, made absolute once at the edge |
//! | [`source`] | a platform repo at one point in time: a git commit (gix) or a working directory |
//! | [`yaml`] | YAML documents with the position of every node (a fast reader for plain block YAML, yaml-rust2 for the rest); writing plain data as serde_norway does ([`yaml::emit`]) |
//! | [`model`] | load and validate the whole repo into typed desired state, cached by blob id |
//! | [`observe`] | what is real: status files paved wrote, repos on the forge, backends, evidence |
//! | [`plan`] | `plan(desired, observed) -> Plan`: pure, deterministic, every action with a stable id |
//! | [`render`] | render a paved path version with its answers; a request's Terraform root module (escaped HCL) |
//! | [`policy`] | Rego policy-as-code (regorus): deny, warn and approvers for a request, its module and team |
//! | [`review`] | plans on pull requests: head requests judged by the base branch, the PR comment |
//! | [`provision`] | backends that provision requests (native and Terraform), the secret store |
//! | [`lock`] | one writer per platform: the lock a writing run holds from observe to push |
//! | [`library`] | what ships inside the binary: the standard library and the example |
//! | [`apply`] | executors that carry out a plan: bot commits to bot-owned paths, with audit records |
//! | [`audit`] | the append-only, hash-chained audit log |
//! | [`forge`] | the `Forge` trait and the embedded local forge |
//! | [`gitcli`] | the one runner of the `git` CLI (fetch, push, work-tree commits) |
//! | [`ops`] | one function per operation, shared by the CLI and the daemon |
//! | [`daemon`] | the long-running shape: triggers, scheduler, webhooks, probes and metrics |
//! | [`cli`] | the `paved` command line: parsing and printing only |
//! | [`diag`] | located diagnostics |
//! | [`par`] | data parallelism over files, entities and requests on every core |
//! | [`progress`] | how far long work has got, reported without knowing how (or whether) it is shown |
//! | [`evidence`] | evidence collectors: SBOMs, attestations, scans, exports, git history, CI -> cited facts |
//! | [`bench`] | synthetic platform repos of any size for the benchmarks |
//! | [`scorecard`] | scorecards evaluated over facts (levels, weights, exemptions) and their markdown reports |

pub mod abspath;
pub mod apply;
pub mod audit;
pub mod bench;
pub mod cli;
pub mod daemon;
pub mod diag;
pub mod evidence;
pub mod forge;
pub mod gitcli;
pub mod library;
pub mod lock;
pub mod memory;
pub mod model;
pub mod observe;
pub mod ops;
pub mod par;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod provision;
pub mod render;
pub mod review;
pub mod scorecard;
pub mod source;
pub mod yaml;

/// The bytes of a file under `tests/fixtures/` (public documents kept in the repository; their sources and
/// licences are in its README.md), for the unit tests. A missing or unreadable fixture panics with its path.
#[cfg(test)]
pub(crate) fn test_fixture(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("test fixture {}: {e}", path.display()))
}
