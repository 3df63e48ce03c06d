//! Backends whose product is one file paved renders per request ([`RenderedFile`]): a namespace's manifests, a
//! flag definition, an IAM role's documents, an AI key's registry entry.
//!
//! Each renders the content it wants; [`Rendered`] observes by comparing with what is on disk and applies by
//! writing atomically. Rendering is deterministic, so a second apply changes nothing.

use super::backend::{Applied, Backend, Observation};
use super::context::Context;
use super::error::Error;
use super::secrets::SecretStore;
use super::target::Target;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// A kind of file a request gets: where it goes and what it holds.
pub trait RenderedFile {
    /// The directory under the output directory its files go in.
    const DIR: &'static str;
    /// Its files' extension.
    const EXTENSION: &'static str;
    /// The content `t` wants in its file.
    fn render(ctx: &Context, t: &Target) -> String;
    /// The outputs of `t`, known before it is applied.
    fn expected_outputs(ctx: &Context, t: &Target) -> Vec<(String, String)>;
    /// Credentials kept in the secret store before the file is written: none, unless the kind hands some out.
    fn keep_secrets(_t: &Target, _secrets: &SecretStore) -> Result<BTreeMap<String, String>, Error> {
        Ok(BTreeMap::new())
    }
}

/// The backend of a [`RenderedFile`] kind.
pub struct Rendered<R> {
    ctx: Context,
    kind: PhantomData<R>,
}

impl<R: RenderedFile> Rendered<R> {
    pub fn new(ctx: &Context) -> Self {
        Rendered { ctx: ctx.clone(), kind: PhantomData }
    }

    /// The file a target owns.
    fn path(&self, t: &Target) -> PathBuf {
        self.ctx.output_dir.join(R::DIR).join(format!("{}.{}", t.file(&self.ctx.platform), R::EXTENSION))
    }
}

impl<R: RenderedFile> Backend for Rendered<R> {
    fn observe(&self, t: &Target) -> Observation {
        let path = self.path(t);
        let Ok(text) = std::fs::read_to_string(&path) else { return Observation::Absent };
        if text == R::render(&self.ctx, t) {
            Observation::Present { drift: None }
        } else {
            Observation::Present { drift: Some(format!("{} was changed out of band", path.display())) }
        }
    }

    fn apply(&self, t: &Target, secrets: &SecretStore) -> Result<Applied, Error> {
        let path = self.path(t);
        let mut applied = Applied { secrets: R::keep_secrets(t, secrets)?, ..Applied::default() };
        write_atomic(&path, &R::render(&self.ctx, t))?;
        applied.outputs.insert("file".into(), self.ctx.file_ref(&path));
        Ok(applied)
    }

    fn destroy(&self, t: &Target, secrets: &SecretStore) -> Result<(), Error> {
        let path = self.path(t);
        secrets.remove(&t.team, &t.name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Io { path, source: e }),
            _ => Ok(()),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Write `text` to `path` through a temporary file beside it, so a reader sees the old file or the new one.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), Error> {
    let dir = path.parent().expect("output paths have a parent");
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().expect("file").to_string_lossy()));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}
