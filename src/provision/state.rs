//! paved's state directory: the secret store, the internal CA, Terraform state and what native backends write.
//!
//! Where it is belongs to the platform, not to the command that runs: `--state`, then `PAVED_STATE` (a volume in
//! a deployment), then `platform.yaml` `spec.state` (relative to the repo root, or absolute), then
//! `<repo>/.paved/state`. It holds secrets, so it is never committed: when it lies inside the platform work tree
//! and git does not already ignore it, paved adds it to the work tree's `.git/info/exclude` (a `.gitignore` that
//! is never committed) before writing into it.
//!
//! A state directory is only ever created by paved on purpose. Pointing paved at an empty one while `status/` says
//! resources were provisioned from a state would silently make every password, key and CA anew; [`check`]
//! refuses that, saying where the state may be and how to start afresh on purpose.

use std::path::{Path, PathBuf};

/// The file that marks a directory as a platform's state (its platform name), written by [`prepare`].
pub const MARKER: &str = "paved-state.json";

/// The state directory `override_dir` (`--state` / `PAVED_STATE`) or `platform.yaml`'s `spec.state` names for
/// the platform repo at `repo_root`, or the default `<repo>/.paved/state`. Always absolute.
pub fn locate(repo_root: &Path, configured: Option<&str>, override_dir: Option<&Path>) -> PathBuf {
    let root = crate::abspath::absolute(repo_root).unwrap_or_else(|_| repo_root.to_path_buf());
    match (override_dir, configured) {
        (Some(dir), _) => crate::abspath::resolve(&root, dir),
        (None, Some(spec)) if !spec.trim().is_empty() => crate::abspath::resolve(&root, spec.trim()),
        _ => root.join(".paved").join("state"),
    }
}

/// Why a state directory is refused.
#[derive(Debug, thiserror::Error)]
pub enum Mismatch {
    #[error(
        "the state directory {dir} holds no paved state, but status/ records {count} request(s) provisioned from one \
         (e.g. {example}); using it would make their passwords, keys and CA anew. If the state is elsewhere, name it \
         in platform.yaml spec.state (or PAVED_STATE, or --state). If it is lost for good, run \
         `paved reconcile --new-state` to provision them afresh into {dir}"
    )]
    Empty { dir: PathBuf, count: usize, example: String },
    #[error(
        "the state directory {dir} belongs to platform `{found}`, not `{platform}`: name this platform's state in \
         platform.yaml spec.state (or PAVED_STATE, or --state)"
    )]
    OtherPlatform { dir: PathBuf, found: String, platform: String },
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Marker {
    platform: String,
}

/// Does `dir` hold anything but the platform lock?
fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().all(|e| e.file_name() == crate::lock::FILE_NAME))
        .unwrap_or(true)
}

/// Refuse a state directory that does not match what `status/` records: an empty (or missing) one while
/// `provisioned` names requests a native backend provisioned, or one marked as another platform's.
/// `provisioned` is called only when the directory is empty, so the usual case reads no status file.
pub fn check(dir: &Path, platform: &str, provisioned: impl FnOnce() -> Vec<String>) -> Result<(), Mismatch> {
    if let Ok(text) = std::fs::read_to_string(dir.join(MARKER)) {
        return match serde_json::from_str::<Marker>(&text) {
            Ok(marker) if marker.platform != platform => Err(Mismatch::OtherPlatform {
                dir: dir.to_path_buf(),
                found: marker.platform,
                platform: platform.to_owned(),
            }),
            _ => Ok(()),
        };
    }
    if !is_empty(dir) {
        // A state made before the marker existed: it is adopted by the next `prepare`.
        return Ok(());
    }
    let keys = provisioned();
    match keys.first() {
        None => Ok(()),
        Some(example) => Err(Mismatch::Empty { dir: dir.to_path_buf(), count: keys.len(), example: example.clone() }),
    }
}

/// Make `dir` this platform's state before anything is written into it: create it (mode 0700: it holds secrets),
/// mark it, and keep git from ever committing it when it lies inside the work tree at `repo_root`.
///
/// # Errors
/// When the directory or its marker cannot be written.
pub fn prepare(dir: &Path, platform: &str, repo_root: Option<&Path>) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let marker = dir.join(MARKER);
    if !marker.exists() {
        let text = serde_json::to_string_pretty(&Marker { platform: platform.to_owned() }).expect("strings serialize");
        std::fs::write(&marker, text + "\n")?;
    }
    if let Some(root) = repo_root {
        exclude_from_git(dir, root)?;
    }
    Ok(())
}

/// Add `dir` to `<root>/.git/info/exclude` when it lies inside the work tree at `root` and git does not already
/// ignore it.
fn exclude_from_git(dir: &Path, root: &Path) -> std::io::Result<()> {
    let git_dir = root.join(".git");
    let (Ok(rel), true) = (dir.strip_prefix(root), git_dir.is_dir()) else { return Ok(()) };
    if rel.as_os_str().is_empty() {
        return Ok(());
    }
    let ignored = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["check-ignore", "--quiet", "--no-index"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if ignored {
        return Ok(());
    }
    let exclude = git_dir.join("info").join("exclude");
    std::fs::create_dir_all(exclude.parent().expect("info/exclude has a parent"))?;
    let mut text = std::fs::read_to_string(&exclude).unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("# paved's state directory: secrets, never committed\n/{}/\n", rel.display()));
    std::fs::write(exclude, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_then_platform_yaml_then_the_default() {
        let root = Path::new("/srv/platform");
        assert_eq!(locate(root, Some("../state"), Some(Path::new("/v/s"))), PathBuf::from("/v/s"));
        assert_eq!(locate(root, Some("../state"), None), PathBuf::from("/srv/state"));
        assert_eq!(locate(root, Some("/var/lib/paved"), None), PathBuf::from("/var/lib/paved"));
        assert_eq!(locate(root, None, None), PathBuf::from("/srv/platform/.paved/state"));
    }

    #[test]
    fn an_empty_state_is_refused_only_when_status_records_provisioned_requests() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("state");
        assert!(check(&dir, "acme", Vec::new).is_ok());
        let refused = check(&dir, "acme", || vec!["payments/orders-db".to_owned()]).expect_err("refused");
        assert!(refused.to_string().contains("payments/orders-db"), "{refused}");
        assert!(refused.to_string().contains("spec.state"), "{refused}");
        prepare(&dir, "acme", None).expect("prepared");
        assert!(check(&dir, "acme", || vec!["payments/orders-db".to_owned()]).is_ok());
        let other = check(&dir, "globex", Vec::new).expect_err("another platform's state");
        assert!(other.to_string().contains("`acme`"), "{other}");
    }
}
