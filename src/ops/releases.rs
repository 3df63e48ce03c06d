//! Path releases in the platform repo: every renderable version of every path, the release tags that keep old
//! versions renderable once `path.yaml` moves on, and when each was released.

use crate::model::Loaded;
use crate::plan::paths::Catalogue;
use crate::render::{self, PathFiles};
use crate::source::Snapshot;
use anyhow::Context;

/// Every renderable version of every path in the snapshot.
pub fn catalogue(snapshot: &Snapshot, loaded: &Loaded) -> Catalogue {
    let mut c = Catalogue::default();
    for name in loaded.model.paths.keys() {
        if let Ok(files) = PathFiles::manifests(snapshot, name) {
            c.versions.insert(name.clone(), files.versions());
            if let Ok(latest) = files.latest() {
                c.parameters.insert(name.clone(), latest.spec.parameters.iter().map(|p| p.name.clone()).collect());
            }
        }
    }
    c
}

/// Tag every path version of the platform repo's commit that has no release tag yet (`paths/<name>/v<version>`),
/// so that version can be rendered again after `path.yaml` moves on. Only for a git platform repo read at a
/// commit; an existing tag is never moved.
pub fn tag_releases(snapshot: &Snapshot, loaded: &Loaded) -> anyhow::Result<Vec<String>> {
    let Some(commit) = snapshot.basis.commit() else { return Ok(Vec::new()) };
    let existing: std::collections::BTreeSet<String> =
        render::release_tags(&snapshot.root, "paths/").into_iter().collect();
    let mut created = Vec::new();
    // In-process (gix): an annotated tag object and its ref, as `git tag --annotate` makes them.
    let mut repo = None;
    for p in loaded.model.paths.values() {
        let tag = render::release_tag(&p.name, &p.version.to_string());
        if existing.contains(&tag) {
            continue;
        }
        let repo = match &mut repo {
            Some(r) => r,
            None => repo.insert(gix::open(&snapshot.root).with_context(|| snapshot.root.display().to_string())?),
        };
        let target = gix::ObjectId::from_hex(commit.as_bytes()).with_context(|| format!("commit {commit}"))?;
        let tagger = gix::actor::Signature {
            name: "paved".into(),
            email: "paved@paved.local".into(),
            time: gix::date::Time::now_local_or_utc(),
        };
        let mut time = gix::date::parse::TimeBuf::default();
        let message = format!("{} {}\n\nReleased by paved from {commit}.\n", p.name, p.version);
        repo.tag(
            &tag,
            target,
            gix::objs::Kind::Commit,
            Some(tagger.to_ref(&mut time)),
            message,
            gix::refs::transaction::PreviousValue::MustNotExist,
        )
        .map_err(|e| anyhow::anyhow!("tag {tag}: {e}"))?;
        created.push(tag);
    }
    Ok(created)
}

/// When the release tag was made (its tagger date, or the date of the commit a lightweight tag names), if the
/// platform repo has it.
pub(crate) fn release_date(repo: &gix::Repository, tag: &str) -> Option<String> {
    let mut reference = repo.try_find_reference(format!("refs/tags/{tag}").as_str()).ok()??;
    let object = reference.peel_to_id().ok()?.object().ok()?;
    let time = match object.kind {
        gix::objs::Kind::Tag => object.into_tag().decode().ok()?.tagger().ok()??.time().ok()?,
        _ => object.peel_to_commit().ok()?.time().ok()?,
    };
    let offset = chrono::FixedOffset::east_opt(time.offset)?;
    let at = chrono::DateTime::from_timestamp(time.seconds, 0)?.with_timezone(&offset);
    Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}
