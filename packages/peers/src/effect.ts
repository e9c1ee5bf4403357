/** `@pawwork/peers/effect`: the two Effect backends of the comparison (see effect/backends.ts). */
export { createEffectProcess, type EffectBackendName, type EffectProcessOptions } from "./effect/backends.js"
