//! The spawn channel on Windows: one duplex named pipe the client names
//! (`--sync-pipe \\.\pipe\...`). One instance (the first, so a pipe of that
//! name made by anyone else beforehand fails the start), local clients
//! only, and the sidecar serves the first client that connects: the client
//! opens it right after starting the sidecar, with a name it chose at
//! random. Pipes get Windows' default security descriptor, which lets any
//! local account open them for reading: such a process could read answers
//! (pids) or take the single instance first, which the client then sees as
//! a spawn channel that never answers; it cannot send requests.

use std::path::Path;

use tokio::net::windows::named_pipe::{NamedPipeServer, PipeMode, ServerOptions};

use crate::platform::{ChildReader, ChildWriter};

pub struct SyncEndpoint {
    server: NamedPipeServer,
}

/// Creates the pipe. Must run inside the runtime.
pub fn sync_endpoint(name: &Path) -> std::io::Result<SyncEndpoint> {
    let text = name.to_str().filter(|n| n.starts_with(r"\\.\pipe\")).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{}: not a local pipe name (\\\\.\\pipe\\...)", name.display()))
    })?;
    let server = ServerOptions::new()
        .first_pipe_instance(true)
        .reject_remote_clients(true)
        .max_instances(1)
        .pipe_mode(PipeMode::Byte)
        .create(text)?;
    Ok(SyncEndpoint { server })
}

impl SyncEndpoint {
    /// Waits for the client to open the pipe.
    pub async fn connected(self) -> std::io::Result<(ChildReader, ChildWriter)> {
        self.server.connect().await?;
        let (reader, writer) = tokio::io::split(self.server);
        Ok((Box::pin(reader), Box::pin(writer)))
    }
}
