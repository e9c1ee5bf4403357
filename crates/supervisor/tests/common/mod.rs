//! Test support shared by every test target of the crate, reached from each
//! target's root with `mod common;`: the one protocol client (framing and
//! session), the one lookup of the fixture binary, the one reader of fixture
//! report files, the load tests' sizes and seeded garbage, and on Linux the
//! one reader of `/proc` and the black-box suites' harness on top of all of
//! it. Each test target is its own crate and uses a different part of this,
//! hence the blanket `dead_code` allowance.
//!
//! Layout: `tests/<target>.rs` is a test target; the modules that belong to
//! that target alone are in `tests/<target>/`, declared in an inline
//! `mod <target> { .. }` of its root (a crate root's `mod x;` would look for
//! `tests/x.rs`, itself a target); shared code is here.
#![allow(dead_code)]

pub mod client;
pub mod fixture;
// Its re-exports are the suites' prelude (`use common::harness::*`); a
// target that uses few of them (load, transcripts) must not warn.
#[cfg(target_os = "linux")]
#[allow(unused_imports)]
pub mod harness;
#[cfg(target_os = "linux")]
pub mod procfs;
pub mod report;
pub mod rng;
pub mod sizes;
