import * as PlatformError from "effect/PlatformError"
import { SpawnFailedError, SupervisorRequestError, errorMessage } from "../errors.js"

const MODULE = "ChildProcess"

/**
 * Effect's tag for an errno name. The sidecar's `spawn_failed` error carries the errno of the failed
 * exec (docs/protocol.md, "error codes"); a local stat of `cwd` carries Node's. Names not listed are
 * `Unknown`, as in Effect's own platforms: a tag is a promise about the cause, so none is guessed.
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
    case "EAGAIN":
      return "WouldBlock"
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
 * Any failure of the supervisor client as a PlatformError. A spawn failure keeps its errno (the
 * SpawnFailedError's `code`, e.g. ENOENT); the sidecar's `bad_cwd` is a directory that vanished between
 * our check and the spawn, so NotFound; a dead or missing sidecar is `Unknown`, with the cause attached.
 */
export function toPlatformError(method: string, err: unknown, display: string): PlatformError.PlatformError {
  if (PlatformError.isPlatformError(err)) return err
  if (err instanceof SpawnFailedError) {
    const errno = err.code === "bad_cwd" ? "ENOENT" : err.code
    return systemError(method, errno, err.message, display, err)
  }
  if (err instanceof SupervisorRequestError) {
    const errno = err.errno ?? (err.code === "bad_cwd" ? "ENOENT" : undefined)
    return systemError(method, errno, `${err.code}: ${err.message}`, display, err)
  }
  const errno = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : undefined
  return systemError(method, errno, errorMessage(err), display, err)
}
