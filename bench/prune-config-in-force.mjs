// What a prune adds to record each removed log file's config_in_force (src/retention/config-in-force.ts):
// CPU and wall of one configsInForce call over a logs directory, beside a SHA-256 of the same files.
// node bench/prune-config-in-force.mjs <dist> <logDir> [gen]   (gen: first write 90 day files of ~10 MB)
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dist, logDir, gen] = process.argv.slice(2);
if (gen === 'gen') {
  mkdirSync(logDir, { recursive: true });
  const line = `${JSON.stringify({ ts: 1, seq: 1, category: 'order', event: 'OrderAccepted', order_id: 'O-000000', symbol: 'EURUSD', side: 'BUY', quantity: 1, prev: 'a'.repeat(64), hash: 'b'.repeat(64) })}\n`;
  const body = line.repeat(Math.ceil(10e6 / line.length));
  const snap = `${JSON.stringify({ category: 'config', event: 'ConfigSnapshot', snapshot_id: 'S', record_sha256: 'c'.repeat(64) })}\n`;
  const pruned = `${JSON.stringify({ category: 'system', event: 'LogPruned', file: 'audit-20251231.jsonl', sha256: '0'.repeat(64) })}\n`;
  for (let i = 0; i < 90; i++) {
    const d = new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    writeFileSync(join(logDir, `audit-${d}.jsonl`), (i === 0 ? snap : '') + body + (i === 5 ? pruned : ''));
  }
}
const { configsInForce } = await import(`${dist}/retention/config-in-force.js`);
const cpu = (c) => ((c.user + c.system) / 1000).toFixed(0);
let c0 = process.cpuUsage();
let t0 = Date.now();
const r = await configsInForce(logDir, ['audit-20260101.jsonl']);
console.log('configsInForce', r.size, 'wall', Date.now() - t0, 'ms cpu', cpu(process.cpuUsage(c0)), 'ms');
c0 = process.cpuUsage();
t0 = Date.now();
for (const f of readdirSync(logDir))
  createHash('sha256')
    .update(readFileSync(join(logDir, f)))
    .digest('hex');
console.log('sha256 of the files', 'wall', Date.now() - t0, 'ms cpu', cpu(process.cpuUsage(c0)), 'ms');
