/**
 * The bytes a build's logger writes for the bench's events, with everything that varies from run to
 * run pinned: the clock (an instant 7 µs after the last, from 2026-01-05 09:00 UTC), the host and the
 * pid. The writer thread runs as in an app (batches of 1,000 calls, a turn after each), so the log
 * holds the real `seq`, `prev` and redaction of a day. Two builds that write the same bytes print the
 * same sha256 per file: an output check for a change meant to change no byte (no sed over ts/prev).
 *
 *   npx tsx bench/logger-bytes.ts --dist dist --dir /tmp/bytes-a --events 200000 [--mix standard|varied]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { logFunction, makeEvent, makeVariedEvent } from './logger-events.js';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

const dist = arg('dist', 'dist');
const dir = arg('dir', '');
const events = Number(arg('events', '200000'));
const make = arg('mix', 'varied') === 'standard' ? makeEvent : makeVariedEvent;
if (dir === '' || !(events > 0))
  throw new Error('usage: npx tsx bench/logger-bytes.ts --dist DIST --dir DIR --events N');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const url = pathToFileURL(resolve(dist, 'logger/index.js')).href;
const { createAuditLogger } = (await import(url)) as typeof import('../src/logger/index.js');
let t = Date.UTC(2026, 0, 5, 9) * 1000;
const logger = createAuditLogger({ logDir: dir, handleExit: false, host: 'bench', pid: 1, clock: () => (t += 7) });
const log = logFunction(logger);
for (let base = 0; base < events; base += 1000) {
  for (let i = base; i < Math.min(events, base + 1000); i++) log(make(i));
  await new Promise<void>((r) => setImmediate(r));
}
await logger.close();
for (const f of readdirSync(dir)
  .filter((x) => x.endsWith('.jsonl'))
  .sort()) {
  const b = readFileSync(join(dir, f));
  let lines = 0;
  for (const c of b) if (c === 10) lines++;
  console.log(`${f} ${createHash('sha256').update(b).digest('hex')} ${b.length} bytes ${lines} lines`);
}
