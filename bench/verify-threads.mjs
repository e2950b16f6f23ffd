// verifyPack of one pack with its threads forced on and off, alternating in one process (after
// `npm run build`): wall and CPU (all threads) medians. Used to set THREADS_FROM_BYTES
// (src/verify/pack-dir.ts; docs/decisions.md "verify: threads only for a pack of 8 MiB or more").
//   node bench/verify-threads.mjs <pack dir> [rounds, default 10]
import { fileURLToPath } from 'node:url';

const { verifyPack } = await import(fileURLToPath(new URL('../dist/verify/index.js', import.meta.url)));
const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: node bench/verify-threads.mjs <pack dir> [rounds]');
const rounds = Number(process.argv[3] ?? 10);
const runs = { true: [], false: [] };
const reports = {};
for (let i = 0; i < rounds; i++)
  for (const threads of [true, false]) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await verifyPack(dir, { threads });
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    runs[threads].push([wall, (c.user + c.system) / 1000]);
    reports[threads] = JSON.stringify(r.problems);
  }
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (const k of ['true', 'false'])
  console.log(
    `threads ${k}: wall ${med(runs[k].map((x) => x[0])).toFixed(1)} ms, CPU ${med(runs[k].map((x) => x[1])).toFixed(1)} ms (median of ${rounds})`,
  );
console.log(`same findings both ways: ${reports.true === reports.false}`);
