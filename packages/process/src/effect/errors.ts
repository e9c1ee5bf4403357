import * as PlatformError from "effect/PlatformError"
import { SpawnFailedError, SupervisorRequestError, errorMessage } from "../errors.js"

const MODULE = "ChildProcess"

/**
 * Effect's tag for an errno name. The sidecar's `spawn_failed` error carries the errno of the failed
 * exec, its `bad_cwd` the cwd's (docs/reference/protocol.md, "error codes"). The names Node emits from a spawn
 * (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE) get the tags Effect's Node spawner gives them (EAGAIN and
 * the rest: `Unknown`); a few it never sees there, because Node throws them and Effect's spawner
 * dies of them, get the tag Effect's platforms give them elsewhere. Names not listed are `Unknown`:
 * a tag is a promise about the cause, so none is guessed.
 */
export function tagOfErrno(errno: string | undefined): PlatformError.SystemErrorTag {
  switch (errno) {
    case "ENOENT":
      return "NotFound"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    case "EEXIST":
      return "AlreadyExists"
    case "ENOTDIR":
    case "EISDIR":
    case "ELOOP":
    case "ENOEXEC":
    case "E2BIG":
      return "BadResource"
    case "EBUSY":
    case "ETXTBSY":
      return "Busy"
    case "ETIMEDOUT":
      return "TimedOut"
    default:
      return "Unknown"
  }
}

export function systemError(
  method: string,
  errno: string | undefined,
  description: string,
  pathOrDescriptor?: string,
  cause?: unknown,
): PlatformError.PlatformError {
  return PlatformError.systemError({
    _tag: tagOfErrno(errno),
    module: MODULE,
    method,
    description,
    syscall: method === "spawn" ? "spawn" : undefined,
    pathOrDescriptor,
    cause,
  })
}

export function badArgument(method: string, description: string): PlatformError.PlatformError {
  return PlatformError.badArgument({ module: MODULE, method, description })
}

/**
 * A failure of a file-system check as Effect's NodeFileSystem reports it (the layer checks `cwd` as
 * Effect's Node spawner does, with `FileSystem.access`): an argument Node refuses outright (a NUL byte)
 * is BadArgument with Node's message; an OS error gets its errno's tag.
 */
export function fileSystemError(method: string, err: unknown, path: string): PlatformError.PlatformError {
  const code = (err as { code?: unknown } | null)?.code
  if (err instanceof TypeError || code === "ERR_INVALID_ARG_VALUE") {
    return PlatformError.badArgument({ module: "FileSystem", method, description: errorMessage(err) })
  }
  return PlatformError.systemError({
    _tag: tagOfErrno(typeof code === "string" ? code : undefined),
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    syscall: (err as { syscall?: string } | null)?.syscall,
    cause: err,
  })
}

/**
 * Any failure of the supervisor client as a PlatformError. A spawn failure keeps its errno (the
 * SpawnFailedError's `code`: ENOENT, EACCES, ENOTDIR for a cwd that is a file), with Node's `syscall`
 * (`spawn <file>`) as Effect's Node spawner reports it; a dead or missing sidecar is `Unknown`, with the
 * cause attached.
 */
export function toPlatformError(method: string, err: unknown, display: string): PlatformError.PlatformError {
  if (PlatformError.isPlatformError(err)) return err
  if (err instanceof SpawnFailedError) {
    return PlatformError.systemError({
      _tag: tagOfErrno(err.code),
      module: MODULE,
      method,
      description: err.message,
      syscall: err.syscall,
      pathOrDescriptor: display,
      cause: err,
    })
  }
  if (err instanceof SupervisorRequestError) {
    const errno = err.errno ?? (err.code === "bad_cwd" ? "ENOENT" : undefined)
    return systemError(method, errno, `${err.code}: ${err.message}`, display, err)
  }
  const errno = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : undefined
  return systemError(method, errno, errorMessage(err), display, err)
}
