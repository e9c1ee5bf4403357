//! Message shapes of the wire protocol (see `docs/reference/protocol.md`, the single
//! home of the format). Requests are decoded from a frame's JSON header,
//! events are encoded into one; raw payload bytes travel beside the header.

use std::collections::BTreeMap;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

pub const PROTOCOL_VERSION: u32 = 1;

/// One request from the client. `req` is echoed in every answer so the
/// client can match them; `ack` has none because nothing answers it.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    Spawn(SpawnRequest),
    /// `fd`: an input descriptor of the spawn's `fds` (default 0, stdin).
    Write {
        req: u64,
        id: String,
        #[serde(default)]
        fd: Option<u32>,
    },
    CloseStdin {
        req: u64,
        id: String,
        #[serde(default)]
        fd: Option<u32>,
    },
    Signal { req: u64, id: String, signal: String },
    Cancel {
        req: u64,
        id: String,
        #[serde(default)]
        signal: Option<String>,
        #[serde(default)]
        grace_ms: Option<u64>,
        /// Once the root has exited, the rest of the tree gets at most this
        /// long before the forceful step (never more than `grace_ms`).
        #[serde(default)]
        grace_after_root_ms: Option<u64>,
        /// After this cancel's ladder, the pipes drain at most this long
        /// (default: the spawn's `drain_timeout_ms`).
        #[serde(default)]
        drain_timeout_ms: Option<u64>,
    },
    Ack { id: String, bytes: u64 },
    Shutdown { req: u64 },
    /// Answered by `pong` from the dispatch loop: how a client knows the
    /// sidecar still serves requests (docs/reference/protocol.md, "Liveness").
    Ping { req: u64 },
    /// Ends a tree this sidecar did not start. `pid` is kept as raw JSON so
    /// that a non-integer, negative or out-of-range pid gets the precise
    /// `bad_pid` rather than a generic `bad_request`.
    Terminate {
        req: u64,
        pid: serde_json::Value,
        #[serde(default)]
        signal: Option<String>,
        #[serde(default)]
        grace_ms: Option<u64>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpawnRequest {
    pub req: u64,
    pub id: String,
    pub argv: Vec<String>,
    #[serde(default)]
    pub cwd: Option<String>,
    #[serde(default)]
    pub env: EnvSpec,
    #[serde(default)]
    pub stdin: StdioMode,
    #[serde(default)]
    pub stdout: StdioMode,
    #[serde(default)]
    pub stderr: StdioMode,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub ladder: Option<LadderSpec>,
    #[serde(default)]
    pub drain_timeout_ms: Option<u64>,
    #[serde(default)]
    pub leftovers: Leftovers,
    /// Unix: `false` puts the child in the host's process group (the group
    /// the sidecar was started in) instead of a session of its own, so a
    /// terminal's Ctrl-C reaches it as a member of the host's job. Absent:
    /// `true`, the behaviour before the field existed.
    #[serde(default)]
    pub detached: Option<bool>,
    /// Descriptors beyond stdio (3 and up), each a channel of its own.
    #[serde(default)]
    pub fds: Vec<FdSpec>,
    /// Send `root_exited` as soon as the root's exit is seen.
    #[serde(default)]
    pub report_root_exit: bool,
}

/// One extra descriptor of a child (docs/reference/protocol.md, `spawn.fds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FdSpec {
    pub fd: u32,
    pub mode: FdMode,
}

/// Which way the bytes of an extra descriptor flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FdMode {
    /// The client writes (`write` with `fd`), the child reads.
    Input,
    /// The child writes, the client reads (`output` with `stream: "fdN"`).
    Output,
    /// Both, over one descriptor (a socket on Unix, a duplex pipe on Windows).
    Duplex,
}

/// What happens to descendants still alive once the root has exited and
/// the drain is over (docs/reference/protocol.md, `exit` and `released`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leftovers {
    /// Killed with the child's ladder before the `exit`.
    #[default]
    Kill,
    /// Left running, still contained and supervised, until a `cancel`,
    /// `shutdown` or stdin EOF (or until they end on their own): `released`.
    Keep,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum EnvSpec {
    #[default]
    Inherit,
    /// Variables set over the sidecar's environment; a `null` value removes one.
    Merge { vars: BTreeMap<String, Option<String>> },
    /// Exactly these variables and no others.
    Replace { vars: BTreeMap<String, String> },
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdioMode {
    Pipe,
    #[default]
    Ignore,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LadderSpec {
    #[serde(default)]
    pub signal: Option<String>,
    #[serde(default)]
    pub grace_ms: Option<u64>,
}

/// A child's output channel: `"stdout"`, `"stderr"` or `"fdN"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    Stdout,
    Stderr,
    Fd(u32),
}

impl Stream {
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        match self {
            Stream::Stdout => "stdout".into(),
            Stream::Stderr => "stderr".into(),
            Stream::Fd(n) => format!("fd{n}").into(),
        }
    }
}

impl Serialize for Stream {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    Exited,
    Cancelled,
    TimedOut,
    SpawnFailed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DrainState {
    Complete,
    Cut,
    None,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ByteTotals {
    pub stdout: u64,
    pub stderr: u64,
    /// Output and duplex descriptors of `spawn.fds`, as `"fdN"`: present
    /// only for children that have any, so other exits keep their shape.
    #[serde(flatten)]
    pub fds: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Capabilities {
    pub backend: &'static str,
    pub process_group: bool,
    pub subreaper: bool,
    pub cgroup: Option<String>,
    pub pidfd: bool,
    /// How children are started: `clone3` (Linux, straight into their
    /// cgroup), `fork` (std's fork and exec) or `CreateProcessW` (Windows).
    pub spawn: &'static str,
    /// How a child's output reaches stdout: `splice` (Linux, a flood's bytes
    /// moved from its pipe by the kernel) or `copy` (read and written).
    pub output: &'static str,
    pub job_objects: bool,
    pub signals: Vec<&'static str>,
    /// Windows only: how children are put into their Job Objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<JobCapabilities>,
}

/// How the Windows backend contains trees (`hello.capabilities.job`).
#[derive(Debug, Clone, Serialize)]
pub struct JobCapabilities {
    /// `at_creation` (PROC_THREAD_ATTRIBUTE_JOB_LIST), `suspended` (created
    /// suspended, assigned, resumed) or `unavailable` (spawns are refused).
    pub assign: &'static str,
    /// The sidecar itself runs inside a job: the children's jobs nest below it.
    pub nested: bool,
    /// Children break away from the sidecar's job (nesting was refused).
    pub breakaway: bool,
    /// Every child job kills its processes when its last handle closes.
    pub kill_on_close: bool,
    /// How the graceful step reaches a tree: `console_helper`.
    pub graceful: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    pub max_header: u32,
    pub max_payload: u32,
    pub max_children: usize,
    pub output_window: u64,
    pub stdin_queue: u64,
    /// The highest descriptor `spawn.fds` may name.
    pub max_fd: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Defaults {
    pub grace_ms: u64,
    pub signal: &'static str,
    pub drain_timeout_ms: u64,
    pub leftovers: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlatformInfo {
    pub os: &'static str,
    pub arch: &'static str,
}

/// One event to the client. Field names are the wire names.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Hello {
        protocol: u32,
        version: &'static str,
        pid: u32,
        platform: PlatformInfo,
        capabilities: Capabilities,
        limits: Limits,
        defaults: Defaults,
    },
    /// `containment`: `cgroup` (Linux, the tree's own cgroup v2), `marker`
    /// (Linux without one: process group, subreaper and environment
    /// marker), `process_group` (macOS), `job` (Windows).
    Spawned { req: u64, id: String, pid: u32, pgid: Option<u32>, containment: &'static str },
    /// The bytes travel as the frame's payload.
    Output { id: String, stream: Stream },
    Written {
        req: u64,
        id: String,
        /// The descriptor written (absent for stdin).
        #[serde(skip_serializing_if = "Option::is_none")]
        fd: Option<u32>,
        bytes: u64,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        closed: bool,
    },
    Signalled { req: u64, id: String, signal: String, pids: Vec<u32> },
    /// The root has exited (only for a spawn with `report_root_exit`): its
    /// status, before the drain and whatever its descendants still do.
    RootExited { id: String, code: Option<i32>, signal: Option<String>, duration_ms: u64 },
    Exit(ExitEvent),
    /// The end of a tree kept after its `exit` (`leftovers: "keep"`); sent
    /// once, and only after an `exit` that said `kept: true`.
    Released { id: String, reason: ReleaseReason, killed_pids: Vec<u32>, duration_ms: u64 },
    /// The answer to `terminate`, sent once the foreign tree is gone (or the
    /// bounded wait after SIGKILL ran out: `quiet` false).
    Terminated {
        req: u64,
        pid: u32,
        pids: Vec<u32>,
        killed_pids: Vec<u32>,
        graceful: bool,
        quiet: bool,
        capped: bool,
        duration_ms: u64,
    },
    Error(ErrorEvent),
    Pong { req: u64 },
    Goodbye {
        #[serde(skip_serializing_if = "Option::is_none")]
        req: Option<u64>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ExitEvent {
    pub id: String,
    pub reason: ExitReason,
    pub code: Option<i32>,
    pub signal: Option<String>,
    pub bytes: ByteTotals,
    pub drain: DrainState,
    pub killed_pids: Vec<u32>,
    pub leftover_pids: Vec<u32>,
    /// The `leftover_pids` were left running (`leftovers: "keep"`): a
    /// `released` follows. Absent (false) otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub kept: bool,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// A `cancel`, `shutdown` or stdin EOF ran the ladder over the kept tree.
    Cancelled,
    /// Every kept process ended on its own.
    Emptied,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub req: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno: Option<String>,
}

/// Stable error codes: clients switch on these, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadFrame,
    FrameTooLarge,
    BadRequest,
    UnknownChild,
    DuplicateId,
    BadCwd,
    InvalidEnv,
    SpawnFailed,
    TooManyChildren,
    UnsupportedSignal,
    StdinClosed,
    StdinOverflow,
    ShuttingDown,
    /// `terminate`: a pid that may not be signalled (<= 1, not an integer,
    /// the sidecar, its group, its ancestors, its watchdog).
    BadPid,
    /// `terminate`: the pid belongs to a tree this sidecar supervises; the
    /// error's `id` names the child when the pid leads to a live root.
    SupervisedPid,
    /// The request cannot be served safely on this platform or kernel.
    Unsupported,
}

impl ErrorEvent {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorEvent { req: None, id: None, code, message: message.into(), errno: None }
    }
    pub fn req(mut self, req: Option<u64>) -> Self {
        self.req = req;
        self
    }
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// Decodes a request header. On failure returns the error to send back,
/// carrying the `req` (and `id`) of the bad request when they could be read,
/// so the client can match the error to what it sent.
pub fn decode_request(header: &[u8]) -> Result<Request, ErrorEvent> {
    // Decoded in one pass: a spawn's header can hold megabytes of argv and
    // environment, which a detour through `serde_json::Value` would copy.
    let error = match serde_json::from_slice::<Request>(header) {
        Ok(request) => return Ok(request),
        Err(e) => e,
    };
    let (req, id) = identify(header);
    // serde reports an unknown `op` as soon as it reads it, before the rest
    // of the bytes: whether they are JSON at all is asked separately (by a
    // full parse: skipping a value checks neither UTF-8 nor nesting depth).
    let mut err = match serde_json::from_slice::<serde_json::Value>(header) {
        Err(syntax) => ErrorEvent::new(ErrorCode::BadFrame, format!("frame header is not valid JSON: {syntax}")),
        Ok(_) if header.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') => {
            ErrorEvent::new(ErrorCode::BadFrame, "frame header is not a JSON object")
        }
        Ok(_) => ErrorEvent::new(ErrorCode::BadRequest, format!("invalid request: {error}")),
    }
    .req(req);
    err.id = id;
    Err(err)
}

/// The answer to a frame over the limit (framing.rs skips it): named by the
/// `req` and `id` its head carries, so a client waiting for that `req` is not
/// left waiting.
pub fn frame_too_large(header_len: u32, payload_len: u32, head: &[u8]) -> ErrorEvent {
    let (req, id) = identify(head);
    let mut e = ErrorEvent::new(
        ErrorCode::FrameTooLarge,
        format!("frame of {header_len} header and {payload_len} payload bytes is over the limit; skipped"),
    )
    .req(req);
    e.id = id;
    e
}

/// The `req` and `id` of a request header that cannot be decoded whole (not
/// JSON, of no known shape, or only its first bytes kept because it was over
/// the size limit): read from the top-level keys that come before the bytes
/// end or stop being JSON, so the error can name the request it answers.
pub fn identify(head: &[u8]) -> (Option<u64>, Option<String>) {
    #[derive(Default)]
    struct Seen {
        req: Option<u64>,
        id: Option<String>,
    }
    struct Keys<'a>(&'a mut Seen);
    impl<'de> Visitor<'de> for Keys<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a request object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            // Each value is kept as soon as it is read: the bytes may end
            // (or stop being JSON) anywhere after it.
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    // Any type is read, so a wrong one does not end the walk.
                    "req" => self.0.req = map.next_value::<serde_json::Value>()?.as_u64(),
                    "id" => self.0.id = map.next_value::<serde_json::Value>()?.as_str().map(str::to_owned),
                    _ => drop(map.next_value::<IgnoredAny>()?),
                }
            }
            Ok(())
        }
    }
    let mut seen = Seen::default();
    let _ = serde::Deserializer::deserialize_map(&mut serde_json::Deserializer::from_slice(head), Keys(&mut seen));
    (seen.req, seen.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_request_takes_defaults() {
        let r = decode_request(br#"{"op":"spawn","req":1,"id":"a","argv":["x"]}"#).unwrap();
        let Request::Spawn(spec) = r else { panic!("not a spawn") };
        assert_eq!(spec.req, 1);
        assert_eq!(spec.stdout, StdioMode::Ignore);
        assert!(matches!(spec.env, EnvSpec::Inherit));
    }

    #[test]
    fn unknown_op_is_bad_request_with_req_echoed() {
        let e = decode_request(br#"{"op":"explode","req":7}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert_eq!(e.req, Some(7));
    }

    #[test]
    fn non_object_header_is_bad_frame() {
        assert_eq!(decode_request(b"[1,2]").unwrap_err().code, ErrorCode::BadFrame);
        assert_eq!(decode_request(b"\xff\xfe").unwrap_err().code, ErrorCode::BadFrame);
    }

    #[test]
    fn a_header_that_cannot_be_decoded_still_names_its_req_and_id() {
        let e = decode_request(br#"{"op":"spawn","req":8,"id":"c1","argv":["x"],"cwd":"#).unwrap_err();
        assert_eq!((e.code, e.req, e.id.as_deref()), (ErrorCode::BadFrame, Some(8), Some("c1")));
        // Only the head of a header over the limit is kept: cut mid-string.
        assert_eq!(identify(br#"{"op":"spawn","req":9,"id":"c2","argv":["xxxx"#), (Some(9), Some("c2".into())));
        assert_eq!(identify(br#"{"op":"spawn","argv":["x"],"req":10}"#), (Some(10), None));
        assert_eq!(identify(br#"{"op":"spawn","req":-1,"id":"c3"}"#), (None, Some("c3".into())), "a req that is no u64 names nothing");
        assert_eq!(identify(br#"{"nested":{"req":5}}"#), (None, None), "only top-level keys count");
        assert_eq!(identify(b"\xff{\"req\":1}"), (None, None));
    }

    #[test]
    fn ping_is_a_request_and_pong_its_answer() {
        let r = decode_request(br#"{"op":"ping","req":11}"#).unwrap();
        assert!(matches!(r, Request::Ping { req: 11 }), "{r:?}");
        assert_eq!(serde_json::to_string(&Event::Pong { req: 11 }).unwrap(), r#"{"event":"pong","req":11}"#);
    }

    #[test]
    fn wrong_field_type_is_bad_request() {
        let e = decode_request(br#"{"op":"spawn","req":2,"id":"a","argv":"ls"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert_eq!(e.id.as_deref(), Some("a"));
    }

    #[test]
    fn terminate_request_keeps_the_raw_pid() {
        let r = decode_request(br#"{"op":"terminate","req":3,"pid":-5}"#).unwrap();
        let Request::Terminate { req, pid, signal, grace_ms } = r else { panic!("not a terminate") };
        assert_eq!((req, pid, signal, grace_ms), (3, serde_json::json!(-5), None, None));
        let e = decode_request(br#"{"op":"terminate","req":4}"#).unwrap_err();
        assert_eq!((e.code, e.req), (ErrorCode::BadRequest, Some(4)));
    }

    #[test]
    fn exit_event_serializes_with_wire_names() {
        let ev = Event::Exit(ExitEvent {
            id: "c".into(),
            reason: ExitReason::TimedOut,
            code: None,
            signal: Some("SIGKILL".into()),
            bytes: ByteTotals { stdout: 3, stderr: 0, ..ByteTotals::default() },
            drain: DrainState::Cut,
            killed_pids: vec![9],
            leftover_pids: vec![],
            kept: false,
            duration_ms: 1,
        });
        let s = serde_json::to_string(&ev).unwrap();
        assert!(s.starts_with(r#"{"event":"exit","id":"c","reason":"timed_out""#), "{s}");
        assert!(s.contains(r#""drain":"cut""#));
        assert!(!s.contains("kept"), "kept is absent unless true, so kill-policy exits keep their shape: {s}");
    }

    #[test]
    fn leftovers_policy_defaults_to_kill_and_rejects_unknown_names() {
        let r = decode_request(br#"{"op":"spawn","req":1,"id":"a","argv":["x"]}"#).unwrap();
        let Request::Spawn(spec) = r else { panic!("not a spawn") };
        assert_eq!(spec.leftovers, Leftovers::Kill);
        let r = decode_request(br#"{"op":"spawn","req":1,"id":"a","argv":["x"],"leftovers":"keep"}"#).unwrap();
        let Request::Spawn(spec) = r else { panic!("not a spawn") };
        assert_eq!(spec.leftovers, Leftovers::Keep);
        let e = decode_request(br#"{"op":"spawn","req":2,"id":"a","argv":["x"],"leftovers":"orphan"}"#).unwrap_err();
        assert_eq!((e.code, e.req), (ErrorCode::BadRequest, Some(2)));
    }

    #[test]
    fn extra_fds_decode_and_bad_modes_are_refused() {
        let r = decode_request(
            br#"{"op":"spawn","req":1,"id":"a","argv":["x"],"fds":[{"fd":3,"mode":"output"},{"fd":5,"mode":"duplex"}]}"#,
        )
        .unwrap();
        let Request::Spawn(spec) = r else { panic!("not a spawn") };
        assert_eq!(spec.fds, vec![FdSpec { fd: 3, mode: FdMode::Output }, FdSpec { fd: 5, mode: FdMode::Duplex }]);
        assert!(!spec.report_root_exit);
        let e = decode_request(br#"{"op":"spawn","req":2,"id":"a","argv":["x"],"fds":[{"fd":3,"mode":"both"}]}"#).unwrap_err();
        assert_eq!((e.code, e.req), (ErrorCode::BadRequest, Some(2)));
        let Request::Write { fd, .. } = decode_request(br#"{"op":"write","req":3,"id":"a","fd":4}"#).unwrap() else {
            panic!("not a write")
        };
        assert_eq!(fd, Some(4));
    }

    #[test]
    fn extra_fd_output_and_totals_use_fd_names() {
        let s = serde_json::to_string(&Event::Output { id: "c".into(), stream: Stream::Fd(3) }).unwrap();
        assert_eq!(s, r#"{"event":"output","id":"c","stream":"fd3"}"#);
        let mut bytes = ByteTotals { stdout: 1, stderr: 2, ..ByteTotals::default() };
        assert_eq!(serde_json::to_string(&bytes).unwrap(), r#"{"stdout":1,"stderr":2}"#, "no fds, the old shape");
        bytes.fds.insert("fd3".into(), 7);
        assert_eq!(serde_json::to_string(&bytes).unwrap(), r#"{"stdout":1,"stderr":2,"fd3":7}"#);
    }

    #[test]
    fn root_exited_serializes_with_wire_names() {
        let ev = Event::RootExited { id: "c".into(), code: None, signal: Some("SIGKILL".into()), duration_ms: 4 };
        let s = serde_json::to_string(&ev).unwrap();
        assert_eq!(s, r#"{"event":"root_exited","id":"c","code":null,"signal":"SIGKILL","duration_ms":4}"#);
    }

    #[test]
    fn released_event_serializes_with_wire_names() {
        let ev = Event::Released { id: "c".into(), reason: ReleaseReason::Cancelled, killed_pids: vec![7], duration_ms: 3 };
        let s = serde_json::to_string(&ev).unwrap();
        assert_eq!(s, r#"{"event":"released","id":"c","reason":"cancelled","killed_pids":[7],"duration_ms":3}"#);
    }
}

#[cfg(test)]
mod proptests;
