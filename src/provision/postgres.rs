//! The native database backend: a PostgreSQL database and its owning login role, on the server configured in
//! `platform.yaml` (`spec.native.postgres`). Names are [`naming`](super::naming) names, so nothing from
//! a request reaches SQL as syntax; the generated password is alphanumeric and goes only to the secret store.

use super::{Applied, Backend, Context, Error, Observation, SecretStore, Target, random_token};
use postgres::{Client, NoTls};
use std::time::Duration;

pub struct Postgres {
    platform: String,
    admin: Option<String>,
}

impl Postgres {
    pub fn new(ctx: &Context) -> Self {
        Postgres { platform: ctx.platform.clone(), admin: ctx.postgres.clone() }
    }

    fn connect(&self) -> Result<(Client, postgres::Config), String> {
        let admin = self.admin.as_deref().ok_or_else(|| {
            "no PostgreSQL server configured; set spec.native.postgres in platform.yaml (e.g. \"host=127.0.0.1 port=5432 user=postgres\")".to_owned()
        })?;
        let mut config: postgres::Config =
            admin.parse().map_err(|e| format!("spec.native.postgres is not a valid connection string: {e}"))?;
        config.connect_timeout(Duration::from_secs(3));
        let client = config
            .connect(NoTls)
            .map_err(|e| format!("PostgreSQL ({admin}) is not reachable: {e}; start it, or point spec.native.postgres at a running server"))?;
        Ok((client, config))
    }

    fn name(&self, target: &Target) -> String {
        target.physical(&self.platform)
    }
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
        let (mut client, _) = match self.connect() {
            Ok(c) => c,
            Err(reason) => return Observation::Unavailable { reason },
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
                Observation::Present { drift }
            }
        }
    }

    fn apply(&self, target: &Target, secrets: &SecretStore) -> Result<Applied, Error> {
        let (mut client, config) = self.connect().map_err(Error::Unavailable)?;
        let name = self.name(target);
        // Keep the password the team already has, unless the role has to be made anew.
        let mut stored = secrets.read(&target.team, &target.name);
        let role_exists = client
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])
            .map_err(backend_err(format!("looking up role {name}")))?
            .is_some();
        let password = match stored.get("password") {
            Some(p) if role_exists && p.chars().all(|c| c.is_ascii_alphanumeric()) => p.clone(),
            _ => random_token(24),
        };
        // Identifiers are [a-z0-9_] and the password hex: quoting them is enough; nothing else is interpolated.
        if role_exists {
            execute(
                &mut client,
                &format!("ALTER ROLE \"{name}\" WITH LOGIN PASSWORD '{password}'"),
                format!("setting the password of role {name}"),
            )?;
        } else {
            execute(
                &mut client,
                &format!("CREATE ROLE \"{name}\" WITH LOGIN PASSWORD '{password}'"),
                format!("creating role {name}"),
            )?;
        }
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

        let host = config.get_hosts().first().map(|h| match h {
            postgres::config::Host::Tcp(h) => h.clone(),
            postgres::config::Host::Unix(p) => p.display().to_string(),
        });
        let host = host.unwrap_or_else(|| "localhost".to_owned());
        let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
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
        let (mut client, _) = self.connect().map_err(Error::Unavailable)?;
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
    let config: Option<postgres::Config> = ctx.postgres.as_deref().and_then(|c| c.parse().ok());
    let host = config.as_ref().and_then(|c| c.get_hosts().first().cloned()).map(|h| match h {
        postgres::config::Host::Tcp(h) => h,
        postgres::config::Host::Unix(p) => p.display().to_string(),
    });
    let port = config.as_ref().and_then(|c| c.get_ports().first().copied()).unwrap_or(5432);
    vec![
        ("database".into(), name.clone()),
        ("host".into(), host.unwrap_or_else(|| "localhost".to_owned())),
        ("port".into(), port.to_string()),
        ("username".into(), name),
    ]
}
