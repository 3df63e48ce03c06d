//! Exit codes, and the one place an outcome becomes one ([`exit_code`]): 0 fine, 1 invalid input or a failed
//! action, 2 usage or I/O error.

use crate::ops;

pub const OK: u8 = 0;
pub const INVALID: u8 = 1;
pub const IO: u8 = 2;

/// The result a command printed says the input is invalid or an action failed: exit 1, with nothing more to say.
#[derive(Debug, thiserror::Error)]
#[error("the output above says what failed")]
pub struct Failed;

/// `Err(Failed)` when `failed`: for a command whose printed result says so.
pub fn fail_if(failed: bool) -> anyhow::Result<()> {
    if failed { Err(Failed.into()) } else { Ok(()) }
}

/// The one place an error becomes an exit code: 1 for a result that said it failed ([`Failed`]) and for input an
/// operation refused ([`ops::Refused`]); 2 for everything else, an I/O error above all. (clap exits 2 on its own
/// for usage errors.)
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.is::<Failed>() || e.is::<ops::Refused>() { INVALID } else { IO }
}
