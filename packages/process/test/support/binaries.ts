import { repoRoot as findRoot } from "@pawwork/harness"

export const repoRoot = findRoot()

export { fixture, fixturePath } from "@pawwork/harness/testing"
