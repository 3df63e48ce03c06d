//! What `ops` gathers of a service repo's delivery on the forge (deployments and incidents), for
//! [`deployments`](super::deployments) to read.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A service repo's deployments and incidents on the forge, gathered by `ops`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForgeDelivery {
    /// Production deployments, with their statuses.
    pub deployments: Vec<crate::forge::Deployment>,
    /// Issues with the incident label.
    pub incidents: Vec<crate::forge::Issue>,
    /// Commit time of deployed commits, where the service repo's history could be read.
    pub commit_times: BTreeMap<String, DateTime<Utc>>,
}
