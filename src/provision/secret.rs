//! The native secret backend: a generated value, encrypted with age to the owning teams' recipients, committed to
//! the platform repo at `secrets/<team>/<name>.age` (bot-owned). Only holders of a recipient's identity can read
//! it; paved keeps no plaintext. Recipients are the age public keys in each recipient group's
//! `paved.dev/age-recipients` annotation. When they change, a new value is generated and encrypted to the new set
//! (paved cannot re-encrypt what it cannot read).

use super::{Applied, Backend, Context, Error, Observation, SecretStore, Target, random_token};
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

pub struct Secret {
    repo_root: Option<PathBuf>,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Backend { backend: "secret", message: e.to_string() }
}

/// Repo paths of a secret and of the recipient list it was encrypted to.
pub fn repo_paths(t: &Target) -> (String, String) {
    (format!("secrets/{}/{}.age", t.team, t.name), format!("secrets/{}/{}.recipients", t.team, t.name))
}

/// The outputs of a secret, known before it is applied: where it is committed and to how many recipients.
pub fn expected_outputs(t: &Target) -> Vec<(String, String)> {
    vec![("path".to_owned(), repo_paths(t).0), ("recipients".to_owned(), t.recipients.len().to_string())]
}

impl Secret {
    pub fn new(ctx: &Context) -> Self {
        Secret { repo_root: ctx.repo_root.clone() }
    }

    fn recipients_text(t: &Target) -> String {
        let mut r = t.recipients.clone();
        r.sort();
        r.join("\n") + "\n"
    }
}

impl Backend for Secret {
    fn observe(&self, t: &Target) -> Observation {
        if t.recipients.is_empty() {
            return Observation::Unavailable {
                reason: "no age recipients: add the annotation paved.dev/age-recipients (age public keys) to the recipient groups".into(),
            };
        }
        let Some(root) = &self.repo_root else { return Observation::Absent };
        let (file, recipients) = repo_paths(t);
        if !root.join(&file).exists() {
            return Observation::Absent;
        }
        match std::fs::read_to_string(root.join(&recipients)) {
            Ok(text) if text == Self::recipients_text(t) => Observation::Present { drift: None },
            _ => Observation::Present { drift: Some("recipients changed: a new value is encrypted to them".into()) },
        }
    }

    fn apply(&self, t: &Target, _secrets: &SecretStore) -> Result<Applied, Error> {
        let recipients: Vec<age::x25519::Recipient> = t
            .recipients
            .iter()
            .map(|r| age::x25519::Recipient::from_str(r).map_err(|e| err(format!("`{r}`: {e}"))))
            .collect::<Result<_, _>>()?;
        if recipients.is_empty() {
            return Err(err("no age recipients"));
        }
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient)).map_err(err)?;
        let mut armored = Vec::new();
        {
            let armor =
                age::armor::ArmoredWriter::wrap_output(&mut armored, age::armor::Format::AsciiArmor).map_err(err)?;
            let mut w = encryptor.wrap_output(armor).map_err(err)?;
            w.write_all(random_token(32).as_bytes()).map_err(err)?;
            w.finish().and_then(|armor| armor.finish()).map_err(err)?;
        }
        let (file, list) = repo_paths(t);
        let mut applied = Applied::default();
        applied.repo_files.push((file, String::from_utf8(armored).map_err(err)?));
        applied.repo_files.push((list, Self::recipients_text(t)));
        Ok(applied)
    }

    fn destroy(&self, _t: &Target, _secrets: &SecretStore) -> Result<(), Error> {
        // The executor deletes the repo files with the status (they are bot-owned files of this request).
        Ok(())
    }
}
