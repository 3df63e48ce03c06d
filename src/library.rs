//! What ships inside the binary: the standard library (`paths/`, `modules/`), the example platform repo, and
//! the catalog schemas, so that `paved init` and `paved demo` work from an installed binary with no checkout.

use include_dir::{Dir, include_dir};
use std::path::Path;

pub static PATHS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/paths");
pub static MODULES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/modules");
pub static EXAMPLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/platform-repo-example");

/// Write every file of `dir` below `to`, keeping relative paths.
pub fn extract(dir: &Dir<'_>, to: &Path) -> std::io::Result<usize> {
    let mut count = 0;
    for file in dir.files() {
        let path = to.join(file.path());
        std::fs::create_dir_all(path.parent().expect("extracted files have a parent"))?;
        std::fs::write(&path, file.contents())?;
        count += 1;
    }
    for sub in dir.dirs() {
        count += extract(sub, to)?;
    }
    Ok(count)
}
