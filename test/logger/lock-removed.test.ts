/**
 * The lock file removed while writers run (docs/FORMAT.md, "Concurrency"): a writer that opened
 * `.audit.lock` afresh would lock a new inode while another holds the old one, and the two would
 * append at once, forking the chain. First two writers of this process interleaved at the exact
 * points where it matters (inside another's append), then real processes of the built library
 * (dist/) with a real remover.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { RECOVERY } from '../../src/format/log-line.js';
import { WRITER } from '../../src/logger/child.js';
import { FileSink } from '../../src/logger/file-sink.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { EventPreparer } from '../../src/logger/prepare.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';
import { logRecords } from '../helpers/log-records.js';

const WRITER_CHILD = fileURLToPath(new URL('../helpers/writer-child.mjs', import.meta.url));
const REMOVER = fileURLToPath(new URL('../helpers/lock-remover-child.mjs', import.meta.url));

function run(args: string[]): { exit: Promise<number | null>; out: () => string; kill: () => void } {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`child failed: ${err}\n`);
      r(code);
    }),
  );
  return { exit, out: () => out, kill: () => child.kill('SIGKILL') };
}

const DAY1 = Date.UTC(2025, 8, 8, 12) * 1000;
const FILE = 'audit-20250908.jsonl';
const FRAGMENT = '{"ts":1757332800.000000,"iso_ts":"2025-09-';

const preparer = new EventPreparer({
  clock: () => DAY1,
  redactor: compileRedactor(),
  provenance: ',"host":"test","pid":1',
  defaultActor: undefined,
});
const order = (id: string) => preparer.prepare('order', 'OrderAccepted', { orderId: id });

/** A file sink as the logger makes it; `during` runs inside its append, when it makes a writer's event. */
function sink(dir: string, during?: (event: string) => void): FileSink {
  return new FileSink({
    dir,
    recoveryEvent: (fields, event = RECOVERY.event) => {
      during?.(event);
      return preparer.prepare(RECOVERY.category, event, fields, undefined, WRITER);
    },
  });
}

async function logged(dir: string, ids: string[]): Promise<void> {
  const log = createAuditLogger({ logDir: dir, clock: () => DAY1, handleExit: false });
  for (const id of ids) log.order('OrderAccepted', { orderId: id });
  await log.close();
}

function fileLines(dir: string): string[] {
  return readFileSync(join(dir, FILE), 'utf8').split('\n').slice(0, -1);
}

describe('the lock file removed inside an append', () => {
  it('another writer recovers the torn tail first: the recovery is not written twice, the chain goes on from it', async () => {
    const dir = tempDir();
    await logged(dir, ['a', 'b']);
    appendFileSync(join(dir, FILE), FRAGMENT);
    const other = sink(dir);
    let once = true;
    // While `first` holds the lock and recovers the tail, the lock file goes and `other` writes.
    const first = sink(dir, () => {
      if (!once) return;
      once = false;
      unlinkSync(join(dir, '.audit.lock'));
      expect(other.append([order('c')])).toBe(1);
    });
    expect(first.append([order('d')])).toBe(1);
    first.close();
    other.close();
    const lines = fileLines(dir);
    expect(lines).toHaveLength(6); // a, b, the fragment, one recovery, c, d
    expect(lines[2]).toBe(FRAGMENT);
    expect(JSON.parse(lines[3] as string)).toMatchObject({ event: 'TornLineRecovered', seq: 3 });
    expect(JSON.parse(lines[4] as string)).toMatchObject({ order_id: 'c', seq: 4, prev: hashLine(lines[3] as string) });
    expect(JSON.parse(lines[5] as string)).toMatchObject({ order_id: 'd', seq: 5, prev: hashLine(lines[4] as string) });
    expect(pythonCheck(dir)).toMatchObject({ ok: true, problems: [], recovered: 1, lines: 5 });
  });

  it('another writer appends while one records a lost head: the record chains onto its line, no fork', async () => {
    const dir = tempDir();
    await logged(dir, ['a', 'b', 'c']);
    const cut = fileLines(dir).slice(0, 2).join('\n').length + 1;
    truncateSync(join(dir, FILE), cut); // c is gone: the next writer records the loss
    const other = sink(dir);
    let once = true;
    const first = sink(dir, (event) => {
      if (event !== 'LogDiscontinuity' || !once) return;
      once = false;
      unlinkSync(join(dir, '.audit.lock'));
      expect(other.append([order('x')])).toBe(1); // a fresh lock file: no cache, nothing to record
    });
    expect(first.append([order('d')])).toBe(1);
    first.close();
    other.close();
    const recs = fileLines(dir).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => r.order_id ?? r.event)).toEqual(['a', 'b', 'x', 'LogDiscontinuity', 'd']);
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const check = pythonCheck(dir);
    expect(check.problems).toEqual([`${join(dir, FILE)}:4: LogDiscontinuity (cached seq 3)`]);
    expect(check).toMatchObject({ lines: 5, last_seq: 5 });
  });

  it('a writer whose lock file was removed between appends opens it again and keeps the cache there', () => {
    const dir = tempDir();
    const w = sink(dir);
    w.append([order('a')]);
    unlinkSync(join(dir, '.audit.lock'));
    w.append([order('b')]);
    w.close();
    expect(existsSync(join(dir, '.audit.lock'))).toBe(true);
    const other = sink(dir);
    other.append([order('c')]);
    other.close();
    expect(fileLines(dir).map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3]);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, problems: [], lines: 3 });
  });
});

describe('the lock file removed while writers run', () => {
  it('four writers, .audit.lock removed in a loop: one chain, no fork, nothing lost', async () => {
    const dir = tempDir();
    const remover = run([REMOVER, join(dir, '.audit.lock')]);
    const N = 4;
    const COUNT = 2500;
    // Three batched writers with 3 KB events in 256 KiB writes (long appends, so removals fall
    // inside one: the day file's own lock is what keeps them apart then) and one durable writer.
    // They start one after another, so later ones open the lock file after it was removed.
    const kids: ReturnType<typeof run>[] = [];
    for (let k = 0; k < N; k++) {
      const mode = k === N - 1 ? ['durable'] : ['batched', '262144', '3000'];
      kids.push(run([WRITER_CHILD, dir, `w${k}`, String(COUNT), ...mode]));
      await new Promise((r) => setTimeout(r, 100));
    }
    const codes = await Promise.all(kids.map((k) => k.exit));
    remover.kill();
    await remover.exit;
    expect(codes).toEqual(Array(N).fill(0));
    // The remover really ran while they wrote (otherwise this test proves nothing).
    expect(remover.out()).toMatch(/removed [2-9]\d*|removed \d{2,}/);
    const check = pythonCheck(dir);
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ ok: true, lines: N * COUNT, last_seq: N * COUNT, recovered: 0 });
    const recs = logRecords(dir);
    for (let k = 0; k < N; k++) {
      const mine = recs.filter((r) => String(r.order_id).startsWith(`w${k}-`)).map((r) => r.quantity);
      expect(mine).toEqual(Array.from({ length: COUNT }, (_, i) => i)); // all there, in order
    }
  }, 240_000);
});
