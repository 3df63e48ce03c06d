//! The native TLS backend: certificates from the platform's internal CA (rcgen), reissued before they expire.
//!
//! The CA is made once in the state directory. A certificate and its chain go to the output directory (they are
//! public); the private key goes only to the secret store. A certificate is reissued when its SANs no longer match
//! the request or when less than a third of its validity (at most 30 days) is left.

use super::{Applied, Backend, Context, Error, Observation, SecretStore, Target};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use std::path::PathBuf;

pub struct Tls {
    ca_dir: PathBuf,
    out: PathBuf,
    platform: String,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Backend { backend: "tls", message: e.to_string() }
}

/// What paved records next to a certificate (to decide on reissue without parsing X.509).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Issued {
    not_after: String,
    validity_days: i64,
    sans: Vec<String>,
}

impl Tls {
    pub fn new(ctx: &Context) -> Self {
        Tls { ca_dir: ctx.state_dir.join("ca"), out: ctx.output_dir.join("tls"), platform: ctx.platform.clone() }
    }

    /// The CA certificate's path (public; what clients trust).
    pub fn ca_path(ctx: &Context) -> PathBuf {
        ctx.output_dir.join("tls").join("ca.crt.pem")
    }

    fn cert_path(&self, t: &Target) -> PathBuf {
        self.out.join(format!("{}.crt.pem", t.file(&self.platform)))
    }

    fn meta_path(&self, t: &Target) -> PathBuf {
        self.out.join(format!("{}.json", t.file(&self.platform)))
    }

    fn sans(t: &Target) -> Vec<String> {
        let mut sans: Vec<String> = t.param_str("commonName").map(str::to_owned).into_iter().collect();
        if let Some(list) = t.parameters.get("dnsNames").and_then(|v| v.as_array()) {
            sans.extend(list.iter().filter_map(|v| v.as_str().map(str::to_owned)));
        }
        sans.sort();
        sans.dedup();
        sans
    }

    /// Load the CA, making it on first use.
    fn ca(&self) -> Result<(String, KeyPair), Error> {
        let key_path = self.ca_dir.join("ca.key.pem");
        let cert_path = self.out.join("ca.crt.pem");
        if let (Ok(key), Ok(cert)) = (std::fs::read_to_string(&key_path), std::fs::read_to_string(&cert_path)) {
            return Ok((cert, KeyPair::from_pem(&key).map_err(err)?));
        }
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.distinguished_name.push(DnType::CommonName, format!("{} internal CA", self.platform));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        params.not_after = rcgen::date_time_ymd(2036, 1, 1);
        let cert = params.self_signed(&key).map_err(err)?;
        write_secret_file(&key_path, &key.serialize_pem())?;
        write_file(&cert_path, &cert.pem())?;
        Ok((cert.pem(), key))
    }
}

fn write_file(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let dir = path.parent().expect("has a parent");
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    std::fs::write(path, text).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

fn write_secret_file(path: &std::path::Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().expect("has a parent");
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let mut f =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)
}

impl Backend for Tls {
    fn observe(&self, t: &Target) -> Observation {
        let Ok(meta) = std::fs::read_to_string(self.meta_path(t)) else { return Observation::Absent };
        if !self.cert_path(t).exists() {
            return Observation::Absent;
        }
        let Ok(issued) = serde_json::from_str::<Issued>(&meta) else {
            return Observation::Present { drift: Some("certificate metadata unreadable: reissuing".into()) };
        };
        if issued.sans != Self::sans(t) {
            return Observation::Present {
                drift: Some(format!("certificate names {:?}, request asks {:?}", issued.sans, Self::sans(t))),
            };
        }
        let not_after = chrono::DateTime::parse_from_rfc3339(&issued.not_after).map(|d| d.with_timezone(&chrono::Utc));
        let margin = chrono::Duration::days((issued.validity_days / 3).clamp(1, 30));
        match not_after {
            Ok(na) if na - margin > chrono::Utc::now() => Observation::Present { drift: None },
            Ok(na) => Observation::Present {
                drift: Some(format!("certificate expires {}: reissuing", na.format("%Y-%m-%d"))),
            },
            Err(_) => Observation::Present { drift: Some("certificate expiry unknown: reissuing".into()) },
        }
    }

    fn apply(&self, t: &Target, secrets: &SecretStore) -> Result<Applied, Error> {
        let (ca_pem, ca_key) = self.ca()?;
        let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key).map_err(err)?;
        let sans = Self::sans(t);
        let days = t.parameters.get("validityDays").and_then(|v| v.as_i64()).unwrap_or(90).clamp(1, 397);
        let mut params = CertificateParams::new(sans.clone()).map_err(err)?;
        params.distinguished_name.push(DnType::CommonName, t.param_str("commonName").unwrap_or(&t.name));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::minutes(5);
        params.not_after = now + time::Duration::days(days);
        let key = KeyPair::generate().map_err(err)?;
        let cert = params.signed_by(&key, &issuer).map_err(err)?;
        write_file(&self.cert_path(t), &format!("{}{}", cert.pem(), ca_pem))?;
        let not_after = chrono::Utc::now() + chrono::Duration::days(days);
        let meta = Issued {
            not_after: not_after.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            validity_days: days,
            sans,
        };
        write_file(&self.meta_path(t), &serde_json::to_string_pretty(&meta).expect("json"))?;
        let mut stored = secrets.read(&t.team, &t.name);
        stored.insert("privateKey".into(), key.serialize_pem());
        secrets.write(&t.team, &t.name, &stored)?;
        Ok(Applied { secrets: stored, ..Default::default() })
    }

    fn destroy(&self, t: &Target, secrets: &SecretStore) -> Result<(), Error> {
        for p in [self.cert_path(t), self.meta_path(t)] {
            let _ = std::fs::remove_file(p);
        }
        secrets.remove(&t.team, &t.name);
        Ok(())
    }
}

pub fn expected_outputs(ctx: &Context, t: &Target) -> Vec<(String, String)> {
    let tls = Tls::new(ctx);
    vec![("certificate".into(), ctx.file_ref(&tls.cert_path(t))), ("ca".into(), ctx.file_ref(&Tls::ca_path(ctx)))]
}
