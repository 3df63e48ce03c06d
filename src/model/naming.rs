//! Physical names: what a request's resources are called on their backends (a PostgreSQL database and role, a
//! NATS stream, a Kubernetes namespace, an IAM role, an AI key id, the files paved writes), one rule per backend
//! and one function, [`name`], that every backend uses.
//!
//! # Guarantees
//! [`name`] is injective on `(platform, team, name)` for a given [`Rule`]: two different requests never get one
//! name. A name has one of two forms:
//! - *plain*, `<platform><sep><team><sep><name>`, when each of the three is non-empty, made only of characters
//!   the rule keeps unchanged (which never include the separator) and the whole fits. It has exactly three
//!   non-empty segments, so it splits back into the triple it came from: two plain names are equal only for
//!   equal triples. It never holds two separators in a row.
//! - *hashed*, `<readable prefix><sep><sep><hash>`, otherwise: the hash (12 hex digits, 48 bits of SHA-256) is
//!   of the exact, length-prefixed triple, so two hashed names are equal only when the hashes are (a 48-bit
//!   collision: one in 2^24 pairs of names even among sixteen million requests). It always ends in two
//!   separators and the hash, which no plain name holds: a plain and a hashed name never meet.
//!
//! Derived names keep this: the NATS consumer is the stream name in lower case (a bijection on the rule's
//! characters), a dead-letter stream is `<stream>_DLQ`, whose last segment is neither a team's name after two
//! segments nor a 12-digit hash. Paths keyed by `team/name` (the secret store, Terraform work directories,
//! native secrets in the repo) are injective already: neither a team nor a request name can hold a `/`.
//!
//! # Stability
//! Names made before this module existed came from the `legacy_…` functions, which were not injective. A request
//! keeps the names its status recorded ([`resolve`]); one provisioned by an older paved, whose status records none,
//! keeps its legacy names, which is what exists. Nothing is renamed under a running resource.

use super::capability::Capability;
use super::platform::BackendKind;
use sha2::{Digest, Sha256};

/// How one backend names things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// What the name is, for messages.
    pub what: &'static str,
    /// Characters a segment may hold and keep, besides `[a-z0-9]`. Never the separator.
    pub extra: &'static str,
    /// Between platform, team and name.
    pub sep: char,
    /// The backend's names are upper case (the rule works in lower case, then maps every letter up).
    pub upper: bool,
    /// The longest name, in bytes (every name is ASCII).
    pub max: usize,
}

/// A PostgreSQL database and its owning role: an identifier that needs no quoting, at most 63 bytes.
pub const POSTGRES: Rule = Rule { what: "PostgreSQL database and role", extra: "", sep: '_', upper: false, max: 63 };
/// A NATS JetStream stream (its consumer is the name in lower case): no `.`, `*`, `>`, space or slash; at most
/// 60 bytes, so that the dead-letter stream `<name>_DLQ` fits in 64.
pub const NATS_STREAM: Rule = Rule { what: "NATS stream", extra: "-", sep: '_', upper: true, max: 60 };
/// A Kubernetes namespace: an RFC 1123 DNS label, `[a-z0-9-]`, at most 63 bytes.
pub const DNS_LABEL: Rule = Rule { what: "Kubernetes namespace", extra: "", sep: '-', upper: false, max: 63 };
/// An IAM role name: `[A-Za-z0-9+=,.@_-]`, at most 64 bytes; AWS compares role names without case, so the rule
/// keeps lower case only.
pub const IAM_ROLE: Rule = Rule { what: "IAM role", extra: "+=,.@-", sep: '_', upper: false, max: 64 };
/// A sandbox AI key's id in the gateway's key registry.
pub const KEY_ID: Rule = Rule { what: "AI key id", extra: "-.", sep: '_', upper: false, max: 128 };
/// A file paved writes for a request (zone files aside), without its extension.
pub const FILE: Rule = Rule { what: "file", extra: "-.", sep: '_', upper: false, max: 128 };

/// Hex digits of the hash in a hashed name.
pub const HASH_HEX: usize = 12;

/// The name `rule` gives the request `team/name` of `platform`; see the module docs for why it is injective.
pub fn name(rule: &Rule, platform: &str, team: &str, name: &str) -> String {
    let parts = [platform, team, name];
    let keeps = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || rule.extra.contains(c);
    let clean = |s: &str| !s.is_empty() && s.chars().all(keeps);
    let plain = parts.join(&rule.sep.to_string());
    let out =
        if parts.iter().all(|p| clean(p)) && plain.len() <= rule.max { plain } else { hashed(rule, &parts, keeps) };
    if rule.upper { out.to_ascii_uppercase() } else { out }
}

/// `<readable prefix><sep><sep><hash>`: the prefix is the triple with letters lowered, every other character the
/// rule does not keep turned into the separator, runs of separators made one, cut to fit.
fn hashed(rule: &Rule, parts: &[&str; 3], keeps: impl Fn(char) -> bool) -> String {
    let mut h = Sha256::new();
    for p in parts {
        // Length-prefixed: ("a_b", "c") and ("a", "b_c") hash differently.
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let hash = &hex::encode(h.finalize())[..HASH_HEX];
    let mut prefix = String::new();
    for c in parts.join(&rule.sep.to_string()).chars().map(|c| c.to_ascii_lowercase()) {
        let c = if keeps(c) { c } else { rule.sep };
        if !(c == rule.sep && (prefix.is_empty() || prefix.ends_with(rule.sep))) {
            prefix.push(c);
        }
    }
    prefix.truncate(rule.max - 2 - HASH_HEX);
    let prefix = prefix.trim_end_matches(rule.sep);
    // A DNS label starts with a letter or digit: a prefix that lost every character becomes `n`.
    let prefix = if prefix.is_empty() { "n" } else { prefix };
    format!("{prefix}{sep}{sep}{hash}", sep = rule.sep)
}

/// The names a request's resources hold: the physical one (database, stream, namespace, role, key id) and the
/// file paved writes, each where its capability has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub physical: Option<String>,
    pub file: Option<String>,
}

/// The rules of a capability's native backend: for its physical name and for its file.
fn rules(capability: &Capability, backend: BackendKind) -> (Option<&'static Rule>, Option<&'static Rule>) {
    if backend != BackendKind::Native {
        return (None, None);
    }
    match capability {
        Capability::Database => (Some(&POSTGRES), None),
        Capability::Queue => (Some(&NATS_STREAM), None),
        Capability::Namespace => (Some(&DNS_LABEL), Some(&FILE)),
        Capability::IamRole => (Some(&IAM_ROLE), Some(&FILE)),
        Capability::SandboxAiKey => (Some(&KEY_ID), Some(&FILE)),
        Capability::FeatureFlag | Capability::TlsCertificate => (None, Some(&FILE)),
        Capability::Secret | Capability::DnsRecord | Capability::Other(_) => (None, None),
    }
}

/// What [`rules`] names a capability's physical name, for messages.
pub fn what(capability: &Capability, backend: BackendKind) -> &'static str {
    rules(capability, backend).0.map(|r| r.what).unwrap_or("file")
}

/// The collision-free names of a new request.
pub fn names(capability: &Capability, backend: BackendKind, platform: &str, team: &str, request: &str) -> Names {
    let (physical, file) = rules(capability, backend);
    Names {
        physical: physical.map(|r| name(r, platform, team, request)),
        file: file.map(|r| name(r, platform, team, request)),
    }
}

/// The names paved gave before they were collision-free: what a request provisioned then holds.
pub fn legacy_names(capability: &Capability, backend: BackendKind, platform: &str, team: &str, request: &str) -> Names {
    let (physical, file) = rules(capability, backend);
    let physical = physical.map(|_| match capability {
        Capability::Database => legacy_physical_name(platform, team, request, '_'),
        Capability::Queue => legacy_physical_name(platform, team, request, '_').to_ascii_uppercase(),
        Capability::Namespace => legacy_namespace_name(team, request),
        Capability::IamRole => legacy_iam_role_name(platform, team, request),
        _ => format!("{platform}-{team}-{request}"),
    });
    Names { physical, file: file.map(|_| format!("{team}-{request}")) }
}

/// One name a request holds, with the space it must be unique in (its capability, backend and kind of name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Held {
    pub space: String,
    pub name: String,
    /// What it is, for messages.
    pub what: &'static str,
}

/// The names in `names`, each with its space.
pub fn held(capability: &Capability, backend: BackendKind, names: Names) -> Vec<Held> {
    let space = |kind: &str| format!("{capability}/{backend:?}/{kind}");
    let physical = names.physical.map(|name| Held { space: space("physical"), name, what: what(capability, backend) });
    let file = names.file.map(|name| Held { space: space("file"), name, what: "file name" });
    physical.into_iter().chain(file).collect()
}

/// Every name request `team/request` could hold, new or legacy, each with its space: a superset of what it
/// holds, known without its status.
pub fn possible(capability: &Capability, backend: BackendKind, platform: &str, team: &str, request: &str) -> Vec<Held> {
    let mut out = held(capability, backend, names(capability, backend, platform, team, request));
    out.extend(held(capability, backend, legacy_names(capability, backend, platform, team, request)));
    out.dedup();
    out
}

/// What a request's last status says about its names.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorded<'a> {
    /// Something was applied for it (the status has an applied digest).
    pub applied: bool,
    /// The capability and backend the recorded target was for; names of another are not this request's.
    pub capability: Option<&'a Capability>,
    pub backend: Option<BackendKind>,
    pub physical: Option<&'a str>,
    pub file: Option<&'a str>,
}

/// The names request `team/request` holds: what its status recorded; for a status that records none but says
/// something was applied (an older paved wrote it), the legacy names, which is what exists; else new ones.
pub fn resolve(
    capability: &Capability,
    backend: BackendKind,
    platform: &str,
    team: &str,
    request: &str,
    recorded: Option<Recorded<'_>>,
) -> Names {
    let same = |r: &Recorded| r.capability.is_none_or(|c| c == capability) && r.backend.is_none_or(|b| b == backend);
    match recorded.filter(same) {
        Some(r) if r.physical.is_some() || r.file.is_some() => {
            let fresh = names(capability, backend, platform, team, request);
            Names {
                physical: r.physical.map(str::to_owned).or(fresh.physical),
                file: r.file.map(str::to_owned).or(fresh.file),
            }
        }
        Some(r) if r.applied => legacy_names(capability, backend, platform, team, request),
        _ => names(capability, backend, platform, team, request),
    }
}

/// The physical name paved gave before names were collision-free: `<platform><sep><team><sep><name>` lowered,
/// every other character the separator, cut to 63 with a hash. Kept only for what was provisioned with it.
pub fn legacy_physical_name(platform: &str, team: &str, request: &str, sep: char) -> String {
    let raw = format!("{platform}{sep}{team}{sep}{request}");
    let clean: String =
        raw.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { sep }).collect();
    if clean.len() <= 63 {
        return clean;
    }
    let hash = hex::encode(&Sha256::digest(raw.as_bytes())[..4]);
    format!("{}{sep}{hash}", &clean[..54])
}

/// The namespace name paved gave before names were collision-free: `<team>-<name>` as a DNS label.
pub fn legacy_namespace_name(team: &str, request: &str) -> String {
    let raw = format!("{team}-{request}").to_ascii_lowercase();
    let clean: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    clean.chars().take(63).collect::<String>().trim_matches('-').to_owned()
}

/// The IAM role name paved gave before names were collision-free (cut at 64, no hash).
pub fn legacy_iam_role_name(platform: &str, team: &str, request: &str) -> String {
    let raw = format!("{platform}-{team}-{request}");
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) { c } else { '-' }).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Rule; 6] = [POSTGRES, NATS_STREAM, DNS_LABEL, IAM_ROLE, KEY_ID, FILE];

    fn valid(rule: &Rule, n: &str) -> bool {
        let lower = n.to_ascii_lowercase();
        n.len() <= rule.max
            && lower
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == rule.sep || rule.extra.contains(c))
            && lower.starts_with(|c: char| c.is_ascii_alphanumeric())
            && (rule.upper || n == lower)
    }

    #[test]
    fn the_reported_collisions_get_distinct_names_on_every_backend() {
        let pairs = [
            (("data", "engineering-warehouse-db"), ("data-engineering", "warehouse-db")),
            (("t", "same-db"), ("t", "same_db")),
            (("t", "same-db"), ("t", "same.db")),
            (("t", "same_db"), ("t", "same.db")),
            (("search", "relevance-index"), ("search-relevance", "index")),
            (("t", "orders"), ("t", "Orders")),
        ];
        for rule in ALL {
            for ((t1, n1), (t2, n2)) in pairs {
                let (a, b) = (name(&rule, "acme", t1, n1), name(&rule, "acme", t2, n2));
                assert_ne!(a, b, "{}: {t1}/{n1} and {t2}/{n2}", rule.what);
                assert!(valid(&rule, &a) && valid(&rule, &b), "{}: {a} {b}", rule.what);
            }
        }
        // They did collide before.
        assert_eq!(
            legacy_physical_name("acme", "data", "engineering-warehouse-db", '_'),
            legacy_physical_name("acme", "data-engineering", "warehouse-db", '_')
        );
    }

    #[test]
    fn a_name_that_loses_nothing_stays_readable_and_others_get_a_hash() {
        assert_eq!(name(&POSTGRES, "acme", "payments", "orders"), "acme_payments_orders");
        assert_eq!(name(&NATS_STREAM, "acme", "payments", "order-events"), "ACME_PAYMENTS_ORDER-EVENTS");
        assert_eq!(name(&FILE, "acme", "storefront", "new-checkout-flow"), "acme_storefront_new-checkout-flow");
        let hashed = name(&POSTGRES, "acme", "payments", "orders-db");
        assert!(hashed.starts_with("acme_payments_orders_db__"), "{hashed}");
        assert_eq!(hashed.len(), "acme_payments_orders_db__".len() + HASH_HEX);
        // The separator inside a segment would make the split ambiguous: hashed.
        assert!(name(&DNS_LABEL, "acme", "storefront", "staging").eq("acme-storefront-staging"));
        assert!(name(&DNS_LABEL, "acme", "storefront", "store-staging").contains("--"));
        // Stable: the same triple, the same name.
        assert_eq!(hashed, name(&POSTGRES, "acme", "payments", "orders-db"));
    }

    #[test]
    fn plain_names_split_back_into_their_request_and_hashed_ones_end_in_two_separators_and_a_hash() {
        let parts = ["a", "b", "ab", "a-b", "a_b", "a.b", "A", "0", "x__y", "deadbeef0123"];
        for rule in ALL {
            let sep = rule.sep.to_string();
            for t in parts {
                for n in parts {
                    let got = name(&rule, "acme", t, n).to_ascii_lowercase();
                    match got.rsplit_once(&format!("{sep}{sep}")) {
                        Some((_, hash)) => {
                            assert!(hash.len() == HASH_HEX && hash.chars().all(|c| c.is_ascii_hexdigit()), "{got}")
                        }
                        None => assert_eq!(got.split(&sep).collect::<Vec<_>>(), ["acme", t, n], "{}", rule.what),
                    }
                }
            }
        }
    }

    #[test]
    fn names_at_every_backends_limit_are_plain_and_one_over_is_hashed_within_it() {
        for rule in ALL {
            let fixed = "acme".len() + "t".len() + 2;
            let at = "a".repeat(rule.max - fixed);
            let over = "a".repeat(rule.max - fixed + 1);
            let plain = name(&rule, "acme", "t", &at);
            assert_eq!(plain.len(), rule.max, "{}", rule.what);
            assert!(!plain.contains(&format!("{0}{0}", rule.sep)), "{}: {plain}", rule.what);
            let cut = name(&rule, "acme", "t", &over);
            assert!(cut.len() <= rule.max, "{}: {cut}", rule.what);
            assert!(valid(&rule, &cut), "{}: {cut}", rule.what);
            assert_ne!(
                cut,
                name(&rule, "acme", "t", &format!("{over}a")),
                "{}: truncation keeps them apart",
                rule.what
            );
        }
        // A stream's dead-letter twin still fits NATS's 64.
        let longest = name(&NATS_STREAM, "acme", "t", &"a".repeat(200));
        assert!(format!("{longest}_DLQ").len() <= 64);
    }

    #[test]
    fn unicode_and_upper_case_are_hashed_into_valid_names() {
        for rule in ALL {
            let a = name(&rule, "acme", "équipe", "base");
            let b = name(&rule, "acme", "equipe", "base");
            let c = name(&rule, "acme", "Equipe", "base");
            assert!(valid(&rule, &a) && valid(&rule, &c), "{}: {a} {c}", rule.what);
            assert!(a != b && b != c && a != c, "{}: {a} {b} {c}", rule.what);
            let lost = name(&rule, "ü", "ö", "ä");
            assert!(valid(&rule, &lost), "{}: {lost}", rule.what);
        }
    }

    #[test]
    fn recorded_names_win_then_legacy_for_what_was_applied_then_new_ones() {
        let db = BackendKind::Native;
        let recorded = Recorded {
            applied: true,
            capability: Some(&Capability::Database),
            backend: Some(db),
            physical: Some("kept"),
            file: None,
        };
        assert_eq!(
            resolve(&Capability::Database, db, "acme", "t", "a-b", Some(recorded)).physical.as_deref(),
            Some("kept")
        );
        let older = Recorded { physical: None, ..recorded };
        assert_eq!(
            resolve(&Capability::Database, db, "acme", "t", "a-b", Some(older)).physical.as_deref(),
            Some("acme_t_a_b")
        );
        let never = Recorded { applied: false, ..older };
        assert_eq!(
            resolve(&Capability::Database, db, "acme", "t", "a-b", Some(never)),
            names(&Capability::Database, db, "acme", "t", "a-b")
        );
        // A recorded queue name is not a database's.
        let queue = Recorded { capability: Some(&Capability::Queue), ..recorded };
        assert_eq!(
            resolve(&Capability::Database, db, "acme", "t", "a-b", Some(queue)),
            names(&Capability::Database, db, "acme", "t", "a-b")
        );
        let ns = legacy_names(&Capability::Namespace, db, "acme", "t", "a.b");
        assert_eq!((ns.physical.as_deref(), ns.file.as_deref()), (Some("t-a-b"), Some("t-a.b")));
    }
}
