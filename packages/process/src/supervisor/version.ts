import { SupervisorVersionError } from "../errors.js"
import type { HelloEvent } from "../protocol/messages.js"
import { ownPackage } from "../self.js"

/**
 * The sidecar's hello names its version (the crate's, one release with this package's): another one is a
 * SupervisorVersionError naming both, before any child starts. The protocol number alone would let a binary
 * of another release through as long as the wire format held, with whatever else changed between them.
 */
export function checkSidecarVersion(hello: HelloEvent, binary: string): void {
  const expected = ownPackage().version
  if (hello.version !== expected) throw new SupervisorVersionError(expected, String(hello.version), binary, "its hello")
}
