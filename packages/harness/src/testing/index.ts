/*
 * `@pawwork/harness/testing`: what the test suites of @pawwork/process and @pawwork/peers share to run the
 * fixture program and judge what is left of it. A subpath of its own: it loads node:test, which the matrix
 * and the bench (the harness's main entry) never need.
 */
export * from "./contract.js"
export * from "./fixture.js"
export * from "./guard.js"
export * from "./host-ends.js"
export * from "./leaks.js"
export * from "./reports.js"
export * from "./scenarios.js"
export * from "./tracked-reports.js"
export type * from "./types.js"
