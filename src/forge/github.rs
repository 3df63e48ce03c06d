//! The GitHub forge: the [`Forge`] trait over GitHub's REST API (github.com or a GitHub Enterprise Server base
//! URL), through octocrab for transport and authentication (a token, or a GitHub App installation whose tokens
//! octocrab mints and renews from the App's private key).
//!
//! The trait is synchronous; [`GitHubForge`] owns a small tokio runtime and blocks on it, so it can be called from
//! the CLI and from the daemon's blocking reconcile threads alike (never from inside an async task).
//!
//! # Guarantees
//! - Rate limits are honoured, never hammered: a 403 or 429 answer waits for `Retry-After`, or for
//!   `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, or (a secondary limit without headers) one minute,
//!   doubling; a wait longer than [`Limits::max_wait`] is not slept but returned as [`Error::RateLimited`]
//!   (transient: the daemon retries later). A success that reports `x-ratelimit-remaining: 0` holds every further
//!   request until the reset. Server errors (5xx) are retried a few times with backoff, then returned.
//! - One comment per PR and author, edited in place: paved's comment is found again by a hidden marker
//!   (`<!-- paved:comment:<author> -->`), so a restart or a second replica finds it and never posts another.
//!   Unchanged text is not rewritten.
//! - Opening a PR for a head that already has an open PR returns that PR.
//! - A merge names the head commit it was asked about, so a PR that moved meanwhile is not merged blind.
//!
//! # Assumptions
//! - Authorship on GitHub is the token's identity: the `author`, `by` and `reviewer` arguments of the trait only
//!   name paved's comment marker; GitHub records whoever the token (or App) is.
//! - Check runs can only be written with GitHub App authentication (GitHub's rule, not paved's).

use super::{
    Check, CheckConclusion, Comment, Deployment, DeploymentStatus, Error, Forge, Issue, NewPr, PrState, PullRequest,
    RepoInfo, Review, ReviewState, split_repo,
};
use octocrab::Octocrab;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use super::FileWrite;

/// How paved authenticates to GitHub. `Debug` never shows the secret parts.
#[derive(Clone)]
pub enum Auth {
    /// A personal access token or fine-grained token.
    Token(String),
    /// A GitHub App installation: the App id, its private key (PEM) and the installation to act as.
    App { app_id: u64, private_key_pem: Vec<u8>, installation_id: u64 },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Token(_) => f.write_str("Token(<redacted>)"),
            Auth::App { app_id, installation_id, .. } => f
                .debug_struct("App")
                .field("app_id", app_id)
                .field("installation_id", installation_id)
                .field("private_key_pem", &"<redacted>")
                .finish(),
        }
    }
}

/// How long paved is willing to wait on GitHub.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A rate-limit wait longer than this is returned as [`Error::RateLimited`] instead of slept.
    pub max_wait: Duration,
    /// Retries after a rate-limit answer or a server error.
    pub retries: u32,
    /// The first wait after a server error (doubling).
    pub server_error_backoff: Duration,
    /// The first wait after a secondary rate limit that names no time (GitHub asks for at least a minute).
    pub secondary_backoff: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_wait: Duration::from_secs(120),
            retries: 3,
            server_error_backoff: Duration::from_secs(1),
            secondary_backoff: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// `https://api.github.com`, or a GitHub Enterprise Server API root such as `https://ghe.example.com/api/v3`.
    pub base_url: String,
    /// The organisation (or user) whose repos [`Forge::list_repos`] lists.
    pub owner: Option<String>,
    pub auth: Auth,
    pub limits: Limits,
}

/// The GitHub forge. See the module documentation.
pub struct GitHubForge {
    runtime: tokio::runtime::Runtime,
    client: Octocrab,
    owner: Option<String>,
    limits: Limits,
    /// Set when GitHub said the quota is spent: no request goes out before this time.
    blocked_until: Mutex<Option<SystemTime>>,
}

impl std::fmt::Debug for GitHubForge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubForge").field("owner", &self.owner).finish_non_exhaustive()
    }
}

/// One HTTP answer, read whole.
struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Result<Value, Error> {
        serde_json::from_str(&self.body).map_err(|e| Error::Http(format!("GitHub answered with invalid JSON: {e}")))
    }
    fn message(&self) -> String {
        serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| self.body.chars().take(200).collect())
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Clone, Copy, Debug)]
enum Method {
    Get,
    Post,
    Patch,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
        }
    }
}

/// Everything but RFC 3986's unreserved characters: what a path segment or a query value must encode.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// The same, keeping `/`: a file path or a branch name as one path of segments.
const PATH: &AsciiSet = &SEGMENT.remove(b'/');

/// Percent-encode one path segment or query value (RFC 3986 unreserved characters stay; `/` kept when asked).
fn encode(text: &str, keep_slash: bool) -> String {
    utf8_percent_encode(text, if keep_slash { PATH } else { SEGMENT }).to_string()
}

fn api_error(method: Method, path: &str, reply: &Reply) -> Error {
    Error::Api { method: method.as_str(), path: path.to_owned(), status: reply.status, message: reply.message() }
}

/// The marker that finds paved's own comment again.
fn marker(author: &str) -> String {
    format!("<!-- paved:comment:{} -->", author.replace("--", "- -"))
}

/// GitHub caps check-run summaries and texts at 65,535 characters.
fn cap(text: &str) -> String {
    const MAX: usize = 65_535;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let note = "\n\n… (truncated)";
    let mut out: String = text.chars().take(MAX - note.chars().count()).collect();
    out.push_str(note);
    out
}

impl GitHubForge {
    /// Connect (lazily: nothing is sent until the first call).
    ///
    /// # Errors
    /// [`Error::Http`] for a base URL that does not parse, an App key that is not an RSA PEM, or a runtime that
    /// cannot start.
    pub fn new(config: GitHubConfig) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("paved-github")
            .enable_all()
            .build()
            .map_err(|e| Error::Http(format!("starting the GitHub client runtime: {e}")))?;
        let _inside = runtime.enter();
        let builder = Octocrab::builder()
            .base_uri(config.base_url.trim_end_matches('/'))
            .map_err(|e| Error::Http(format!("GitHub base URL `{}`: {e}", config.base_url)))?
            // paved's own loop below honours rate-limit headers; octocrab's immediate retries would hammer.
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)));
        let client = match &config.auth {
            Auth::Token(token) => builder.personal_token(token.clone()).build(),
            Auth::App { app_id, private_key_pem, installation_id } => {
                let key = octocrab::EncodingKey::from_rsa_pem(private_key_pem)
                    .map_err(|e| Error::Http(format!("GitHub App private key: {e}")))?;
                builder.app((*app_id).into(), key).build().and_then(|app| app.installation((*installation_id).into()))
            }
        }
        .map_err(|e| Error::Http(format!("building the GitHub client: {e}")))?;
        drop(_inside);
        Ok(GitHubForge { runtime, client, owner: config.owner, limits: config.limits, blocked_until: Mutex::new(None) })
    }

    /// Send one request, honouring rate limits and retrying server errors; any other answer is returned as is.
    fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply, Error> {
        self.runtime.block_on(self.call_async(method, path, body))
    }

    async fn call_async(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply, Error> {
        let mut attempt = 0u32;
        loop {
            self.wait_for_quota().await?;
            let sent = match method {
                Method::Get => self.client._get(path).await,
                Method::Post => self.client._post(path, body).await,
                Method::Patch => self.client._patch(path, body).await,
                Method::Put => self.client._put(path, body).await,
            };
            let response = match sent {
                Ok(r) => r,
                Err(e) if attempt < self.limits.retries => {
                    tracing::warn!(method = method.as_str(), path, error = %e, "GitHub unreachable; retrying");
                    tokio::time::sleep(self.limits.server_error_backoff * 2u32.pow(attempt)).await;
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(Error::Http(format!("{} {path}: {e}", method.as_str()))),
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = self
                .client
                .body_to_string(response)
                .await
                .map_err(|e| Error::Http(format!("{} {path}: reading the answer: {e}", method.as_str())))?;
            let reply = Reply { status, headers, body };
            self.note_quota(&reply);
            if let Some(wait) = self.rate_limit_wait(&reply, attempt) {
                if wait > self.limits.max_wait || attempt >= self.limits.retries {
                    return Err(Error::RateLimited { retry_after_s: wait.as_secs().max(1) });
                }
                tracing::warn!(
                    method = method.as_str(),
                    path,
                    wait_s = wait.as_secs_f64(),
                    "GitHub rate limit; waiting"
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            if status >= 500 && attempt < self.limits.retries {
                tracing::warn!(method = method.as_str(), path, status, "GitHub server error; retrying");
                tokio::time::sleep(self.limits.server_error_backoff * 2u32.pow(attempt)).await;
                attempt += 1;
                continue;
            }
            if status >= 500 {
                return Err(api_error(method, path, &reply));
            }
            return Ok(reply);
        }
    }

    /// How long to wait before trying again, when `reply` is a rate-limit answer.
    fn rate_limit_wait(&self, reply: &Reply, attempt: u32) -> Option<Duration> {
        if reply.status != 403 && reply.status != 429 {
            return None;
        }
        if let Some(secs) = reply.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some(Duration::from_secs(secs));
        }
        if reply.header("x-ratelimit-remaining") == Some("0") {
            let reset = reply.header("x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok())?;
            let until = UNIX_EPOCH + Duration::from_secs(reset);
            return Some(until.duration_since(SystemTime::now()).unwrap_or_default() + Duration::from_secs(1));
        }
        let secondary = reply.status == 429 || reply.message().to_ascii_lowercase().contains("secondary rate limit");
        secondary.then(|| self.limits.secondary_backoff * 2u32.pow(attempt.min(8)))
    }

    /// Remember an exhausted quota so no request goes out before it resets.
    fn note_quota(&self, reply: &Reply) {
        if reply.header("x-ratelimit-remaining") != Some("0") {
            return;
        }
        if let Some(reset) = reply.header("x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok()) {
            *self.blocked_until.lock().expect("no panics while the quota is locked") =
                Some(UNIX_EPOCH + Duration::from_secs(reset));
        }
    }

    async fn wait_for_quota(&self) -> Result<(), Error> {
        let until = *self.blocked_until.lock().expect("no panics while the quota is locked");
        let Some(until) = until else { return Ok(()) };
        let wait = until.duration_since(SystemTime::now()).unwrap_or_default();
        if wait > self.limits.max_wait {
            return Err(Error::RateLimited { retry_after_s: wait.as_secs().max(1) });
        }
        if !wait.is_zero() {
            tracing::info!(wait_s = wait.as_secs_f64(), "GitHub quota spent; waiting for the reset");
            tokio::time::sleep(wait).await;
        }
        *self.blocked_until.lock().expect("no panics while the quota is locked") = None;
        Ok(())
    }

    /// GET a JSON document; `None` on 404.
    fn get(&self, path: &str) -> Result<Option<Value>, Error> {
        let reply = self.call(Method::Get, path, None)?;
        match reply.status {
            200 => reply.json().map(Some),
            404 => Ok(None),
            _ => Err(api_error(Method::Get, path, &reply)),
        }
    }

    /// Send and expect success.
    fn send(&self, method: Method, path: &str, body: &Value) -> Result<Value, Error> {
        let reply = self.call(method, path, Some(body))?;
        if (200..300).contains(&reply.status) {
            if reply.body.trim().is_empty() { Ok(Value::Null) } else { reply.json() }
        } else {
            Err(api_error(method, path, &reply))
        }
    }

    /// Every item of a paginated list (`per_page=100`), up to 50 pages.
    fn get_all(&self, path: &str) -> Result<Option<Vec<Value>>, Error> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        for page in 1..=50 {
            let Some(v) = self.get(&format!("{path}{sep}per_page=100&page={page}"))? else {
                return Ok(None);
            };
            let items = v.as_array().cloned().unwrap_or_default();
            let n = items.len();
            all.extend(items);
            if n < 100 {
                break;
            }
        }
        Ok(Some(all))
    }

    fn repo_path(full_name: &str) -> Result<String, Error> {
        let (owner, name) = split_repo(full_name)?;
        Ok(format!("/repos/{}/{}", encode(owner, false), encode(name, false)))
    }

    /// Create `full_name` from the template repository `template` (`owner/name`): GitHub copies its files into
    /// one initial commit.
    ///
    /// # Errors
    /// [`Error::RepoExists`] when the name is taken; [`Error::NoSuchRepo`] when the template is missing.
    pub fn create_repo_from_template(&self, template: &str, full_name: &str) -> Result<RepoInfo, Error> {
        let (owner, name) = split_repo(full_name)?;
        let path = format!("{}/generate", Self::repo_path(template)?);
        let reply = self.call(Method::Post, &path, Some(&json!({ "owner": owner, "name": name, "private": true })))?;
        match reply.status {
            201 => repo_info(&reply.json()?),
            404 => Err(Error::NoSuchRepo(template.to_owned())),
            422 => Err(Error::RepoExists(full_name.to_owned())),
            _ => Err(api_error(Method::Post, &path, &reply)),
        }
    }

    fn comments(&self, repo: &str, number: u64) -> Result<Vec<Value>, Error> {
        let path = format!("{}/issues/{number}/comments", Self::repo_path(repo)?);
        self.get_all(&path)?.ok_or_else(|| Error::NoSuchPr { repo: repo.to_owned(), number })
    }

    fn check_runs(&self, repo: &str, sha: &str, name: Option<&str>) -> Result<Vec<Value>, Error> {
        let mut path = format!("{}/commits/{}/check-runs", Self::repo_path(repo)?, encode(sha, false));
        if let Some(name) = name {
            path.push_str(&format!("?check_name={}", encode(name, false)));
        }
        let v = self.get(&path)?.unwrap_or(Value::Null);
        Ok(v["check_runs"].as_array().cloned().unwrap_or_default())
    }

    /// The PR without its comments, reviews and checks.
    fn pr_only(&self, repo: &str, number: u64) -> Result<PullRequest, Error> {
        let path = format!("{}/pulls/{number}", Self::repo_path(repo)?);
        let v = self.get(&path)?.ok_or_else(|| Error::NoSuchPr { repo: repo.to_owned(), number })?;
        pull_request(repo, &v)
    }

    fn open_only(&self, repo: &str, number: u64) -> Result<PullRequest, Error> {
        let pr = self.pr_only(repo, number)?;
        if pr.state != PrState::Open {
            return Err(Error::NotOpen { repo: repo.to_owned(), number, state: pr.state });
        }
        Ok(pr)
    }
}

fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn repo_info(v: &Value) -> Result<RepoInfo, Error> {
    let full_name = v["full_name"].as_str().ok_or_else(|| Error::Http("repository without full_name".into()))?;
    Ok(RepoInfo {
        full_name: full_name.to_owned(),
        default_branch: v["default_branch"].as_str().unwrap_or("main").to_owned(),
        clone_url: s(v, "clone_url"),
    })
}

fn pull_request(repo: &str, v: &Value) -> Result<PullRequest, Error> {
    let number = v["number"].as_u64().ok_or_else(|| Error::Http("pull request without number".into()))?;
    let merged = v["merged"].as_bool().unwrap_or(false) || !v["merged_at"].is_null();
    let state = match (v["state"].as_str(), merged) {
        (_, true) => PrState::Merged,
        (Some("open"), _) => PrState::Open,
        _ => PrState::Closed,
    };
    Ok(PullRequest {
        number,
        repo: repo.to_owned(),
        title: s(v, "title"),
        body: s(v, "body"),
        head: s(&v["head"], "ref"),
        base: s(&v["base"], "ref"),
        state,
        author: s(&v["user"], "login"),
        head_commit: s(&v["head"], "sha"),
        merge_commit: if merged { v["merge_commit_sha"].as_str().map(str::to_owned) } else { None },
        created_at: s(v, "created_at"),
        updated_at: s(v, "updated_at"),
        labels: v["labels"].as_array().map_or_else(Vec::new, |l| l.iter().map(|l| s(l, "name")).collect()),
        comments: Vec::new(),
        reviews: Vec::new(),
        checks: Vec::new(),
    })
}

#[derive(Deserialize)]
struct ContentFile {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

fn comment(v: &Value, author: &str, mark: &str) -> Comment {
    Comment {
        id: v["id"].as_u64().unwrap_or_default(),
        author: author.to_owned(),
        body: s(v, "body").replace(&format!("\n\n{mark}"), "").replace(mark, ""),
        created_at: s(v, "created_at"),
        updated_at: s(v, "updated_at"),
    }
}

/// A field GitHub always sends; its absence means the answer is not what paved understands.
fn required<'a>(v: &'a Value, what: &str, key: &str) -> Result<&'a Value, Error> {
    match v.get(key) {
        Some(x) if !x.is_null() => Ok(x),
        _ => Err(Error::Http(format!("GitHub answered {what} without `{key}`"))),
    }
}

fn required_str(v: &Value, what: &str, key: &str) -> Result<String, Error> {
    required(v, what, key)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Http(format!("GitHub answered {what} whose `{key}` is not a string")))
}

fn required_u64(v: &Value, what: &str, key: &str) -> Result<u64, Error> {
    required(v, what, key)?
        .as_u64()
        .ok_or_else(|| Error::Http(format!("GitHub answered {what} whose `{key}` is not a number")))
}

fn deployment(v: &Value) -> Result<Deployment, Error> {
    Ok(Deployment {
        id: required_u64(v, "a deployment", "id")?,
        environment: required_str(v, "a deployment", "environment")?,
        sha: required_str(v, "a deployment", "sha")?,
        created_at: required_str(v, "a deployment", "created_at")?,
        statuses: Vec::new(),
    })
}

fn deployment_status(v: &Value) -> Result<DeploymentStatus, Error> {
    Ok(DeploymentStatus {
        state: required_str(v, "a deployment status", "state")?,
        created_at: required_str(v, "a deployment status", "created_at")?,
    })
}

fn issue(v: &Value) -> Result<Issue, Error> {
    Ok(Issue {
        number: required_u64(v, "an issue", "number")?,
        title: s(v, "title"),
        created_at: required_str(v, "an issue", "created_at")?,
        closed_at: v["closed_at"].as_str().map(str::to_owned),
        labels: v["labels"].as_array().map_or_else(Vec::new, |l| {
            // GitHub sends label objects; its schema also allows bare names.
            l.iter()
                .filter_map(|l| l.as_str().map(str::to_owned).or_else(|| l["name"].as_str().map(str::to_owned)))
                .collect()
        }),
    })
}

impl Forge for GitHubForge {
    fn list_repos(&self) -> Result<Vec<RepoInfo>, Error> {
        let owner = self
            .owner
            .as_deref()
            .ok_or_else(|| Error::Http("listing repos needs an owner (platform.yaml spec.repos.owner)".to_owned()))?;
        let owner = encode(owner, false);
        let repos = match self.get_all(&format!("/orgs/{owner}/repos?type=all"))? {
            Some(r) => r,
            // Not an organisation: a user's repos.
            None => self.get_all(&format!("/users/{owner}/repos"))?.unwrap_or_default(),
        };
        let mut out = repos.iter().map(repo_info).collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        Ok(out)
    }

    fn get_repo(&self, full_name: &str) -> Result<Option<RepoInfo>, Error> {
        self.get(&Self::repo_path(full_name)?)?.as_ref().map(repo_info).transpose()
    }

    fn create_repo(&self, full_name: &str, default_branch: &str) -> Result<RepoInfo, Error> {
        let (owner, name) = split_repo(full_name)?;
        let body = json!({ "name": name, "private": true, "auto_init": true });
        let path = format!("/orgs/{}/repos", encode(owner, false));
        let mut reply = self.call(Method::Post, &path, Some(&body))?;
        if reply.status == 404 {
            // `owner` is the authenticated user, not an organisation.
            reply = self.call(Method::Post, "/user/repos", Some(&body))?;
        }
        let info = match reply.status {
            201 => repo_info(&reply.json()?)?,
            422 => return Err(Error::RepoExists(full_name.to_owned())),
            _ => return Err(api_error(Method::Post, &path, &reply)),
        };
        if info.default_branch != default_branch {
            tracing::warn!(
                repo = full_name,
                wanted = default_branch,
                got = %info.default_branch,
                "GitHub created the repo with the organisation's default branch"
            );
        }
        Ok(info)
    }

    fn open_pr(&self, repo: &str, pr: NewPr) -> Result<PullRequest, Error> {
        let (owner, _) = split_repo(repo)?;
        let base_path = format!("{}/pulls", Self::repo_path(repo)?);
        let query = format!(
            "{base_path}?state=open&head={}&base={}",
            encode(&format!("{owner}:{}", pr.head), false),
            encode(&pr.base, false)
        );
        let existing = self.get_all(&query)?.ok_or_else(|| Error::NoSuchRepo(repo.to_owned()))?;
        if let Some(found) = existing.first() {
            return pull_request(repo, found);
        }
        let created = self.send(
            Method::Post,
            &base_path,
            &json!({ "title": pr.title, "head": pr.head, "base": pr.base, "body": pr.body }),
        )?;
        let mut opened = pull_request(repo, &created)?;
        if !pr.labels.is_empty() {
            let path = format!("{}/issues/{}/labels", Self::repo_path(repo)?, opened.number);
            self.send(Method::Post, &path, &json!({ "labels": pr.labels }))?;
            opened.labels = pr.labels;
        }
        Ok(opened)
    }

    fn update_pr(
        &self,
        repo: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
    ) -> Result<PullRequest, Error> {
        let current = self.pr_only(repo, number)?;
        let mut patch = serde_json::Map::new();
        if let Some(t) = title.filter(|t| *t != current.title) {
            patch.insert("title".into(), json!(t));
        }
        if let Some(b) = body.filter(|b| *b != current.body) {
            patch.insert("body".into(), json!(b));
        }
        if patch.is_empty() {
            return Ok(current);
        }
        let path = format!("{}/pulls/{number}", Self::repo_path(repo)?);
        pull_request(repo, &self.send(Method::Patch, &path, &Value::Object(patch))?)
    }

    fn get_pr(&self, repo: &str, number: u64) -> Result<PullRequest, Error> {
        let mut pr = self.pr_only(repo, number)?;
        pr.comments = self
            .comments(repo, number)?
            .iter()
            .map(|c| Comment {
                id: c["id"].as_u64().unwrap_or_default(),
                author: s(&c["user"], "login"),
                body: s(c, "body"),
                created_at: s(c, "created_at"),
                updated_at: s(c, "updated_at"),
            })
            .collect();
        let reviews_path = format!("{}/pulls/{number}/reviews", Self::repo_path(repo)?);
        pr.reviews = self
            .get_all(&reviews_path)?
            .unwrap_or_default()
            .iter()
            .filter_map(|r| {
                let state = match r["state"].as_str()? {
                    "APPROVED" => ReviewState::Approved,
                    "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
                    "COMMENTED" => ReviewState::Commented,
                    _ => return None, // PENDING, DISMISSED
                };
                Some(Review {
                    reviewer: s(&r["user"], "login"),
                    state,
                    body: s(r, "body"),
                    commit: s(r, "commit_id"),
                    submitted_at: s(r, "submitted_at"),
                })
            })
            .collect();
        pr.checks = self
            .check_runs(repo, &pr.head_commit, None)?
            .iter()
            .filter_map(|c| {
                let conclusion = match c["conclusion"].as_str()? {
                    "success" => CheckConclusion::Success,
                    "failure" | "timed_out" | "cancelled" | "startup_failure" => CheckConclusion::Failure,
                    "action_required" => CheckConclusion::ActionRequired,
                    _ => CheckConclusion::Neutral,
                };
                Some(Check {
                    name: s(c, "name"),
                    commit: s(c, "head_sha"),
                    conclusion,
                    summary: s(&c["output"], "summary"),
                    details: s(&c["output"], "text"),
                    updated_at: s(c, "completed_at"),
                })
            })
            .collect();
        Ok(pr)
    }

    fn list_prs(&self, repo: &str, state: Option<PrState>) -> Result<Vec<PullRequest>, Error> {
        let query = match state {
            Some(PrState::Open) => "open",
            Some(_) => "closed",
            None => "all",
        };
        let path = format!("{}/pulls?state={query}", Self::repo_path(repo)?);
        let all = self.get_all(&path)?.ok_or_else(|| Error::NoSuchRepo(repo.to_owned()))?;
        let mut prs = all.iter().map(|v| pull_request(repo, v)).collect::<Result<Vec<_>, _>>()?;
        prs.retain(|p| state.is_none_or(|s| p.state == s));
        prs.sort_by_key(|p| p.number);
        Ok(prs)
    }

    fn close_pr(&self, repo: &str, number: u64) -> Result<PullRequest, Error> {
        self.open_only(repo, number)?;
        let path = format!("{}/pulls/{number}", Self::repo_path(repo)?);
        pull_request(repo, &self.send(Method::Patch, &path, &json!({ "state": "closed" }))?)
    }

    fn merge_pr(&self, repo: &str, number: u64, by: &str) -> Result<PullRequest, Error> {
        let pr = self.open_only(repo, number)?;
        let path = format!("{}/pulls/{number}/merge", Self::repo_path(repo)?);
        let body = json!({
            "merge_method": "merge",
            // Merge only the head paved looked at: a PR that moved meanwhile answers 409.
            "sha": pr.head_commit,
            "commit_title": format!("Merge pull request #{number} from {}", pr.head),
        });
        let reply = self.call(Method::Put, &path, Some(&body))?;
        match reply.status {
            200 => {
                tracing::info!(repo, number, by, "merged");
                self.pr_only(repo, number)
            }
            405 | 409 | 422 => Err(Error::MergeConflict { repo: repo.to_owned(), number, reason: reply.message() }),
            404 => Err(Error::NoSuchPr { repo: repo.to_owned(), number }),
            _ => Err(api_error(Method::Put, &path, &reply)),
        }
    }

    fn review(
        &self,
        repo: &str,
        number: u64,
        _reviewer: &str,
        state: ReviewState,
        body: &str,
    ) -> Result<PullRequest, Error> {
        let pr = self.open_only(repo, number)?;
        let event = match state {
            ReviewState::Approved => "APPROVE",
            ReviewState::ChangesRequested => "REQUEST_CHANGES",
            ReviewState::Commented => "COMMENT",
        };
        let path = format!("{}/pulls/{number}/reviews", Self::repo_path(repo)?);
        self.send(Method::Post, &path, &json!({ "event": event, "body": body, "commit_id": pr.head_commit }))?;
        self.get_pr(repo, number)
    }

    fn upsert_comment(&self, repo: &str, number: u64, author: &str, body: &str) -> Result<Comment, Error> {
        let mark = marker(author);
        let full = format!("{body}\n\n{mark}");
        let existing = self.comments(repo, number)?;
        if let Some(found) = existing.iter().find(|c| c["body"].as_str().is_some_and(|b| b.contains(&mark))) {
            if found["body"].as_str() == Some(full.as_str()) {
                return Ok(comment(found, author, &mark));
            }
            let id = found["id"].as_u64().ok_or_else(|| Error::Http("comment without id".into()))?;
            let path = format!("{}/issues/comments/{id}", Self::repo_path(repo)?);
            return Ok(comment(&self.send(Method::Patch, &path, &json!({ "body": full }))?, author, &mark));
        }
        let path = format!("{}/issues/{number}/comments", Self::repo_path(repo)?);
        Ok(comment(&self.send(Method::Post, &path, &json!({ "body": full }))?, author, &mark))
    }

    fn set_check(&self, repo: &str, _number: u64, check: Check) -> Result<(), Error> {
        let conclusion = match check.conclusion {
            CheckConclusion::Success => "success",
            CheckConclusion::Failure => "failure",
            CheckConclusion::Neutral => "neutral",
            CheckConclusion::ActionRequired => "action_required",
        };
        let output = json!({ "title": check.name, "summary": cap(&check.summary), "text": cap(&check.details) });
        let existing = self.check_runs(repo, &check.commit, Some(&check.name))?;
        match existing.first().and_then(|c| c["id"].as_u64()) {
            Some(id) => {
                let path = format!("{}/check-runs/{id}", Self::repo_path(repo)?);
                let body =
                    json!({ "name": check.name, "status": "completed", "conclusion": conclusion, "output": output });
                self.send(Method::Patch, &path, &body)?;
            }
            None => {
                let path = format!("{}/check-runs", Self::repo_path(repo)?);
                let body = json!({
                    "name": check.name,
                    "head_sha": check.commit,
                    "status": "completed",
                    "conclusion": conclusion,
                    "output": output,
                });
                self.send(Method::Post, &path, &body)?;
            }
        }
        Ok(())
    }

    fn read_file(&self, repo: &str, git_ref: &str, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let url = format!("{}/contents/{}?ref={}", Self::repo_path(repo)?, encode(path, true), encode(git_ref, false));
        let Some(v) = self.get(&url)? else { return Ok(None) };
        if v.is_array() {
            return Ok(None); // a directory
        }
        let file: ContentFile =
            serde_json::from_value(v).map_err(|e| Error::Http(format!("contents of {path}: {e}")))?;
        if file.kind != "file" {
            return Ok(None);
        }
        match file.encoding.as_deref() {
            Some("base64") => {
                use base64::Engine as _;
                let text: String = file.content.unwrap_or_default().split_whitespace().collect();
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map(Some)
                    .map_err(|e| Error::Http(format!("contents of {path}: bad base64: {e}")))
            }
            other => Err(Error::Http(format!(
                "contents of {path}: encoding {other:?} (files over 1 MiB are not served inline)"
            ))),
        }
    }
    /// Through the Git Data API (blobs, a tree on top of the branch's tree, a commit,
    /// then a fast-forward of the ref): no clone and no push, and with GitHub App authentication GitHub shows the
    /// commit as verified. A missing `branch` is created from `from`. Returns the new commit, or `None` when the
    /// files already hold these contents (no empty commit is made).
    ///
    /// # Errors
    /// [`Error::RefMoved`] when someone else moved the branch meanwhile (nothing is overwritten; plan again);
    /// [`Error::NoSuchBranch`] when neither `branch` nor `from` exists.
    fn commit_files(
        &self,
        repo: &str,
        branch: &str,
        from: &str,
        files: &[FileWrite],
        message: &str,
    ) -> Result<Option<String>, Error> {
        let base = Self::repo_path(repo)?;
        let head_of = |b: &str| -> Result<Option<String>, Error> {
            let v = self.get(&format!("{base}/git/ref/heads/{}", encode(b, true)))?;
            Ok(v.and_then(|v| v["object"]["sha"].as_str().map(str::to_owned)))
        };
        let (parent, exists) = match head_of(branch)? {
            Some(sha) => (sha, true),
            None => {
                let sha = head_of(from)?
                    .ok_or_else(|| Error::NoSuchBranch { repo: repo.to_owned(), branch: from.to_owned() })?;
                (sha, false)
            }
        };
        // A commit SHA names its tree here; GitHub answers with the tree's own SHA.
        let parent_tree = self
            .get(&format!("{base}/git/trees/{parent}"))?
            .and_then(|t| t["sha"].as_str().map(str::to_owned))
            .ok_or_else(|| Error::Http(format!("{repo}: no tree for commit {parent}")))?;
        let mut entries = Vec::new();
        for f in files {
            match f {
                FileWrite::Put { path, content } => {
                    use base64::Engine as _;
                    let blob = self.send(
                        Method::Post,
                        &format!("{base}/git/blobs"),
                        &json!({ "content": base64::engine::general_purpose::STANDARD.encode(content), "encoding": "base64" }),
                    )?;
                    entries.push(json!({ "path": path, "mode": "100644", "type": "blob", "sha": blob["sha"] }));
                }
                FileWrite::Delete { path } => {
                    entries.push(json!({ "path": path, "mode": "100644", "type": "blob", "sha": null }));
                }
            }
        }
        let tree = self.send(
            Method::Post,
            &format!("{base}/git/trees"),
            &json!({ "base_tree": parent_tree, "tree": entries }),
        )?;
        let tree_sha = tree["sha"].as_str().ok_or_else(|| Error::Http("tree without sha".into()))?;
        if tree_sha == parent_tree && exists {
            return Ok(None);
        }
        let commit = self.send(
            Method::Post,
            &format!("{base}/git/commits"),
            &json!({ "message": message, "tree": tree_sha, "parents": [parent] }),
        )?;
        let sha = commit["sha"].as_str().ok_or_else(|| Error::Http("commit without sha".into()))?.to_owned();
        let moved = || Error::RefMoved { repo: repo.to_owned(), branch: branch.to_owned() };
        let reply = if exists {
            // Not forced: if the branch moved since `parent`, GitHub refuses (422) and nothing is lost.
            let path = format!("{base}/git/refs/heads/{}", encode(branch, true));
            self.call(Method::Patch, &path, Some(&json!({ "sha": sha, "force": false })))?
        } else {
            let body = json!({ "ref": format!("refs/heads/{branch}"), "sha": sha });
            self.call(Method::Post, &format!("{base}/git/refs"), Some(&body))?
        };
        match reply.status {
            200 | 201 => Ok(Some(sha)),
            409 | 422 => Err(moved()),
            _ => Err(api_error(if exists { Method::Patch } else { Method::Post }, &base, &reply)),
        }
    }

    fn list_deployments(&self, repo: &str, environment: Option<&str>) -> Result<Vec<Deployment>, Error> {
        let base = Self::repo_path(repo)?;
        let path = match environment {
            Some(env) => format!("{base}/deployments?environment={}", encode(env, false)),
            None => format!("{base}/deployments"),
        };
        let listed = self.get_all(&path)?.ok_or_else(|| Error::NoSuchRepo(repo.to_owned()))?;
        let mut out = Vec::new();
        for v in &listed {
            let mut d = deployment(v)?;
            let statuses = self.get_all(&format!("{base}/deployments/{}/statuses", d.id))?.unwrap_or_default();
            d.statuses = statuses.iter().map(deployment_status).collect::<Result<_, _>>()?;
            out.push(d);
        }
        out.sort_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)));
        Ok(out)
    }

    fn list_issues(&self, repo: &str, label: &str) -> Result<Vec<Issue>, Error> {
        let path = format!("{}/issues?labels={}&state=all", Self::repo_path(repo)?, encode(label, false));
        let listed = self.get_all(&path)?.ok_or_else(|| Error::NoSuchRepo(repo.to_owned()))?;
        // GitHub lists pull requests as issues too; they carry a `pull_request` key.
        let mut out =
            listed.iter().filter(|v| v.get("pull_request").is_none()).map(issue).collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|i| i.number);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug() {
        let t = format!("{:?}", Auth::Token("ghp_secret".into()));
        let a = format!("{:?}", Auth::App { app_id: 1, private_key_pem: b"KEY".to_vec(), installation_id: 2 });
        assert!(!t.contains("ghp_secret") && !a.contains("KEY"), "{t} {a}");
    }

    #[test]
    fn encoding_keeps_paths_readable_and_queries_safe() {
        assert_eq!(encode("catalog/org/users.yaml", true), "catalog/org/users.yaml");
        assert_eq!(encode("acme:paved/a b&c", false), "acme%3Apaved%2Fa%20b%26c");
        assert_eq!(encode("déjà-vu_1.0~x/y", true), "d%C3%A9j%C3%A0-vu_1.0~x/y", "UTF-8 bytes, upper-case hex");
    }

    #[test]
    fn long_check_texts_are_capped_to_githubs_limit() {
        let long = "x".repeat(70_000);
        let capped = cap(&long);
        assert_eq!(capped.chars().count(), 65_535);
        assert!(capped.ends_with("(truncated)"));
        assert_eq!(cap("short"), "short");
    }
}
