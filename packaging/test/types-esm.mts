// Type-checked by packed-install.test.mjs against the installed package (module: node16): the ESM types.
import { Process, createProcess, processBackend, type EngineName, type Outcome } from "@pawwork/process"
import { layerFromFlag, SupervisorSpawner } from "@pawwork/process/effect"

const engine: EngineName = processBackend()
const outcome: Promise<Outcome> = createProcess({ backend: engine }).spawn(["true"]).outcome
const text: Promise<string> = Process.text(["true"]).then((r) => r.text)
export const layer = layerFromFlag(SupervisorSpawner.defaultLayer)
export { outcome, text }
