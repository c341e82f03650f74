//! The Pacesetter binary's library half: configuration, wiring and the command-line interface, so that tests can start the same server the binary starts.

pub mod backup;
pub mod cli;
mod cli_evaluate;
pub mod config;
pub mod delivery;
mod logging;
pub mod server;
pub mod untrusted;

pub use config::Config;
