//! How far long work has got. Operations report phases and steps through [`Progress`] without knowing where,
//! or whether, they are shown: the CLI draws a bar on a terminal, everything else passes [`Silent`].

/// A sink for progress reports. Every method does nothing by default.
///
/// A phase replaces the one before it; steps count towards the current phase's total. Whoever shows the
/// progress takes it away when the work's result is printed.
pub trait Progress: Sync {
    /// A phase named `what` ("applying actions") of `total` steps begins; `None` when the count is unknown.
    fn phase(&self, what: &str, total: Option<u64>) {
        let _ = (what, total);
    }

    /// One more step of the current phase is done.
    fn step(&self) {}
}

/// Shows nothing: for callers with no one watching (the daemon, tests, library users).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
