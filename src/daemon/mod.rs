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

/// Parse a duration as platform.yaml and flags write them: a number and a unit (`250ms`, `30s`, `10m`, `24h`, `7d`)
/// or several (`1h30m`, `1h 30m`), in humantime's grammar (which also takes `2 hours`, `1.5h`). Its error says what
/// was wrong: an unknown unit lists the known ones, a bare number asks for a unit.
pub use humantime::parse_duration;

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_as_platform_yaml_writes_them() {
        let ok = |text| parse_duration(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(ok("10m"), Duration::from_secs(600));
        assert_eq!(ok("30s"), Duration::from_secs(30));
        assert_eq!(ok("1h"), Duration::from_secs(3600));
        assert_eq!(ok("24h"), Duration::from_secs(86_400));
        assert_eq!(ok("7d"), Duration::from_secs(7 * 86_400));
        assert_eq!(ok("250ms"), Duration::from_millis(250));
        assert_eq!(ok("1h30m"), Duration::from_secs(5400));
        assert_eq!(ok(" 10m "), Duration::from_secs(600), "surrounding spaces, as YAML may leave them");
        // humantime's grammar is wider than the one paved wrote by hand before it: spaces and fractions.
        assert_eq!(ok("10 m"), Duration::from_secs(600));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        for bad in ["", "10", "m", "10x", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_duration("10").expect_err("no unit").to_string(),
            "time unit needed, for example 10sec or 10ms"
        );
        assert!(
            parse_duration("10x").expect_err("unknown unit").to_string().contains("supported units: ns, us/µs, ms")
        );
    }
}
