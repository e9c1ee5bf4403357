import path from "node:path"
import { fileURLToPath } from "node:url"
import { describeHostEnds, type HostEnd } from "@pawwork/harness/testing"
import { PEERS, type PeerName } from "../src/index.js"

/*
 * Parent death, as packages/process/test/api/host-exit.test.ts asks it of the engines: a host spawns `tree --depth 1
 * --width 2` (root + 2 children) through a peer, then exits normally or is SIGKILLed. What survives:
 * - execa: its `cleanup` (signal-exit's exit handler) SIGTERMs the root's group on a normal exit
 *   (killDescendants), so the whole tree dies; a SIGKILLed host runs no handler at all;
 * - tree-kill: nothing is tied to the host's life.
 */
const SURVIVORS: Record<PeerName, Record<HostEnd, string[]>> = {
  execa: { exit: [], SIGKILL: ["node", "node", "root"] },
  "tree-kill": { exit: ["node", "node", "root"], SIGKILL: ["node", "node", "root"] },
}

const indexJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/index.js")

describeHostEnds({ module: indexJs, create: "createPeer" }, PEERS, SURVIVORS)
