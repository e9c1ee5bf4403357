export { trackedReports } from "@pawwork/harness/testing"
