import { after, afterEach } from "node:test"
import { killLeftovers } from "./leaks.js"
import { newReport, removeReports } from "./reports.js"

/**
 * Fixture report files for the tests of the current suite, with the cleanup every such suite needs: after
 * each test whatever its reports list that still runs is killed (start time checked, so tests stay
 * independent of each other's leaks); after the suite the given backends are shut down and the files
 * removed. Returns the function that hands out a fresh report path.
 */
export function trackedReports(...backends: Array<{ shutdown(): Promise<void> }>): () => string {
  const reports: string[] = []
  afterEach(() => {
    for (const file of reports.splice(0)) killLeftovers(file)
  })
  after(async () => {
    for (const b of backends) await b.shutdown()
    removeReports()
  })
  return () => {
    const file = newReport()
    reports.push(file)
    return file
  }
}
