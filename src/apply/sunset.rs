//! The executor of the quarter's sunset PR ([`ForgeWork::ProposeDeprecation`](crate::plan::ForgeWork)): each
//! proposed manifest edited from the default branch's text, committed on the quarter's branch through the
//! [`Forge`] trait (no clone, no push), and the PR opened or updated.

use crate::forge::{FileWrite, Forge, NewPr, PrState};
use crate::plan::ForgeAction;
use crate::scorecard::sunset;
use anyhow::Context;

/// The fields of a [`crate::plan::ForgeWork::ProposeDeprecation`].
pub struct Proposal<'a> {
    pub quarter: &'a str,
    pub branch: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub manifests: &'a [String],
}

fn read_text(forge: &dyn Forge, repo: &str, git_ref: &str, path: &str) -> anyhow::Result<Option<String>> {
    let Some(bytes) = forge.read_file(repo, git_ref, path)? else { return Ok(None) };
    Ok(Some(String::from_utf8(bytes).with_context(|| format!("{path} on {git_ref} is not UTF-8"))?))
}

/// Open or update the quarter's PR; returns `opened #n`, `updated #n`, `unchanged #n`, or why nothing was done
/// (a PR a human closed, or that merged, since the plan).
pub fn open_or_update(action: &ForgeAction, p: &Proposal<'_>, forge: &dyn Forge) -> anyhow::Result<String> {
    let repo = &action.target;
    let info = forge.get_repo(repo)?.ok_or_else(|| anyhow::anyhow!("{repo} is not on the forge"))?;
    let ours: Vec<_> = forge.list_prs(repo, None)?.into_iter().filter(|pr| pr.head == p.branch).collect();
    // Checked again at apply: a human's "no" given since the plan holds for the whole quarter.
    if let Some(pr) = ours.iter().find(|pr| pr.state == PrState::Closed) {
        return Ok(format!("#{} was closed by a human: not reopened for {}", pr.number, p.quarter));
    }
    if let Some(pr) = ours.iter().find(|pr| pr.state == PrState::Merged) {
        return Ok(format!("#{} merged: {}'s review is done", pr.number, p.quarter));
    }
    let default = &info.default_branch;
    let mut writes = Vec::new();
    for path in p.manifests {
        let text = read_text(forge, repo, default, path)?
            .ok_or_else(|| anyhow::anyhow!("{path} is not on the default branch"))?;
        let edited = sunset::set_deprecated(path, &text, p.quarter).map_err(anyhow::Error::msg)?;
        writes.push(FileWrite::Put { path: path.clone(), content: edited.into_bytes() });
    }
    let open = ours.iter().find(|pr| pr.state == PrState::Open);
    // A manifest proposed earlier this quarter that is no longer a candidate goes back to the default branch's text.
    for path in open.map(|pr| sunset::proposed_manifests(&pr.body)).unwrap_or_default() {
        if !p.manifests.contains(&path) {
            writes.push(match forge.read_file(repo, default, &path)? {
                Some(content) => FileWrite::Put { path, content },
                None => FileWrite::Delete { path },
            });
        }
    }
    let message = format!("{}\n\nPaved-Action: {}\n", p.title, action.id);
    let committed = forge.commit_files(repo, p.branch, default, &writes, &message)?;
    match open {
        Some(pr) if committed.is_none() && pr.body == p.body && pr.title == p.title => {
            Ok(format!("unchanged #{}", pr.number))
        }
        Some(pr) => {
            forge.update_pr(repo, pr.number, Some(p.title), Some(p.body))?;
            Ok(format!("updated #{}", pr.number))
        }
        None => {
            let labels = vec!["paved".to_owned(), "paved:sunset".to_owned()];
            let new = NewPr {
                head: p.branch.to_owned(),
                base: default.clone(),
                title: p.title.to_owned(),
                body: p.body.to_owned(),
                author: "paved".into(),
                labels,
            };
            Ok(format!("opened #{}", forge.open_pr(repo, new)?.number))
        }
    }
}
