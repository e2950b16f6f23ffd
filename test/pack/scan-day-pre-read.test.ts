/**
 * Verify's log check reads every line as an event and hands the entries it found to the
 * derivation's batches (DayScanner.push's `read`), which then do not read the line again. The
 * derived bytes and facts must be exactly those of batches that read every line themselves, on
 * the worker thread and on this one, whatever the lines hold.
 */
import { appendFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanLines, type ScannedLine } from '../../src/chain/lines.js';
import { DEFAULT_ALERT_FILTER } from '../../src/config.js';
import { EventReader } from '../../src/format/event-line.js';
import { DayScanner } from '../../src/pack/scan-day.js';
import { TABLE_INTS } from '../../src/pack/scan-jobs.js';
import { tempDir } from '../helpers/tmp.js';
import { writeSyntheticDay } from '../../bench/lib/synthetic-day.js';
import { digestSinks } from './helpers/digest-sinks.js';

const P = '0'.repeat(64);
const line = (seq: number, body: string): string =>
  `{"ts":1757372400.000000,"iso_ts":"2025-09-08T23:00:00.000000Z","seq":${seq},${body},"prev":"${P}"}\n`;

/** A day of the synthetic mix, then lines that take the reader's less common paths. */
function day(): string {
  const log = join(tempDir(), 'audit-20250908.jsonl');
  writeSyntheticDay(log, '2025-09-08', 12_000); // several batches
  const many = Array.from({ length: TABLE_INTS / 4 }, (_, i) => `"k${i}":${i}`).join(',');
  appendFileSync(
    log,
    [
      line(12_001, '"cat\\u0065gory":"order","event":"OrderAccepted","order_id":"E1","price":"1.5","quantity":7'),
      line(12_002, '"category":"fill","ev\\u0065nt":"Filled","order_id":"E1","deal_id":"D\\"1","price":"1.5"'),
      line(12_003, '"category":"risk","event":"Breach","severity":"critical","late":true'),
      line(12_004, '"category":"order","event":"Odd","symbol":"\\u00e9\\n","side":"SELL","quantity":1e3'),
      // More entries than a batch's table area holds: read again by the batch.
      line(12_005, `"category":"order","event":"Wide",${many}`),
      'not json\n',
      line(12_006, '"category":"order","event":"Dup","seq":3'),
      line(12_007, '"category":"fill","event":"Filled","order_id":"E2","price":"2"'),
      '{"torn":',
    ].join(''),
  );
  return log;
}

/**
 * A day whose torn fragments are recovered: one that is not JSON, and one that is a whole event
 * line whose "\n" was cut off (read as an event of another category, it is still the recovery's
 * fragment). The recovery after each makes it a fragment, never an event.
 */
function recoveredDay(): string {
  const log = join(tempDir(), 'audit-20250908.jsonl');
  writeSyntheticDay(log, '2025-09-08', 5_000);
  const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
  const recover = (seq: number, frag: string, at: number): string =>
    line(
      seq,
      `"category":"system","event":"TornLineRecovered","file":"audit-20250908.jsonl","fragment_offset":${at},"fragment_bytes":${frag.length},"fragment_sha256":"${sha(frag)}"`,
    );
  const torn = '{"ts":1757372400.000000,"iso_ts":"2025-09-08T23:00:';
  let at = statSync(log).size;
  appendFileSync(log, `${torn}\n${recover(5_001, torn, at)}`);
  const whole = line(5_002, '"category":"order","event":"OrderAccepted","order_id":"T1","quantity":1').trimEnd();
  at = statSync(log).size;
  appendFileSync(log, `${whole}\n${recover(5_003, whole, at)}`);
  appendFileSync(log, line(5_004, '"category":"order","event":"OrderAccepted","order_id":"T2","quantity":2'));
  return log;
}

/** Derives the day; `preRead`: each line read as an event here first and its entries handed over. */
async function derive(
  log: string,
  threads: boolean,
  preRead: boolean,
  alter?: (l: ScannedLine, r: EventReader) => void,
) {
  const out = digestSinks();
  const scanner = new DayScanner(out, DEFAULT_ALERT_FILTER, 'audit-20250908.jsonl', threads, undefined, preRead);
  const reader = new EventReader();
  let given = 0;
  try {
    await scanLines(
      log,
      (l) => {
        if (!preRead || l.bytes === undefined || !l.terminated) return scanner.push(l);
        const r = reader.read(l.bytes, 0, l.bytes.length);
        if (!r.ok) return scanner.push(l);
        alter?.(l, reader);
        given++;
        scanner.push(l, reader.table, r.ev.category);
      },
      { view: true },
    );
    const facts = await scanner.finish();
    return { facts, files: out.digest(), given };
  } finally {
    await scanner.close();
  }
}

describe('DayScanner: lines handed over already read derive what lines read again derive', () => {
  it('the same files and facts, on the worker thread and on this one', async () => {
    const log = day();
    const reference = await derive(log, false, false);
    expect(reference.facts.events.total).toBe(12_006);
    expect(reference.facts.rows.alerts).toBeGreaterThan(0);
    for (const threads of [true, false]) {
      const got = await derive(log, threads, true);
      expect(got.given).toBe(12_006);
      expect(got.files).toEqual(reference.files);
      expect(got.facts).toEqual(reference.facts);
    }
  });

  it('finds a recovered fragment when each line comes read with its category (the recovery is still searched for)', async () => {
    const log = recoveredDay();
    const reference = await derive(log, false, false);
    const fragments = reference.facts.malformed.filter((m) => m.reason === 'recovered-fragment');
    expect(fragments.map((m) => m.line)).toEqual([5_001, 5_003]);
    for (const threads of [true, false]) {
      const got = await derive(log, threads, true);
      expect(got.files).toEqual(reference.files);
      expect(got.facts).toEqual(reference.facts);
    }
  });

  it('takes the entries it is given (a price entry cut short changes orders.csv)', async () => {
    const log = day();
    const reference = await derive(log, false, false);
    const shortPrice = (l: ScannedLine, r: EventReader): void => {
      if (l.lineNumber !== 12_001) return;
      const t = r.table;
      for (let i = 0; i < t.count; i++)
        if (l.bytes?.toString('latin1', t.keyStart[i], t.keyEnd[i]) === '"price"')
          t.valueEnd[i] = (t.valueEnd[i] as number) - 1;
    };
    const got = await derive(log, false, true, shortPrice);
    expect(got.files.fills).toBe(reference.files.fills);
    expect(got.files.orders).not.toBe(reference.files.orders);
  });
});
