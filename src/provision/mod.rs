//! Provisioning what merged requests ask for, through backends.
//!
//! A [`Backend`] observes (does the thing exist, has it drifted?), applies (create or converge, idempotently) and
//! destroys. Observation happens in `observe`, so planning stays pure; apply and destroy run in the executor.
//! What a request yields is split in two: plain outputs, which go into its status file, and secrets, which go only
//! into the [`SecretStore`] — never into a plan, status, log, commit or PR.
//!
//! One file per backend; [`registry`] says which serves each capability. The shared pieces: [`backend`] (the
//! trait and what it returns), [`target`] (what a backend acts on), [`context`] (its environment), [`rendered`]
//! (backends whose product is one rendered file).

pub mod ai_key;
pub mod backend;
pub mod context;
pub mod dns;
pub mod error;
pub mod feature_flag;
pub mod iam_role;
pub mod namespace;
pub mod nats;
pub mod parameters;
pub mod pg_verifier;
pub mod postgres;
pub mod registry;
pub mod rendered;
pub mod secret;
pub mod secrets;
pub mod state;
pub mod status;
pub mod target;
pub mod terraform;
pub mod tls;

pub use backend::{Applied, Backend, Observation};
pub use context::{Context, PlanJudge};
pub use error::Error;
pub use parameters::Parameters;
pub use registry::{backend_for, expected_outputs, not_enforced};
pub use secrets::{SecretStore, random_token};
pub use target::Target;
