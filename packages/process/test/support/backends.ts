import { ENGINES, createProcess, type EngineName, type ProcessApi } from "../../src/index.js"

export { GUARD, settledWithin } from "@pawwork/harness/testing"

/** Both engines unless PAWWORK_TEST_BACKENDS narrows the list (e.g. while iterating on one). */
export function backendNames(): EngineName[] {
  const wanted = process.env.PAWWORK_TEST_BACKENDS?.split(",").map((s) => s.trim()) ?? ENGINES
  return wanted.filter((n): n is EngineName => (ENGINES as readonly string[]).includes(n))
}

export function api(name: EngineName): ProcessApi {
  return createProcess({ backend: name })
}
