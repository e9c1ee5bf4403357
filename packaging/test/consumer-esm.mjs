import * as api from "@pawwork/process"
import * as effect from "@pawwork/process/effect"
import * as Effect from "effect/Effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import checks from "./checks.cjs"

console.log(JSON.stringify({ entry: import.meta.resolve("@pawwork/process"), effectEntry: import.meta.resolve("@pawwork/process/effect") }))
await checks({ api, effect, Effect, ChildProcess, ChildProcessSpawner })
