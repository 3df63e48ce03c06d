//! Does a password still authenticate a PostgreSQL role? Answered from the role's stored verifier
//! (`pg_authid.rolpassword`), not by logging in: a server that trusts loopback connections accepts any password,
//! so a login there proves nothing.
//!
//! Two verifier formats exist since PostgreSQL 10: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`
//! (RFC 5802/7677, base64 fields) and `md5<hex md5(password || rolname)>`. Nothing here ever returns or formats
//! the password.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A verifier with more PBKDF2 iterations than this is not checked (a role may set its own verifier, and a huge
/// count would stall every reconcile); PostgreSQL's default is 4096.
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// What comparing a password with a verifier found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Matches,
    Mismatch,
    /// The verifier cannot be checked; the text says why (no password in it).
    Unchecked(String),
}

/// Compare `password` with `verifier`, the `rolpassword` of role `role`.
pub fn check(verifier: &str, role: &str, password: &str) -> Check {
    if let Some(rest) = verifier.strip_prefix("SCRAM-SHA-256$") {
        return scram(rest, password);
    }
    if verifier.starts_with("md5") && verifier.len() == 35 {
        let want = postgres_protocol::password::md5(password.as_bytes(), role);
        return if constant_time_eq(want.as_bytes(), verifier.as_bytes()) { Check::Matches } else { Check::Mismatch };
    }
    Check::Unchecked("its verifier is neither SCRAM-SHA-256 nor md5".into())
}

fn scram(rest: &str, password: &str) -> Check {
    let malformed = || Check::Unchecked("its SCRAM-SHA-256 verifier is malformed".into());
    let Some((params, keys)) = rest.split_once('$') else { return malformed() };
    let (Some((iterations, salt)), Some((stored_key, _server_key))) = (params.split_once(':'), keys.split_once(':'))
    else {
        return malformed();
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let (Ok(iterations), Ok(salt), Ok(stored_key)) =
        (iterations.parse::<u32>(), b64.decode(salt), b64.decode(stored_key))
    else {
        return malformed();
    };
    if iterations == 0 {
        return malformed();
    }
    if iterations > MAX_ITERATIONS {
        return Check::Unchecked(format!(
            "its SCRAM-SHA-256 verifier uses {iterations} iterations, more than paved checks ({MAX_ITERATIONS})"
        ));
    }
    // PostgreSQL runs the password through SASLprep first; for ASCII without control characters (every
    // password paved generates) that changes nothing. Anything else is not guessed at.
    if !password.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Check::Unchecked("the stored password is not plain ASCII, which paved does not check".into());
    }
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, iterations, &mut salted);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&salted).expect("HMAC takes a key of any length");
    mac.update(b"Client Key");
    let client_key = mac.finalize().into_bytes();
    let computed = Sha256::digest(client_key);
    if constant_time_eq(&computed, &stored_key) { Check::Matches } else { Check::Mismatch }
}

/// Equal, in time that does not depend on where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by PostgreSQL 15.20 (`password_encryption = scram-sha-256`) for `ALTER ROLE … PASSWORD
    /// correct horse battery staple'`, read back from pg_authid (role pvt_verifier_fixture; SCRAM does not salt
    /// with the role name).
    const SCRAM: &str = "SCRAM-SHA-256$4096:tct99T7cqfbf6f6aRTMIqg==$fLIxDISILhKORJ/geRmCMcXUbdsVOFcv06baE649XSA=:4d5VEetYsVS4TZoNX7jR2n1a+IB2AUXyy6piJmBAQ5o=";
    const PASSWORD: &str = "correct horse battery staple";

    #[test]
    fn a_verifier_the_server_made_matches_its_password_and_no_other() {
        assert_eq!(check(SCRAM, "anyone", PASSWORD), Check::Matches);
        assert_eq!(check(SCRAM, "anyone", "correct horse battery stapler"), Check::Mismatch);
        assert_eq!(check(SCRAM, "anyone", ""), Check::Mismatch);
    }

    /// Made by PostgreSQL 15.20 with `password_encryption = md5` for role `pvt_verifier_fixture`, password
    /// `secret`: `md5` + md5(password || role name).
    #[test]
    fn md5_verifiers_are_salted_with_the_role_name() {
        let verifier = "md570ad6c1d050d4d422cd45417d9a40fc8";
        assert_eq!(check(verifier, "pvt_verifier_fixture", "secret"), Check::Matches);
        assert_eq!(check(verifier, "alice", "secret"), Check::Mismatch, "another role's name is another salt");
        assert_eq!(check(verifier, "pvt_verifier_fixture", "Secret"), Check::Mismatch);
    }

    #[test]
    fn verifiers_it_cannot_check_say_why_without_the_password() {
        for verifier in [
            "plaintext",
            "SCRAM-SHA-256$",
            "SCRAM-SHA-256$4096:!!!$a:b",
            "SCRAM-SHA-256$0:c2FsdA==$YQ==:YQ==",
            "SCRAM-SHA-256$4294967295:c2FsdA==$YQ==:YQ==",
        ] {
            match check(verifier, "alice", "hunter2") {
                Check::Unchecked(why) => assert!(!why.contains("hunter2"), "{why}"),
                other => panic!("{verifier}: {other:?}"),
            }
        }
        let unicode = SCRAM.to_owned();
        assert!(matches!(check(&unicode, "alice", "pässword"), Check::Unchecked(_)));
    }
}
