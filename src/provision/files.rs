//! Native backends whose product is a file a real system reads: a DNS record in a zone file (serial bumped on
//! every change), Kubernetes manifests for a namespace (Namespace, ResourceQuota, RoleBinding), a flagd flag
//! definition, a sandbox AI key in the gateway's key registry (the key itself goes to the secret store), and an
//! IAM role as the JSON documents `aws iam create-role` / `put-role-policy` take (trust and permissions).
//!
//! Each renders the content it wants, observes by comparing with what is on disk, and applies by writing
//! atomically. Rendering is deterministic, so a second apply changes nothing.

use super::{Applied, Backend, Context, Error, Observation, SecretStore, Target, random_token};
use serde_json::json;
use std::path::{Path, PathBuf};

pub struct FileBackend {
    capability: &'static str,
    ctx: Context,
}

impl FileBackend {
    pub fn new(capability: &str, ctx: &Context) -> Option<Self> {
        let capability = ["dns-record", "namespace", "feature-flag", "sandbox-ai-key", "iam-role"]
            .into_iter()
            .find(|c| *c == capability)?;
        Some(FileBackend { capability, ctx: ctx.clone() })
    }

    /// The file a target owns (a zone file is shared by every record in the zone).
    fn path(&self, t: &Target) -> PathBuf {
        let slug = t.file(&self.ctx.platform);
        match self.capability {
            "dns-record" => {
                self.ctx.output_dir.join("dns").join(format!("{}.zone", t.param_str("zone").unwrap_or("internal")))
            }
            "namespace" => self.ctx.output_dir.join("kubernetes").join(format!("{slug}.yaml")),
            "feature-flag" => self.ctx.output_dir.join("flagd").join(format!("{slug}.flagd.json")),
            "iam-role" => self.ctx.output_dir.join("iam").join(format!("{slug}.json")),
            _ => self.ctx.output_dir.join("ai-keys").join(format!("{slug}.json")),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

fn write_atomic(path: &Path, text: &str) -> Result<(), Error> {
    let dir = path.parent().expect("output paths have a parent");
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().expect("file").to_string_lossy()));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// The line a DNS record takes in its zone, tagged with its owner so it can be found again.
fn dns_line(t: &Target) -> String {
    let p = |k: &str| {
        t.parameters.get(k).map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).unwrap_or_default()
    };
    let rtype = t.param_str("type").unwrap_or("A");
    let mut value = p("value");
    if rtype == "TXT" {
        value = format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
    }
    let ttl = t.parameters.get("ttl").and_then(|v| v.as_u64()).unwrap_or(300);
    format!("{:<24} {ttl:<6} IN {rtype:<5} {value} ; paved:{}", p("name"), t.key())
}

fn zone_header(zone: &str, serial: u64) -> String {
    format!(
        "; Zone {zone}. Written by paved: one record per dns-record request; do not edit by hand.\n$ORIGIN {zone}.\n$TTL 300\n@ IN SOA ns1.{zone}. hostmaster.{zone}. ( {serial} 3600 600 604800 300 )\n@ IN NS ns1.{zone}.\n"
    )
}

/// Parse the records and serial of a zone file written by paved.
fn read_zone(text: &str) -> (u64, Vec<String>) {
    let serial = text
        .lines()
        .find(|l| l.contains(" SOA "))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let records = text.lines().filter(|l| l.contains("; paved:")).map(str::to_owned).collect();
    (serial, records)
}

impl FileBackend {
    /// The content this target wants in its own file (not for DNS, whose file is shared).
    fn render(&self, t: &Target, secrets: Option<&str>) -> String {
        match self.capability {
            "namespace" => {
                let ns = t.physical(&self.ctx.platform);
                let cpu = t.param_str("cpu").unwrap_or("2");
                let memory = t.param_str("memory").unwrap_or("4Gi");
                let pods = t.parameters.get("pods").and_then(|v| v.as_u64()).unwrap_or(50);
                format!(
                    "# Written by paved for request {key}. Apply with: kubectl apply -f <this file>\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    paved.dev/team: {team}\n    paved.dev/platform: {platform}\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: {ns}-quota\n  namespace: {ns}\nspec:\n  hard:\n    requests.cpu: \"{cpu}\"\n    requests.memory: {memory}\n    pods: \"{pods}\"\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {team}-edit\n  namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit\nsubjects:\n  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: {team}\n",
                    key = t.key(),
                    team = t.team,
                    platform = self.ctx.platform,
                )
            }
            "feature-flag" => {
                let key = t.param_str("key").unwrap_or(&t.name);
                let doc = json!({
                    "$schema": "https://flagd.dev/schema/v0/flags.json",
                    "flags": { key: {
                        "state": "ENABLED",
                        "variants": t.parameters.get("variants").cloned().unwrap_or(json!({})),
                        "defaultVariant": t.param_str("defaultVariant").unwrap_or("off"),
                        "metadata": { "owner": format!("group:{}", t.team), "request": t.key() },
                    }}
                });
                serde_json::to_string_pretty(&doc).expect("json") + "\n"
            }
            "iam-role" => {
                let statements: Vec<serde_json::Value> = t
                    .parameters
                    .get("policies")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str())
                    .filter_map(|p| p.split_once(" on "))
                    .map(|(actions, resource)| {
                        let actions: Vec<&str> = actions.split(',').map(str::trim).collect();
                        json!({ "Effect": "Allow", "Action": actions, "Resource": resource.trim() })
                    })
                    .collect();
                let managed: Vec<&str> = t
                    .parameters
                    .get("policies")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str())
                    .filter(|p| p.starts_with("arn:") && !p.contains(" on "))
                    .collect();
                let doc = json!({
                    "RoleName": t.physical(&self.ctx.platform),
                    "MaxSessionDuration": t.parameters.get("maxSessionHours").and_then(|v| v.as_u64()).unwrap_or(1) * 3600,
                    "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow",
                        "Principal": { "Federated": "kubernetes-oidc" },
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": { "StringEquals": { "oidc:sub": format!("system:serviceaccount:{}:{}", t.team, t.param_str("service").unwrap_or(&t.name)) } }
                    }]},
                    "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
                    "ManagedPolicyArns": managed,
                    "Tags": [{ "Key": "paved.dev/team", "Value": t.team }, { "Key": "paved.dev/request", "Value": t.key() }],
                });
                serde_json::to_string_pretty(&doc).expect("json") + "\n"
            }
            _ => {
                let doc = json!({
                    "keyId": secrets.unwrap_or_default(),
                    "team": t.team,
                    "request": t.key(),
                    "model": t.param_str("model"),
                    "monthlyBudgetUsd": t.parameters.get("monthlyBudgetUsd"),
                    "expiresInDays": t.parameters.get("expiresInDays"),
                });
                serde_json::to_string_pretty(&doc).expect("json") + "\n"
            }
        }
    }

    fn key_id(&self, t: &Target) -> String {
        t.physical(&self.ctx.platform)
    }
}

impl Backend for FileBackend {
    fn observe(&self, t: &Target) -> Observation {
        let path = self.path(t);
        let Ok(text) = std::fs::read_to_string(&path) else { return Observation::Absent };
        if self.capability == "dns-record" {
            let want = dns_line(t);
            let mine = format!("; paved:{}", t.key());
            return match read_zone(&text).1.into_iter().find(|l| l.ends_with(&mine)) {
                None => Observation::Absent,
                Some(l) if l == want => Observation::Present { drift: None },
                Some(l) => Observation::Present { drift: Some(format!("zone record is `{}`", l.trim())) },
            };
        }
        let want = self.render(t, Some(&self.key_id(t)));
        if text == want {
            Observation::Present { drift: None }
        } else {
            Observation::Present { drift: Some(format!("{} was changed out of band", path.display())) }
        }
    }

    fn apply(&self, t: &Target, secrets: &SecretStore) -> Result<Applied, Error> {
        let path = self.path(t);
        let mut applied = Applied::default();
        if self.capability == "dns-record" {
            let existing = std::fs::read_to_string(&path).unwrap_or_default();
            let (serial, mut records) = read_zone(&existing);
            let mine = format!("; paved:{}", t.key());
            records.retain(|l| !l.ends_with(&mine));
            records.push(dns_line(t));
            records.sort();
            let zone = t.param_str("zone").unwrap_or("internal");
            let today: u64 = chrono::Utc::now().format("%Y%m%d00").to_string().parse().expect("digits");
            let body = records.join("\n");
            let unchanged = read_zone(&existing).1.join("\n") == body;
            let serial = if unchanged { serial } else { (serial + 1).max(today) };
            write_atomic(&path, &format!("{}{body}\n", zone_header(zone, serial)))?;
            applied.outputs.insert("fqdn".into(), format!("{}.{zone}", t.param_str("name").unwrap_or_default()));
            return Ok(applied);
        }
        if self.capability == "sandbox-ai-key" {
            let mut stored = secrets.read(&t.team, &t.name);
            stored.entry("apiKey".into()).or_insert_with(|| format!("sk-paved-{}", random_token(24)));
            secrets.write(&t.team, &t.name, &stored)?;
            applied.secrets = stored;
        }
        write_atomic(&path, &self.render(t, Some(&self.key_id(t))))?;
        applied.outputs.insert("file".into(), self.ctx.file_ref(&path));
        Ok(applied)
    }

    fn destroy(&self, t: &Target, secrets: &SecretStore) -> Result<(), Error> {
        let path = self.path(t);
        if self.capability == "dns-record" {
            let existing = std::fs::read_to_string(&path).unwrap_or_default();
            let (serial, mut records) = read_zone(&existing);
            let mine = format!("; paved:{}", t.key());
            records.retain(|l| !l.ends_with(&mine));
            let zone = t.param_str("zone").unwrap_or("internal");
            return write_atomic(&path, &format!("{}{}\n", zone_header(zone, serial + 1), records.join("\n")));
        }
        secrets.remove(&t.team, &t.name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Io { path, source: e }),
            _ => Ok(()),
        }
    }
}

/// The outputs of a file-backed request, known before it is applied.
pub fn expected_outputs(capability: &str, ctx: &Context, t: &Target) -> Vec<(String, String)> {
    match capability {
        "dns-record" => vec![(
            "fqdn".into(),
            format!("{}.{}", t.param_str("name").unwrap_or_default(), t.param_str("zone").unwrap_or("internal")),
        )],
        "namespace" => vec![("namespace".into(), t.physical(&ctx.platform))],
        "feature-flag" => vec![("flagKey".into(), t.param_str("key").unwrap_or(&t.name).to_owned())],
        "sandbox-ai-key" => vec![("keyId".into(), t.physical(&ctx.platform))],
        "iam-role" => vec![("roleName".into(), t.physical(&ctx.platform))],
        _ => Vec::new(),
    }
}
