//! The annotations paved reads on catalog entities: every key, in one place.

pub const PATH: &str = "paved.dev/path";
pub const PATH_VERSION: &str = "paved.dev/path-version";
pub const REPO: &str = "paved.dev/repo";
pub const GITHUB_SLUG: &str = "github.com/project-slug";
pub const ONCALL: &str = "paved.dev/oncall";
/// A component's monthly budget in USD (`cost.within_budget`).
pub const BUDGET: &str = "paved.dev/budget-monthly";
/// A group's age public keys, comma or space separated: the recipients of the secrets it is given.
pub const AGE_RECIPIENTS: &str = "paved.dev/age-recipients";
