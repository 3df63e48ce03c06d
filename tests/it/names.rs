//! Physical names (issue 21): two requests never land on one resource, existing resources keep their names, and
//! what an older paved already gave two requests stays with the one provisioned first — on the real PostgreSQL.

use crate::provision::{Platform, postgres_or_skip};
use crate::util::{Paved, example_copy, s};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const ADMIN: &str = "host=127.0.0.1 port=5432 user=postgres";

fn database_request(team: &str, name: &str) -> String {
    format!(
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: {name}\nspec:\n  capability: database\n  moduleVersion: 1\n  environment: development\n  owner: group:{team}\n  parameters:\n    engine: postgres\n    version: \"15\"\n    sizeGb: 10\n    publiclyAccessible: false\n    backupRetentionDays: 7\n"
    )
}

fn status(p: &Platform, key: &str) -> String {
    std::fs::read_to_string(p.repo.join(&format!("status/requests/{key}.yaml"))).expect("status file")
}

/// An output of a status file (`database: …`), if it has it.
fn output(status: &str, name: &str) -> Option<String> {
    status.lines().find_map(|l| l.trim().strip_prefix(&format!("{name}: "))).map(str::to_owned)
}

/// Does `password` match the SCRAM-SHA-256 verifier PostgreSQL keeps for `role`? (The loopback server may trust
/// every connection, so logging in would prove nothing.)
fn password_is_roles(admin: &mut postgres::Client, role: &str, password: &str) -> bool {
    let row = admin.query_opt("SELECT rolpassword FROM pg_authid WHERE rolname = $1", &[&role]).expect("pg_authid");
    let Some(verifier) = row.and_then(|r| r.get::<_, Option<String>>(0)) else { return false };
    // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
    let rest = verifier.strip_prefix("SCRAM-SHA-256$").expect("a SCRAM verifier");
    let (params, keys) = rest.split_once('$').expect("verifier");
    let (iterations, salt) = params.split_once(':').expect("iterations:salt");
    let (stored, _) = keys.split_once(':').expect("StoredKey:ServerKey");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let salt = b64.decode(salt).expect("salt");
    let hmac = |key: &[u8], data: &[u8]| {
        let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        m.update(data);
        m.finalize().into_bytes().to_vec()
    };
    // PBKDF2-HMAC-SHA-256, one block.
    let mut u = hmac(password.as_bytes(), &[salt.as_slice(), &[0, 0, 0, 1]].concat());
    let mut salted = u.clone();
    for _ in 1..iterations.parse::<u32>().expect("iterations") {
        u = hmac(password.as_bytes(), &u);
        salted.iter_mut().zip(&u).for_each(|(a, b)| *a ^= b);
    }
    let client_key = hmac(&salted, b"Client Key");
    b64.encode(Sha256::digest(&client_key)) == stored
}

fn owner_of(admin: &mut postgres::Client, db: &str) -> Option<String> {
    admin
        .query_opt(
            "SELECT r.rolname::text FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $1",
            &[&db],
        )
        .expect("query")
        .map(|r| r.get(0))
}

#[test]
fn requests_that_shared_a_database_now_get_their_own_and_each_password_opens_only_its_own() {
    let Some(mut admin) = postgres_or_skip("requests_that_shared_a_database_now_get_their_own") else { return };
    let p = Platform::new("pvt-inject");
    let requests = [
        ("search", "relevance-db"),
        ("search-relevance", "db"),
        ("payments", "same-db"),
        ("payments", "same_db"),
        ("payments", "same.db"),
    ];
    for (team, name) in requests {
        p.repo.write(&format!("requests/{team}/{name}.yaml"), &database_request(team, name));
    }
    p.commit("requests whose old names were one");
    let run = p.paved(&["reconcile"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let mut databases = std::collections::BTreeSet::new();
    for (team, name) in requests {
        let key = format!("{team}/{name}");
        let text = status(&p, &key);
        assert!(text.contains("phase: Ready"), "{text}");
        let db = output(&text, "database").expect("database output");
        assert_eq!(db, p.db(team, name), "the plan and the status show the name apply used");
        assert!(text.contains(&format!("physicalName: {db}")), "the name is recorded: {text}");
        assert_eq!(owner_of(&mut admin, &db).as_deref(), Some(db.as_str()), "{key} owns its own database");
        databases.insert(db);
    }
    assert_eq!(databases.len(), requests.len(), "five requests, five databases: {databases:?}");
    for (team, name) in requests {
        let password = p.secret(&format!("{team}/{name}"), "password");
        for (other_team, other_name) in requests {
            let role = p.db(other_team, other_name);
            let mine = (team, name) == (other_team, other_name);
            assert_eq!(
                password_is_roles(&mut admin, &role, &password),
                mine,
                "{team}/{name}'s password and role {role}"
            );
        }
    }
}

#[test]
fn validate_refuses_two_requests_whose_resources_would_collide_naming_both_files() {
    let repo = example_copy();
    // Another team's flag with the storefront's key, and a second record for the payments name.
    repo.write(
        "requests/search/checkout-flag.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: checkout-flag\nspec:\n  capability: feature-flag\n  moduleVersion: 1\n  environment: production\n  owner: group:search\n  parameters:\n    key: new-checkout-flow\n    variants:\n      \"on\": true\n      \"off\": false\n    defaultVariant: \"off\"\n",
    );
    repo.write(
        "requests/search/payments-alias.yaml",
        "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: payments-alias\nspec:\n  capability: dns-record\n  moduleVersion: 1\n  environment: production\n  owner: group:search\n  parameters:\n    zone: acme.internal\n    name: payments\n    type: A\n    value: 10.0.0.1\n",
    );
    let run = Paved::new(&["validate", "--repo", s(repo.path())]).run().expect_code(1);
    let out = format!("{}{}", run.stdout(), run.stderr());
    // Neither of a pair is provisioned yet: both are refused, each naming the other.
    let flag = ("requests/search/checkout-flag.yaml", "requests/storefront/new-checkout-flow.yaml");
    let dns = ("requests/search/payments-alias.yaml", "requests/payments/payments-dns.yaml");
    for (file, other) in [flag, dns, (flag.1, flag.0), (dns.1, dns.0)] {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("{file}:")) && l.contains("name collision"))
            .unwrap_or_else(|| panic!("no collision error at {file}:\n{out}"));
        assert!(line.contains(other), "the error names the other file: {line}");
        let at = line.split(&format!("{file}:")).nth(1).expect("located");
        let mut pos = at.split(':');
        assert!(pos.next().is_some_and(|l| l.parse::<usize>().is_ok_and(|l| l > 1)), "a line: {line}");
        assert!(pos.next().is_some_and(|c| c.trim().parse::<usize>().is_ok()), "a column: {line}");
    }
}

#[test]
fn validate_refuses_a_new_request_on_a_name_an_older_paved_already_gave_another() {
    let repo = example_copy();
    // An older paved provisioned search/RelevanceDb as `acme_search_relevancedb` (it lowered names) and recorded no
    // name; search/relevancedb would get that very name as its readable one.
    repo.write("requests/search/RelevanceDb.yaml", &database_request("search", "RelevanceDb"));
    repo.write(
        "status/requests/search/RelevanceDb.yaml",
        "request: search/RelevanceDb\nsource: requests/search/RelevanceDb.yaml\ncapability: database\nbackend: native\nphase: Ready\nmessage: provisioned\napplied: 0123456789abcdef\ntarget:\n  team: search\n  name: RelevanceDb\n  capability: database\n  backend: native\n",
    );
    repo.write("requests/search/relevancedb.yaml", &database_request("search", "relevancedb"));
    let run = Paved::new(&["validate", "--repo", s(repo.path())]).run().expect_code(1);
    let out = format!("{}{}", run.stdout(), run.stderr());
    let line = out
        .lines()
        .find(|l| l.contains("requests/search/relevancedb.yaml:") && l.contains("acme_search_relevancedb"))
        .unwrap_or_else(|| panic!("no collision error:\n{out}"));
    assert!(line.contains("requests/search/RelevanceDb.yaml"), "{line}");
    assert!(!out.contains("requests/search/RelevanceDb.yaml:"), "the request that holds the name keeps it:\n{out}");
}

/// Make `key`'s database look as an older paved left it: under its legacy name, with a status that records none.
fn as_older_paved_left_it(p: &Platform, admin: &mut postgres::Client, key: &str, legacy: &str) {
    let path = p.repo.join(&format!("status/requests/{key}.yaml"));
    let text = std::fs::read_to_string(&path).expect("status");
    let db = output(&text, "database").expect("database");
    admin.batch_execute(&format!("ALTER DATABASE \"{db}\" RENAME TO \"{legacy}\"")).expect("rename database");
    admin.batch_execute(&format!("ALTER ROLE \"{db}\" RENAME TO \"{legacy}\"")).expect("rename role");
    let old: String =
        text.lines().filter(|l| !l.trim_start().starts_with("physicalName:")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, old.replace(&db, legacy)).expect("write status");
    let secret = p.state.join(&format!("secrets/{key}.json"));
    let stored = std::fs::read_to_string(&secret).expect("secret");
    std::fs::write(&secret, stored.replace(&db, legacy)).expect("write secret");
}

#[test]
fn a_database_provisioned_under_the_old_name_keeps_it_and_its_data_across_a_reconcile() {
    let Some(mut admin) = postgres_or_skip("a_database_provisioned_under_the_old_name_keeps_it") else { return };
    let p = Platform::new("pvt-stable");
    p.paved(&["reconcile"]).expect_code(0);
    let legacy = "pvt_stable_payments_orders_db";
    as_older_paved_left_it(&p, &mut admin, "payments/orders-db", legacy);
    let mut c = postgres::Client::connect(&format!("{ADMIN} dbname={legacy}"), postgres::NoTls).expect("connect");
    c.batch_execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)").expect("data");
    drop(c);
    p.commit("as an older paved left it");

    let plan = p.paved(&["plan", "--format", "json"]).expect_code(0).json();
    let provisions: Vec<&serde_json::Value> =
        plan["actions"].as_array().expect("actions").iter().filter(|a| a["kind"] == "request.provision").collect();
    assert!(provisions.is_empty(), "nothing is provisioned anew: {plan:#}");
    p.paved(&["reconcile"]).expect_code(0);
    let text = status(&p, "payments/orders-db");
    assert!(text.contains("phase: Ready") && text.contains(&format!("physicalName: {legacy}")), "{text}");
    assert_eq!(output(&text, "database").as_deref(), Some(legacy), "{text}");
    let new = p.db("payments", "orders-db");
    assert!(admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&new]).expect("q").is_none(), "no copy");
    let mut c = postgres::Client::connect(&format!("{ADMIN} dbname={legacy}"), postgres::NoTls).expect("connect");
    let n: i32 = c.query_one("SELECT id FROM kept", &[]).expect("the data is there").get(0);
    assert_eq!(n, 42);
    assert_eq!(p.paved(&["plan", "--format", "json"]).expect_code(0).json()["actions"], serde_json::json!([]));
}

#[test]
fn of_two_requests_an_older_paved_gave_one_database_the_first_provisioned_keeps_it_and_the_other_is_blocked() {
    let Some(mut admin) = postgres_or_skip("of_two_requests_an_older_paved_gave_one_database") else { return };
    let p = Platform::new("pvt-shared");
    p.repo.write("requests/search/relevance-db.yaml", &database_request("search", "relevance-db"));
    p.commit("search's database");
    p.paved(&["reconcile"]).expect_code(0);
    let legacy = "pvt_shared_search_relevance_db";
    as_older_paved_left_it(&p, &mut admin, "search/relevance-db", legacy);
    // The older paved then gave search-relevance/db the same database (and set its own password on the role). Its
    // key sorts first: only the audit log says which came first.
    let first = status(&p, "search/relevance-db");
    p.repo.write("requests/search-relevance/db.yaml", &database_request("search-relevance", "db"));
    p.repo.write(
        "status/requests/search-relevance/db.yaml",
        &first
            .replace("search/relevance-db", "search-relevance/db")
            .replace("team: search\n", "team: search-relevance\n")
            .replace("name: relevance-db\n", "name: db\n"),
    );
    std::fs::create_dir_all(p.state.join("secrets/search-relevance")).expect("dir");
    std::fs::write(p.state.join("secrets/search-relevance/db.json"), "{\"password\": \"0123abcd\"}").expect("secret");
    p.commit("as an older paved left them");

    let run = Paved::new(&["validate", "--repo", s(p.repo.path())]).run().expect_code(0);
    let out = format!("{}{}", run.stdout(), run.stderr());
    assert!(out.contains("name collision") && out.contains("Blocks the other"), "a warning, not an error:\n{out}");
    p.paved(&["reconcile"]).expect_code(0);
    let kept = status(&p, "search/relevance-db");
    assert!(kept.contains("phase: Ready") && output(&kept, "database").as_deref() == Some(legacy), "{kept}");
    let blocked = status(&p, "search-relevance/db");
    assert!(blocked.contains("phase: Blocked"), "{blocked}");
    assert!(blocked.contains("search/relevance-db") && blocked.contains("rename"), "reason and fix: {blocked}");
    assert!(output(&blocked, "database").is_none() && !blocked.contains("secrets:"), "no credential: {blocked}");
    assert!(!blocked.contains("applied:"), "nothing of it is this request's to destroy: {blocked}");
    assert_eq!(owner_of(&mut admin, legacy).as_deref(), Some(legacy));

    // The fix: rename it. It gets its own database; the shared one stays with its owner.
    std::fs::remove_file(p.repo.join("requests/search-relevance/db.yaml")).expect("rm");
    p.repo.write("requests/search-relevance/ranking-db.yaml", &database_request("search-relevance", "ranking-db"));
    p.commit("rename");
    p.paved(&["reconcile"]).expect_code(0);
    let own = status(&p, "search-relevance/ranking-db");
    assert!(own.contains("phase: Ready"), "{own}");
    assert_eq!(output(&own, "database"), Some(p.db("search-relevance", "ranking-db")));
    assert!(!p.repo.join("status/requests/search-relevance/db.yaml").exists());
    assert_eq!(owner_of(&mut admin, legacy).as_deref(), Some(legacy), "the owner's database was not dropped");
}
