export { countPids, newReport, readReport, removeReports, reportedPids, waitForReport, type PidLine, type ReportLine } from "@pawwork/harness/testing"
