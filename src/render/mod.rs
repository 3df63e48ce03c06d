//! Rendering desired state into the files a tool consumes. Today: the Terraform root module of a request.
//! Every value is written as an escaped HCL literal, so a request can never inject HCL (`${…}`, `%{…}`, quotes,
//! newlines) into what Terraform evaluates.

pub mod hcl;
pub mod terraform;
