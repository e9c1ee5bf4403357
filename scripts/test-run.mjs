// Runs a list of test steps (scripts/test-steps.mjs) by lane: the steps of one lane one after the other, the
// lanes at the same time. Shared by scripts/test.mjs and scripts/soak.mjs, so a soak runs the steps as
// `npm test` does. With one lane a step's output streams as it comes; with several each step's output is
// kept and printed whole when the step ends, so lanes never interleave their lines.
import { spawn } from "node:child_process";
import { root } from "./test-steps.mjs";

const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;

/**
 * Runs `steps` (skips included, which are only reported). Resolves to one result per step that ran:
 * { step, status, output, ms }. A fatal step that fails lets the steps already running end and starts no
 * other. `out` receives everything printed.
 */
export async function runLanes(steps, out = process.stdout) {
  const runnable = steps.filter((s) => !s.skip);
  const lanes = [...new Set(runnable.map((s) => s.lane ?? "main"))];
  const live = lanes.length === 1;
  const results = [];
  let stopped = false;
  const started = performance.now();
  async function lane(name) {
    for (const s of runnable.filter((x) => (x.lane ?? "main") === name)) {
      if (stopped) return;
      const r = await runStep(s, live, out, started);
      results.push(r);
      if (r.status !== 0 && s.fatal) stopped = true;
    }
  }
  await Promise.all(lanes.map(lane));
  return results;
}

/** One step, its output streamed (`live`) or printed whole at its end. */
function runStep(s, live, out, t0) {
  const args = typeof s.args === "function" ? s.args() : s.args;
  const head = `=== ${s.name}: ${s.cmd} ${args.join(" ")}`;
  const at = () => `${seconds(performance.now() - t0)} in`;
  out.write(live ? `\n${head}\n` : `=== started (${at()}): ${s.name}\n`);
  const t = performance.now();
  return new Promise((done) => {
    let output = "";
    const child = spawn(s.cmd, args, { cwd: root, env: { ...process.env, ...s.env }, stdio: ["ignore", "pipe", "pipe"] });
    const take = (d) => {
      output += d;
      if (live) out.write(d);
    };
    child.stdout.setEncoding("utf8").on("data", take);
    child.stderr.setEncoding("utf8").on("data", take);
    child.on("error", (e) => take(`\n=== ${s.name}: ${e.message}\n`));
    child.on("close", (code, signal) => {
      const ms = performance.now() - t;
      const status = code ?? signal;
      const verdict = `=== ${status === 0 ? "passed" : `FAILED (${signal ? `signal ${signal}` : `exit ${code}`})`}: ${s.name} (${seconds(ms)}; ${at()})\n`;
      out.write(live ? verdict : `\n${head}\n${output}${output.endsWith("\n") || output === "" ? "" : "\n"}${verdict}`);
      done({ step: s, status, output, ms });
    });
  });
}
