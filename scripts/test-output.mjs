// Failed test names in the runners' output, for scripts/soak.mjs.

/**
 * Failed test names in cargo's output: `test NAME ... FAILED`, keyed by the
 * test binary from the `Running ...` line before it (names repeat across
 * binaries: the integration suite runs twice, with and without cgroups).
 */
export function cargoFailures(output) {
  const failed = new Set();
  let binary = "?";
  for (const line of output.split("\n")) {
    const running = line.match(/^\s*Running (?:unittests )?(\S+)/);
    if (running) binary = running[1];
    const t = line.match(/^test (.+) \.\.\. FAILED\s*$/);
    if (t) failed.add(`${binary} ${t[1]}`);
  }
  return [...failed];
}

/**
 * Failed test names in node --test's output. Node 20 reports in TAP when its
 * output is not a terminal (`# Subtest: NAME` ... `not ok N - NAME`, nested
 * by indentation); later Nodes default to spec (`✖ NAME (12ms)`, nested the
 * same way, and repeated under "failing tests:"). A suite that failed
 * because a test in it failed is not counted again: only leaves are kept.
 */
export function nodeFailures(output) {
  const failed = new Set();
  const path = []; // names of the enclosing suites, by indentation level
  let inSummary = false;
  for (const line of output.split("\n")) {
    const spaces = line.match(/^ */)?.[0].length ?? 0;
    // TAP nests by 4 spaces; a test file's own level is named by its path: its base name is enough.
    const sub = line.match(/^\s*# Subtest: (.*)$/);
    if (sub) {
      path.length = spaces / 4;
      path[spaces / 4] = /[\\/].*\.[cm]?js$/.test(sub[1]) ? sub[1].split(/[\\/]/).pop() : sub[1];
      continue;
    }
    const tap = line.match(/^\s*not ok \d+ - (.*?)(?: # .*)?$/);
    if (tap) {
      failed.add([...path.slice(0, spaces / 4), /[\\/].*\.[cm]?js$/.test(tap[1]) ? tap[1].split(/[\\/]/).pop() : tap[1]].join(" > "));
      continue;
    }
    // Spec nests by 2.
    const indent = spaces / 2;
    if (/^\S*✖ failing tests:/.test(line.trim())) inSummary = true;
    const spec = line.match(/^\s*✖ (.*?)(?: \(\d+(?:\.\d+)?m?s\))?$/);
    if (spec && !inSummary && !spec[1].startsWith("failing tests")) {
      path.length = indent;
      failed.add([...path.slice(0, indent), spec[1]].join(" > "));
      continue;
    }
    const specSuite = line.match(/^\s*▶ (.*)$/);
    if (specSuite && !inSummary) {
      path.length = indent;
      path[indent] = specSuite[1];
    }
  }
  const names = [...failed];
  return names.filter((n) => !names.some((m) => m !== n && m.startsWith(`${n} > `)));
}

/**
 * Failed test names in `bun test`'s output (scripts/bun-test.mjs prints each
 * file's report): `(fail) suite > test [12.34ms]`, plus the file that failed
 * without naming a test (a crash, or no test run), from bun-test's own line.
 */
export function bunFailures(output) {
  const failed = new Set();
  let file = "?";
  for (const line of output.split("\n")) {
    const header = line.match(/^(\S+\.test\.[cm]?js):$/);
    if (header) file = header[1].split(/[\\/]/).pop();
    const t = line.match(/^\(fail\) (.*?)(?: \[\d+(?:\.\d+)?m?s\])?$/);
    if (t) failed.add(`${file} > ${t[1]}`);
  }
  return [...failed];
}
