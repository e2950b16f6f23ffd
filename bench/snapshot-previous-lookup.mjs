// The cost of looking up the previous record's ConfigSnapshot event in a large day file (docs/PERFORMANCE.md,
// "The previous record looked up in the log"). Usage: node bench/snapshot-previous-lookup.mjs <build>/dist/index.js
// Writes one snapshot, grows its day file by 800,000 lines of about 250 bytes, times the second snapshot.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const lib = await import(pathToFileURL(resolve(process.argv[2] ?? 'dist/index.js')).href);
const dir = mkdtempSync(join(tmpdir(), 'auditpack-bench-prev-'));
const logs = join(dir, 'logs');
const patterns = ['configs/*.yaml'];
mkdirSync(join(dir, 'configs'));
writeFileSync(join(dir, 'configs', 'a.yaml'), 'x: 1\n');
await lib.createConfigSnapshot({ cwd: dir, reason: 'first', logDir: logs, patterns });
const day = readdirSync(logs).find((n) => n.endsWith('.jsonl'));
const line = `${JSON.stringify({ category: 'order', event: 'OrderAccepted', order_id: 'O-1', pad: 'x'.repeat(200) })}\n`;
const block = line.repeat(10_000);
for (let i = 0; i < 80; i++) appendFileSync(join(logs, day), block);
writeFileSync(join(dir, 'configs', 'a.yaml'), 'x: 2\n');
const cpu = process.cpuUsage();
const wall = performance.now();
await lib.createConfigSnapshot({ cwd: dir, reason: 'second', logDir: logs, patterns });
const c = process.cpuUsage(cpu);
console.log(
  `day file ${(statSync(join(logs, day)).size / 1e6).toFixed(0)} MB: wall ${(performance.now() - wall).toFixed(0)} ms, cpu ${((c.user + c.system) / 1000).toFixed(0)} ms`,
);
rmSync(dir, { recursive: true, force: true });
