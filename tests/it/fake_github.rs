//! A stand-in for GitHub's REST API (api.github.com, and GitHub Enterprise Server under `/api/v3`): the part of
//! it that paved's GitHub forge (`paved::forge::github`) calls, for tests, since GitHub itself is unreachable from
//! here.
//!
//! [`FakeGitHub`] is an axum server on loopback that keeps repos, pull requests, comments, reviews, check runs,
//! files and git objects (blobs, trees, commits, refs), deployments and issues in memory and answers with
//! GitHub's own shapes. Every object it serves starts from the matching example in GitHub's official OpenAPI
//! description (`tests/fixtures/github-openapi/api.github.com.subset.json`) with paved's values laid over it, and
//! every successful answer is checked against that description's response schema (required properties, types,
//! enums, nullability): a shape GitHub would not send fails the test ([`FakeGitHub::assert_shapes`]). It can also
//! be scripted to answer with rate-limit and server errors ([`FakeGitHub::fault`]), and it records every call so
//! tests can assert what was (not) sent ([`FakeGitHub::calls`]).

use paved::forge::github::{Auth, GitHubConfig, GitHubForge, Limits};
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

pub(crate) const TOKEN: &str = "ghp_test_token_for_the_fake";

/// GitHub's OpenAPI description (the subset paved calls).
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = crate::util::fixture("github-openapi/api.github.com.subset.json");
        serde_json::from_slice(&std::fs::read(&path).expect("the OpenAPI subset")).expect("OpenAPI JSON")
    })
}

fn example(name: &str) -> Value {
    let v = &spec()["components"]["examples"][name]["value"];
    assert!(!v.is_null(), "no example {name}");
    v.clone()
}

fn resolve(schema: &Value) -> &Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let mut node = spec();
            for part in r.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            resolve(node)
        }
        None => schema,
    }
}

/// Check `value` against an OpenAPI 3.0 schema: required properties, types, enums, nullability, items,
/// allOf/anyOf/oneOf. Problems are pushed with their JSON path.
fn check(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(schema);
    if value.is_null() {
        if schema["nullable"] != json!(true) && !schema.as_object().is_some_and(|o| o.is_empty()) {
            errors.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check(s, value, at, errors);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = schema[key].as_array() {
            let fits = alts.iter().any(|s| {
                let mut e = Vec::new();
                check(s, value, at, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{at}: fits none of {key}"));
            }
        }
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        errors.push(format!("{at}: {value} not in {values:?}"));
    }
    let ok = match schema["type"].as_str() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !ok {
        errors.push(format!("{at}: expected {}, got {value}", schema["type"]));
        return;
    }
    if let Some(obj) = value.as_object() {
        for req in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !obj.contains_key(req) {
                errors.push(format!("{at}: missing required `{req}`"));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, v) in obj {
                if let Some(s) = props.get(k) {
                    check(s, v, &format!("{at}.{k}"), errors);
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            check(items, v, &format!("{at}[{i}]"), errors);
        }
    }
}

/// Validate a served answer against the operation's response schema in GitHub's description.
fn validate(template: &str, method: &str, status: u16, body: &Value) -> Vec<String> {
    let op = &spec()["paths"][template][method];
    assert!(!op.is_null(), "the fake serves {method} {template}, which GitHub's description lacks");
    let response = resolve(&op["responses"][status.to_string()]);
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() {
        return vec![format!("{method} {template}: GitHub does not answer {status}")];
    }
    let mut errors = Vec::new();
    check(schema, body, &format!("{method} {template} {status}"), &mut errors);
    errors
}

/// A scripted answer served instead of the real one to the next call whose path starts with `path`.
struct Fault {
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

#[derive(Default)]
pub(crate) struct State {
    prefix: String,
    pub(crate) repos: BTreeMap<String, Value>,
    pulls: BTreeMap<(String, u64), Value>,
    pub(crate) comments: Vec<(String, u64, Value)>,
    reviews: Vec<(String, u64, Value)>,
    pub(crate) checks: Vec<(String, Value)>,
    pub(crate) files: BTreeMap<(String, String, String), Vec<u8>>,
    next_id: u64,
    calls: Vec<(String, Instant)>,
    faults: VecDeque<Fault>,
    schema_errors: Vec<String>,
    pub(crate) app_id: Option<u64>,
    pub(crate) installation_tokens: Vec<String>,
    /// Git objects: blobs by sha, trees as full path -> blob sha, commits as (tree, parents, message).
    blobs: BTreeMap<String, Vec<u8>>,
    trees: BTreeMap<String, BTreeMap<String, String>>,
    pub(crate) commits: BTreeMap<String, (String, Vec<String>, String)>,
    /// (repo, `heads/<branch>`) -> commit sha.
    pub(crate) refs: BTreeMap<(String, String), String>,
    /// Deployments by repo, their statuses by (repo, deployment id), and issues by repo (pull requests included,
    /// as GitHub lists them).
    deployments: Vec<(String, Value)>,
    deployment_statuses: Vec<(String, u64, Value)>,
    issues: Vec<(String, Value)>,
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn sha_of(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))[..40].to_owned()
}

impl State {
    fn tree_sha(files: &BTreeMap<String, String>) -> String {
        sha_of(&format!("tree {files:?}"))
    }

    /// A commit of `files` (path -> content) on `heads/<branch>` of `repo`, as a push would leave it.
    pub(crate) fn seed_commit(&mut self, repo: &str, branch: &str, files: &[(&str, &str)]) -> String {
        let mut tree = BTreeMap::new();
        for (path, content) in files {
            let sha = sha_of(&format!("blob {content}"));
            self.blobs.insert(sha.clone(), content.as_bytes().to_vec());
            tree.insert(path.to_string(), sha);
        }
        let tree_sha = Self::tree_sha(&tree);
        self.trees.insert(tree_sha.clone(), tree);
        let commit = sha_of(&format!("commit {tree_sha} seed"));
        self.commits.insert(commit.clone(), (tree_sha, vec![], "seed".into()));
        self.refs.insert((repo.to_owned(), format!("heads/{branch}")), commit.clone());
        commit
    }

    /// The files of the commit `branch` points at.
    pub(crate) fn files_at(&self, repo: &str, branch: &str) -> BTreeMap<String, String> {
        let commit = &self.refs[&(repo.to_owned(), format!("heads/{branch}"))];
        let tree = &self.trees[&self.commits[commit].0];
        tree.iter().map(|(p, b)| (p.clone(), String::from_utf8(self.blobs[b].clone()).expect("utf8"))).collect()
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn repo(&mut self, full_name: &str) -> Value {
        let (owner, name) = full_name.split_once('/').expect("owner/name");
        let mut r = example("full-repository-default-response");
        r["id"] = json!(self.id());
        r["name"] = json!(name);
        r["full_name"] = json!(full_name);
        r["owner"]["login"] = json!(owner);
        r["default_branch"] = json!("main");
        r["private"] = json!(true);
        r["clone_url"] = json!(format!("https://github.example/{full_name}.git"));
        // GitHub's own example omits `language`, which its schema requires (nullable); GitHub sends it.
        r["language"] = Value::Null;
        for nested in ["source", "parent", "template_repository"] {
            if r[nested].is_object() {
                r[nested]["language"] = Value::Null;
            }
        }
        r
    }

    /// A deployment of `sha` to `environment` created at `at`, with statuses `(state, at)`.
    pub(crate) fn deployment(
        &mut self,
        repo: &str,
        environment: &str,
        sha: &str,
        at: &str,
        statuses: &[(&str, &str)],
    ) -> u64 {
        let mut d = example("deployment-items")[0].clone();
        let id = self.id();
        d["id"] = json!(id);
        d["sha"] = json!(sha);
        d["environment"] = json!(environment);
        d["original_environment"] = json!(environment);
        d["created_at"] = json!(at);
        d["updated_at"] = json!(at);
        self.deployments.push((repo.to_owned(), d));
        for (state, at) in statuses {
            let mut st = example("deployment-status-items")[0].clone();
            st["id"] = json!(self.id());
            st["state"] = json!(state);
            st["environment"] = json!(environment);
            st["created_at"] = json!(at);
            st["updated_at"] = json!(at);
            self.deployment_statuses.push((repo.to_owned(), id, st));
        }
        id
    }

    /// An issue as GitHub's `GET /repos/{owner}/{repo}/issues` lists it. GitHub's Issue object has many more
    /// fields; these are the ones its documentation marks as always present that paved reads, plus `pull_request`
    /// on the entries that are pull requests.
    pub(crate) fn issue(
        &mut self,
        repo: &str,
        number: u64,
        labels: &[&str],
        created: &str,
        closed: Option<&str>,
        pr: bool,
    ) {
        let labels: Vec<Value> = labels.iter().map(|l| self.label(l)).collect();
        let mut i = json!({
            "id": self.id(),
            "number": number,
            "title": format!("issue {number}"),
            "state": if closed.is_some() { "closed" } else { "open" },
            "labels": labels,
            "user": { "login": "oncall" },
            "created_at": created,
            "updated_at": closed.unwrap_or(created),
            "closed_at": closed,
            "url": format!("https://api.github.com/repos/{repo}/issues/{number}"),
        });
        if pr {
            i["pull_request"] = json!({ "url": format!("https://api.github.com/repos/{repo}/pulls/{number}") });
        }
        self.issues.push((repo.to_owned(), i));
    }

    fn label(&mut self, name: &str) -> Value {
        let mut l = example("label-items")[0].clone();
        l["id"] = json!(self.id());
        l["name"] = json!(name);
        l
    }
}

/// The stand-in for GitHub (see the module documentation).
pub(crate) struct FakeGitHub {
    state: Arc<Mutex<State>>,
    pub(crate) base_url: String,
    _runtime: tokio::runtime::Runtime,
}

impl FakeGitHub {
    /// Serve under `prefix` (`""` for github.com's layout, `/api/v3` for GitHub Enterprise Server's).
    pub(crate) fn start(prefix: &str) -> FakeGitHub {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        let state = Arc::new(Mutex::new(State { prefix: prefix.to_owned(), ..State::default() }));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new().fallback(handle).with_state(state.clone());
        runtime.spawn(async move { axum::serve(listener, app).await.expect("fake GitHub serves") });
        FakeGitHub { state, base_url: format!("http://{addr}{prefix}"), _runtime: runtime }
    }

    pub(crate) fn forge(&self, limits: Limits) -> GitHubForge {
        GitHubForge::new(GitHubConfig {
            base_url: self.base_url.clone(),
            owner: Some("acme".into()),
            auth: Auth::Token(TOKEN.into()),
            limits,
        })
        .expect("forge")
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().expect("fake state"))
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.with(|s| s.calls.iter().map(|(c, _)| c.clone()).collect())
    }

    pub(crate) fn fault(&self, path: &str, status: u16, headers: &[(&str, String)], body: Value) {
        self.with(|s| {
            s.faults.push_back(Fault {
                path: path.to_owned(),
                status,
                headers: headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
                body,
            })
        });
    }

    pub(crate) fn assert_shapes(&self) {
        let errors = self.with(|s| s.schema_errors.clone());
        assert!(errors.is_empty(), "served shapes GitHub would not send:\n{}", errors.join("\n"));
    }
}

type Reply = (u16, Vec<(String, String)>, Value);

async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<Mutex<State>>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let (status, extra, json) = {
        let mut st = state.lock().expect("fake state");
        serve(&mut st, method.as_str(), &uri, &headers, &body)
    };
    let mut response = axum::response::Response::builder().status(status).header("content-type", "application/json");
    for (k, v) in extra {
        response = response.header(k, v);
    }
    response.body(axum::body::Body::from(json.to_string())).expect("response")
}

fn serve(st: &mut State, method: &str, uri: &axum::http::Uri, headers: &axum::http::HeaderMap, body: &[u8]) -> Reply {
    let path = uri.path().to_owned();
    st.calls.push((format!("{method} {}", uri.path_and_query().map_or(path.as_str(), |p| p.as_str())), Instant::now()));
    let Some(rest) = path.strip_prefix(&st.prefix) else {
        return (404, vec![], json!({ "message": "Not Found" }));
    };
    if let Some(i) = st.faults.iter().position(|f| rest.starts_with(&f.path)) {
        let f = st.faults.remove(i).expect("fault");
        return (f.status, f.headers, f.body);
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let bearer = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("token ")).unwrap_or_default();
    let segs: Vec<String> = rest.trim_start_matches('/').split('/').map(percent_decode).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let query: BTreeMap<String, String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect();
    let input: Value = if body.is_empty() { Value::Null } else { serde_json::from_slice(body).expect("JSON body") };

    // GitHub App: a JWT signed by the App's key buys an installation token.
    if let (Some(app_id), ["app", "installations", _, "access_tokens"]) = (st.app_id, segs.as_slice()) {
        let claims = bearer.split('.').nth(1).map(|p| {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).expect("JWT base64");
            serde_json::from_slice::<Value>(&bytes).expect("JWT claims")
        });
        let iss = claims.as_ref().map(|c| c["iss"].to_string().trim_matches('"').to_owned());
        if iss.as_deref() != Some(app_id.to_string().as_str()) {
            return (401, vec![], json!({ "message": "A JSON web token could not be decoded" }));
        }
        let token = format!("ghs_installation_{}", st.installation_tokens.len() + 1);
        st.installation_tokens.push(token.clone());
        let mut t = example("installation-token");
        t["token"] = json!(token);
        t["expires_at"] =
            json!((chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string());
        return reply(st, "/app/installations/{installation_id}/access_tokens", "post", 201, t);
    }
    if bearer != TOKEN && !st.installation_tokens.iter().any(|t| t == bearer) {
        return (401, vec![], json!({ "message": "Bad credentials" }));
    }

    match (method, segs.as_slice()) {
        ("GET", ["orgs", org, "repos"]) => {
            let per_page: usize = query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(30);
            let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
            let all: Vec<Value> = st.repos.values().filter(|r| r["owner"]["login"] == json!(org)).cloned().collect();
            let items: Vec<Value> = all.into_iter().skip((page - 1) * per_page).take(per_page).collect();
            reply(st, "/orgs/{org}/repos", "get", 200, Value::Array(items))
        }
        ("POST", ["orgs", org, "repos"]) => {
            let full = format!("{org}/{}", input["name"].as_str().expect("name"));
            if st.repos.contains_key(&full) {
                return (
                    422,
                    vec![],
                    json!({ "message": "Repository creation failed.", "errors": [{"message": "name already exists on this account"}] }),
                );
            }
            let r = st.repo(&full);
            st.repos.insert(full, r.clone());
            reply(st, "/orgs/{org}/repos", "post", 201, r)
        }
        ("POST", ["repos", t_owner, t_repo, "generate"]) => {
            if !st.repos.contains_key(&format!("{t_owner}/{t_repo}")) {
                return (404, vec![], json!({ "message": "Not Found" }));
            }
            let full = format!("{}/{}", input["owner"].as_str().expect("owner"), input["name"].as_str().expect("name"));
            if st.repos.contains_key(&full) {
                return (422, vec![], json!({ "message": "name already exists" }));
            }
            let r = st.repo(&full);
            st.repos.insert(full, r.clone());
            reply(st, "/repos/{template_owner}/{template_repo}/generate", "post", 201, r)
        }
        (_, ["repos", owner, name, tail @ ..]) => {
            let full = format!("{owner}/{name}");
            if !st.repos.contains_key(&full) {
                return (404, vec![], json!({ "message": "Not Found" }));
            }
            repo_route(st, method, &full, tail, &query, &input)
        }
        _ => (404, vec![], json!({ "message": "Not Found" })),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf8")
}

fn reply(st: &mut State, template: &str, method: &str, status: u16, body: Value) -> Reply {
    st.schema_errors.extend(validate(template, method, status, &body));
    (status, vec![("x-ratelimit-remaining".into(), "4999".into())], body)
}

/// GitHub's description in `tests/fixtures` lacks `GET /repos/{owner}/{repo}/issues`, so its answers cannot be
/// schema-checked; [`State::issue`] builds them from GitHub's documented Issue fields instead.
fn reply_unchecked(body: Value) -> Reply {
    (200, vec![("x-ratelimit-remaining".into(), "4999".into())], body)
}

/// The first page holds everything (the fake never has 100 items); later pages are empty, as GitHub's are.
fn first_page(query: &BTreeMap<String, String>, items: Vec<Value>) -> Value {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    Value::Array(if page == 1 { items } else { Vec::new() })
}

fn pr_number(s: &str) -> u64 {
    s.parse().expect("number")
}

fn repo_route(
    st: &mut State,
    method: &str,
    repo: &str,
    tail: &[&str],
    query: &BTreeMap<String, String>,
    input: &Value,
) -> Reply {
    let not_found = (404, vec![], json!({ "message": "Not Found" }));
    match (method, tail) {
        ("GET", []) => {
            let r = st.repos[repo].clone();
            reply(st, "/repos/{owner}/{repo}", "get", 200, r)
        }
        ("GET", ["deployments"]) => {
            let items: Vec<Value> = st
                .deployments
                .iter()
                .filter(|(r, d)| r == repo && query.get("environment").is_none_or(|e| d["environment"] == json!(e)))
                .map(|(_, d)| d.clone())
                .rev() // newest first, as GitHub lists them
                .collect();
            let body = first_page(query, items);
            reply(st, "/repos/{owner}/{repo}/deployments", "get", 200, body)
        }
        ("GET", ["deployments", id, "statuses"]) => {
            let id: u64 = id.parse().expect("deployment id");
            if !st.deployments.iter().any(|(r, d)| r == repo && d["id"] == json!(id)) {
                return not_found;
            }
            let items: Vec<Value> = st
                .deployment_statuses
                .iter()
                .filter(|(r, d, _)| r == repo && *d == id)
                .map(|(_, _, s)| s.clone())
                .rev()
                .collect();
            let body = first_page(query, items);
            reply(st, "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "get", 200, body)
        }
        ("GET", ["issues"]) => {
            let state = query.get("state").map_or("open", String::as_str);
            let wanted: Vec<&str> = query.get("labels").map_or(vec![], |l| l.split(',').collect());
            let items: Vec<Value> = st
                .issues
                .iter()
                .filter(|(r, i)| r == repo && (state == "all" || i["state"] == json!(state)))
                .filter(|(_, i)| {
                    let names: Vec<&str> =
                        i["labels"].as_array().expect("labels").iter().filter_map(|l| l["name"].as_str()).collect();
                    wanted.iter().all(|w| names.contains(w))
                })
                .map(|(_, i)| i.clone())
                .collect();
            reply_unchecked(first_page(query, items))
        }
        ("GET", ["pulls"]) => {
            let state = query.get("state").map_or("open", String::as_str);
            let items: Vec<Value> = st
                .pulls
                .iter()
                .filter(|((r, _), p)| r == repo && (state == "all" || p["state"] == json!(state)))
                .filter(|(_, p)| query.get("head").is_none_or(|h| p["head"]["label"] == json!(h)))
                .filter(|(_, p)| query.get("base").is_none_or(|b| p["base"]["ref"] == json!(b)))
                .map(|(_, p)| p.clone())
                .collect();
            reply(st, "/repos/{owner}/{repo}/pulls", "get", 200, Value::Array(items))
        }
        ("POST", ["pulls"]) => {
            let number = st.pulls.keys().filter(|(r, _)| r == repo).count() as u64 + 1;
            let owner = repo.split('/').next().expect("owner");
            let head = input["head"].as_str().expect("head");
            let mut p = example("pull-request");
            p["id"] = json!(st.id());
            p["number"] = json!(number);
            p["state"] = json!("open");
            p["title"] = input["title"].clone();
            p["body"] = input["body"].clone();
            p["user"]["login"] = json!("paved-bot");
            p["head"]["ref"] = json!(head);
            p["head"]["label"] = json!(format!("{owner}:{head}"));
            p["head"]["sha"] = json!(sha_of(head));
            p["base"]["ref"] = input["base"].clone();
            p["labels"] = json!([]);
            // GitHub's example lists a requested team without fields its schema requires; paved requests none.
            p["requested_teams"] = json!([]);
            p["merged"] = json!(false);
            p["merged_at"] = Value::Null;
            p["closed_at"] = Value::Null;
            p["created_at"] = json!(now());
            p["updated_at"] = json!(now());
            st.pulls.insert((repo.to_owned(), number), p.clone());
            reply(st, "/repos/{owner}/{repo}/pulls", "post", 201, p)
        }
        (_, ["pulls", n, rest @ ..]) => {
            let key = (repo.to_owned(), pr_number(n));
            let Some(mut p) = st.pulls.get(&key).cloned() else { return not_found };
            match (method, rest) {
                ("GET", []) => reply(st, "/repos/{owner}/{repo}/pulls/{pull_number}", "get", 200, p),
                ("PATCH", []) => {
                    for k in ["title", "body", "state"] {
                        if !input[k].is_null() {
                            p[k] = input[k].clone();
                        }
                    }
                    if input["state"] == json!("closed") {
                        p["closed_at"] = json!(now());
                    }
                    p["updated_at"] = json!(now());
                    st.pulls.insert(key, p.clone());
                    reply(st, "/repos/{owner}/{repo}/pulls/{pull_number}", "patch", 200, p)
                }
                ("PUT", ["merge"]) => {
                    if p["state"] != json!("open") {
                        return (405, vec![], json!({ "message": "Pull Request is not mergeable" }));
                    }
                    if input["sha"] != p["head"]["sha"] {
                        return (
                            409,
                            vec![],
                            json!({ "message": "Head branch was modified. Review and try the merge again." }),
                        );
                    }
                    let sha = sha_of(&format!("merge {}", key.1));
                    p["state"] = json!("closed");
                    p["merged"] = json!(true);
                    p["merged_at"] = json!(now());
                    p["closed_at"] = json!(now());
                    p["merge_commit_sha"] = json!(sha);
                    st.pulls.insert(key, p);
                    let mut m = example("pull-request-merge-result-response-if-merge-was-successful");
                    m["sha"] = json!(sha);
                    reply(st, "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "put", 200, m)
                }
                ("GET", ["reviews"]) => {
                    let items: Vec<Value> =
                        st.reviews.iter().filter(|(r, n, _)| *r == key.0 && *n == key.1).map(|r| r.2.clone()).collect();
                    reply(st, "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get", 200, Value::Array(items))
                }
                ("POST", ["reviews"]) => {
                    // Not in the description subset (paved's tests approve through it; the shape is the same item).
                    let mut r = example("pull-request-review-items")[0].clone();
                    r["id"] = json!(st.id());
                    r["user"]["login"] = json!("reviewer-bot");
                    r["state"] = json!(match input["event"].as_str() {
                        Some("APPROVE") => "APPROVED",
                        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
                        _ => "COMMENTED",
                    });
                    r["body"] = input["body"].clone();
                    r["commit_id"] = input["commit_id"].clone();
                    r["submitted_at"] = json!(now());
                    st.reviews.push((key.0, key.1, r.clone()));
                    (200, vec![], r)
                }
                _ => not_found,
            }
        }
        ("GET", ["issues", n, "comments"]) => {
            let n = pr_number(n);
            let items: Vec<Value> =
                st.comments.iter().filter(|(r, i, _)| r == repo && *i == n).map(|c| c.2.clone()).collect();
            reply(st, "/repos/{owner}/{repo}/issues/{issue_number}/comments", "get", 200, Value::Array(items))
        }
        ("POST", ["issues", n, "comments"]) => {
            let mut c = example("issue-comment");
            c["id"] = json!(st.id());
            c["body"] = input["body"].clone();
            c["user"]["login"] = json!("paved-bot");
            c["created_at"] = json!(now());
            c["updated_at"] = json!(now());
            st.comments.push((repo.to_owned(), pr_number(n), c.clone()));
            reply(st, "/repos/{owner}/{repo}/issues/{issue_number}/comments", "post", 201, c)
        }
        ("PATCH", ["issues", "comments", id]) => {
            let id = pr_number(id);
            let Some(c) = st.comments.iter_mut().find(|c| c.2["id"] == json!(id)) else { return not_found };
            c.2["body"] = input["body"].clone();
            c.2["updated_at"] = json!(now());
            let c = c.2.clone();
            reply(st, "/repos/{owner}/{repo}/issues/comments/{comment_id}", "patch", 200, c)
        }
        ("POST", ["issues", n, "labels"]) => {
            let key = (repo.to_owned(), pr_number(n));
            let names: Vec<String> = input["labels"]
                .as_array()
                .expect("labels")
                .iter()
                .map(|l| l.as_str().expect("name").to_owned())
                .collect();
            let labels: Vec<Value> = names.iter().map(|n| st.label(n)).collect();
            if let Some(p) = st.pulls.get_mut(&key) {
                p["labels"] = Value::Array(labels.clone());
            }
            reply(st, "/repos/{owner}/{repo}/issues/{issue_number}/labels", "post", 200, Value::Array(labels))
        }
        ("GET", ["commits", sha, "check-runs"]) => {
            let runs: Vec<Value> = st
                .checks
                .iter()
                .filter(|(r, c)| r == repo && c["head_sha"] == json!(sha))
                .filter(|(_, c)| query.get("check_name").is_none_or(|n| c["name"] == json!(n)))
                .map(|c| c.1.clone())
                .collect();
            let body = json!({ "total_count": runs.len(), "check_runs": runs });
            reply(st, "/repos/{owner}/{repo}/commits/{ref}/check-runs", "get", 200, body)
        }
        ("POST", ["check-runs"]) => {
            let mut c = example("check-run");
            c["id"] = json!(st.id());
            for k in ["name", "head_sha", "status", "conclusion"] {
                c[k] = input[k].clone();
            }
            for k in ["title", "summary", "text"] {
                c["output"][k] = input["output"][k].clone();
            }
            c["completed_at"] = json!(now());
            st.checks.push((repo.to_owned(), c.clone()));
            reply(st, "/repos/{owner}/{repo}/check-runs", "post", 201, c)
        }
        ("PATCH", ["check-runs", id]) => {
            let id = pr_number(id);
            let Some(c) = st.checks.iter_mut().find(|c| c.1["id"] == json!(id)) else { return not_found };
            for k in ["name", "status", "conclusion"] {
                if !input[k].is_null() {
                    c.1[k] = input[k].clone();
                }
            }
            for k in ["title", "summary", "text"] {
                if !input["output"][k].is_null() {
                    c.1["output"][k] = input["output"][k].clone();
                }
            }
            let c = c.1.clone();
            reply(st, "/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch", 200, c)
        }
        ("GET", ["git", "ref", name @ ..]) => {
            let name = name.join("/");
            let Some(sha) = st.refs.get(&(repo.to_owned(), name.clone())).cloned() else { return not_found };
            let mut r = example("git-ref");
            r["ref"] = json!(format!("refs/{name}"));
            r["object"]["sha"] = json!(sha);
            reply(st, "/repos/{owner}/{repo}/git/ref/{ref}", "get", 200, r)
        }
        ("GET", ["git", "trees", sha]) => {
            let tree_sha = st.commits.get(*sha).map_or_else(|| sha.to_string(), |c| c.0.clone());
            let Some(tree) = st.trees.get(&tree_sha).cloned() else { return not_found };
            let mut t = example("git-tree-default-response");
            let template = t["tree"][0].clone();
            t["sha"] = json!(tree_sha);
            t["truncated"] = json!(false);
            t["tree"] = Value::Array(
                tree.iter()
                    .map(|(path, blob)| {
                        let mut e = template.clone();
                        e["path"] = json!(path);
                        e["sha"] = json!(blob);
                        e["size"] = json!(st.blobs[blob].len());
                        e
                    })
                    .collect(),
            );
            reply(st, "/repos/{owner}/{repo}/git/trees/{tree_sha}", "get", 200, t)
        }
        ("POST", ["git", "blobs"]) => {
            use base64::Engine as _;
            assert_eq!(input["encoding"], json!("base64"));
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(input["content"].as_str().expect("content"))
                .expect("base64");
            let sha = sha_of(&format!("blob {}", String::from_utf8_lossy(&bytes)));
            st.blobs.insert(sha.clone(), bytes);
            let mut b = example("short-blob");
            b["sha"] = json!(sha);
            reply(st, "/repos/{owner}/{repo}/git/blobs", "post", 201, b)
        }
        ("POST", ["git", "trees"]) => {
            let mut files = st.trees.get(input["base_tree"].as_str().expect("base_tree")).cloned().expect("base tree");
            for e in input["tree"].as_array().expect("entries") {
                let path = e["path"].as_str().expect("path").to_owned();
                match e["sha"].as_str() {
                    Some(sha) => files.insert(path, sha.to_owned()),
                    None => files.remove(&path),
                };
            }
            let sha = State::tree_sha(&files);
            st.trees.insert(sha.clone(), files);
            let mut t = example("git-tree");
            t["sha"] = json!(sha);
            t["truncated"] = json!(false);
            t["tree"] = json!([]);
            reply(st, "/repos/{owner}/{repo}/git/trees", "post", 201, t)
        }
        ("POST", ["git", "commits"]) => {
            let tree = input["tree"].as_str().expect("tree").to_owned();
            let parents: Vec<String> = input["parents"]
                .as_array()
                .expect("parents")
                .iter()
                .map(|p| p.as_str().expect("sha").to_owned())
                .collect();
            let message = input["message"].as_str().expect("message").to_owned();
            let sha = sha_of(&format!("commit {tree} {parents:?} {message}"));
            st.commits.insert(sha.clone(), (tree.clone(), parents.clone(), message.clone()));
            let mut c = example("git-commit");
            c["sha"] = json!(sha);
            c["message"] = json!(message);
            c["tree"]["sha"] = json!(tree);
            let parent_template = c["parents"][0].clone();
            c["parents"] = Value::Array(
                parents
                    .iter()
                    .map(|p| {
                        let mut e = parent_template.clone();
                        e["sha"] = json!(p);
                        e
                    })
                    .collect(),
            );
            reply(st, "/repos/{owner}/{repo}/git/commits", "post", 201, c)
        }
        ("PATCH", ["git", "refs", name @ ..]) => {
            let key = (repo.to_owned(), name.join("/"));
            let Some(current) = st.refs.get(&key).cloned() else { return not_found };
            let new = input["sha"].as_str().expect("sha").to_owned();
            let fast_forward = st.commits.get(&new).is_some_and(|c| c.1.contains(&current));
            if !fast_forward && input["force"] != json!(true) {
                return (422, vec![], json!({ "message": "Update is not a fast forward" }));
            }
            st.refs.insert(key.clone(), new.clone());
            let mut r = example("git-ref");
            r["ref"] = json!(format!("refs/{}", key.1));
            r["object"]["sha"] = json!(new);
            reply(st, "/repos/{owner}/{repo}/git/refs/{ref}", "patch", 200, r)
        }
        ("POST", ["git", "refs"]) => {
            let name = input["ref"].as_str().expect("ref").trim_start_matches("refs/").to_owned();
            let key = (repo.to_owned(), name.clone());
            if st.refs.contains_key(&key) {
                return (422, vec![], json!({ "message": "Reference already exists" }));
            }
            let sha = input["sha"].as_str().expect("sha").to_owned();
            st.refs.insert(key, sha.clone());
            let mut r = example("git-ref");
            r["ref"] = json!(format!("refs/{name}"));
            r["object"]["sha"] = json!(sha);
            reply(st, "/repos/{owner}/{repo}/git/refs", "post", 201, r)
        }
        ("GET", ["contents", path @ ..]) => {
            let path = path.join("/");
            let git_ref = query.get("ref").cloned().unwrap_or_else(|| "main".into());
            // Files put there directly, else what the branch's commit holds (as GitHub serves both alike).
            let from_branch = || {
                let commit = st.refs.get(&(repo.to_owned(), format!("heads/{git_ref}")))?;
                let blob = st.trees.get(&st.commits.get(commit)?.0)?.get(&path)?;
                st.blobs.get(blob).cloned()
            };
            let Some(bytes) =
                st.files.get(&(repo.to_owned(), git_ref.clone(), path.clone())).cloned().or_else(from_branch)
            else {
                return not_found;
            };
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            // GitHub wraps the base64 at 60 columns.
            let wrapped: Vec<String> =
                encoded.as_bytes().chunks(60).map(|c| String::from_utf8(c.to_vec()).expect("ascii")).collect();
            let mut f = example("content-file-response-if-content-is-a-file");
            f["content"] = json!(wrapped.join("\n"));
            f["size"] = json!(bytes.len());
            f["path"] = json!(path);
            f["name"] = json!(path.rsplit('/').next());
            reply(st, "/repos/{owner}/{repo}/contents/{path}", "get", 200, f)
        }
        _ => not_found,
    }
}
