//! The `egov` binary's library half: configuration, wiring, the listener, the demo deployment and the
//! operator's commands. `main.rs` only parses the command line and calls into here, so integration tests
//! start exactly what an operator starts.
//!
//! This is the only crate that reads the environment or configuration files, and the only one that knows
//! every other crate; no other crate depends on it.

pub mod accounts;
pub mod asking;
pub mod authority;
pub mod config;
pub mod demo;
pub mod gatewaying;
pub mod indexing;
pub mod platform;
pub mod server;
pub mod telemetry;
