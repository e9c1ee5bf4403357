/**
 * `@pawwork/process/effect`: Effect's ChildProcessSpawner service on the pawwork-supervisor sidecar.
 * A subpath of its own so that the main entry never loads `effect`, an optional peer dependency.
 */
export * as SupervisorSpawner from "./spawner.js"
export type { SupervisorSpawnerOptions } from "./spawner.js"
export { layerFromFlag } from "./flag.js"
export { InvalidBackendFlagError, processBackend } from "../flag.js"
