import path from "node:path"
import { fileURLToPath } from "node:url"
import type { EngineName } from "../../src/index.js"
import { describeHostEnds } from "@pawwork/harness/testing"
import { backendNames } from "../support/backends.js"
import type { HostEnd } from "../support/scenarios.js"

/*
 * Parent death: a host spawns `tree --depth 1 --width 2` (root + 2 children) and then exits normally or is
 * SIGKILLed. What survives is each engine's answer, asserted so the comparison cannot drift (the peers' are
 * in packages/peers/test/host-exit.test.ts):
 * - supervisor: the sidecar sees its stdin close whichever way the host ended, and ends every tree;
 * - baseline: nothing is tied to the host's life.
 */
const SURVIVORS: Record<EngineName, Record<HostEnd, string[]>> = {
  supervisor: { exit: [], SIGKILL: [] },
  baseline: { exit: ["node", "node", "root"], SIGKILL: ["node", "node", "root"] },
}

const indexJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/index.js")

describeHostEnds({ module: indexJs, create: "createProcess" }, backendNames(), SURVIVORS)
