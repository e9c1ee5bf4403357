/*
 * What every measuring package shares (the process package's tests, the matrix, the bench), so each
 * judges a process alive, kills a leftover and reads a fixture report the same way. Never a dependency of
 * @pawwork/process itself: the product must not ship its test harness.
 */
export * from "./fixture-report.js"
export * from "./kill.js"
export * from "./paths.js"
export * from "./procfs.js"
export * from "./runtime.js"
export * from "./sleeper.js"
