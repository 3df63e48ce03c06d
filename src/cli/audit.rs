//! `paved audit verify|accept-rewrite`: the audit log's hash chain, checked; a history rewrite accepted.

use super::args::{FormatArgs, Given, LockArgs, RepoArg, RevArgs, repo_options};
use super::exit::Failed;
use super::output::{Format, Printer};
use crate::ops;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Recompute the hash chain of audit/*.jsonl; exit 1 at the first edited, removed or reordered record.
    Verify {
        #[command(flatten)]
        repo: RepoArg,
        #[command(flatten)]
        rev: RevArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// After a history rewrite on purpose (a force-push that purged a leaked secret, say) dropped records paved had
    /// verified: record the loss in the chain, attributed to you, so writers go on from the new history.
    AcceptRewrite {
        /// Who accepts the loss (default: $USER); recorded in the audit log.
        #[arg(long = "by", default_value = "operator", env = "USER")]
        by: String,
        #[command(flatten)]
        repo: RepoArg,
        #[command(flatten)]
        lock: LockArgs,
    },
}

impl AuditCmd {
    pub fn format(&self) -> Format {
        match self {
            AuditCmd::Verify { format, .. } => format.format.into(),
            AuditCmd::AcceptRewrite { .. } => Format::Text,
        }
    }
}

/// Exit 1 at the first edited, removed or reordered record.
pub fn run(cmd: AuditCmd, p: &Printer) -> anyhow::Result<()> {
    match cmd {
        AuditCmd::Verify { repo, rev, .. } => {
            let given = Given { rev: Some(&rev), ..Given::default() };
            match ops::audit_verify::verify(&repo_options(&repo, given))? {
                Ok(v) => {
                    p.audit_ok(&v);
                    Ok(())
                }
                Err(broken) => {
                    p.audit_broken(&broken);
                    Err(Failed.into())
                }
            }
        }
        AuditCmd::AcceptRewrite { by, repo, lock } => {
            let options = repo_options(&repo, Given { lock: Some(&lock), ..Given::default() });
            let done = ops::audit_verify::accept_rewrite(&options, &by)?;
            p.line(&format!(
                "recorded the loss of audit records up to {} (verified at {:.12}) as record {}, in commit {:.12}; \
                 writers verify from here",
                done.lost.seq, done.lost.commit, done.seq, done.commit
            ));
            Ok(())
        }
    }
}
