//! What the service repos of paved-path components hold: whether the repo exists, its answers file
//! (`.paved/answers.yaml` on the default branch), and paved's migration pull requests. The planner reads only this
//! value, so it stays pure.

use crate::forge::{Forge, PrState};
use crate::model::{Model, annotations};
use crate::progress::Progress;
use crate::render::ANSWERS_FILE;
use std::collections::BTreeMap;

/// Branches of paved's migration PRs start with this.
pub const MIGRATION_BRANCH_PREFIX: &str = "paved/migrate/";

/// The hidden line of a migration PR's body naming the default-branch commit its branch was built on: a PR whose
/// base is still the default branch's head is current, so the planner leaves it alone.
pub const BASE_MARKER: &str = "<!-- paved:base ";

/// The base a migration PR's body records ([`BASE_MARKER`]).
pub fn recorded_base(body: &str) -> Option<&str> {
    body.lines().find_map(|l| l.strip_prefix(BASE_MARKER)?.strip_suffix(" -->"))
}

/// The label of a migration PR whose update left conflicts to resolve.
pub const CONFLICTS_LABEL: &str = "paved:conflicts";

/// One paved PR as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PavedPr {
    pub number: u64,
    pub head: String,
    pub state: PrState,
    /// The PR carries `paved:conflicts`.
    pub conflicted: bool,
    /// The default-branch commit the PR's branch was built on, as its body records it.
    pub base: Option<String>,
}

/// One service repo as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRepo {
    pub default_branch: String,
    /// The commit the default branch points at (`None`: an empty repo).
    pub default_head: Option<String>,
    /// The answers file's text; `None` when the repo has none. `Err` when it could not be read.
    pub answers: Result<Option<String>, AnswersError>,
    pub prs: Vec<PavedPr>,
}

/// Why a service repo's answers file could not be read.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswersError {
    #[error("{ANSWERS_FILE} is not UTF-8")]
    NotUtf8,
    /// The forge's error, as it words it: the observation is compared and cloned, the forge's error is neither.
    #[error("{0}")]
    Forge(String),
}

/// Written as its message: the observation digest hashes the `Debug` text of [`Services`], and a repo whose answers
/// did not read must digest as it did when the reason was a string.
impl std::fmt::Debug for AnswersError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.to_string(), f)
    }
}

/// Service repos by `owner/name`; `None` for a repo that does not exist on the forge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Services {
    pub repos: BTreeMap<String, Option<ServiceRepo>>,
    /// Repos the forge could not answer about, with why.
    pub errors: BTreeMap<String, String>,
}

/// Observe the repo of every component that follows a paved path, counting repos on `progress`.
pub fn observe_services(model: &Model, forge: &dyn Forge, progress: &dyn Progress) -> Services {
    let mut out = Services::default();
    let repos: Vec<&str> = model
        .catalog
        .of_kind("component")
        .filter(|(_, item)| item.entity.annotations.contains_key(annotations::PATH))
        .filter_map(|(_, item)| Model::repo_of(&item.entity))
        .collect();
    progress.phase("reading service repos", Some(repos.len() as u64));
    for repo in repos {
        match observe_one(forge, repo) {
            Ok(seen) => {
                out.repos.insert(repo.to_owned(), seen);
            }
            Err(err) => {
                out.errors.insert(repo.to_owned(), err.to_string());
            }
        }
        progress.step();
    }
    out
}

fn observe_one(forge: &dyn Forge, repo: &str) -> Result<Option<ServiceRepo>, crate::forge::Error> {
    let Some(info) = forge.get_repo(repo)? else { return Ok(None) };
    let answers = match forge.read_file(repo, &info.default_branch, ANSWERS_FILE) {
        Ok(Some(bytes)) => String::from_utf8(bytes).map(Some).map_err(|_| AnswersError::NotUtf8),
        Ok(None) => Ok(None),
        Err(e) => Err(AnswersError::Forge(e.to_string())),
    };
    let prs = forge
        .list_prs(repo, None)?
        .into_iter()
        .filter(|p| p.head.starts_with(MIGRATION_BRANCH_PREFIX))
        .map(|p| PavedPr {
            number: p.number,
            conflicted: p.labels.iter().any(|l| l == CONFLICTS_LABEL),
            base: recorded_base(&p.body).map(str::to_owned),
            head: p.head,
            state: p.state,
        })
        .collect();
    let default_head = forge.branch_head(repo, &info.default_branch)?;
    Ok(Some(ServiceRepo { default_branch: info.default_branch, default_head, answers, prs }))
}
