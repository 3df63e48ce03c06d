//! The native database backend: a PostgreSQL database and its owning login role, on the server configured in
//! `platform.yaml` (`spec.native.postgres`: one server, or one per major version, chosen by the request's
//! `version`). Names are [`naming`](crate::model::naming) names, so nothing from a request reaches SQL as syntax; the
//! generated password is alphanumeric and goes only to the secret store.
//!
//! What it cannot do it says: a major version no configured server runs is refused ([`Observation::Unsatisfiable`])
//! and parameters one shared server does not enforce are named ([`not_enforced`]). Observation checks that the
//! stored password still matches the role's verifier ([`pg_verifier`]); a mismatch is drift, healed by a new password.

use super::pg_verifier::{self, Check};
use super::{Applied, Backend, Context, Error, Observation, SecretStore, Target, random_token};
use crate::model::platform::PostgresServers;
use postgres::{Client, NoTls};
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Postgres {
    platform: String,
    servers: Option<PostgresServers>,
    /// Read in observation, to check the stored password still authenticates its role.
    secrets: SecretStore,
}

/// Why a target cannot be served: no server answers, or none runs what it asks for.
#[derive(Debug, PartialEq)]
enum Refusal {
    Unavailable(String),
    Unsatisfiable(String),
}

impl From<Refusal> for Observation {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Unavailable(reason) => Observation::Unavailable { reason },
            Refusal::Unsatisfiable(reason) => Observation::Unsatisfiable { reason },
        }
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Unavailable(reason) | Refusal::Unsatisfiable(reason) => Error::Unavailable(reason),
        }
    }
}

/// The PostgreSQL major version `target` asks for (`version: "16"`), if it names one.
fn requested_major(target: &Target) -> Result<Option<u32>, Refusal> {
    let Some(v) = target.parameters.get("version") else { return Ok(None) };
    let text = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    text.trim().parse().map(Some).map_err(|_| {
        Refusal::Unsatisfiable(format!(
            "version `{text}` is not a PostgreSQL major version; request e.g. version \"16\""
        ))
    })
}

/// The admin connection string of the server that serves `target`, and the major version it must run (when the
/// request names one). With one server configured that is the one; with one per major version, the one of the
/// requested version (the newest when the request names none).
fn server_for<'a>(servers: Option<&'a PostgresServers>, target: &Target) -> Result<(&'a str, Option<u32>), Refusal> {
    let want = requested_major(target)?;
    match servers {
        None => Err(Refusal::Unavailable(
            "no PostgreSQL server configured; set spec.native.postgres in platform.yaml (e.g. \"host=127.0.0.1 port=5432 user=postgres\")".to_owned(),
        )),
        Some(PostgresServers::One(conn)) => Ok((conn, want)),
        Some(PostgresServers::ByMajor(by_major)) => match want {
            None => Ok((by_major.values().next_back().expect("a map names at least one server"), None)),
            Some(v) => by_major.get(&v).map(|conn| (conn.as_str(), want)).ok_or_else(|| {
                let have: Vec<String> = by_major.keys().map(u32::to_string).collect();
                Refusal::Unsatisfiable(format!(
                    "PostgreSQL {v} requested, but spec.native.postgres configures servers only for {}; configure a \
                     {v} server there in platform.yaml, or request version {}",
                    have.join(", "),
                    have.join(" or ")
                ))
            }),
        },
    }
}

/// The first host and port of a connection (libpq's defaults when it names none).
fn host_port(config: &postgres::Config) -> (String, u16) {
    let host = config.get_hosts().first().map(|h| match h {
        postgres::config::Host::Tcp(h) => h.clone(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    });
    (host.unwrap_or_else(|| "localhost".to_owned()), config.get_ports().first().copied().unwrap_or(5432))
}

/// `host:port` of a connection, for messages (the connection string itself may hold a password).
fn endpoint(config: &postgres::Config) -> String {
    let (host, port) = host_port(config);
    format!("{host}:{port}")
}

impl Postgres {
    pub fn new(ctx: &Context) -> Self {
        Postgres {
            platform: ctx.platform.clone(),
            servers: ctx.postgres.clone(),
            secrets: SecretStore::new(&ctx.state_dir),
        }
    }

    /// Connect to the server that serves `target`; with `check_version`, refuse one that does not run the major
    /// version the request asks for.
    fn connect(&self, target: &Target, check_version: bool) -> Result<(Client, postgres::Config), Refusal> {
        let (admin, want) = server_for(self.servers.as_ref(), target)?;
        let mut config: postgres::Config = admin
            .parse()
            .map_err(|e| Refusal::Unavailable(format!("spec.native.postgres is not a valid connection string: {e}")))?;
        config.connect_timeout(Duration::from_secs(3));
        let server = endpoint(&config);
        let mut client = config.connect(NoTls).map_err(|e| {
            Refusal::Unavailable(format!(
                "PostgreSQL ({server}) is not reachable: {}; start it, or point spec.native.postgres at a running server",
                describe(&e)
            ))
        })?;
        if let (true, Some(want)) = (check_version, want) {
            let (major, version) = server_version(&mut client).map_err(|e| {
                Refusal::Unavailable(format!("reading the version of PostgreSQL ({server}): {}", describe(&e)))
            })?;
            if major != want {
                let fix = match &self.servers {
                    Some(PostgresServers::ByMajor(_)) => {
                        format!("spec.native.postgres names {server} for {want}; point it at a {want} server")
                    }
                    _ => format!(
                        "configure a {want} server in platform.yaml spec.native.postgres (a map from major version to \
                         connection string) or request version {major}"
                    ),
                };
                return Err(Refusal::Unsatisfiable(format!(
                    "PostgreSQL {want} requested, the configured server ({server}) is {version}; {fix}"
                )));
            }
        }
        Ok((client, config))
    }

    fn name(&self, target: &Target) -> String {
        target.physical(&self.platform)
    }
}

/// The server's major version and its version as it names it (`15.20`).
fn server_version(client: &mut Client) -> Result<(u32, String), postgres::Error> {
    let row =
        client.query_one("SELECT current_setting('server_version_num'), current_setting('server_version')", &[])?;
    let num: String = row.get(0);
    let text: String = row.get(1);
    // 150020 is 15.20; before 10 the major had two parts (90624 is 9.6), which no request can name anyway.
    let major = num.trim().parse::<u32>().unwrap_or(0) / 10000;
    Ok((major, text.split_whitespace().next().unwrap_or_default().to_owned()))
}

/// How the password paved stored compares with role `role`'s verifier in pg_authid: `None` when it
/// authenticates the role, else the drift (which never quotes the password).
fn password_drift(client: &mut Client, role: &str, password: Option<&str>) -> Result<Option<String>, Error> {
    let Some(password) = password else {
        return Ok(Some(format!("no password for role {role} in the secret store")));
    };
    let row = client.query_opt("SELECT rolpassword FROM pg_authid WHERE rolname = $1", &[&role]).map_err(|e| {
        Error::Unavailable(format!(
            "reading the password verifier of role {role} in pg_authid: {}; paved checks stored passwords against it, \
             so spec.native.postgres must connect as a superuser",
            describe(&e)
        ))
    })?;
    let verifier: Option<String> = row.and_then(|r| r.get(0));
    Ok(match verifier {
        None => Some(format!("role {role} has no password")),
        Some(v) => match pg_verifier::check(&v, role, password) {
            Check::Matches => None,
            Check::Mismatch => Some(format!("stored password no longer authenticates role {role}")),
            Check::Unchecked(why) => Some(format!("stored password of role {role} cannot be checked: {why}")),
        },
    })
}

/// A failed PostgreSQL operation as paved reports it: what it was doing on which object, and the server's own
/// message, SQLSTATE, detail and hint (the client's error says only "db error"). Statements are never quoted: some
/// carry a password.
fn backend_err(op: String) -> impl FnOnce(postgres::Error) -> Error {
    move |e| Error::Backend { backend: "postgres", message: format!("{op}: {}", describe(&e)) }
}

/// Run `sql`; a failure says `what` was being done (never the statement, which may hold a password).
fn execute(client: &mut postgres::Client, sql: &str, what: String) -> Result<(), Error> {
    client.batch_execute(sql).map_err(backend_err(what))
}

fn describe(e: &postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        };
    };
    let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
    if let Some(detail) = db.detail() {
        text.push_str(&format!("; {detail}"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!("; hint: {hint}"));
    }
    text
}

impl Backend for Postgres {
    fn observe(&self, target: &Target) -> Observation {
        let (mut client, _) = match self.connect(target, true) {
            Ok(c) => c,
            Err(refusal) => return refusal.into(),
        };
        let name = self.name(target);
        let row = client.query_opt(
            "SELECT r.rolname, r.rolcanlogin FROM pg_database d LEFT JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $1",
            &[&name],
        );
        match row {
            Err(e) => Observation::Unavailable { reason: format!("reading database {name}: {}", describe(&e)) },
            Ok(None) => Observation::Absent,
            Ok(Some(row)) => {
                let owner: Option<String> = row.get(0);
                let can_login: Option<bool> = row.get(1);
                let drift = match (owner.as_deref(), can_login) {
                    (Some(o), Some(true)) if o == name => None,
                    (Some(o), _) if o != name => Some(format!("database {name} is owned by {o}, not {name}")),
                    _ => Some(format!("role {name} can no longer log in")),
                };
                if drift.is_some() {
                    return Observation::Present { drift };
                }
                // Credentials are observed, not assumed: the team's stored password must still be the role's.
                let stored = self.secrets.read(&target.team, &target.name);
                match password_drift(&mut client, &name, stored.get("password").map(String::as_str)) {
                    Ok(drift) => Observation::Present { drift },
                    Err(e) => Observation::Unavailable { reason: e.to_string() },
                }
            }
        }
    }

    fn apply(&self, target: &Target, secrets: &SecretStore) -> Result<Applied, Error> {
        let (mut client, config) = self.connect(target, true)?;
        let name = self.name(target);
        let mut stored = secrets.read(&target.team, &target.name);
        let role_exists = client
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])
            .map_err(backend_err(format!("looking up role {name}")))?
            .is_some();
        // Keep the password the team already has only while it still authenticates the role; a stale one (changed
        // out of band, or never stored) is replaced, never handed out again.
        let kept = match stored.get("password") {
            Some(p) if role_exists && p.chars().all(|c| c.is_ascii_alphanumeric()) => {
                password_drift(&mut client, &name, Some(p))?.is_none().then(|| p.clone())
            }
            _ => None,
        };
        // Identifiers are [a-z0-9_] and the password hex: quoting them is enough; nothing else is interpolated.
        let password = match (&kept, role_exists) {
            (Some(p), _) => {
                execute(
                    &mut client,
                    &format!("ALTER ROLE \"{name}\" WITH LOGIN"),
                    format!("letting role {name} log in"),
                )?;
                p.clone()
            }
            (None, exists) => {
                let password = random_token(24);
                let (verb, what) = if exists {
                    ("ALTER", format!("setting a new password for role {name}"))
                } else {
                    ("CREATE", format!("creating role {name}"))
                };
                execute(&mut client, &format!("{verb} ROLE \"{name}\" WITH LOGIN PASSWORD '{password}'"), what)?;
                password
            }
        };
        let db_exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .map_err(backend_err(format!("looking up database {name}")))?
            .is_some();
        if db_exists {
            execute(
                &mut client,
                &format!("ALTER DATABASE \"{name}\" OWNER TO \"{name}\""),
                format!("giving database {name} to role {name}"),
            )?;
        } else {
            execute(
                &mut client,
                &format!("CREATE DATABASE \"{name}\" OWNER \"{name}\""),
                format!("creating database {name}"),
            )?;
        }
        execute(
            &mut client,
            &format!("REVOKE ALL ON DATABASE \"{name}\" FROM PUBLIC"),
            format!("revoking public access to database {name}"),
        )?;

        let (host, port) = host_port(&config);
        let port = port.to_string();
        let mut applied = Applied::default();
        applied.outputs.insert("host".into(), host.clone());
        applied.outputs.insert("port".into(), port.clone());
        applied.outputs.insert("database".into(), name.clone());
        applied.outputs.insert("username".into(), name.clone());
        stored.insert("password".into(), password.clone());
        stored.insert("connectionString".into(), format!("postgres://{name}:{password}@{host}:{port}/{name}"));
        secrets.write(&target.team, &target.name, &stored)?;
        applied.secrets = stored;
        Ok(applied)
    }

    fn destroy(&self, target: &Target, secrets: &SecretStore) -> Result<(), Error> {
        // What exists is removed whatever version the server runs.
        let (mut client, _) = self.connect(target, false)?;
        let name = self.name(target);
        execute(
            &mut client,
            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            format!("dropping database {name}"),
        )?;
        execute(&mut client, &format!("DROP ROLE IF EXISTS \"{name}\""), format!("dropping role {name}"))?;
        secrets.remove(&target.team, &target.name);
        Ok(())
    }
}

/// The outputs a database request will have, known before it is applied (for the plan's status diff).
pub fn expected_outputs(ctx: &Context, target: &Target) -> Vec<(String, String)> {
    let name = target.physical(&ctx.platform);
    let config: Option<postgres::Config> =
        server_for(ctx.postgres.as_ref(), target).ok().and_then(|(conn, _)| conn.parse().ok());
    let (host, port) = config.as_ref().map(host_port).unwrap_or_else(|| ("localhost".to_owned(), 5432));
    vec![
        ("database".into(), name.clone()),
        ("host".into(), host),
        ("port".into(), port.to_string()),
        ("username".into(), name),
    ]
}

/// The database module's parameters one shared server does not enforce, with what the request gets instead
/// (`parameters` has the module's defaults filled in). The major version is enforced: the server is chosen by
/// it, and a request no server can serve is refused in observation.
pub fn not_enforced(parameters: &serde_json::Map<String, serde_json::Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(size) = parameters.get("sizeGb") {
        out.insert(
            "sizeGb".to_owned(),
            format!("{size} GiB requested; no storage quota: the database shares the configured server's disk"),
        );
    }
    if let Some(days) = parameters.get("backupRetentionDays") {
        out.insert(
            "backupRetentionDays".to_owned(),
            format!("{days} days requested; no automated backups: only the configured server's own, if any"),
        );
    }
    if parameters.get("publiclyAccessible").and_then(|v| v.as_bool()) == Some(true) {
        out.insert(
            "publiclyAccessible".to_owned(),
            "a public endpoint requested; the database is reachable only where the configured server listens"
                .to_owned(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::platform::BackendKind;

    fn target(parameters: serde_json::Value) -> Target {
        Target::new(
            "payments",
            "orders-db",
            &crate::model::capability::Capability::Database,
            BackendKind::Native,
            parameters,
        )
    }

    fn picked(servers: &PostgresServers, parameters: serde_json::Value) -> Result<(String, Option<u32>), Refusal> {
        server_for(Some(servers), &target(parameters)).map(|(c, v)| (c.to_owned(), v))
    }

    #[test]
    fn the_requested_major_version_picks_the_server() {
        let one = PostgresServers::One("host=a".into());
        assert_eq!(picked(&one, serde_json::json!({"version": "16"})), Ok(("host=a".into(), Some(16))));
        assert_eq!(picked(&one, serde_json::json!({})), Ok(("host=a".into(), None)));
        let two = PostgresServers::ByMajor([(15, "host=a".to_owned()), (16, "host=b".to_owned())].into());
        assert_eq!(picked(&two, serde_json::json!({"version": "15"})), Ok(("host=a".into(), Some(15))));
        assert_eq!(picked(&two, serde_json::json!({"version": 16})), Ok(("host=b".into(), Some(16))));
        assert_eq!(picked(&two, serde_json::json!({})), Ok(("host=b".into(), None)), "the newest by default");
        let Err(Refusal::Unsatisfiable(refused)) = picked(&two, serde_json::json!({"version": "17"})) else {
            panic!("a server for 17")
        };
        assert!(
            refused.starts_with(
                "PostgreSQL 17 requested, but spec.native.postgres configures servers \
                                 only for 15, 16"
            ) && refused.ends_with("request version 15 or 16"),
            "{refused}"
        );
        let Err(Refusal::Unsatisfiable(refused)) = picked(&two, serde_json::json!({"version": "latest"})) else {
            panic!("`latest` picked a server")
        };
        assert!(refused.contains("`latest` is not a PostgreSQL major version"), "{refused}");
        let none = server_for(None, &target(serde_json::json!({}))).err().map(Observation::from);
        assert!(
            matches!(&none, Some(Observation::Unavailable { reason }) if reason.contains("set spec.native.postgres")),
            "{none:?}"
        );
    }

    #[test]
    fn what_one_shared_server_cannot_enforce_is_named_with_what_is_given_instead() {
        let params = serde_json::json!({"engine": "postgres", "version": "15", "sizeGb": 200,
            "backupRetentionDays": 30, "publiclyAccessible": false});
        let got = not_enforced(params.as_object().expect("object"));
        assert_eq!(got.keys().collect::<Vec<_>>(), ["backupRetentionDays", "sizeGb"]);
        assert!(got["sizeGb"].starts_with("200 GiB requested; no storage quota"), "{got:?}");
        assert!(got["backupRetentionDays"].starts_with("30 days requested; no automated backups"), "{got:?}");
        let public = not_enforced(serde_json::json!({"publiclyAccessible": true}).as_object().expect("object"));
        assert!(public["publiclyAccessible"].contains("reachable only where the configured server listens"));
    }
}
