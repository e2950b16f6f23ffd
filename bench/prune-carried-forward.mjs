// What a prune reads to carry the config in force and the packs kept unverified on each LogPruned
// event (src/retention/carried-forward.ts): CPU and wall of the two walks over a logs directory, with a
// build that has carriedForward (one read of each kept file) or one that has only configsInForce and
// keptUnverified (each its own reads: two per file, four up to the newest removed one).
// node bench/prune-carried-forward.mjs <dist> <logDir> [gen]   (gen: first write 30 day files of ~10 MB)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dist, logDir, gen] = process.argv.slice(2);
const name = (i) =>
  `audit-${new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '')}.jsonl`;
if (gen === 'gen') {
  mkdirSync(logDir, { recursive: true });
  const line = `${JSON.stringify({ ts: 1, seq: 1, category: 'order', event: 'OrderAccepted', order_id: 'O-000000', symbol: 'EURUSD', side: 'BUY', quantity: 1, prev: 'a'.repeat(64), hash: 'b'.repeat(64) })}\n`;
  const body = line.repeat(Math.ceil(10e6 / line.length));
  const snap = `${JSON.stringify({ category: 'config', event: 'ConfigSnapshot', snapshot_id: 'S', record_sha256: 'c'.repeat(64) })}\n`;
  const kept = `${JSON.stringify({ category: 'system', event: 'PackKept', date: '2025-12-30', path: '2025-12-30' })}\n`;
  const pruned = `${JSON.stringify({ category: 'system', event: 'LogPruned', file: 'audit-20251231.jsonl', sha256: '0'.repeat(64) })}\n`;
  for (let i = 0; i < 30; i++)
    writeFileSync(join(logDir, name(i)), (i === 0 ? snap + kept : '') + body + (i === 5 ? pruned : ''));
}
// A nightly prune: the oldest file goes.
const doomed = [name(0)];
const one = `${dist}/retention/carried-forward.js`;
const cpu = (c) => ((c.user + c.system) / 1000).toFixed(0);
const c0 = process.cpuUsage();
const t0 = Date.now();
let label;
if (existsSync(one)) {
  const { carriedForward } = await import(one);
  const r = await carriedForward(logDir, doomed);
  label = `carriedForward ${r.inForce.size} ${r.kept.size}`;
} else {
  const { configsInForce } = await import(`${dist}/retention/config-in-force.js`);
  const { keptUnverified } = await import(`${dist}/retention/kept-unverified.js`);
  const a = await configsInForce(logDir, doomed);
  const b = await keptUnverified(logDir, doomed);
  label = `configsInForce+keptUnverified ${a.size} ${b.size}`;
}
console.log(label, 'wall', Date.now() - t0, 'ms cpu', cpu(process.cpuUsage(c0)), 'ms');
