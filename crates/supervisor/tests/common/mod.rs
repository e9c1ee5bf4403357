//! Test support shared by every test target of the crate: the one protocol
//! client (framing and session), the one reader of fixture report files, on
//! Linux the one reader of `/proc`, and the load tests' sizes and seeded
//! garbage. Each test target is its own crate and
//! uses a different part of this, hence the blanket `dead_code` allowance.
#![allow(dead_code)]

pub mod client;
#[cfg(target_os = "linux")]
pub mod procfs;
pub mod report;
pub mod rng;
pub mod sizes;
