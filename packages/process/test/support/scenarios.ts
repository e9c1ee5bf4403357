export {
  abortWhenReady,
  aliveRoles,
  childStopped,
  collect,
  hasRole,
  holdBriefly,
  hostEndsAfterSpawn,
  middleExited,
  signalsByRole,
  type HostBackend,
  type HostEnd,
  type Ready,
} from "@pawwork/harness/testing"
