export { pattern } from "@pawwork/harness/testing"
