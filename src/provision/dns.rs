//! The DNS record backend: one line per request in its zone's file, which every record in the zone shares; the
//! zone's serial is bumped on every change.

use super::backend::{Applied, Backend, Observation};
use super::context::Context;
use super::error::Error;
use super::rendered::write_atomic;
use super::secrets::SecretStore;
use super::target::Target;
use std::path::PathBuf;

pub struct DnsRecord {
    ctx: Context,
}

impl DnsRecord {
    pub fn new(ctx: &Context) -> Self {
        DnsRecord { ctx: ctx.clone() }
    }

    /// The zone file a target's record is in.
    fn path(&self, t: &Target) -> PathBuf {
        self.ctx.output_dir.join("dns").join(format!("{}.zone", zone(t)))
    }
}

fn zone(t: &Target) -> &str {
    t.param_str("zone").unwrap_or("internal")
}

/// The tag that marks `t`'s line in its zone.
fn owner_tag(t: &Target) -> String {
    format!("; paved:{}", t.key())
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

impl Backend for DnsRecord {
    fn observe(&self, t: &Target) -> Observation {
        let Ok(text) = std::fs::read_to_string(self.path(t)) else { return Observation::Absent };
        let want = dns_line(t);
        let mine = owner_tag(t);
        match read_zone(&text).1.into_iter().find(|l| l.ends_with(&mine)) {
            None => Observation::Absent,
            Some(l) if l == want => Observation::Present { drift: None },
            Some(l) => Observation::Present { drift: Some(format!("zone record is `{}`", l.trim())) },
        }
    }

    fn apply(&self, t: &Target, _secrets: &SecretStore) -> Result<Applied, Error> {
        let path = self.path(t);
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let (serial, mut records) = read_zone(&existing);
        let mine = owner_tag(t);
        records.retain(|l| !l.ends_with(&mine));
        records.push(dns_line(t));
        records.sort();
        let today: u64 = chrono::Utc::now().format("%Y%m%d00").to_string().parse().expect("digits");
        let body = records.join("\n");
        let unchanged = read_zone(&existing).1.join("\n") == body;
        let serial = if unchanged { serial } else { (serial + 1).max(today) };
        write_atomic(&path, &format!("{}{body}\n", zone_header(zone(t), serial)))?;
        let mut applied = Applied::default();
        applied.outputs.extend(expected_outputs(t));
        Ok(applied)
    }

    fn destroy(&self, t: &Target, _secrets: &SecretStore) -> Result<(), Error> {
        let path = self.path(t);
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let (serial, mut records) = read_zone(&existing);
        let mine = owner_tag(t);
        records.retain(|l| !l.ends_with(&mine));
        write_atomic(&path, &format!("{}{}\n", zone_header(zone(t), serial + 1), records.join("\n")))
    }
}

/// The outputs of a DNS record, known before it is applied.
pub fn expected_outputs(t: &Target) -> Vec<(String, String)> {
    vec![("fqdn".into(), format!("{}.{}", t.param_str("name").unwrap_or_default(), zone(t)))]
}
