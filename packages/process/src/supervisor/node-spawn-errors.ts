import util from "node:util"
import { SpawnFailedError, SupervisorRequestError } from "../errors.js"
import type { Options } from "../types.js"

/**
 * The failures of Node's own spawn, reproduced for the supervisor engine so that a call site sees the
 * same thing on both (docs/reference/adoption.md lists what still differs). Node's rules, from its child_process
 * module: arguments with a NUL byte throw a TypeError (`ERR_INVALID_ARG_VALUE`) before anything runs;
 * an OS error throws from spawn() unless it is one of the five below, which are emitted as `error`.
 */
const EMITTED = new Set(["EACCES", "EAGAIN", "EMFILE", "ENFILE", "ENOENT"])

/** Node throws this failure from spawn() itself rather than emitting it. */
export function thrownByNode(code: string): boolean {
  return /^E[A-Z0-9]+$/.test(code) && !EMITTED.has(code)
}

function invalidArgValue(name: string, value: unknown, reason: string): TypeError {
  const kind = name.includes(".") ? "property" : "argument"
  const err = new TypeError(`The ${kind} '${name}' ${reason}. Received ${util.inspect(value)}`)
  return Object.assign(err, { code: "ERR_INVALID_ARG_VALUE" })
}

const NUL = "must be a string without null bytes"

/**
 * Node's NUL checks, in its order: the file, each argument, the cwd, then every variable of the
 * environment the child would get (names and values). Throws what Node throws.
 */
export function assertNoNulBytes(file: string, args: readonly string[], opts: Options, env: Record<string, string>): void {
  if (file.includes("\0")) throw invalidArgValue("file", file, NUL)
  args.forEach((arg, i) => {
    if (arg.includes("\0")) throw invalidArgValue(`args[${i}]`, arg, NUL)
  })
  if (opts.cwd?.includes("\0")) {
    throw invalidArgValue("options.cwd", opts.cwd, "must be a string, Uint8Array, or URL without null bytes")
  }
  for (const [key, value] of Object.entries(env)) {
    if (key.includes("\0")) throw invalidArgValue(`options.env['${key}']`, key, NUL)
    if (value.includes("\0")) throw invalidArgValue(`options.env['${key}']`, value, NUL)
  }
}

/**
 * The sidecar's refusal of a spawn as Node's error: the errno it carries (exec's, or the cwd's) is the
 * `code`; a limit of the sidecar's own (`too_many_children`) reads as EAGAIN, what fork(2) says at a
 * process limit; a refusal with no errno keeps the protocol's code. `argv` is what was started: Node
 * names the file it ran (the shell, for `shell: true`).
 */
export function spawnFailure(argv: readonly string[], err: SupervisorRequestError): SpawnFailedError {
  const code = err.errno ?? (err.code === "too_many_children" ? "EAGAIN" : err.code)
  return new SpawnFailedError([...argv], code, undefined, { cause: err, thrown: thrownByNode(code) })
}
