//! `attestation.signed`: a DSSE envelope at `evidence/<component>/provenance.intoto.jsonl` (one envelope a line,
//! bare or inside a Sigstore bundle's `dsseEnvelope`) whose signature verifies, over the DSSE pre-authentication
//! encoding, with a trusted key of `platform.yaml` (`signingKeys`: Ed25519 or ECDSA P-256, as cosign makes), and
//! whose in-toto Statement names the component as a subject.
//!
//! # Fails
//! A key not in `platform.yaml`, a changed payload or signature, a statement about another artifact, and a subject
//! digest that differs from the image digest the component's SBOM records.

use super::error::Error;
use super::fact::{Citation, Fact, parse_time};
use super::inputs::Inputs;
use crate::model::platform::{KeyAlgorithm, SigningKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;

pub const FILES: [&str; 1] = ["provenance.intoto.jsonl"];
const IN_TOTO: &str = "application/vnd.in-toto+json";

/// DSSE v1 pre-authentication encoding: what is signed.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

fn b64(text: &str) -> Option<Vec<u8>> {
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD].iter().find_map(|e| e.decode(text.trim()).ok())
}

/// Verify `sig` over `message` with one trusted key.
///
/// # Errors
/// Why it does not verify: the key does not parse, the signature is malformed, or it is not this key's.
pub fn verify(key: &SigningKey, message: &[u8], sig: &[u8]) -> Result<(), Error> {
    let bad_key =
        |algorithm, e: &dyn std::fmt::Display| Error::BadKey { key: key.id.clone(), algorithm, message: e.to_string() };
    let not_verified = |_| Error::NotVerified { key: key.id.clone() };
    match key.algorithm {
        KeyAlgorithm::Ed25519 => {
            use ed25519_dalek::pkcs8::DecodePublicKey;
            let vk = ed25519_dalek::VerifyingKey::from_public_key_pem(key.public_key.trim())
                .map_err(|e| bad_key("an Ed25519", &e))?;
            let sig = ed25519_dalek::Signature::from_slice(sig)
                .map_err(|_| Error::Invalid("not a 64-byte Ed25519 signature"))?;
            vk.verify_strict(message, &sig).map_err(not_verified)
        }
        KeyAlgorithm::EcdsaP256 => {
            use p256::ecdsa::signature::Verifier;
            use p256::pkcs8::DecodePublicKey;
            let vk = p256::ecdsa::VerifyingKey::from_public_key_pem(key.public_key.trim())
                .map_err(|e| bad_key("a P-256", &e))?;
            let sig = p256::ecdsa::Signature::from_der(sig)
                .or_else(|_| p256::ecdsa::Signature::from_slice(sig))
                .map_err(|_| Error::Invalid("not an ECDSA P-256 signature (DER or r||s)"))?;
            vk.verify(message, &sig).map_err(not_verified)
        }
    }
}

/// The outcome of checking one envelope.
struct Verified {
    key: String,
    subject: String,
    digest: Option<String>,
    predicate: String,
    date: Option<chrono::DateTime<chrono::Utc>>,
}

fn check_envelope(line: &str, keys: &[SigningKey], component: &str) -> Result<Verified, Error> {
    let v: Value =
        serde_json::from_str(line).map_err(|e| Error::Parse { what: "not a JSON envelope", message: e.to_string() })?;
    let env = v.get("dsseEnvelope").unwrap_or(&v);
    let payload_type =
        env.get("payloadType").and_then(Value::as_str).ok_or(Error::Invalid("the envelope has no payloadType"))?;
    if payload_type != IN_TOTO {
        return Err(Error::PayloadType(payload_type.to_owned()));
    }
    let payload =
        env.get("payload").and_then(Value::as_str).and_then(b64).ok_or(Error::Invalid("payload is not base64"))?;
    let sigs = env
        .get("signatures")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or(Error::Invalid("unsigned envelope"))?;
    let message = pae(payload_type, &payload);
    let mut why = Vec::new();
    let mut key_used = None;
    'sigs: for s in sigs {
        let Some(sig) = s.get("sig").and_then(Value::as_str).and_then(b64) else {
            why.push(Error::Invalid("a signature is not base64"));
            continue;
        };
        let keyid = s.get("keyid").and_then(Value::as_str).unwrap_or_default();
        let candidates: Vec<&SigningKey> = keys.iter().filter(|k| keyid.is_empty() || k.id == keyid).collect();
        if candidates.is_empty() {
            why.push(Error::UntrustedKey { keyid: keyid.to_owned() });
        }
        for k in candidates {
            match verify(k, &message, &sig) {
                Ok(()) => {
                    key_used = Some(k.id.clone());
                    break 'sigs;
                }
                Err(e) => why.push(e),
            }
        }
    }
    let key = key_used.ok_or(if keys.is_empty() {
        Error::Invalid("platform.yaml trusts no signing key (spec.signingKeys)")
    } else {
        Error::Unverified(why)
    })?;
    let st: Value = serde_json::from_slice(&payload)
        .map_err(|e| Error::Parse { what: "the signed payload is not JSON", message: e.to_string() })?;
    let t = st.get("_type").and_then(Value::as_str).unwrap_or_default();
    if !t.starts_with("https://in-toto.io/Statement/") {
        return Err(Error::NotAStatement(t.to_owned()));
    }
    let subjects = st.get("subject").and_then(Value::as_array).ok_or(Error::Invalid("the statement has no subject"))?;
    let named = subjects.iter().find(|s| {
        s.get("name").and_then(Value::as_str).is_some_and(|n| {
            let last = n.rsplit('/').next().unwrap_or(n);
            let last = last.split([':', '@']).next().unwrap_or(last);
            last.eq_ignore_ascii_case(component)
        })
    });
    let Some(subject) = named else {
        let subjects = subjects.iter().filter_map(|s| Some(s.get("name")?.as_str()?.to_owned())).collect();
        return Err(Error::OtherSubjects { subjects, component: component.to_owned() });
    };
    let digest =
        subject.get("digest").and_then(|d| d.get("sha256")).and_then(Value::as_str).map(|h| format!("sha256:{h}"));
    let pred = st.get("predicate");
    let date = [
        "/runDetails/metadata/finishedOn",
        "/runDetails/metadata/startedOn",
        "/metadata/buildFinishedOn",
        "/metadata/buildStartedOn",
    ]
    .iter()
    .find_map(|p| pred?.pointer(p)?.as_str().and_then(parse_time));
    Ok(Verified {
        key,
        subject: subject.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
        digest,
        predicate: st.get("predicateType").and_then(Value::as_str).unwrap_or("no predicate").to_owned(),
        date,
    })
}

/// `image_digest` is the digest the component's SBOM records for its image, when it records one.
pub fn collect(inputs: &Inputs<'_>, component: &str, image_digest: Option<&str>) -> Fact {
    let file = match inputs.component_file(component, &FILES) {
        None => return Fact::fail(format!("no signed attestation at evidence/{component}/provenance.intoto.jsonl")),
        Some(Err(reason)) => return Fact::unreadable(reason.to_string()),
        Some(Ok(f)) => f,
    };
    let keys = &inputs.model.platform.spec.signing_keys;
    let mut reasons = Vec::new();
    for (i, line) in file.text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match check_envelope(line, keys, component) {
            Ok(v) => {
                if let (Some(want), Some(got)) = (image_digest, v.digest.as_deref())
                    && !want.eq_ignore_ascii_case(got)
                {
                    reasons.push(format!(
                        "{}:{}: the signed subject {} has digest {got}, but the SBOM's image is {want}",
                        file.path,
                        i + 1,
                        v.subject
                    ));
                    continue;
                }
                let mut fact = Fact::pass(
                    "verified",
                    format!("{} for {} signed by trusted key {}", v.predicate, v.subject, v.key),
                )
                .at(v.date.or(file.delivered))
                .cite(file.citation.clone());
                if let Some(d) = v.digest {
                    fact = fact.cite(Citation::new(v.subject, d));
                }
                return fact;
            }
            Err(e) => reasons.push(format!("{}:{}: {e}", file.path, i + 1)),
        }
    }
    if reasons.is_empty() {
        reasons.push(format!("{}: no envelope in the file", file.path));
    }
    Fact::fail(reasons.join("; ")).cite(file.citation)
}
