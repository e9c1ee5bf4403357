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
