//! `paved daemon`: the long-running shape of paved. Triggers (a filesystem [`watch`], GitHub [`webhook`]
//! deliveries, the periodic resync) feed the [`scheduler`], which runs one reconcile pass at a time per repo; the
//! pass itself is the same `ops::reconcile::reconcile` the CLI runs, so the daemon adds *when*, never *what*.
//! The [`http`] endpoint serves the webhook, the probes and the [`metrics`]; [`remote`] keeps the work tree in
//! step with the platform repo on the forge when it has one (fetch before a pass, push after). The wiring (configuration, signals)
//! is `ops::daemon`.

pub mod http;
pub mod metrics;
pub mod remote;
pub mod scheduler;
pub mod watch;
pub mod webhook;

use std::time::Duration;

/// The daemon's kinds of work, each its own scheduler key: they run, back off and requeue independently, and a
/// pass of one never waits for another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// Plan the platform repo's commit and apply the whole plan.
    Reconcile,
    /// The plan comment and `paved/policy` check of every open PR on the platform repo.
    PrPlans,
    /// The quarter's sunset review, on `spec.schedules.scorecards`.
    SunsetReview,
}

impl Job {
    pub fn as_str(self) -> &'static str {
        match self {
            Job::Reconcile => "reconcile",
            Job::PrPlans => "pr-plans",
            Job::SunsetReview => "sunset-review",
        }
    }
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parse a duration as platform.yaml and flags write them: a whole number and a unit, `ms`, `s`, `m`, `h` or
/// `d` (`10m`, `30s`, `24h`), or several run together (`1h30m`). `None` when it is not one.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            _ => return None,
        };
        total = total.checked_add(unit.checked_mul(u32::try_from(n).ok()?)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_as_platform_yaml_writes_them() {
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        for bad in ["", "10", "m", "10x", "-5s", "1.5h", "10 m"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
