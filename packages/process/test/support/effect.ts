import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as PlatformError from "effect/PlatformError"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import { SupervisorSpawner } from "../../src/effect/index.js"

type Program<A, E> = Effect.Effect<A, E, ChildProcessSpawner | Scope.Scope>

/** Runs a program in its own scope on a fresh layer (one sidecar, shut down when the program ends). */
export function run<A, E>(program: Program<A, E>, layer: Layer.Layer<ChildProcessSpawner> = SupervisorSpawner.layer()): Promise<A> {
  return Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(layer)))
}

/** The program's failure, which must be a PlatformError; throws if it succeeded. */
export async function failure<A, E>(program: Program<A, E>): Promise<PlatformError.PlatformError> {
  const err = await run(Effect.flip(program))
  if (!PlatformError.isPlatformError(err)) throw new Error(`expected a PlatformError, got ${String(err)}`)
  return err
}

/** The service, to `yield*` in a program. */
export const spawner = ChildProcessSpawner

export function collect(stream: Stream.Stream<Uint8Array, PlatformError.PlatformError>): Effect.Effect<Buffer, PlatformError.PlatformError> {
  return Effect.map(Stream.runCollect(stream), (chunks) => Buffer.concat([...chunks]))
}

export function text(stream: Stream.Stream<Uint8Array, PlatformError.PlatformError>): Effect.Effect<string, PlatformError.PlatformError> {
  return Effect.map(collect(stream), (b) => b.toString())
}

export const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** VmRSS of a process in KiB, from /proc; null once it is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}
