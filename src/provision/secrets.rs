//! The secret store: generated credentials, kept outside the platform repo in paved's state directory, one file
//! per request, readable only by paved's user (mode 0600). Status files only ever name the store path.

use super::error::Error;
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct SecretStore {
    dir: PathBuf,
}

impl SecretStore {
    pub fn new(state_dir: &std::path::Path) -> Self {
        SecretStore { dir: state_dir.join("secrets") }
    }

    fn path(&self, team: &str, name: &str) -> PathBuf {
        self.dir.join(team).join(format!("{name}.json"))
    }

    /// Where a request's secrets live, for status files to point at.
    pub fn reference(team: &str, name: &str) -> String {
        format!("secret-store:{team}/{name}")
    }

    pub fn read(&self, team: &str, name: &str) -> BTreeMap<String, String> {
        std::fs::read_to_string(self.path(team, name))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Replace the secrets of one request (atomically, mode 0600).
    pub fn write(&self, team: &str, name: &str, secrets: &BTreeMap<String, String>) -> Result<(), Error> {
        let path = self.path(team, name);
        let dir = path.parent().expect("secret paths have a parent");
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let tmp = dir.join(format!(".{name}.tmp"));
        let io = |source| Error::Io { path: tmp.clone(), source };
        let mut f =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(io)?;
        f.write_all(serde_json::to_string_pretty(secrets).expect("strings serialize").as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(|source| Error::Io { path: path.clone(), source })
    }

    pub fn remove(&self, team: &str, name: &str) {
        let _ = std::fs::remove_file(self.path(team, name));
    }
}

/// A random token of `bytes` bytes, hex-encoded (passwords, API keys).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    hex::encode(buf)
}
