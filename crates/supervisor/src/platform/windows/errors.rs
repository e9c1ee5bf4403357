//! Win32 errors as the protocol's symbolic `errno` names, so a client
//! handles "program not found" the same way on every platform.

use std::io;

use crate::platform::SpawnError;

pub fn errno_name(e: &io::Error) -> Option<String> {
    let name = match e.raw_os_error()? {
        2 | 3 | 15 | 161 => "ENOENT",             // FILE/PATH_NOT_FOUND, INVALID_DRIVE, BAD_PATHNAME
        5 | 32 => "EACCES",                       // ACCESS_DENIED, SHARING_VIOLATION
        8 | 14 => "ENOMEM",                       // NOT_ENOUGH_MEMORY, OUTOFMEMORY
        87 => "EINVAL",                           // INVALID_PARAMETER
        193 | 216 | 191 | 11 => "ENOEXEC",        // BAD_EXE_FORMAT, EXE_MACHINE_TYPE_MISMATCH, ...
        206 => "ENAMETOOLONG",                    // FILENAME_EXCED_RANGE
        267 => "ENOTDIR",                         // DIRECTORY
        1455 => "ENOMEM",                         // COMMITMENT_LIMIT
        n => return Some(format!("WIN32_{n}")),
    };
    Some(name.to_owned())
}

pub fn spawn_error(what: &str, e: io::Error) -> SpawnError {
    SpawnError { errno: errno_name(&e), message: format!("{what}: {e}") }
}
