/**
 * verify's reading of a line (src/verify/log-line.ts): on the common line readLine hands out the
 * reader's own EventLine as its facts instead of a copy; every fact must be what the field-by-field
 * copy (factsOf, the reference) gives, on lines of every shape the clock check tells apart.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventReader } from '../../src/format/event-line.js';
import { factsOf, type LineFacts, readLine } from '../../src/verify/log-line.js';
import { DAY1, HOUR, formatLine, recoveryEvent } from './helpers/log-fixture.js';
import { logVariant } from './helpers/log-variants.js';

const KEYS: readonly (keyof LineFacts)[] = [
  'seq',
  'prev',
  'category',
  'event',
  'date',
  'isoTs',
  'late',
  'clockKey',
  'isoOff',
  'provOff',
  'provEnd',
  'record',
  'form',
];

/** readLine's facts against factsOf's for one line (or both not events). */
function expectSameFacts(b: Buffer): void {
  const got = readLine(b);
  const ref = new EventReader().read(b, 0, b.length);
  expect(got.ok).toBe(ref.ok);
  if (!got.ok || !ref.ok) return;
  const want = factsOf(ref.ev, b);
  for (const k of KEYS) expect(got.facts[k], k).toEqual(want[k]);
}

const PREV = 'cd'.repeat(32);

describe('readLine: the reading itself as the facts', () => {
  it('gives the facts factsOf copies, whatever the provenance and time are written as (property)', () => {
    const host = fc.oneof(fc.constant(undefined), fc.constantFrom('trader-1', 'h"q', 'é', '\u00e9x', 'a\\b'));
    const pid = fc.oneof(fc.constant(undefined), fc.nat(99999));
    fc.assert(
      fc.property(
        fc.nat(20 * HOUR),
        host,
        pid,
        fc.boolean(),
        fc.constantFrom('order', 'fill', 'alert', 'system'),
        fc.constantFrom(0, 1, 2, 3),
        (micros, h, p, late, category, shape) => {
          let line = formatLine(
            { micros: DAY1 + micros, category, event: 'E', fields: { x: 1 }, late, host: h ?? 'trader-1', pid: p ?? 1 },
            7,
            PREV,
          );
          // Provenance and time written otherwise than the logger writes them: missing, reordered, escaped.
          if (h === undefined) line = line.replace(/,"host":"[^"]*"/, '');
          if (p === undefined) line = line.replace(/,"pid":\d+/, '');
          if (shape === 1) line = line.replace(/,"host":("[^"]*"),"pid":(\d+)/, ',"pid":$2,"host":$1');
          if (shape === 2) line = line.replace('"iso_ts"', '"iso\\u005fts"');
          if (shape === 3) line = line.replace('"iso_ts":"2', '"iso_ts":"\\u0032');
          expectSameFacts(Buffer.from(line, 'utf8'));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('gives a recovery its parsed record, and random edited logs the same facts line by line (property)', () => {
    const rec = formatLine(recoveryEvent('audit-20250908.jsonl', 120, '{"ts":1', DAY1 + HOUR), 9, PREV);
    expectSameFacts(Buffer.from(rec, 'utf8'));
    expect((readLine(Buffer.from(rec, 'utf8')) as { facts: LineFacts }).facts.record?.fragment_offset).toBe(120);
    fc.assert(
      fc.property(logVariant(), (v) => {
        for (const line of v.bytes.toString('latin1').split('\n')) expectSameFacts(Buffer.from(line, 'latin1'));
      }),
      { numRuns: 150 },
    );
  });
});
