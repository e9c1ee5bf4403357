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

/** Shaped like Node's spawn errors (`code`, `errno`, `syscall`, `path`) so callers can test `err.code === "ENOENT"`. */
export class SpawnFailedError extends Error {
  readonly code: string
  readonly syscall = "spawn"
  readonly path: string
  readonly spawnargs: string[]

  constructor(cmd: string[], code: string, detail?: string) {
    super(`spawn ${cmd[0]} ${code}${detail ? `: ${detail}` : ""}`)
    this.name = "SpawnFailedError"
    this.code = code
    this.path = cmd[0] ?? ""
    this.spawnargs = cmd.slice(1)
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
