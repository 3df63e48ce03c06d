//! Writing a commit's new objects into a repository: as one pack when there are many, as loose objects when few.
//!
//! A loose object costs a file, a rename and, for a new two-hex-digit fan-out directory, a `mkdir`; a template
//! migration's commit writes a few dozen objects, each landing in its own directory of a young repo. One pack
//! (data, index and a `.keep` file) costs the same few file operations whatever the count, as `git
//! receive-pack` does for a push of more than `transfer.unpackLimit` objects.
//!
//! The pack is written in git's format v2 by hand (no deltas: a commit's objects are new content), then indexed
//! and moved into `objects/pack` by gix's bundle writer, which verifies every entry's checksum as it indexes.
//! Its `.keep` file is held by [`Written`] until the caller has moved the branch, so a concurrent `git gc`
//! cannot drop the pack while nothing refers to it yet.

use super::error::Error;
use gix::ObjectId;
use gix::objs::{Kind, Write as _};
use std::io::Write as _;
use std::path::PathBuf;

/// From this many new objects on, one pack is written instead of loose objects.
pub(crate) const PACK_AT_LEAST: usize = 8;

/// Objects written; while it lives, the new pack (if any) is protected from garbage collection.
#[derive(Debug, Default)]
pub(crate) struct Written {
    keep: Option<PathBuf>,
    /// How many objects were new to the repository.
    pub new_objects: usize,
    /// Whether they went into a pack.
    pub packed: bool,
}

impl Drop for Written {
    fn drop(&mut self) {
        if let Some(keep) = self.keep.take() {
            // Best effort: a leftover `.keep` only keeps `git gc` from repacking this one pack.
            let _ = std::fs::remove_file(keep);
        }
    }
}

/// Write `objects` (id, kind, content) that `repo` does not have yet.
pub(crate) fn write(repo: &gix::Repository, objects: Vec<(ObjectId, Kind, Vec<u8>)>) -> Result<Written, Error> {
    let mut new: Vec<_> = objects.into_iter().filter(|(id, ..)| !repo.has_object(id)).collect();
    let new_objects = new.len();
    if new_objects < PACK_AT_LEAST {
        for (id, kind, data) in &new {
            let written = repo.objects.write_buf(*kind, data).map_err(|e| Error::Git(e.to_string()))?;
            debug_assert_eq!(&written, id);
        }
        return Ok(Written { keep: None, new_objects, packed: false });
    }
    // Deterministic bytes for the same objects, whatever order they were produced in.
    new.sort_by_key(|(id, ..)| *id);
    let pack = encode(&new)?;
    let dir = repo.objects.store_ref().path().join("pack");
    let outcome = gix_pack::Bundle::write_to_directory(
        &mut pack.as_slice(),
        Some(&dir),
        &mut gix::progress::Discard,
        &std::sync::atomic::AtomicBool::new(false),
        None::<gix::objs::find::Never>,
        repo.object_hash(),
        gix_pack::bundle::write::Options::default(),
    )
    .map_err(|e| Error::Git(format!("writing a pack into {}: {e}", dir.display())))?;
    Ok(Written { keep: outcome.keep_path, new_objects, packed: true })
}

/// `objects` as a version-2 pack stream: header, one undeltified entry each, SHA-1 trailer.
fn encode(objects: &[(ObjectId, Kind, Vec<u8>)]) -> Result<Vec<u8>, Error> {
    let count = u32::try_from(objects.len()).map_err(|_| Error::Git("too many objects for one pack".into()))?;
    let mut pack = Vec::with_capacity(12 + objects.iter().map(|(_, _, d)| d.len() / 2 + 32).sum::<usize>());
    pack.extend_from_slice(b"PACK");
    pack.extend_from_slice(&2u32.to_be_bytes());
    pack.extend_from_slice(&count.to_be_bytes());
    for (_, kind, data) in objects {
        entry_header(&mut pack, *kind, data.len() as u64);
        let mut deflate = gix::zlib::stream::deflate::Write::new(&mut pack, gix::zlib::Compression::BEST_SPEED);
        deflate.write_all(data).and_then(|()| deflate.flush()).map_err(|e| Error::Git(format!("compressing: {e}")))?;
    }
    let mut hasher = gix::hash::hasher(gix::hash::Kind::Sha1);
    hasher.update(&pack);
    let trailer = hasher.try_finalize().map_err(|e| Error::Git(e.to_string()))?;
    pack.extend_from_slice(trailer.as_bytes());
    Ok(pack)
}

/// An entry's type and inflated size: 3 type bits and 4 size bits, then 7 size bits per byte, low bits first.
fn entry_header(out: &mut Vec<u8>, kind: Kind, mut size: u64) {
    let type_bits: u8 = match kind {
        Kind::Commit => 1,
        Kind::Tree => 2,
        Kind::Blob => 3,
        Kind::Tag => 4,
    };
    let mut byte = (type_bits << 4) | (size & 0x0f) as u8;
    size >>= 4;
    while size != 0 {
        out.push(byte | 0x80);
        byte = (size & 0x7f) as u8;
        size >>= 7;
    }
    out.push(byte);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git").args(args).current_dir(dir).output().expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn blob(text: &str) -> (ObjectId, Kind, Vec<u8>) {
        let data = text.as_bytes().to_vec();
        let id = gix::objs::compute_hash(gix::hash::Kind::Sha1, Kind::Blob, &data).expect("hash");
        (id, Kind::Blob, data)
    }

    #[test]
    fn entry_sizes_use_git_varint_layout() {
        let mut out = Vec::new();
        entry_header(&mut out, Kind::Blob, 15);
        assert_eq!(out, [0x3f]);
        out.clear();
        entry_header(&mut out, Kind::Commit, 16);
        assert_eq!(out, [0x90, 0x01]);
        out.clear();
        entry_header(&mut out, Kind::Tree, 100_000);
        // 100_000 = 0x186a0: low nibble 0, then 0x186a (7 bits 0x6a, then 0x30)
        assert_eq!(out, [0xa0, 0xea, 0x30]);
    }

    #[test]
    fn many_objects_become_one_pack_git_verifies_and_reads() {
        let dir = tempfile::tempdir().expect("tmp");
        git(dir.path(), &["init", "--quiet", "--bare"]);
        let repo = gix::open(dir.path()).expect("open");
        // A large blob too, whose size needs several header bytes and whose deflate spans several buffers.
        let big = "x".repeat(300_000) + "end";
        let mut objects: Vec<_> = (0..20).map(|i| blob(&format!("file {i}\n"))).collect();
        objects.push(blob(&big));
        let ids: Vec<_> = objects.iter().map(|(id, ..)| *id).collect();
        let written = write(&repo, objects).expect("written");
        assert!(written.packed && written.new_objects == 21);
        let packs = dir.path().join("objects/pack");
        let keep = std::fs::read_dir(&packs)
            .expect("pack dir")
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "keep"));
        assert!(keep, "the pack is kept until the caller is done");
        drop(written);
        let names: Vec<_> = std::fs::read_dir(&packs).expect("pack dir").map(|e| e.expect("entry").path()).collect();
        assert!(names.iter().all(|p| p.extension().is_none_or(|x| x != "keep")), "{names:?}");
        let idx = names.iter().find(|p| p.extension().is_some_and(|x| x == "idx")).expect("an index");
        // git itself checks every entry and lists them.
        let verified = git(dir.path(), &["verify-pack", "-v", idx.to_str().expect("utf-8")]);
        assert!(verified.contains("non delta: 21 objects"), "{verified}");
        assert_eq!(git(dir.path(), &["count-objects", "-v"]).lines().next(), Some("count: 0"), "nothing loose");
        assert_eq!(git(dir.path(), &["cat-file", "-p", &ids[3].to_string()]), "file 3\n");
        assert_eq!(git(dir.path(), &["cat-file", "-s", &ids[20].to_string()]).trim(), big.len().to_string());
        // A fresh handle, and the one that wrote, both find the packed objects.
        assert!(gix::open(dir.path()).expect("open").has_object(ids[20]));
        assert!(repo.has_object(ids[0]));
    }

    #[test]
    fn few_or_already_present_objects_stay_loose() {
        let dir = tempfile::tempdir().expect("tmp");
        git(dir.path(), &["init", "--quiet", "--bare"]);
        let repo = gix::open(dir.path()).expect("open");
        let first = write(&repo, (0..3).map(|i| blob(&format!("{i}"))).collect()).expect("written");
        assert!(!first.packed && first.new_objects == 3);
        // The same three again, plus three: only three are new, below the threshold.
        let again = write(&repo, (0..6).map(|i| blob(&format!("{i}"))).collect()).expect("written");
        assert!(!again.packed && again.new_objects == 3);
        assert_eq!(git(dir.path(), &["count-objects", "-v"]).lines().next(), Some("count: 6"));
        git(dir.path(), &["fsck", "--strict", "--no-dangling"]);
    }
}
