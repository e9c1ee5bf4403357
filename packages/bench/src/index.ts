export { main, parseCli } from "./cli.js"
export { runBench } from "./run.js"
export { SIZES, type Sizes } from "./config.js"
import { renderBenchSection as renderSection } from "./markdown.js"
import { fromBenchJson } from "./report.js"

export { writeReport, readBench, fromBenchJson, BENCH_SCHEMA } from "./report.js"
export { toCamelKeys, toSnakeKeys } from "./json-case.js"
export { renderBenchMarkdown } from "./markdown.js"

/** The benchmark section from a bench.json's content as written (snake_case), e.g. embedded in results.json. */
export const renderBenchSection = (data: unknown, level = 2): string => renderSection(fromBenchJson(data), level)
export { renderBenchHtml, scaleCharts } from "./html.js"
export { evaluateTargets, GOALS, producerCaps } from "./targets.js"
export { overCores } from "./load.js"
export type * from "./types.js"
