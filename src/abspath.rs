//! Absolute, lexically normal paths. Every path a person types (a flag, an environment variable) is made absolute
//! against the current directory once, as the command line is parsed; every path `platform.yaml` names is made
//! absolute against the platform repo's root once, as it is read. Nothing later changes directory or hands a
//! relative path to `git -C`, where it would be resolved a second time against another directory.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute against the current directory, with `.` and `..` resolved lexically.
///
/// # Errors
/// Only when the current directory cannot be read (it was removed, or is not accessible).
pub fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    Ok(normalize(&std::path::absolute(path)?))
}

/// `path` (absolute, or relative to `base`) as an absolute, lexically normal path.
pub fn resolve(base: &Path, path: impl AsRef<Path>) -> PathBuf {
    normalize(&base.join(path))
}

/// A command-line path argument, made absolute (for clap's `value_parser`).
pub fn parse_arg(text: &str) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("an empty path; name a file or directory".to_owned());
    }
    absolute(Path::new(text)).map_err(|e| format!("cannot resolve `{text}` against the current directory: {e}"))
}

/// `.` dropped and `..` applied to the component before it, without touching the filesystem. On an absolute path,
/// whose base the caller resolved once, this gives what the OS would, except across a symlink followed by `..`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_dot_and_dot_dot_against_the_base() {
        assert_eq!(resolve(Path::new("/a/platform"), "../forge"), PathBuf::from("/a/forge"));
        assert_eq!(resolve(Path::new("/a/platform"), "./.paved/state"), PathBuf::from("/a/platform/.paved/state"));
        assert_eq!(resolve(Path::new("/a/platform"), "/srv/state"), PathBuf::from("/srv/state"));
        assert_eq!(resolve(Path::new("/"), "../x"), PathBuf::from("/x"));
    }

    #[test]
    fn an_argument_becomes_absolute_against_the_current_directory() {
        let cwd = std::env::current_dir().expect("the test's current directory exists");
        assert_eq!(parse_arg("paved-demo").expect("resolves"), cwd.join("paved-demo"));
        assert_eq!(parse_arg("./a/../b").expect("resolves"), cwd.join("b"));
        assert!(parse_arg("").is_err());
    }
}
