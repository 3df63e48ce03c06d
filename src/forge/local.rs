//! The local forge: the embedded default. Bare git repos under `<dir>/repos/<owner>/<name>.git`; pull request,
//! deployment and issue records as JSON under `<dir>/{pulls,deployments,issues}/<owner>/<name>/<number>.json`.
//!
//! It is a real forge, not a fake: PR branches are real branches of the bare repo, a merge is a real merge commit
//! made with `git merge-tree`, and records are written atomically (temp file + rename) under a per-repo lock, so
//! two paved processes never lose each other's writes.

use super::{
    Check, Comment, Deployment, DeploymentStatus, Error, FileWrite, Forge, Issue, NewPr, PrState, PullRequest,
    RepoInfo, ReviewState, split_repo,
};
use std::fs::File;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct LocalForge {
    dir: PathBuf,
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

impl LocalForge {
    /// A forge stored in `dir` (created on first write).
    /// The forge stored in `dir`. A relative `dir` is made absolute now: clone URLs are handed to `git -C`
    /// in other directories.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        LocalForge { dir: crate::abspath::absolute(&dir).unwrap_or(dir) }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bare repository of `full_name`.
    pub fn repo_path(&self, full_name: &str) -> Result<PathBuf, Error> {
        let (owner, name) = split_repo(full_name)?;
        Ok(self.dir.join("repos").join(owner).join(format!("{name}.git")))
    }

    fn pulls_dir(&self, full_name: &str) -> Result<PathBuf, Error> {
        self.records_dir("pulls", full_name)
    }

    /// Where records of one kind (`pulls`, `deployments`, `issues`) of a repo live.
    fn records_dir(&self, kind: &str, full_name: &str) -> Result<PathBuf, Error> {
        let (owner, name) = split_repo(full_name)?;
        Ok(self.dir.join(kind).join(owner).join(name))
    }

    fn existing_repo(&self, full_name: &str) -> Result<PathBuf, Error> {
        let path = self.repo_path(full_name)?;
        if path.join("HEAD").is_file() { Ok(path) } else { Err(Error::NoSuchRepo(full_name.to_owned())) }
    }

    /// Hold the repo's lock for the duration of `f`: PR numbering and record updates are read-modify-write.
    fn locked<T>(&self, full_name: &str, f: impl FnOnce(&Path) -> Result<T, Error>) -> Result<T, Error> {
        let dir = self.pulls_dir(full_name)?;
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let lock_path = dir.join(".lock");
        let lock = File::create(&lock_path).map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        let out = f(&dir);
        drop(lock);
        out
    }

    fn read_pr(dir: &Path, number: u64, repo: &str) -> Result<PullRequest, Error> {
        let path = dir.join(format!("{number}.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoSuchPr { repo: repo.to_owned(), number });
            }
            Err(e) => return Err(Error::Io { path, source: e }),
        };
        serde_json::from_str(&text).map_err(|e| Error::Corrupt { path, message: e.to_string() })
    }

    fn write_pr(dir: &Path, pr: &PullRequest) -> Result<(), Error> {
        write_record(dir, pr.number, pr)
    }

    fn all_prs(dir: &Path, repo: &str) -> Result<Vec<PullRequest>, Error> {
        record_numbers(dir)?.into_iter().map(|n| Self::read_pr(dir, n, repo)).collect()
    }

    /// Every record in `dir`, by number.
    fn all_records<T: serde::de::DeserializeOwned>(dir: &Path) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        for n in record_numbers(dir)? {
            let path = dir.join(format!("{n}.json"));
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            out.push(serde_json::from_str(&text).map_err(|e| Error::Corrupt { path, message: e.to_string() })?);
        }
        Ok(out)
    }

    /// Record a deployment of `sha` to `environment` that reached `state` at `at` (RFC 3339), as a deploy
    /// pipeline reports it. Returns the deployment, numbered per repo.
    ///
    /// # Errors
    /// [`Error::NoSuchRepo`]; [`Error::BadDeploymentState`] for a state GitHub does not know (it refuses it too).
    pub fn record_deployment(
        &self,
        repo: &str,
        environment: &str,
        sha: &str,
        state: &str,
        at: &str,
    ) -> Result<Deployment, Error> {
        self.existing_repo(repo)?;
        if !DEPLOYMENT_STATES.contains(&state) {
            return Err(Error::BadDeploymentState(state.to_owned()));
        }
        let dir = self.records_dir("deployments", repo)?;
        self.locked(repo, |_| {
            let id = record_numbers(&dir)?.last().copied().unwrap_or(0) + 1;
            let d = Deployment {
                id,
                environment: environment.to_owned(),
                sha: sha.to_owned(),
                created_at: at.to_owned(),
                statuses: vec![DeploymentStatus { state: state.to_owned(), created_at: at.to_owned() }],
            };
            write_record(&dir, id, &d)?;
            Ok(d)
        })
    }

    /// Open an issue labelled `labels` at `at` (RFC 3339).
    pub fn open_issue(&self, repo: &str, title: &str, labels: &[String], at: &str) -> Result<Issue, Error> {
        self.existing_repo(repo)?;
        let dir = self.records_dir("issues", repo)?;
        self.locked(repo, |_| {
            let number = record_numbers(&dir)?.last().copied().unwrap_or(0) + 1;
            let issue = Issue {
                number,
                title: title.to_owned(),
                created_at: at.to_owned(),
                closed_at: None,
                labels: labels.to_vec(),
            };
            write_record(&dir, number, &issue)?;
            Ok(issue)
        })
    }

    /// Close an issue at `at`; closing a closed issue keeps its first closing time.
    pub fn close_issue(&self, repo: &str, number: u64, at: &str) -> Result<Issue, Error> {
        self.existing_repo(repo)?;
        let dir = self.records_dir("issues", repo)?;
        self.locked(repo, |_| {
            let path = dir.join(format!("{number}.json"));
            let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::NoSuchIssue { repo: repo.to_owned(), number },
                _ => Error::Io { path: path.clone(), source: e },
            })?;
            let mut issue: Issue = serde_json::from_str(&text)
                .map_err(|e| Error::Corrupt { path: path.clone(), message: e.to_string() })?;
            issue.closed_at.get_or_insert_with(|| at.to_owned());
            write_record(&dir, number, &issue)?;
            Ok(issue)
        })
    }

    fn update<T>(
        &self,
        repo: &str,
        number: u64,
        f: impl FnOnce(&mut PullRequest) -> Result<T, Error>,
    ) -> Result<(PullRequest, T), Error> {
        self.locked(repo, |dir| {
            let mut pr = Self::read_pr(dir, number, repo)?;
            let out = f(&mut pr)?;
            Self::write_pr(dir, &pr)?;
            Ok((pr, out))
        })
    }

    /// The bare repo of `full_name`, opened in-process (reading refs and objects spawns no git process).
    fn open(&self, full_name: &str) -> Result<gix::Repository, Error> {
        let path = self.existing_repo(full_name)?;
        gix::open(&path).map_err(|e| Error::Git(format!("{}: {e}", path.display())))
    }

    fn branch_commit(&self, repo: &str, branch: &str) -> Result<String, Error> {
        super::tree::tip(&self.open(repo)?, branch)?
            .map(|id| id.to_string())
            .ok_or_else(|| Error::NoSuchBranch { repo: repo.to_owned(), branch: branch.to_owned() })
    }

    /// Refresh the recorded head commit of an open PR (the branch may have moved since).
    fn refresh_head(&self, pr: &mut PullRequest) {
        if pr.state == PrState::Open
            && let Ok(sha) = self.branch_commit(&pr.repo, &pr.head)
            && sha != pr.head_commit
        {
            pr.head_commit = sha;
            pr.updated_at = now();
        }
    }
}

/// The deployment states GitHub accepts.
pub const DEPLOYMENT_STATES: &[&str] = &["error", "failure", "inactive", "pending", "success", "queued", "in_progress"];

/// The numbers of the `<n>.json` records in `dir`, ascending (none when it does not exist).
fn record_numbers(dir: &Path) -> Result<Vec<u64>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::Io { path: dir.to_path_buf(), source: e }),
    };
    let mut out = Vec::new();
    for entry in entries {
        let name = entry.map_err(io(dir))?.file_name().to_string_lossy().into_owned();
        if let Some(n) = name.strip_suffix(".json").and_then(|n| n.parse::<u64>().ok()) {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn write_record(dir: &Path, number: u64, record: &impl serde::Serialize) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(record).expect("forge records always serialize") + "\n";
    write_atomic(&dir.join(format!("{number}.json")), text.as_bytes())
}

/// Run git in `dir` and return trimmed stdout.
pub(crate) fn git(dir: &Path, args: &[&str]) -> Result<String, Error> {
    Ok(crate::gitcli::git(dir, args)?)
}

/// Write a file so that readers see the old or the new content, never a mix.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let parent = path.parent().expect("record paths have a parent");
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let tmp =
        parent.join(format!(".{}.tmp{}", path.file_name().expect("file name").to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

impl Forge for LocalForge {
    fn list_repos(&self) -> Result<Vec<RepoInfo>, Error> {
        let root = self.dir.join("repos");
        let mut out = Vec::new();
        let owners = match std::fs::read_dir(&root) {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::Io { path: root, source: e }),
        };
        for owner in owners {
            let owner = owner.map_err(io(&root))?;
            let owner_path = owner.path();
            if !owner_path.is_dir() {
                continue;
            }
            for repo in std::fs::read_dir(&owner_path).map_err(io(&owner_path))? {
                let repo = repo.map_err(io(&owner_path))?;
                let name = repo.file_name().to_string_lossy().into_owned();
                if let Some(name) = name.strip_suffix(".git") {
                    let full = format!("{}/{}", owner.file_name().to_string_lossy(), name);
                    if let Some(info) = self.get_repo(&full)? {
                        out.push(info);
                    }
                }
            }
        }
        out.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        Ok(out)
    }

    fn get_repo(&self, full_name: &str) -> Result<Option<RepoInfo>, Error> {
        let path = self.repo_path(full_name)?;
        if !path.join("HEAD").is_file() {
            return Ok(None);
        }
        let head = std::fs::read_to_string(path.join("HEAD")).map_err(io(&path))?;
        let default_branch = head.trim().strip_prefix("ref: refs/heads/").unwrap_or("main").to_owned();
        Ok(Some(RepoInfo {
            full_name: full_name.to_owned(),
            default_branch,
            clone_url: path.to_string_lossy().into_owned(),
        }))
    }

    fn create_repo(&self, full_name: &str, default_branch: &str) -> Result<RepoInfo, Error> {
        let path = self.repo_path(full_name)?;
        if path.join("HEAD").is_file() {
            return Err(Error::RepoExists(full_name.to_owned()));
        }
        let parent = path.parent().expect("repo path has an owner dir");
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        // Create under a temporary name and rename, so a crash never leaves a half-made repo that looks real.
        let tmp = parent.join(format!(
            ".{}.creating{}",
            path.file_name().expect("name").to_string_lossy(),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&tmp);
        git(
            parent,
            &["init", "--quiet", "--bare", &format!("--initial-branch={default_branch}"), &tmp.to_string_lossy()],
        )?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        self.get_repo(full_name)?.ok_or_else(|| Error::NoSuchRepo(full_name.to_owned()))
    }

    fn open_pr(&self, repo: &str, new: NewPr) -> Result<PullRequest, Error> {
        self.existing_repo(repo)?;
        let head_commit = self.branch_commit(repo, &new.head)?;
        self.branch_commit(repo, &new.base)?;
        self.locked(repo, |dir| {
            let prs = Self::all_prs(dir, repo)?;
            if let Some(existing) =
                prs.iter().find(|p| p.state == PrState::Open && p.head == new.head && p.base == new.base)
            {
                return Ok(existing.clone());
            }
            let number = prs.iter().map(|p| p.number).max().unwrap_or(0) + 1;
            let at = now();
            let pr = PullRequest {
                number,
                repo: repo.to_owned(),
                title: new.title,
                body: new.body,
                head: new.head,
                base: new.base,
                state: PrState::Open,
                author: new.author,
                head_commit,
                merge_commit: None,
                created_at: at.clone(),
                updated_at: at,
                labels: new.labels,
                comments: Vec::new(),
                reviews: Vec::new(),
                checks: Vec::new(),
            };
            Self::write_pr(dir, &pr)?;
            Ok(pr)
        })
    }

    fn update_pr(
        &self,
        repo: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
    ) -> Result<PullRequest, Error> {
        self.update(repo, number, |pr| {
            let changed = title.is_some_and(|t| t != pr.title) || body.is_some_and(|b| b != pr.body);
            if let Some(t) = title {
                pr.title = t.to_owned();
            }
            if let Some(b) = body {
                pr.body = b.to_owned();
            }
            if changed {
                pr.updated_at = now();
            }
            Ok(())
        })
        .map(|(pr, ())| pr)
    }

    fn get_pr(&self, repo: &str, number: u64) -> Result<PullRequest, Error> {
        let dir = self.pulls_dir(repo)?;
        let mut pr = Self::read_pr(&dir, number, repo)?;
        self.refresh_head(&mut pr);
        Ok(pr)
    }

    fn list_prs(&self, repo: &str, state: Option<PrState>) -> Result<Vec<PullRequest>, Error> {
        let dir = self.pulls_dir(repo)?;
        let mut prs = Self::all_prs(&dir, repo)?;
        prs.retain(|p| state.is_none_or(|s| p.state == s));
        for pr in &mut prs {
            self.refresh_head(pr);
        }
        Ok(prs)
    }

    fn close_pr(&self, repo: &str, number: u64) -> Result<PullRequest, Error> {
        self.update(repo, number, |pr| {
            if pr.state != PrState::Open {
                return Err(Error::NotOpen { repo: repo.to_owned(), number, state: pr.state });
            }
            pr.state = PrState::Closed;
            pr.updated_at = now();
            Ok(())
        })
        .map(|(pr, ())| pr)
    }

    fn merge_pr(&self, repo: &str, number: u64, by: &str) -> Result<PullRequest, Error> {
        let path = self.existing_repo(repo)?;
        self.update(repo, number, |pr| {
            if pr.state != PrState::Open {
                return Err(Error::NotOpen { repo: repo.to_owned(), number, state: pr.state });
            }
            let base = self.branch_commit(repo, &pr.base)?;
            let head = self.branch_commit(repo, &pr.head)?;
            let tree = git(&path, &["merge-tree", "--write-tree", "--no-messages", &base, &head])
                .map_err(|e| Error::MergeConflict { repo: repo.to_owned(), number, reason: e.to_string() })?;
            let tree = tree.lines().next().unwrap_or_default().to_owned();
            let message = format!("Merge pull request #{number} from {}\n\n{}", pr.head, pr.title);
            let merge = crate::gitcli::Git::new(&path)
                .env("GIT_AUTHOR_NAME", by)
                .env("GIT_AUTHOR_EMAIL", format!("{by}@forge.local"))
                .env("GIT_COMMITTER_NAME", "local-forge")
                .env("GIT_COMMITTER_EMAIL", "forge@forge.local")
                .run(&["commit-tree", &tree, "-p", &base, "-p", &head, "-m", &message])?;
            // Compare-and-swap: if the base moved meanwhile, nothing is overwritten.
            git(&path, &["update-ref", &format!("refs/heads/{}", pr.base), &merge, &base])?;
            pr.state = PrState::Merged;
            pr.head_commit = head;
            pr.merge_commit = Some(merge);
            pr.updated_at = now();
            Ok(())
        })
        .map(|(pr, ())| pr)
    }

    fn review(
        &self,
        repo: &str,
        number: u64,
        reviewer: &str,
        state: ReviewState,
        body: &str,
    ) -> Result<PullRequest, Error> {
        let head = {
            let pr = self.get_pr(repo, number)?;
            if pr.state != PrState::Open {
                return Err(Error::NotOpen { repo: repo.to_owned(), number, state: pr.state });
            }
            pr.head_commit
        };
        self.update(repo, number, |pr| {
            pr.head_commit = head.clone();
            pr.reviews.push(super::Review {
                reviewer: reviewer.to_owned(),
                state,
                body: body.to_owned(),
                commit: head,
                submitted_at: now(),
            });
            pr.updated_at = now();
            Ok(())
        })
        .map(|(pr, ())| pr)
    }

    fn upsert_comment(&self, repo: &str, number: u64, author: &str, body: &str) -> Result<Comment, Error> {
        self.update(repo, number, |pr| {
            let at = now();
            if let Some(c) = pr.comments.iter_mut().find(|c| c.author == author) {
                if c.body != body {
                    c.body = body.to_owned();
                    c.updated_at = at;
                }
                return Ok(c.clone());
            }
            let id = pr.comments.iter().map(|c| c.id).max().unwrap_or(0) + 1;
            let c = Comment {
                id,
                author: author.to_owned(),
                body: body.to_owned(),
                created_at: at.clone(),
                updated_at: at,
            };
            pr.comments.push(c.clone());
            Ok(c)
        })
        .map(|(_, c)| c)
    }

    fn set_check(&self, repo: &str, number: u64, mut check: Check) -> Result<(), Error> {
        self.update(repo, number, |pr| {
            check.updated_at = now();
            match pr.checks.iter_mut().find(|c| c.name == check.name && c.commit == check.commit) {
                Some(existing) => {
                    if (&existing.conclusion, &existing.summary, &existing.details)
                        != (&check.conclusion, &check.summary, &check.details)
                    {
                        *existing = check;
                    }
                }
                None => pr.checks.push(check),
            }
            Ok(())
        })
        .map(|_| ())
    }

    fn read_file(&self, repo: &str, git_ref: &str, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let r = self.open(repo)?;
        let spec = format!("{git_ref}:{path}");
        let Ok(id) = r.rev_parse_single(spec.as_str()) else { return Ok(None) };
        let object = id.object().map_err(|e| Error::Git(e.to_string()))?;
        if object.kind != gix::object::Kind::Blob {
            return Ok(None);
        }
        Ok(Some(object.detach().data))
    }
    /// A change set on top of the branch (or of `from` when the branch is new), committed in-process through
    /// [`Forge::commit_tree`]: GitHub's contents-style commit, made of the same Git Data steps.
    fn commit_files(
        &self,
        repo: &str,
        branch: &str,
        from: &str,
        files: &[FileWrite],
        message: &str,
    ) -> Result<Option<String>, Error> {
        let base = match self.read_branch(repo, branch)? {
            Some(current) => current,
            None => self
                .read_branch(repo, from)?
                .ok_or_else(|| Error::NoSuchBranch { repo: repo.to_owned(), branch: from.to_owned() })?,
        };
        let mut next = base.files.clone();
        for f in files {
            match f {
                FileWrite::Put { path, content } => {
                    next.kept.remove(path);
                    next.files.insert(path.clone(), content.clone());
                }
                FileWrite::Delete { path } => {
                    next.files.remove(path);
                    next.executable.remove(path);
                    next.kept.remove(path);
                }
            }
        }
        let commit = super::NewCommit { branch, parent: Some(&base), files: &next, message, author: "paved" };
        self.commit_tree(repo, &commit)
    }

    fn list_deployments(&self, repo: &str, environment: Option<&str>) -> Result<Vec<Deployment>, Error> {
        self.existing_repo(repo)?;
        let mut all: Vec<Deployment> = Self::all_records(&self.records_dir("deployments", repo)?)?;
        all.retain(|d| environment.is_none_or(|e| d.environment == e));
        Ok(all)
    }

    fn list_issues(&self, repo: &str, label: &str) -> Result<Vec<Issue>, Error> {
        self.existing_repo(repo)?;
        let mut all: Vec<Issue> = Self::all_records(&self.records_dir("issues", repo)?)?;
        all.retain(|i| i.labels.iter().any(|l| l == label));
        Ok(all)
    }

    /// In-process: one ref read from the bare repo.
    fn branch_head(&self, repo: &str, branch: &str) -> Result<Option<String>, Error> {
        Ok(super::tree::tip(&self.open(repo)?, branch)?.map(|id| id.to_string()))
    }

    /// In-process: the branch's tree is read from the bare repo's object database.
    fn read_branch(&self, repo: &str, branch: &str) -> Result<Option<super::BranchFiles>, Error> {
        super::tree::read(&self.open(repo)?, branch)
    }

    /// In-process, as the Git Data API does it on GitHub: blobs, trees and the commit are written into the bare
    /// repo and the branch ref is moved compare-and-swap. No clone, no push, no git process.
    fn commit_tree(&self, repo: &str, commit: &super::NewCommit<'_>) -> Result<Option<String>, Error> {
        let r = self.open(repo)?;
        let prepared = super::tree::prepare(&r, commit)?;
        let Some(new) = prepared.new else { return Ok(None) };
        super::tree::move_branch(&r, repo, commit.branch, prepared.old, new)?;
        Ok(Some(new.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(forge: &LocalForge, repo: &str) -> PathBuf {
        let info = forge.create_repo(repo, "main").expect("create");
        let work = tempfile::tempdir().expect("tmp").keep();
        git(&work, &["init", "--quiet", "-b", "main"]).expect("init");
        std::fs::write(work.join("README.md"), "hello\n").expect("write");
        for args in [
            &["add", "."][..],
            &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init"],
            &["push", "--quiet", &info.clone_url, "main"],
            &["checkout", "--quiet", "-b", "feature"],
        ] {
            git(&work, args).expect("git");
        }
        std::fs::write(work.join("README.md"), "hello\nworld\n").expect("write");
        for args in [
            &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-am", "change"][..],
            &["push", "--quiet", &info.clone_url, "feature"],
        ] {
            git(&work, args).expect("git");
        }
        work
    }

    fn new_pr() -> NewPr {
        NewPr {
            head: "feature".into(),
            base: "main".into(),
            title: "t".into(),
            body: "b".into(),
            author: "dev".into(),
            labels: vec![],
        }
    }

    #[test]
    fn pr_lifecycle_is_real_git() {
        let dir = tempfile::tempdir().expect("tmp");
        let forge = LocalForge::new(dir.path());
        seeded(&forge, "acme/svc");
        assert_eq!(forge.list_repos().expect("list").len(), 1);
        let pr = forge.open_pr("acme/svc", new_pr()).expect("open");
        assert_eq!(pr.number, 1);
        // opening again for the same head returns the same PR
        assert_eq!(forge.open_pr("acme/svc", new_pr()).expect("reopen").number, 1);
        forge.upsert_comment("acme/svc", 1, "paved", "plan v1").expect("comment");
        forge.upsert_comment("acme/svc", 1, "paved", "plan v2").expect("comment");
        let pr = forge.review("acme/svc", 1, "alice", ReviewState::Approved, "lgtm").expect("review");
        assert_eq!(pr.approvers(), vec!["alice"]);
        let pr = forge.get_pr("acme/svc", 1).expect("get");
        assert_eq!(pr.comments.len(), 1, "one comment per author, edited in place");
        assert_eq!(pr.comments[0].body, "plan v2");
        let merged = forge.merge_pr("acme/svc", 1, "alice").expect("merge");
        assert_eq!(merged.state, PrState::Merged);
        let readme = forge.read_file("acme/svc", "main", "README.md").expect("read").expect("exists");
        assert_eq!(readme, b"hello\nworld\n");
        assert!(matches!(forge.close_pr("acme/svc", 1), Err(Error::NotOpen { .. })));
        assert_eq!(forge.read_file("acme/svc", "main", "nope").expect("read"), None);
    }
}
