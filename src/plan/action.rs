//! What a plan is made of: actions with stable ids ([`ActionId`], [`ActionKind`]) on bot-owned files
//! ([`PlannedAction`], [`FileChange`]), with the provisioning they carry ([`ProvisionOp`]), and on the forge
//! ([`ForgeAction`], [`ForgeWork`]). Values only: the planners in this module's siblings make them, executors in
//! `apply` carry them out.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// A stable action id: 16 hex digits of SHA-256 over kind, target and desired content. Kept inline, not as a
/// `String`: a plan has one per action, 126,000 at 50,000 services.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId([u8; 16]);

impl ActionId {
    pub fn new(kind: ActionKind, target: &str, content: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(kind.as_str().as_bytes());
        h.update([0]);
        h.update(target.as_bytes());
        h.update([0]);
        h.update(Sha256::digest(content));
        let mut digits = [0u8; 16];
        hex::encode_to_slice(&h.finalize()[..8], &mut digits).expect("8 bytes are 16 hex digits");
        ActionId(digits)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

impl std::fmt::Display for ActionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for ActionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ActionId({})", self.as_str())
    }
}

impl Serialize for ActionId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The closed set of things paved does. Later capabilities add variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ActionKind {
    /// Write a bot-owned status file.
    #[serde(rename = "status.write")]
    WriteStatus,
    /// Remove the status file of an entity that left the catalog.
    #[serde(rename = "status.delete")]
    DeleteStatus,
    /// Create or converge what a request asks for, then write its status.
    #[serde(rename = "request.provision")]
    Provision,
    /// Remove what a removed request had provisioned, then its status.
    #[serde(rename = "request.deprovision")]
    Deprovision,
    /// Create a service repo on the forge and render its paved path into it.
    #[serde(rename = "repo.scaffold")]
    ScaffoldRepo,
    /// Open or update the PR that moves a service repo to a newer version of its paved path.
    #[serde(rename = "path.migrate")]
    MigratePath,
    /// Write the page of a path version's rollout campaign.
    #[serde(rename = "campaign.write")]
    WriteCampaign,
    /// Write (or remove) a bot-owned scorecard report page, `scorecards/**/*.md`, computed from observed evidence.
    #[serde(rename = "scorecard.write")]
    WriteReport,
    /// Open or update the quarter's PR proposing deprecation of the sunset candidates (`ops::sunset`).
    #[serde(rename = "sunset.propose")]
    ProposeDeprecation,
    /// Open or update the platform repo's PR migrating requests to a module's new major version.
    #[serde(rename = "module.migrate")]
    MigrateModule,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::WriteStatus => "status.write",
            ActionKind::DeleteStatus => "status.delete",
            ActionKind::Provision => "request.provision",
            ActionKind::Deprovision => "request.deprovision",
            ActionKind::ScaffoldRepo => "repo.scaffold",
            ActionKind::MigratePath => "path.migrate",
            ActionKind::WriteCampaign => "campaign.write",
            ActionKind::WriteReport => "scorecard.write",
            ActionKind::ProposeDeprecation => "sunset.propose",
            ActionKind::MigrateModule => "module.migrate",
        }
    }
}

/// A change to one bot-owned file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum FileChange {
    Write {
        path: String,
        #[serde(skip)]
        before: Option<String>,
        #[serde(skip)]
        after: String,
    },
    Delete {
        path: String,
        #[serde(skip)]
        before: String,
    },
}

impl FileChange {
    pub fn path(&self) -> &str {
        match self {
            FileChange::Write { path, .. } | FileChange::Delete { path, .. } => path,
        }
    }

    /// Drop the file's texts, keeping whether it existed before (`before` becomes empty, not `None`): what a
    /// plan made with [`Texts::Dropped`] holds.
    pub(crate) fn drop_texts(&mut self) {
        match self {
            FileChange::Write { before, after, .. } => {
                if let Some(before) = before {
                    *before = String::new();
                }
                *after = String::new();
            }
            FileChange::Delete { before, .. } => *before = String::new(),
        }
    }
}

/// Whether a plan keeps the text of every file it writes, or only each action's id (which hashes the text).
///
/// A plan that is only shown (`paved plan` as text or JSON) needs no texts: at 50,000 services they are about
/// 126,000 status files and 80 MiB, a fifth of the plan's memory. A plan to apply, or to show as diffs, keeps
/// them. Action ids, kinds, targets and reasons are the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Texts {
    #[default]
    Kept,
    Dropped,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedAction {
    pub id: ActionId,
    pub kind: ActionKind,
    pub target: String,
    /// Borrowed when it says the same for every action of its kind ("new entity"): no copy per action.
    pub reason: Cow<'static, str>,
    /// The bot-owned file this action writes (for provisioning: the status it will have once applied).
    pub change: FileChange,
    /// For provisioning actions: what the executor must create or destroy first. Boxed: it is most of an
    /// action's size, and most actions (status writes) have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provision: Option<Box<ProvisionOp>>,
}

/// The provisioning half of a `request.provision` / `request.deprovision` action.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionOp {
    pub target: crate::provision::Target,
    /// The applied digest before this action: restored in the status if the action fails, so it is retried.
    #[serde(skip)]
    pub previous_applied: Option<String>,
}

/// An action on the forge rather than on a bot-owned file: a service repo to scaffold, or a migration PR to open
/// or update (on a service repo, or on the platform repo). Its audit record lands in the bot commit of the apply
/// that carries it out.
#[derive(Debug, Clone, Serialize)]
pub struct ForgeAction {
    pub id: ActionId,
    pub kind: ActionKind,
    /// The repo acted on, `owner/name`.
    pub target: String,
    /// What in the platform repo asks for it: a Component (`component:…`) or a module (`module:…`).
    pub entity: String,
    pub reason: String,
    pub work: ForgeWork,
}

/// What a [`ForgeAction`] does.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum ForgeWork {
    /// Create the repo, render the path into it, commit with the answers file.
    Scaffold { path: String, version: String, answers: serde_yaml::Mapping },
    /// Update the repo from `from` to `to` (through every version in `steps`) on branch `branch`, as one PR.
    Migrate { path: String, from: String, to: String, steps: Vec<String>, branch: String, existing_pr: Option<u64> },
    /// Rewrite request files for a module's new major version on `branch` of the platform repo, as one PR.
    MigrateModule { module: String, branch: String, title: String, body: String, files: Vec<Migrated> },
    /// Propose deprecating the quarter's sunset candidates on `branch` of the platform repo, as one PR: each of
    /// `manifests` gets `spec.deprecated: true`, edited from the default branch's text when the PR is made.
    ProposeDeprecation { quarter: String, branch: String, title: String, body: String, manifests: Vec<String> },
}

/// One request file rewritten for a module's current major version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Migrated {
    pub path: String,
    pub from: u64,
    pub to: u64,
    pub text: String,
    /// What changed, for the PR body.
    pub notes: Vec<String>,
}

/// What one forge action did, as its executor reports it.
#[derive(Debug, Clone, Serialize)]
pub struct ActionResult {
    pub id: String,
    pub kind: &'static str,
    pub target: String,
    /// `scaffolded`, `opened #n`, `updated #n`, `unchanged #n`; `None` on failure.
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codemod_failures: Vec<String>,
}
