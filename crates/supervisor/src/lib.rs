//! `pawwork-supervisor`: supervises many child process trees for one host
//! process over a framed stdin/stdout protocol (`docs/reference/protocol.md`).
//!
//! Portable policy lives here (server, child lifecycle, cancel ladder,
//! output credit); everything that names a syscall lives in `platform/`.

pub mod child;
pub mod config;
pub mod finished;
pub mod framing;
pub mod ladder;
pub mod output;
pub mod platform;
pub mod protocol;
pub mod server;
pub mod signals;
pub mod sink;
pub mod stdin;
pub mod sync_channel;

pub use config::Config;
pub use server::serve;
