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

/**
 * No sidecar binary could be found. The message (src/supervisor/locate.ts writes it) names the platform key,
 * the package expected for it, every place looked at and what to do.
 */
export class SupervisorNotFoundError extends Error {
  readonly searched: string[]
  /** `<process.platform>-<process.arch>`, e.g. `linux-x64`; absent when an explicit path was missing. */
  readonly platformKey: string | undefined
  /** The platform package expected for that key, e.g. `@pawwork/supervisor-linux-x64`. */
  readonly expectedPackage: string | undefined

  constructor(searched: string[], message?: string, where: { platformKey?: string; expectedPackage?: string } = {}) {
    super(
      message ??
        "pawwork-supervisor binary not found (pass `supervisorPath` or set PAWWORK_SUPERVISOR_PATH). Looked at: " +
          (searched.length ? searched.join(", ") : "(nothing)"),
    )
    this.name = "SupervisorNotFoundError"
    this.searched = searched
    this.platformKey = where.platformKey
    this.expectedPackage = where.expectedPackage
  }
}

/** The sidecar binary is not the version of this package: one would speak to the other across a release. */
export class SupervisorVersionError extends Error {
  /** This package's version, which the binary must have. */
  readonly expected: string
  /** The binary's version (its hello, or its platform package's package.json). */
  readonly found: string
  readonly binary: string

  constructor(expected: string, found: string, binary: string, seenIn: string) {
    super(
      `pawwork-supervisor version mismatch: @pawwork/process is ${expected} but the binary ${binary} is ${found} ` +
        `(from ${seenIn}). Install the platform package of the same version (npm installs it with ` +
        `@pawwork/process; reinstall if node_modules mixes two releases), or point supervisorPath / ` +
        `PAWWORK_SUPERVISOR_PATH at a ${expected} binary.`,
    )
    this.name = "SupervisorVersionError"
    this.expected = expected
    this.found = found
    this.binary = binary
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
