//! Which file `argv[0]` names. Looked up here rather than by CreateProcess,
//! because CreateProcess searches the *sidecar's* PATH (and its own folder
//! and the current directory first), while the client set the child's.
//!
//! - A name with a path separator or drive is taken as a path, relative to
//!   the child's cwd as on Unix.
//! - A bare name is searched in the child's PATH only.
//! - Without an extension, `NAME.exe` is tried first (as CreateProcess does).
//! - Batch files are refused: CreateProcess would run them through cmd.exe,
//!   whose argument parsing differs from the one `cmdline.rs` quotes for, so
//!   arguments could turn into commands. Spawn `cmd.exe /d /s /c` explicitly.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::platform::SpawnError;

pub fn program(name: &str, cwd: Option<&Path>, path: Option<&OsStr>) -> Result<PathBuf, SpawnError> {
    let is_path = name.contains(['/', '\\']) || name.as_bytes().get(1) == Some(&b':');
    let found = if is_path {
        let p = Path::new(name);
        let p = match cwd {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        };
        candidates(&p).into_iter().find(|c| c.is_file())
    } else {
        let dirs: Vec<PathBuf> = path.map(|p| std::env::split_paths(p).collect()).unwrap_or_default();
        dirs.iter()
            .filter(|d| !d.as_os_str().is_empty())
            .flat_map(|d| candidates(&d.join(name)))
            .find(|c| c.is_file())
    };
    let Some(found) = found else {
        let where_ = if is_path { "" } else { " in the child's PATH" };
        return Err(SpawnError { errno: Some("ENOENT".into()), message: format!("cannot find {name:?}{where_}") });
    };
    let ext = found.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("bat" | "cmd")) {
        return Err(SpawnError {
            errno: Some("ENOEXEC".into()),
            message: format!("{} is a batch file: spawn cmd.exe /d /s /c explicitly", found.display()),
        });
    }
    Ok(found)
}

fn candidates(p: &Path) -> Vec<PathBuf> {
    if p.extension().is_some() {
        return vec![p.to_path_buf()];
    }
    let mut exe = p.as_os_str().to_owned();
    exe.push(".exe");
    vec![PathBuf::from(exe), p.to_path_buf()]
}
