import { SpawnFailedError } from "../errors.js"
import type { SpawnRequest } from "../protocol/messages.js"

/**
 * The request header a sidecar of this protocol takes (hello.limits.max_header, docs/reference/protocol.md): room
 * for the largest command line and environment an `execve` admits (6 MiB of strings on Linux), escaped as
 * JSON at worst (a byte as `\u0001`), and 1 MiB for the rest.
 */
export const MAX_REQUEST_HEADER = (1 << 20) + 6 * (6 << 20)

/** At most this many bytes of JSON per UTF-16 unit of a string (`\u0001`), and what a request adds besides. */
const ESCAPED_PER_UNIT = 6
const REST = 64 * 1024

/**
 * Refuses a spawn whose request the sidecar could not take, before anything is sent, with the error Node's
 * own spawn throws for the same input: E2BIG. Such a request is over the kernel's limit too (see
 * MAX_REQUEST_HEADER), so Node would refuse it as well; anything smaller goes to the sidecar, whose
 * `execve` answers E2BIG exactly where the kernel does. The bound is checked on string lengths first, so
 * an ordinary spawn is never serialised twice.
 */
export function assertSpawnFits(cmd: string[], request: SpawnRequest, maxHeader = MAX_REQUEST_HEADER): void {
  let units = request.argv.reduce((n, a) => n + a.length, 0) + (request.cwd?.length ?? 0)
  if (request.env.mode !== "inherit") {
    for (const [key, value] of Object.entries(request.env.vars)) units += key.length + (value?.length ?? 0)
  }
  if (units * ESCAPED_PER_UNIT + REST <= maxHeader) return
  const bytes = Buffer.byteLength(JSON.stringify(request))
  if (bytes <= maxHeader) return
  throw new SpawnFailedError(
    cmd,
    "E2BIG",
    `the command line and environment take ${bytes} bytes as a request; the supervisor's limit is ${maxHeader}, above what the kernel admits`,
  )
}
