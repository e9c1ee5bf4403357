// Type-checked by packed-install.test.mjs against the installed package: the CommonJS types of the main entry.
import process_ = require("@pawwork/process")

const engine: process_.EngineName = process_.processBackend()
const outcome: Promise<process_.Outcome> = process_.createProcess({ backend: engine }).spawn(["true"]).outcome
const located: string = process_.locateSupervisor()
export { outcome, located }
