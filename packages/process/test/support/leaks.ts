export { isAlive, killLeftovers, survivors, waitAllGone } from "@pawwork/harness/testing"
