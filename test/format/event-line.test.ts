/**
 * The one definition of an event (src/format/event-line.ts): each rule of docs/FORMAT.md "A line"
 * rejects the line that breaks it; export and verify count the same events on any log, recovered
 * torn lines included.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { EventReader, isoTsProblem } from '../../src/format/event-line.js';
import { scanDay } from '../../src/pack/scan-day.js';
import { verifyLog } from '../../src/verify/log.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, DAY1, HOUR, formatLine, sha256, tradingEvents } from '../verify/helpers/log-fixture.js';
import { logVariant } from '../verify/helpers/log-variants.js';

const GOOD = formatLine(
  {
    micros: DAY1 + 7 * HOUR + 590693,
    category: 'order',
    event: 'OrderAccepted',
    fields: { order_id: 'A-1', price: '1.10050' },
  },
  42,
  'ab'.repeat(32),
);

function read(line: string | Buffer) {
  const b = typeof line === 'string' ? Buffer.from(line) : line;
  return new EventReader().read(b, 0, b.length);
}

describe('EventReader: repeated keys', () => {
  it('names the first key equal to an earlier one, envelope names and other keys alike (property)', () => {
    const keysOf = (line: string): string[] => [...line.matchAll(/[{,]"([a-z_]+)":/g)].map((m) => m[1] as string);
    const names = ['order_id', 'price', 'qty', 'ab', 'ba', 'severity', 'actor', 'host', 'seq', 'ts', 'x'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...names), { maxLength: 12 }), (extra) => {
        const members = extra.map((k) => `,"${k}":"v"`).join('');
        const line = GOOD.replace(',"prev":', `${members},"prev":`);
        const keys = keysOf(line);
        const first = keys.find((k, i) => keys.indexOf(k) < i);
        const r = read(line);
        const reason = r.ok ? '' : r.reason;
        if (first === undefined) expect(reason).not.toMatch(/more than once/);
        else expect(reason).toBe(`the key "${first}" appears more than once`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('EventReader: one rule, one rejected line', () => {
  it('accepts a line as FORMAT.md shows it', () => {
    const r = read(GOOD);
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.ev).toMatchObject({
        seq: 42,
        category: 'order',
        event: 'OrderAccepted',
        date: '2025-09-08',
        late: false,
        recovery: false,
      });
  });

  it('reads seq, pid and an escaped prev as the patterns did, and a bad category after a good one is still bad', () => {
    const reader = new EventReader();
    const at = (line: string) => reader.read(Buffer.from(line), 0, Buffer.byteLength(line));
    const max = at(GOOD.replace('"seq":42', '"seq":9007199254740991'));
    expect(max.ok && max.ev.seq).toBe(9007199254740991);
    expect(at(GOOD.replace('"pid":4711', '"pid":0')).ok).toBe(true);
    const escaped = at(GOOD.replace(/"prev":"a/, '"prev":"\\u0061'));
    expect(escaped.ok && escaped.ev.prev).toBe('ab'.repeat(32));
    expect(at(GOOD).ok).toBe(true);
    expect(at(GOOD.replace('"category":"order"', '"category":"Order"')).ok).toBe(false);
    expect(at(GOOD).ok).toBe(true);
  });

  const cases: [string, string | Buffer, RegExp][] = [
    ['not valid JSON', GOOD.replace('"A-1"', 'A-1,,'), /JSON/],
    [
      'not UTF-8',
      Buffer.concat([Buffer.from(GOOD.slice(0, 100)), Buffer.from([0xc3, 0x28]), Buffer.from(GOOD.slice(100))]),
      /UTF-8/,
    ],
    ['a control byte in a string', GOOD.replace('A-1', 'A\u00011'), /control/],
    ['a CR before the newline', `${GOOD}\r`, /control/],
    ['a TAB between members', GOOD.replace(',"event"', ',\t"event"'), /control/],
    ['a repeated key', GOOD.replace('"order_id":"A-1"', '"order_id":"A-1","order_id":"A-2"'), /more than once/],
    [
      'a repeated key written with an escape',
      GOOD.replace('"order_id":"A-1"', '"order_id":"A-1","order_\\u0069d":"A-2"'),
      /more than once/,
    ],
    ['prev not last', GOOD.replace(/,"prev":"([0-9a-f]{64})"\}$/, ',"prev":"$1","x":1}'), /not the last/],
    [
      'prev in uppercase hex',
      GOOD.replace(/"prev":"([0-9a-f]{64})"/, (_, h: string) => `"prev":"${h.toUpperCase()}"`),
      /hex/,
    ],
    ['seq 5.0', GOOD.replace('"seq":42', '"seq":42.0'), /seq/],
    ['seq 4.2e1', GOOD.replace('"seq":42', '"seq":4.2e1'), /seq/],
    ['seq 0', GOOD.replace('"seq":42', '"seq":0'), /seq/],
    ['ts with 3 decimals', GOOD.replace(/"ts":(\d+)\.(\d{3})\d{3}/, '"ts":$1.$2'), /6 decimals/],
    ['ts and iso_ts 3 days apart', GOOD.replace('2025-09-08T', '2025-09-11T'), /same instant/],
    ['iso_ts on 30 February', GOOD.replace('2025-09-08T', '2025-02-30T'), /real date/],
    ['an uppercase category', GOOD.replace('"category":"order"', '"category":"Order"'), /category/],
    ['a category with a slash', GOOD.replace('"category":"order"', '"category":"../etc"'), /category/],
    ['an empty event', GOOD.replace('"event":"OrderAccepted"', '"event":""'), /event/],
    ['late false', GOOD.replace('"seq":42', '"seq":42,"late":false'), /late/],
    ['pid as a string', GOOD.replace('"pid":4711', '"pid":"4711"'), /pid/],
    ['actor as a number', GOOD.replace('"pid":4711', '"pid":4711,"actor":7'), /actor/],
    ['redacted not a list of strings', GOOD.replace('"pid":4711', '"pid":4711,"redacted":[1]'), /redacted/],
    ['an array', '[1,2]', /object/],
    // seq, pid and prev are read from their bytes: every shape the patterns rejected still fails.
    ['seq 42e0', GOOD.replace('"seq":42', '"seq":42e0'), /seq/],
    ['seq negative', GOOD.replace('"seq":42', '"seq":-42'), /seq/],
    ['seq 2^53', GOOD.replace('"seq":42', '"seq":9007199254740992'), /seq/],
    ['seq of 17 digits', GOOD.replace('"seq":42', '"seq":10000000000000000'), /seq/],
    ['seq as a string', GOOD.replace('"seq":42', '"seq":"42"'), /seq/],
    ['ts as a string', GOOD.replace(/"ts":([0-9.]+)/, '"ts":"$1"'), /ts/],
    ['pid 4711e0', GOOD.replace('"pid":4711', '"pid":4711e0'), /pid/],
    ['pid negative', GOOD.replace('"pid":4711', '"pid":-4711'), /pid/],
    ['pid 4711.5', GOOD.replace('"pid":4711', '"pid":4711.5'), /pid/],
    ['pid of 17 digits', GOOD.replace('"pid":4711', '"pid":12345678901234567'), /pid/],
    ['prev of 63 hex digits', GOOD.replace(/"prev":"[0-9a-f]/, '"prev":"'), /hex/],
    ['prev escaped to a non-hex digit', GOOD.replace(/"prev":"[0-9a-f]/, '"prev":"\\u0067'), /hex/],
    [
      'redacted then validation not a list of strings',
      GOOD.replace('"pid":4711', '"pid":4711,"validation":"x"'),
      /validation/,
    ],
  ];
  for (const [name, line, reason] of cases) {
    it(`rejects ${name}`, () => {
      const r = read(line);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    });
  }

  // A long string field makes the scanner find string ends by a native search when the line holds
  // no backslash and no control byte (src/json/plain-bytes.ts): every rule must still hold there.
  const NOTE = `"note":"${'spread 985697 limit '.repeat(20)}",`;
  const long = (line: string | Buffer): string | Buffer =>
    typeof line === 'string' ? line.replace(',"prev":', `,${NOTE}"prev":`) : line;
  it('accepts a long line, and reads an escaped prev on one', () => {
    const r = read(long(GOOD));
    expect(r.ok && r.ev.seq).toBe(42);
    const escaped = read(long(GOOD.replace(/"prev":"a/, '"prev":"\\u0061')) as string);
    expect(escaped.ok && escaped.ev.prev).toBe('ab'.repeat(32));
  });
  const hostile: [string, string | Buffer, RegExp][] = [
    ...cases,
    ['a byte order mark', `\ufeff${GOOD}`, /JSON/],
    ['a NUL in a long string', GOOD.replace('A-1', `A-${'x'.repeat(100)}\u0000`), /control/],
    ['seq written with \\u-escaped digits', GOOD.replace('"seq":42', '"seq":"\\u0034\\u0032"'), /seq/],
    ['an unterminated long string', GOOD.replace('"A-1"', `"A-${'y'.repeat(100)}`), /JSON/],
  ];
  for (const [name, line, reason] of hostile) {
    it(`rejects ${name}, on a long line`, () => {
      const padded = long(line);
      if (typeof line === 'string' && line.includes(',"prev":')) expect(padded).not.toBe(line);
      const r = read(padded);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    });
  }
});

async function exportFacts(root: string, name: string, bytes: Buffer) {
  mkdirSync(join(root, name, 'data'), { recursive: true });
  const log = join(root, name, 'audit-20250908.jsonl');
  writeFileSync(log, bytes);
  const dataDir = join(root, name, 'data');
  return {
    log,
    facts: await scanDay({ logFile: log, dataDir, alertFilter: DEFAULT_ALERT_FILTER, threads: false }),
    dataDir,
  };
}

describe('the byte-level time check agrees with the text rule', () => {
  it('accepts and rejects exactly the lines isoTsProblem does (property)', () => {
    const digitOr = fc.oneof(fc.constantFrom(...'0123456789'), fc.constantFrom('0', '9', 'x', '-', ' '));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4102444800 }),
        fc.integer({ min: 0, max: 999999 }),
        fc.array(fc.tuple(fc.nat({ max: 40 }), digitOr), { maxLength: 2 }),
        fc.boolean(),
        (secs, us, edits, isoSide) => {
          const frac = String(us).padStart(6, '0');
          let ts = `${secs}.${frac}`;
          let iso = `${new Date(secs * 1000).toISOString().slice(0, 19)}.${frac}Z`;
          for (const [at, ch] of edits) {
            if (isoSide) iso = iso.slice(0, at % iso.length) + ch + iso.slice((at % iso.length) + 1);
            else ts = ts.slice(0, at % ts.length) + ch + ts.slice((at % ts.length) + 1);
          }
          const line = GOOD.replace(/"ts":[^,]+,"iso_ts":"[^"]+"/, `"ts":${ts},"iso_ts":${JSON.stringify(iso)}`);
          const r = read(line);
          const byText = isoTsProblem(iso, ts);
          // The line may fail earlier (ts not a JSON number); when it gets to the time rule, both agree.
          if (r.ok) expect(byText).toBeUndefined();
          else if (byText === undefined) expect(r.reason).not.toMatch(/iso_ts|ts` /);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('export and verify count the same events', () => {
  it('on random logs with random edits (property)', async () => {
    const root = tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(logVariant(), async (v) => {
        const { log, facts } = await exportFacts(root, `v${n++}`, v.bytes);
        const report = await verifyLog(log, { date: v.date });
        expect(facts.events.total).toBe(report.checked.events);
        expect(facts.events.malformed_lines).toBe(report.checked.malformed);
      }),
      { numRuns: 150 },
    );
  });

  it('a recovered fragment that is a whole event (cut just before its newline) is neither counted nor exported', async () => {
    const root = tempDir();
    const evs = tradingEvents(4);
    const { lines } = chainLines(evs);
    // Line 3 (seq 3, an order) was written but its "\n" was not: the next writer terminates it and
    // records a recovery with seq 3 linked to line 2.
    const before = `${lines.slice(0, 2).join('\n')}\n`;
    const frag = lines[2] as string;
    const offset = Buffer.byteLength(before);
    const rec = formatLine(
      {
        micros: evs[3]!.micros,
        category: 'system',
        event: 'TornLineRecovered',
        fields: {
          file: 'audit-20250908.jsonl',
          fragment_offset: offset,
          fragment_bytes: Buffer.byteLength(frag),
          fragment_sha256: sha256(frag),
        },
      },
      3,
      sha256(lines[1] as string),
    );
    const after = chainLines(tradingEvents(3, evs[3]!.micros + 1000), 4, sha256(rec)).lines;
    const bytes = Buffer.from(`${before}${frag}\n${rec}\n${after.join('\n')}\n`);
    const { log, facts, dataDir } = await exportFacts(root, 'whole', bytes);
    const report = await verifyLog(log, { date: '2025-09-08' });
    expect(report.problems.map((p) => p.code)).toEqual(['LOG_TORN_LINE_RECOVERED']);
    expect(facts.events.total).toBe(2 + 1 + 3);
    expect(report.checked.events).toBe(facts.events.total);
    expect(facts.malformed.map((m) => [m.line, m.reason])).toEqual([[3, 'recovered-fragment']]);
    // Line 3 was an order (seq 3): no row for it, and no seq twice.
    const orders = readFileSync(join(dataDir, 'orders.csv'), 'utf8');
    expect(orders).not.toContain(`,3,${evs[2]!.event}`);
    expect(facts.chain.first_seq).toBe(1);
  });
});
