/**
 * The file sink's cost per append (the lock, the head, the write), the part of the logger's hot path
 * that runs on the writer thread, for one build: events prepared once, then appended in batches of
 * --batch to a fresh log directory (a temp dir, removed afterwards). Prints the process's CPU time
 * (user + sys) per append and per event around the appends only.
 *
 *   npx tsx bench/sink-append.ts --dist /path/to/dist --batch 1 --appends 20000
 *
 * For an A/B, run it alternately for the two builds (A B B A …) with the same arguments and compare
 * the rounds pairwise: the machine's load moves both alike only within a pair.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const dist = resolve(arg('dist', 'dist'));
const batchSize = Number(arg('batch', '1'));
const appends = Number(arg('appends', '20000'));
const load = (p: string) => import(pathToFileURL(join(dist, p)).href);

const { FileSink } = await load('logger/file-sink.js');
const { EventPreparer } = await load('logger/prepare.js');
const { compileRedactor } = await load('redaction/index.js');

const preparer = new EventPreparer({
  clock: () => Date.now() * 1000,
  redactor: compileRedactor(),
  provenance: ',"host":"bench","pid":1',
  defaultActor: undefined,
});
const batch = Array.from({ length: batchSize }, (_, i) =>
  preparer.prepare('order', 'OrderAccepted', {
    orderId: `o-${i}`,
    symbol: 'EURUSD',
    side: 'BUY',
    quantity: i,
    price: '1.10050',
  }),
);
const dir = mkdtempSync(join(tmpdir(), 'auditpack-sink-bench-'));
try {
  const sink = new FileSink({
    dir,
    recoveryEvent: () => {
      throw new Error('no recovery expected in a fresh directory');
    },
  });
  for (let i = 0; i < 200; i++) sink.append(batch); // warm-up
  const t0 = process.cpuUsage();
  for (let i = 0; i < appends; i++) sink.append(batch);
  const t = process.cpuUsage(t0);
  sink.close();
  const us = t.user + t.system;
  process.stdout.write(
    `${JSON.stringify({ dist, batch: batchSize, appends, cpu_us_per_append: +(us / appends).toFixed(2), cpu_us_per_event: +(us / appends / batchSize).toFixed(3), sys_share: +(t.system / us).toFixed(2) })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
