import { RunFailedError } from "@pawwork/process"
import { describeContract } from "@pawwork/harness/testing"
import { createPeer, PEERS } from "../src/index.js"

// The Process API's contract (packages/harness/src/testing/contract.ts), the one the engines keep in
// packages/process/test/api/behaviour.test.ts, on the two Process-API peers, tree cases included: execa 10's
// killDescendants and tree-kill's walk both reach a tree that stays in place.
describeContract(
  PEERS.map((name) => ({ name, api: createPeer({ backend: name }) })),
  RunFailedError,
)
