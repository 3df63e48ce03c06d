//! The three-way update of a service repo: the old version of the path rendered with the repo's answers (base),
//! the repo as it is (ours), the new version rendered (theirs). Pure: trees in, tree and report out.
//!
//! # Guarantees
//! - A file the template did not change between versions is left exactly as the repo has it.
//! - A local edit survives wherever the template's change does not touch the same lines (similar's `TextMerge`).
//! - Overlapping edits become a conflict, written with markers and listed; nothing is lost.
//! - A template file removed upstream is deleted only if the repo still has it unchanged; renamed template files
//!   (same content, or similar enough) carry the repo's edits to the new name.

use serde::Serialize;
use similar::TextMerge;
use std::collections::{BTreeMap, BTreeSet};

pub type Tree = BTreeMap<String, Vec<u8>>;

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum FileOutcome {
    Added {
        path: String,
    },
    Updated {
        path: String,
    },
    /// Both the template and the repo changed it; the changes combined cleanly.
    Merged {
        path: String,
    },
    Conflicted {
        path: String,
        regions: usize,
    },
    Removed {
        path: String,
    },
    Renamed {
        from: String,
        to: String,
    },
    /// Removed (or renamed away) upstream, but edited locally: kept as the repo has it.
    KeptLocalEdit {
        path: String,
    },
    /// The repo deleted a file the template still changes: left deleted.
    KeptLocalDeletion {
        path: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct MergeResult {
    pub tree: Tree,
    pub outcomes: Vec<FileOutcome>,
}

impl MergeResult {
    pub fn conflicts(&self) -> Vec<&str> {
        self.outcomes
            .iter()
            .filter_map(|o| match o {
                FileOutcome::Conflicted { path, .. } => Some(path.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Merge `base -> theirs` into `ours`. Only paths present in `base` or `theirs` are considered; every other file
/// of the repo is carried over untouched.
pub fn three_way(base: &Tree, ours: &Tree, theirs: &Tree, label: (&str, &str)) -> MergeResult {
    let mut tree = ours.clone();
    let mut outcomes = Vec::new();
    let removed: Vec<&String> = base.keys().filter(|k| !theirs.contains_key(*k)).collect();
    let added: Vec<&String> = theirs.keys().filter(|k| !base.contains_key(*k)).collect();
    // Renames: a removed file whose content best matches an added one.
    let mut renames: BTreeMap<&str, &str> = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for r in &removed {
        let best = added
            .iter()
            .filter(|a| !taken.contains(a.as_str()))
            .map(|a| (similarity(&base[*r], &theirs[*a]), *a))
            .filter(|(s, _)| *s >= 0.5)
            .max_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((_, a)) = best {
            taken.insert(a.as_str());
            renames.insert(r.as_str(), a.as_str());
        }
    }

    for (path, new) in theirs {
        if let Some((old_path, _)) = renames.iter().find(|(_, to)| **to == path.as_str()) {
            let old = &base[*old_path];
            match ours.get(*old_path) {
                None => {
                    // Deleted locally before the rename: keep it deleted.
                    outcomes.push(FileOutcome::KeptLocalDeletion { path: (*old_path).to_owned() });
                }
                Some(mine) => {
                    tree.remove(*old_path);
                    let merged = merge_text(old, mine, new, label, path, &mut outcomes, true);
                    tree.insert(path.clone(), merged);
                    outcomes.push(FileOutcome::Renamed { from: (*old_path).to_owned(), to: path.clone() });
                }
            }
            continue;
        }
        match (base.get(path), ours.get(path)) {
            (Some(old), _) if old == new => {}
            (_, Some(mine)) if mine == new => {}
            (None, None) => {
                tree.insert(path.clone(), new.clone());
                outcomes.push(FileOutcome::Added { path: path.clone() });
            }
            (Some(_), None) => outcomes.push(FileOutcome::KeptLocalDeletion { path: path.clone() }),
            (Some(old), Some(mine)) if old == mine => {
                tree.insert(path.clone(), new.clone());
                outcomes.push(FileOutcome::Updated { path: path.clone() });
            }
            (old, Some(mine)) => {
                let empty = Vec::new();
                let merged = merge_text(old.unwrap_or(&empty), mine, new, label, path, &mut outcomes, false);
                tree.insert(path.clone(), merged);
            }
        }
    }
    for path in removed {
        if renames.contains_key(path.as_str()) {
            continue;
        }
        match ours.get(path) {
            Some(mine) if *mine == base[path] => {
                tree.remove(path);
                outcomes.push(FileOutcome::Removed { path: path.clone() });
            }
            Some(_) => outcomes.push(FileOutcome::KeptLocalEdit { path: path.clone() }),
            None => {}
        }
    }
    outcomes.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    MergeResult { tree, outcomes }
}

fn merge_text(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    label: (&str, &str),
    path: &str,
    outcomes: &mut Vec<FileOutcome>,
    quiet: bool,
) -> Vec<u8> {
    let (Ok(b), Ok(o), Ok(t)) = (std::str::from_utf8(base), std::str::from_utf8(ours), std::str::from_utf8(theirs))
    else {
        // Binary files cannot be merged by lines: the repo's version wins, reported as a conflict.
        outcomes.push(FileOutcome::Conflicted { path: path.to_owned(), regions: 1 });
        return ours.to_vec();
    };
    let mut merge = TextMerge::from_lines(b, o, t);
    merge.labels(label.0, "ours (this repo)", label.1);
    let text = merge.to_string();
    if merge.is_conflicted() {
        outcomes.push(FileOutcome::Conflicted { path: path.to_owned(), regions: merge.conflict_count() });
    } else if !quiet {
        outcomes.push(FileOutcome::Merged { path: path.to_owned() });
    }
    text.into_bytes()
}

/// Line similarity of two files, 0 to 1.
fn similarity(a: &[u8], b: &[u8]) -> f32 {
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(a), Ok(b)) => similar::TextDiff::from_lines(a, b).ratio(),
        _ => f32::from(u8::from(a == b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        files.iter().map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec())).collect()
    }

    #[test]
    fn local_edits_survive_and_conflicts_are_marked() {
        let base = tree(&[("a.py", "one\ntwo\nthree\n"), ("b.txt", "x\n"), ("gone.txt", "old\n")]);
        let ours =
            tree(&[("a.py", "ONE\ntwo\nthree\n"), ("b.txt", "mine\n"), ("gone.txt", "old\n"), ("own.md", "u\n")]);
        let theirs = tree(&[("a.py", "one\ntwo\nTHREE\n"), ("b.txt", "theirs\n"), ("new.txt", "n\n")]);
        let m = three_way(&base, &ours, &theirs, ("1.0.0", "2.0.0"));
        assert_eq!(m.tree["a.py"], b"ONE\ntwo\nTHREE\n");
        let b = String::from_utf8(m.tree["b.txt"].clone()).expect("utf8");
        assert!(b.contains("<<<<<<<") && b.contains("mine") && b.contains("theirs"), "{b}");
        assert_eq!(m.conflicts(), vec!["b.txt"]);
        assert!(!m.tree.contains_key("gone.txt"));
        assert_eq!(m.tree["new.txt"], b"n\n");
        assert_eq!(m.tree["own.md"], b"u\n", "files the template never had are untouched");
    }

    #[test]
    fn renamed_files_carry_local_edits() {
        let body = "import os\n\ndef main():\n    print('hi')\n\nif __name__ == '__main__':\n    main()\n";
        let edited = body.replace("print('hi')", "print('hello')");
        let moved = body.replace("import os", "import os\nimport sys");
        let base = tree(&[("app/main.py", body)]);
        let ours = tree(&[("app/main.py", &edited)]);
        let theirs = tree(&[("src/svc/main.py", &moved)]);
        let m = three_way(&base, &ours, &theirs, ("1", "2"));
        assert!(!m.tree.contains_key("app/main.py"));
        let text = String::from_utf8(m.tree["src/svc/main.py"].clone()).expect("utf8");
        assert!(text.contains("print('hello')") && text.contains("import sys"), "{text}");
        assert!(
            m.outcomes.contains(&FileOutcome::Renamed { from: "app/main.py".into(), to: "src/svc/main.py".into() })
        );
    }
}
