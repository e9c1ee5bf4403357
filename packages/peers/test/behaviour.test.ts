import { RunFailedError } from "@pawwork/process"
import { describeContract } from "@pawwork/harness/testing"
import { createPeer, PEERS } from "../src/index.js"

// The Process API's contract (packages/harness/src/testing/contract.ts), the one the engines keep in
// packages/process/test/api/behaviour.test.ts, on the two Process-API peers. Execa 9 signals the root pid alone, so
// the tree cases are skipped for it by name; its failure on each of them is pinned in execa/reach.test.ts.
describeContract(
  PEERS.map((name) => ({ name, api: createPeer({ backend: name }), killsTrees: name !== "execa" })),
  RunFailedError,
)
