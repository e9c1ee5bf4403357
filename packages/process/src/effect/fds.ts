import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as PlatformError from "effect/PlatformError"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import type { FdSpec } from "../protocol/messages.js"
import type { SupervisorChild } from "../supervisor/child.js"
import { badArgument } from "./errors.js"
import { outputStream, stdinSink } from "./io.js"

/** The protocol's highest extra descriptor (`hello.limits.max_fd`): the Windows C runtime table's bound. */
export const MAX_FD = 255

type OnError = (method: string) => (err: unknown) => PlatformError.PlatformError

/** One configured descriptor, its number parsed. */
export interface AdditionalFd {
  readonly fd: number
  readonly config: ChildProcess.AdditionalFdConfig
}

/**
 * `additionalFds` as the protocol's `fds`, ascending. A key that names no descriptor from 3 to MAX_FD is
 * refused rather than skipped: a child that would not get a descriptor its caller configured is not started.
 */
export function parseAdditionalFds(options: ChildProcess.CommandOptions): AdditionalFd[] | PlatformError.PlatformError {
  const fds: AdditionalFd[] = []
  for (const [name, config] of Object.entries(options.additionalFds ?? {})) {
    const fd = ChildProcess.parseFdName(name)
    if (fd === undefined || fd > MAX_FD) {
      return badArgument("spawn", `additionalFds: ${JSON.stringify(name)} names no descriptor from fd3 to fd${MAX_FD}`)
    }
    if (!["input", "output", "duplex"].includes(config.type)) {
      return badArgument("spawn", `additionalFds: ${name} has the unknown type ${JSON.stringify(config.type)}`)
    }
    fds.push({ fd, config })
  }
  return fds.sort((a, b) => a.fd - b.fd)
}

export function fdSpecs(fds: readonly AdditionalFd[]): FdSpec[] {
  return fds.map(({ fd, config }) => ({ fd, mode: config.type }))
}

export interface FdAccess {
  getInputFd(fd: number): Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError>
  getOutputFd(fd: number): Stream.Stream<Uint8Array, PlatformError.PlatformError>
}

/**
 * The handle's accessors. An input (or duplex) descriptor's sink writes with the protocol's flow control and
 * ends the child's side when it completes (a duplex one for writing only, on Unix); a configured `stream`
 * runs into it in the spawn's scope, its failure failing `exitCode` as stdin's does. An output's stream is
 * credited as it is consumed, through its `sink` when given. A failed write on a duplex descriptor is kept
 * and fails a later read of it, as Effect's Node spawner keeps a socket's error. Unconfigured numbers give
 * the empty stream and the draining sink the interface documents.
 */
export function fdAccess(
  child: SupervisorChild,
  fds: readonly AdditionalFd[],
  onError: OnError,
  inputFailure: Deferred.Deferred<never, PlatformError.PlatformError>,
): Effect.Effect<FdAccess, never, Scope.Scope> {
  return Effect.gen(function* () {
    const inputs = new Map<number, Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError>>()
    const outputs = new Map<number, Stream.Stream<Uint8Array, PlatformError.PlatformError>>()
    for (const { fd, config } of fds) {
      let writeError: PlatformError.PlatformError | undefined
      if (config.type !== "output") {
        const onWrite = onError(`fromWritable(fd${fd})`)
        const remember = (err: unknown) => {
          const failure = onWrite(err)
          writeError ??= failure
          return failure
        }
        const sink = stdinSink(child.inputFd(fd), { endOnDone: true, encoding: "utf-8" }, remember)
        inputs.set(fd, sink)
        if (config.stream) {
          const source = Stream.tapError(config.stream, (err) => Deferred.fail(inputFailure, err))
          yield* Effect.forkScoped(Stream.run(source, sink))
        }
      }
      if (config.type !== "input") {
        let stream = outputStream(child.outputFd(fd), onError(`fromReadable(fd${fd})`))
        if (config.type === "duplex") {
          const read = stream
          stream = Stream.suspend(() => (writeError === undefined ? read : Stream.fail(writeError)))
        }
        outputs.set(fd, config.sink ? Stream.transduce(stream, config.sink) : stream)
      }
    }
    return {
      getInputFd: (fd: number) => inputs.get(fd) ?? Sink.drain,
      getOutputFd: (fd: number) => outputs.get(fd) ?? Stream.empty,
    }
  })
}
