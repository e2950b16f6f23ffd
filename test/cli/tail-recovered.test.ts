/**
 * `auditpack tail` and recovered torn writes (docs/FORMAT.md "Torn lines and recovery", "Verifying"
 * rule 4): a line the next line's TornLineRecovered describes is never an event, even when its bytes
 * are a whole event (a write cut just before its "\n"). The reader learns it from the next line, in
 * a file read to its end and in one followed as it grows; the control is a recovery that describes
 * other bytes, or names another day's file, which recovers nothing.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type NotEvent, RecoveryGate } from '../../src/cli/tail/recovered.js';
import { tailLog } from '../../src/cli/tail/follow.js';
import { lineMatches, notEventJson } from '../../src/cli/tail/pretty.js';
import { tempDir } from '../helpers/tmp.js';
import { DAY1, formatLine, HOUR, recoveryEvent, sha256 } from '../verify/helpers/log-fixture.js';

const FILE = 'audit-20250908.jsonl';
const order = (id: string, seq: number, prev: string, hour: number): string =>
  formatLine(
    { micros: DAY1 + hour * HOUR, category: 'order', event: 'OrderAccepted', fields: { order_id: id } },
    seq,
    prev,
  );
const A1 = order('A1', 1, '0'.repeat(64), 8);
/** A whole event cut just before its "\n": the torn write a crash leaves at the file's end. */
const TORN = order('TORN1', 2, sha256(A1), 9);
const OFFSET = Buffer.byteLength(A1) + 1;
const recovery = (fragment: string, file = FILE): string =>
  formatLine(recoveryEvent(file, OFFSET, fragment, DAY1 + 9 * HOUR + 1), 2, sha256(A1));
const A2 = (rec: string) => order('A2', 3, sha256(rec), 10);

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

/** Every line tail gives, as [order_id or event, recovered]; `marks` keeps each line's mark. */
function collector() {
  const got: [string, boolean][] = [];
  const marks: (NotEvent | undefined)[] = [];
  const onLine = (l: Buffer, notEvent?: NotEvent): void => {
    const ev = JSON.parse(l.toString('utf8'));
    got.push([ev.order_id ?? ev.event, notEvent === 'recovered']);
    marks.push(notEvent);
  };
  return { got, marks, onLine };
}

describe('tail and a recovered torn write', () => {
  it('a file read to its end: the fragment comes out recovered, the events as events; a recovery of other bytes recovers nothing', async () => {
    for (const [rec, recovered] of [
      [recovery(TORN), true],
      [recovery(`${TORN}x`), false],
      [recovery(TORN, 'audit-20250907.jsonl'), false],
    ] as const) {
      const logDir = tempDir();
      writeFileSync(join(logDir, FILE), `${[A1, TORN, rec, A2(rec)].join('\n')}\n`);
      const c = collector();
      const matched: boolean[] = [];
      await tailLog({
        logDir,
        lines: Number.POSITIVE_INFINITY,
        match: (_l, r) => {
          matched.push(r === 'recovered');
          return true;
        },
        onLine: c.onLine,
      });
      expect(c.got).toEqual([
        ['A1', false],
        ['TORN1', recovered],
        ['TornLineRecovered', false],
        ['A2', false],
      ]);
      expect(matched).toEqual([false, recovered, false, false]);
    }
  });

  it('followed: a fragment left unterminated, then recovered by the next writer, comes out recovered', async () => {
    const logDir = tempDir();
    const file = join(logDir, FILE);
    writeFileSync(file, `${A1}\n`);
    const stop = new AbortController();
    stops.push(stop);
    const c = collector();
    const done = tailLog({
      logDir,
      lines: Number.POSITIVE_INFINITY,
      match: () => true,
      onLine: c.onLine,
      follow: { signal: stop.signal, pollMs: 10 },
    });
    await until(() => c.got.length === 1);
    appendFileSync(file, TORN); // the crash: no "\n"
    await new Promise((r) => setTimeout(r, 100));
    expect(c.got).toHaveLength(1);
    const rec = recovery(TORN);
    appendFileSync(file, `\n${rec}\n${A2(rec)}\n`); // the next writer: "\n" and its recovery in one write
    await until(() => c.got.length === 4);
    expect(c.got).toEqual([
      ['A1', false],
      ['TORN1', true],
      ['TornLineRecovered', false],
      ['A2', false],
    ]);
    stop.abort();
    await done;
  });
});

describe('tail and a fragment left at the end of an earlier day file (no writer recovers it there)', () => {
  const NEXT = 'audit-20250909.jsonl';
  const B1 = formatLine(
    { micros: DAY1 + 24 * HOUR + 1, category: 'order', event: 'OrderAccepted', fields: { order_id: 'B1' } },
    1,
    '0'.repeat(64),
  );

  it("read to its end: the fragment comes out unterminated, never an event; the newest file's half line is held back", async () => {
    const logDir = tempDir();
    writeFileSync(join(logDir, FILE), `${A1}\n${TORN}`);
    writeFileSync(join(logDir, NEXT), `${B1}\n{"half":`);
    const c = collector();
    await tailLog({ logDir, file: FILE, lines: Number.POSITIVE_INFINITY, match: () => true, onLine: c.onLine });
    expect(c.got.map(([id]) => id)).toEqual(['A1', 'TORN1']);
    expect(c.marks).toEqual([undefined, 'unterminated']);
    const newest = collector();
    await tailLog({ logDir, lines: Number.POSITIVE_INFINITY, match: () => true, onLine: newest.onLine });
    expect(newest.got).toEqual([['B1', false]]);
  });

  it("read to its end and then followed: the fragment comes out once, before the later day's lines", async () => {
    const logDir = tempDir();
    writeFileSync(join(logDir, FILE), `${A1}\n${TORN}`);
    writeFileSync(join(logDir, NEXT), `${B1}\n`);
    const stop = new AbortController();
    stops.push(stop);
    const c = collector();
    const done = tailLog({
      logDir,
      file: FILE,
      lines: Number.POSITIVE_INFINITY,
      match: () => true,
      onLine: c.onLine,
      follow: { signal: stop.signal, pollMs: 10 },
    });
    await until(() => c.got.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.got.map(([id]) => id)).toEqual(['A1', 'TORN1', 'B1']);
    expect(c.marks).toEqual([undefined, 'unterminated', undefined]);
    stop.abort();
    await done;
  });

  it("followed across midnight: the old day's fragment comes out unterminated and a filter never selects it", async () => {
    const logDir = tempDir();
    writeFileSync(join(logDir, FILE), `${A1}\n`);
    const stop = new AbortController();
    stops.push(stop);
    const c = collector();
    const selected: string[] = [];
    const done = tailLog({
      logDir,
      lines: Number.POSITIVE_INFINITY,
      match: (l, notEvent) => {
        if (lineMatches({ event: 'OrderAccepted' }, l, notEvent)) selected.push(JSON.parse(l).order_id);
        return true;
      },
      onLine: c.onLine,
      follow: { signal: stop.signal, pollMs: 10 },
    });
    await until(() => c.got.length === 1);
    appendFileSync(join(logDir, FILE), TORN); // killed at midnight: no "\n", and the next writer is in tomorrow's file
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(join(logDir, NEXT), `${B1}\n`);
    await until(() => c.got.length === 3);
    expect(c.got.map(([id]) => id)).toEqual(['A1', 'TORN1', 'B1']);
    expect(c.marks).toEqual([undefined, 'unterminated', undefined]);
    expect(selected).toEqual(['A1', 'B1']);
    expect(JSON.parse(notEventJson(TORN, (t) => t, 'unterminated'))).toEqual({
      not_event: true,
      unterminated: true,
      line: TORN,
    });
    stop.abort();
    await done;
  });
});

describe('RecoveryGate', () => {
  it('a line seen unterminated at an earlier look whose "\\n" ended this look waits one look for its recovery', () => {
    const out: [string, boolean][] = [];
    const gate = new RecoveryGate((l, r) => out.push([l.toString('utf8'), r === 'recovered']));
    gate.push(Buffer.from(A1), 0, FILE);
    gate.endLook(0);
    expect(out).toEqual([[A1, false]]);
    // The look that read the fragment's "\n" began inside it (it was there unterminated before),
    // and the recovery after that "\n" was not yet visible: the fragment waits.
    gate.push(Buffer.from(TORN), OFFSET, FILE);
    gate.endLook(OFFSET + 10);
    expect(out).toHaveLength(1);
    const rec = recovery(TORN);
    gate.push(Buffer.from(rec), OFFSET + Buffer.byteLength(TORN) + 1, FILE);
    expect(out.at(-1)).toEqual([TORN, true]);
    // A line that begins in the look goes out at its end.
    gate.endLook(OFFSET + Buffer.byteLength(TORN) + 1);
    expect(out.at(-1)).toEqual([rec, false]);
    // A line seen in part that nothing recovers goes out after one more look.
    gate.push(Buffer.from(A2(rec)), 5000, FILE);
    gate.endLook(5001);
    expect(out).toHaveLength(3);
    gate.endLook(6000);
    expect(out.at(-1)).toEqual([A2(rec), false]);
  });
});

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
