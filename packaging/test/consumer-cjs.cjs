"use strict"
const api = require("@pawwork/process")
const effect = require("@pawwork/process/effect")
// effect is ESM only: required through require(esm) (Node 20.19+, 22.12+, Bun).
const Effect = require("effect/Effect")
const { ChildProcess, ChildProcessSpawner } = require("effect/process")
const checks = require("./checks.cjs")

console.log(JSON.stringify({ entry: require.resolve("@pawwork/process"), effectEntry: require.resolve("@pawwork/process/effect") }))
checks({ api, effect, Effect, ChildProcess, ChildProcessSpawner }).catch((err) => {
  console.error(err)
  process.exit(1)
})
