/*
 * Every event from the sidecar is checked here, at the connection, before anything reads it: one guard
 * per event (docs/reference/protocol.md, "Events"). A header that fails its guard is a broken connection (the
 * connection fails what is pending with the reason), never a value passed on to a caller.
 *
 * What is tolerated, for a sidecar of a newer build speaking the same protocol version:
 * - fields this client does not know, on any event (a newer sidecar adds fields, as `kept` and
 *   `containment` were added);
 * - `error` codes this client does not know (they reach the caller as the code the sidecar sent);
 * - anything inside `hello.capabilities`, `hello.platform` and `hello.defaults` (informational), and a
 *   `spawned.containment` of any string.
 * What is an error: an unknown `event`, a field this client reads that is missing or of the wrong type,
 * and an unknown value where the protocol lists every value (`exit.reason`, `exit.drain`,
 * `released.reason`, `output.stream`: stdout, stderr or `fdN` for a descriptor of 3 and up), since passing
 * one on would be passing on a wrong value.
 */
import type { Event, HelloEvent } from "./messages.js"

type Header = Record<string, unknown>
/** Returns what is wrong with the event, or null. */
type Guard = (h: Header) => string | null

const isInt = (v: unknown, min = 0): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= min
const isPid = (v: unknown): v is number => isInt(v, 2)
const isPidList = (v: unknown): boolean => Array.isArray(v) && v.every(isPid)
const isObject = (v: unknown): v is Header => v !== null && typeof v === "object" && !Array.isArray(v)

/** The first failed check's description, or null when all pass. */
function check(h: Header, checks: Array<[field: string, ok: boolean, expected: string]>): string | null {
  for (const [field, ok, expected] of checks) if (!ok) return `${field} must be ${expected}, got ${JSON.stringify(h[field])}`
  return null
}

const id = (h: Header) => ["id", typeof h.id === "string" && h.id !== "", "a non-empty string"] as [string, boolean, string]
const req = (h: Header) => ["req", isInt(h.req, 1), "a request id"] as [string, boolean, string]
const optional = (h: Header, field: string, ok: (v: unknown) => boolean, expected: string) =>
  [field, h[field] === undefined || ok(h[field]), expected] as [string, boolean, string]

/** `fd3` .. `fd<max>`: an extra descriptor's channel (docs/reference/protocol.md, "Extra descriptors"). */
const isFdStream = (v: unknown): boolean => typeof v === "string" && /^fd([3-9]|[1-9][0-9]+)$/.test(v)
const isStream = (v: unknown): boolean => v === "stdout" || v === "stderr" || isFdStream(v)
/** Byte totals per output channel: stdout and stderr always, `fdN` for the spawn's output descriptors. */
const isByteTotals = (v: unknown): boolean =>
  isObject(v) && isInt(v.stdout) && isInt(v.stderr) && Object.entries(v).every(([k, n]) => k === "stdout" || k === "stderr" || (isFdStream(k) && isInt(n)))
/** A root's status: exactly one of a code and a signal. */
function statusGuard(h: Header): string | null {
  const wrong = check(h, [
    ["code", h.code === null || (typeof h.code === "number" && Number.isSafeInteger(h.code)), "an integer or null"],
    ["signal", h.signal === null || (typeof h.signal === "string" && h.signal !== ""), "a signal name or null"],
  ])
  return wrong ?? ((h.code !== null) !== (h.signal !== null) ? null : "exactly one of code and signal must be set for a process that ran")
}

const EXIT_REASONS = ["exited", "cancelled", "timed_out", "spawn_failed"]
const DRAINS = ["complete", "cut", "none"]

function exitGuard(h: Header): string | null {
  const bytes = h.bytes as Header
  const wrong = check(h, [
    id(h),
    ["reason", EXIT_REASONS.includes(h.reason as string), `one of ${EXIT_REASONS.join(", ")}`],
    ["code", h.code === null || (typeof h.code === "number" && Number.isSafeInteger(h.code)), "an integer or null"],
    ["signal", h.signal === null || (typeof h.signal === "string" && h.signal !== ""), "a signal name or null"],
    ["bytes", isByteTotals(bytes), "{stdout, stderr, fdN...} byte counts"],
    ["drain", DRAINS.includes(h.drain as string), `one of ${DRAINS.join(", ")}`],
    ["killed_pids", isPidList(h.killed_pids), "a list of pids"],
    ["leftover_pids", isPidList(h.leftover_pids), "a list of pids"],
    optional(h, "kept", (v) => typeof v === "boolean", "a boolean"),
    optional(h, "duration_ms", (v) => isInt(v), "a duration"),
  ])
  if (wrong) return wrong
  // docs/reference/protocol.md: a process that ran ended with exactly one of a code and a signal; nothing ran for
  // spawn_failed, so it has neither.
  if (h.reason === "spawn_failed") return h.code !== null || h.signal !== null ? "a spawn_failed exit must have neither code nor signal" : null
  return statusGuard(h)
}

const GUARDS: Record<string, Guard> = {
  hello: helloGuard,
  spawned: (h) =>
    check(h, [
      req(h),
      id(h),
      ["pid", isPid(h.pid), "a pid"],
      ["pgid", h.pgid === null || isPid(h.pgid), "a pid or null"],
      optional(h, "containment", (v) => typeof v === "string", "a string"),
    ]),
  output: (h) => check(h, [id(h), ["stream", isStream(h.stream), "stdout, stderr or fdN"]]),
  written: (h) =>
    check(h, [
      req(h),
      id(h),
      ["bytes", isInt(h.bytes), "a byte count"],
      optional(h, "closed", (v) => typeof v === "boolean", "a boolean"),
      optional(h, "fd", (v) => isInt(v), "a descriptor number"),
    ]),
  signalled: (h) =>
    check(h, [req(h), id(h), ["signal", typeof h.signal === "string", "a signal name"], ["pids", isPidList(h.pids), "a list of pids"]]),
  exit: exitGuard,
  root_exited: (h) => check(h, [id(h), optional(h, "duration_ms", (v) => isInt(v), "a duration")]) ?? statusGuard(h),
  released: (h) =>
    check(h, [
      id(h),
      ["reason", h.reason === "cancelled" || h.reason === "emptied", "cancelled or emptied"],
      ["killed_pids", isPidList(h.killed_pids), "a list of pids"],
      optional(h, "duration_ms", (v) => isInt(v), "a duration"),
    ]),
  terminated: (h) =>
    check(h, [
      req(h),
      ["pid", isPid(h.pid), "a pid"],
      ["pids", isPidList(h.pids), "a list of pids"],
      ["killed_pids", isPidList(h.killed_pids), "a list of pids"],
      optional(h, "graceful", (v) => typeof v === "boolean", "a boolean"),
      optional(h, "quiet", (v) => typeof v === "boolean", "a boolean"),
      optional(h, "capped", (v) => typeof v === "boolean", "a boolean"),
      optional(h, "duration_ms", (v) => isInt(v), "a duration"),
    ]),
  error: (h) =>
    check(h, [
      ["code", typeof h.code === "string" && h.code !== "", "an error code"],
      ["message", typeof h.message === "string", "a string"],
      optional(h, "req", (v) => isInt(v, 1), "a request id"),
      optional(h, "id", (v) => typeof v === "string", "a string"),
      optional(h, "errno", (v) => typeof v === "string", "a string"),
    ]),
  pong: (h) => check(h, [req(h)]),
  goodbye: (h) => check(h, [optional(h, "req", (v) => isInt(v, 1), "a request id")]),
}

/** `hello` beyond its protocol number, which the handshake checks first so a version mismatch says so. */
function helloGuard(h: Header): string | null {
  const limits = h.limits
  const wrong = check(h, [
    ["version", typeof h.version === "string", "a string"],
    ["pid", isPid(h.pid), "a pid"],
    ["limits", limits === undefined || isObject(limits), "an object"],
    optional(h, "capabilities", isObject, "an object"),
    optional(h, "platform", isObject, "an object"),
    optional(h, "defaults", isObject, "an object"),
  ])
  if (wrong || !isObject(limits)) return wrong
  for (const [name, value] of Object.entries(limits)) {
    if (!isInt(value, 1)) return `limits.${name} must be a positive integer, got ${JSON.stringify(value)}`
  }
  return null
}

/** The event, checked; or what is wrong with it. */
export function checkEvent(header: Header): { event: Event } | { wrong: string } {
  const name = header.event
  const guard = typeof name === "string" && Object.hasOwn(GUARDS, name) ? GUARDS[name]! : null
  if (!guard) return { wrong: `unknown event ${JSON.stringify(name)}` }
  const wrong = guard(header)
  return wrong ? { wrong: `${name} event: ${wrong}` } : { event: header as unknown as Event }
}

/** The hello, checked (its `event` and `protocol` already are). */
export function checkHello(header: Header): { hello: HelloEvent } | { wrong: string } {
  const wrong = helloGuard(header)
  return wrong ? { wrong: `hello: ${wrong}` } : { hello: header as unknown as HelloEvent }
}
