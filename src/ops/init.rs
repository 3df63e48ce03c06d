//! `paved init DIR`: a new platform repo seeded from the shipped paths, modules, policies and a minimal catalog,
//! made a git repository with one first commit.

use crate::gitcli::git;
use crate::library;
use anyhow::Context;
use std::path::Path;

const CATALOG: &str = r#"# The platform team and its first member. Add your teams (Group) and people (User) here.
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform-core
  description: Builds and runs the internal developer platform.
spec:
  type: platform
  children: []
  members: [admin]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: admin
spec:
  profile:
    displayName: Platform Admin
  memberOf: [platform-core]
"#;

const POLICY: &str = r#"# Organisation policy: evaluated for every request together with the module's own policy.
package paved.org.baseline

import rego.v1

# Production changes need a second pair of eyes from the platform team.
approvers contains "group:platform-core" if {
	input.request.spec.environment == "production"
}
"#;

fn platform_yaml(name: &str) -> String {
    format!(
        "apiVersion: paved.dev/v1\nkind: Platform\nmetadata:\n  name: {name}\nspec:\n  forge:\n    kind: local\n    path: ../forge\n  repos:\n    owner: {name}\n    platform: {name}/platform\n"
    )
}

/// What [`init`] made.
#[derive(Debug, Clone)]
pub struct Initialized {
    /// Files written (and committed).
    pub files: usize,
    /// The first commit, on `main`.
    pub commit: String,
}

/// Create the platform repo at `dir` (which must not exist or be empty): the files, then a git repository on
/// `main` whose first commit holds them, by `paved`.
pub fn init(dir: &Path) -> anyhow::Result<Initialized> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        anyhow::ensure!(
            entries.next().is_none(),
            "{} is not empty; paved init only creates new platform repos",
            dir.display()
        );
    }
    let name = dir
        .canonicalize()
        .ok()
        .or_else(|| Some(dir.to_path_buf()))
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_lowercase()))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or_else(|| "platform".to_owned());
    std::fs::create_dir_all(dir)?;
    let mut count = library::extract(&library::PATHS, &dir.join("paths"))?;
    count += library::extract(&library::MODULES, &dir.join("modules"))?;
    let files = [
        ("platform.yaml", platform_yaml(&name)),
        ("catalog/org.yaml", CATALOG.to_owned()),
        ("policies/baseline.rego", POLICY.to_owned()),
        ("requests/.gitkeep", String::new()),
        ("evidence/.gitkeep", String::new()),
        (".gitignore", "/.paved/\n".to_owned()),
    ];
    for (rel, body) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("has parent"))?;
        std::fs::write(&path, body)?;
        count += 1;
    }
    if let Some(scorecards) = library::EXAMPLE.get_dir("scorecards") {
        for file in scorecards.files().filter(|f| f.path().extension().is_some_and(|e| e == "yaml")) {
            let path = dir.join(file.path());
            std::fs::create_dir_all(path.parent().expect("has parent"))?;
            // The example's exemptions name the example's services; a new platform starts with none.
            let text = file.contents_utf8().unwrap_or_default();
            let text = match text.find("\n  exemptions:") {
                Some(i) => format!("{}\n  exemptions: []\n", &text[..i]),
                None => text.to_owned(),
            };
            std::fs::write(path, text)?;
            count += 1;
        }
    }
    let made = (|| {
        git(dir, &["init", "--quiet", "--initial-branch=main"])?;
        crate::gitcli::commit_all(dir, "paved", "paved@paved.local", "A new platform repo, made by paved init")?;
        git(dir, &["rev-parse", "HEAD"])
    })();
    let commit = made.with_context(|| format!("making {} a git repository", dir.display()))?;
    Ok(Initialized { files: count, commit })
}
