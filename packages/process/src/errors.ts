import util from "node:util"

/** A command ended with a non-zero code and the caller did not ask for `nothrow`. */
export class RunFailedError extends Error {
  readonly cmd: string[]
  readonly code: number
  readonly stdout: Buffer
  readonly stderr: Buffer

  constructor(cmd: string[], code: number, stdout: Buffer, stderr: Buffer) {
    const text = stderr.toString().trim()
    const head = `Command failed with code ${code}: ${cmd.join(" ")}`
    super(text ? `${head}\n${text}` : head)
    this.name = "ProcessRunFailedError"
    this.cmd = [...cmd]
    this.code = code
    this.stdout = stdout
    this.stderr = stderr
  }
}

/** The sidecar broke the protocol (bad frame, wrong version, byte totals that do not add up). */
export class SupervisorProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "SupervisorProtocolError"
  }
}

/** The sidecar went away while children were live; their outcome is unknown. */
export class SupervisorDiedError extends Error {
  readonly exitCode: number | null
  readonly exitSignal: string | null

  constructor(message: string, exitCode: number | null = null, exitSignal: string | null = null) {
    super(message)
    this.name = "SupervisorDiedError"
    this.exitCode = exitCode
    this.exitSignal = exitSignal
  }
}

/** The sidecar answered a request with an `error` event; `code` is the protocol's stable error code. */
export class SupervisorRequestError extends Error {
  readonly code: string
  readonly errno: string | undefined

  constructor(code: string, message: string, errno?: string) {
    super(message)
    this.name = "SupervisorRequestError"
    this.code = code
    this.errno = errno
  }
}

/** No sidecar binary could be found; the message says how to build one. */
export class SupervisorNotFoundError extends Error {
  readonly searched: string[]

  constructor(searched: string[]) {
    super(
      "pawwork-supervisor binary not found. Build it with `cargo build --release -p pawwork-supervisor` " +
        "(or pass `supervisorPath` / set PAWWORK_SUPERVISOR_PATH). Looked at: " +
        (searched.length ? searched.join(", ") : "(nothing)"),
    )
    this.name = "SupervisorNotFoundError"
    this.searched = searched
  }
}

/**
 * A spawn failure in the shape of Node's own (`code`, `errno`, `syscall`, `path`, `spawnargs`, and its
 * message), so a caller that tests `err.code === "ENOENT"` or reads `err.errno` works on either engine.
 * `thrown`: one Node throws from spawn() itself (every errno but EACCES, EAGAIN, EMFILE, ENFILE and
 * ENOENT, which it emits), whose `syscall` is `spawn` and which has no `path`. The supervisor's own
 * account of the failure is the `cause` (the sidecar's error: its protocol code and message).
 */
export class SpawnFailedError extends Error {
  readonly code: string
  /** Node's (libuv's) negative errno number; undefined for a code that is no errno. */
  readonly errno: number | undefined
  readonly syscall: string
  readonly path: string | undefined
  readonly spawnargs: string[] | undefined

  constructor(cmd: string[], code: string, detail?: string, options: { cause?: unknown; thrown?: boolean } = {}) {
    const file = cmd[0] ?? ""
    const cause = options.cause ?? (detail ? new Error(detail) : undefined)
    super(options.thrown ? `spawn ${code}` : `spawn ${file} ${code}`, cause === undefined ? undefined : { cause })
    this.name = "SpawnFailedError"
    this.code = code
    this.errno = errnoNumber(code)
    this.syscall = options.thrown ? "spawn" : `spawn ${file}`
    this.path = options.thrown ? undefined : file
    this.spawnargs = options.thrown ? undefined : cmd.slice(1)
  }
}

let errnoNumbers: Map<string, number> | undefined

/** The number Node gives an errno name (libuv's, negative: -2 for ENOENT on Linux, -4058 on Windows). */
export function errnoNumber(code: string): number | undefined {
  errnoNumbers ??= new Map([...util.getSystemErrorMap()].map(([n, [name]]) => [name, n]))
  return errnoNumbers.get(code)
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
