import type * as Layer from "effect/Layer"
import type { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import { processBackend } from "../flag.js"
import { layer, type SupervisorSpawnerOptions } from "./spawner.js"

/**
 * The ChildProcessSpawner layer PAWWORK_PROCESS_BACKEND names, read through processBackend(), the reader the
 * Process namespace uses: `baseline` (or unset) gives back `baseline` itself, the caller's own layer (PawWork's
 * `CrossSpawnSpawner.defaultLayer`), `supervisor` gives `SupervisorSpawner.layer(options)`. So both paths
 * switch together, and a bad value is the same InvalidBackendFlagError on both, thrown here, when the layer is
 * made. The baseline side is the caller's because PawWork's cross-spawn layer is PawWork's code: a copy of
 * it here would be a second baseline, drifting from the one the flag is meant to switch away from.
 */
export function layerFromFlag<E, R>(
  baseline: Layer.Layer<ChildProcessSpawner, E, R>,
  options?: SupervisorSpawnerOptions,
): Layer.Layer<ChildProcessSpawner, E, R> {
  return processBackend() === "supervisor" ? layer(options) : baseline
}
