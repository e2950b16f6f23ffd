/**
 * The larger fault run: kill -9 at random points during export, prune and snapshot, many trials.
 * The suite in `npm test` runs a few of each (test/faults/kill.test.ts).
 *
 *   npm run build && npx tsx bench/faults.ts [--trials 50] [--only export|prune|snapshot]
 *
 * Prints one JSON line per trial and a summary; exits 1 if any trial found a problem.
 */
import { exportTrials, pruneTrials, snapshotTrials, type TrialResult } from '../test/faults/harness.js';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const trials = Number(arg('trials') ?? 50);
const only = arg('only');
const all: TrialResult[] = [];
for (const [name, run] of [
  ['export', () => exportTrials(trials)],
  ['prune', () => pruneTrials(trials)],
  ['snapshot', () => snapshotTrials(trials)],
] as const) {
  if (only !== undefined && only !== name) continue;
  const results = await run();
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  all.push(...results);
}
const bad = all.filter((r) => r.problems.length > 0);
const killed = all.filter((r) => r.killedRun === null).length;
process.stdout.write(
  `${all.length - bad.length} passed, ${bad.length} failed (${killed} of ${all.length} runs were killed mid-way; the rest finished before the kill)\n`,
);
process.exitCode = bad.length > 0 ? 1 : 0;
