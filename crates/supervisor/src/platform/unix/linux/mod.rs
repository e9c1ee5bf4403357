//! The Linux-only mechanisms of the Unix backend: cgroups, clone3, the
//! watchdog, splice, foreign trees, the parent-death signal and pipe sizes.
//! Each one the rest of the backend names has a stand-in for macOS and other
//! Unixes one level up (`*_other.rs`); unix/mod.rs picks one of the two
//! under a single name, so the code using them has no cfg.

pub mod cgroup;
pub mod clone3;
pub mod foreign;
pub mod os;
pub mod output_gone;
pub mod pipe_size;
pub mod splice;
mod watchdog;

// The portable Unix pieces these files build on, under the names they
// use (`super::kill`, `super::procfs`...), as when they sat beside them.
use super::{extra_fds, kill, os_common, output_pipe, procfs, spawn, tree};
