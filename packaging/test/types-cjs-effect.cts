// Type-checked by packed-install.test.mjs (module nodenext): `effect` is ESM only, so requiring the Effect
// subpath needs require(esm), which TypeScript models under nodenext and not under node16.
import effect_ = require("@pawwork/process/effect")

export const layer = effect_.layerFromFlag(effect_.SupervisorSpawner.defaultLayer)
