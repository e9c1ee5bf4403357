import { describeContract } from "@pawwork/harness/testing"
import { RunFailedError } from "../../src/index.js"
import { api, backendNames } from "../support/backends.js"

// The Process API's contract (packages/harness/src/testing/contract.ts) on the two engines; the comparison
// peers keep the same one in packages/peers/test/behaviour.test.ts.
describeContract(
  backendNames().map((name) => ({ name, api: api(name) })),
  RunFailedError,
)
