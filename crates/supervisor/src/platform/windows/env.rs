//! The child's environment block. Windows variable names are
//! case-insensitive, so a merge replaces `Path` when the client says `PATH`,
//! and the block is sorted by upper-cased name as Windows expects.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::windows::ffi::OsStrExt;

use crate::platform::Env;

pub struct ChildEnv {
    /// `None`: inherit the sidecar's environment unchanged.
    pub block: Option<Vec<u16>>,
    /// The child's PATH, which program lookup must use (not ours).
    pub path: Option<OsString>,
}

pub fn build(spec: Env<'_>) -> ChildEnv {
    let mut vars: BTreeMap<String, (OsString, OsString)> = BTreeMap::new();
    let set = |vars: &mut BTreeMap<_, _>, k: &OsStr, v: &OsStr| {
        vars.insert(k.to_string_lossy().to_uppercase(), (k.to_owned(), v.to_owned()));
    };
    match spec {
        Env::Inherit => return ChildEnv { block: None, path: std::env::var_os("PATH") },
        Env::Merge(changes) => {
            for (k, v) in std::env::vars_os() {
                set(&mut vars, &k, &v);
            }
            for (k, v) in changes {
                match v {
                    Some(v) => set(&mut vars, k.as_ref(), v.as_ref()),
                    None => {
                        vars.remove(&k.to_uppercase());
                    }
                }
            }
        }
        Env::Replace(all) => {
            for (k, v) in all {
                set(&mut vars, k.as_ref(), v.as_ref());
            }
        }
    }
    let path = vars.get("PATH").map(|(_, v)| v.clone());
    let mut block = Vec::new();
    for (k, v) in vars.values() {
        block.extend(k.encode_wide());
        block.push(u16::from(b'='));
        block.extend(v.encode_wide());
        block.push(0);
    }
    // The block ends with an empty string; an empty block still needs two NULs.
    if block.is_empty() {
        block.push(0);
    }
    block.push(0);
    ChildEnv { block: Some(block), path }
}
