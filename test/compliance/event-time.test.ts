import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ComplianceEngine, DEFAULT_POLICY_SOURCE, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { EventTime, KeptTime } from '../../src/compliance/event-time.js';
import { extractEvent } from '../../src/compliance/extract.js';
import { RecordReader, RecordWriter } from '../../src/compliance/records.js';
import { EventReader } from '../../src/format/event-line.js';

const sha = (b: Buffer): Buffer => createHash('sha256').update(b).digest();
const policy = policyFromText(DEFAULT_POLICY_SOURCE, { from: null, source: 'built-in', snapshot_id: null, path: 'p' });
const DATE = '2025-09-08';
const DAY_US = Date.parse(`${DATE}T00:00:00Z`) * 1000;

/** `{"ts":…,"iso_ts":…` for an instant (µs into the day); the iso_ts written with escapes, or twice. */
function head(
  us: number,
  isoUs: number,
  form: 'plain' | 'escaped' | 'plain-then-escaped' | 'escaped-then-plain',
): string {
  const ts = ((DAY_US + us) / 1e6).toFixed(6);
  const iso = `${new Date((DAY_US + isoUs) / 1000).toISOString().slice(0, 19)}.${String(isoUs % 1e6).padStart(6, '0')}Z`;
  const plain = `"iso_ts":"${iso}"`;
  const escaped = `"iso_ts":"\\u00${iso.charCodeAt(0).toString(16)}${iso.slice(1)}"`;
  const other = `"iso_ts":"${new Date(DAY_US / 1000).toISOString().replace('Z', '000Z')}"`;
  const times = {
    plain: [plain],
    escaped: [escaped],
    'plain-then-escaped': [other, escaped],
    'escaped-then-plain': [other.replace('"2', '"\\u0032'), plain],
  }[form];
  return `{"ts":${ts},${times.join(',')}`;
}

const event = fc.record({
  us: fc.integer({ min: 0, max: 86_399_999_999 }),
  skew: fc.constantFrom(0, 0, 0, 1, -1_000_000),
  form: fc.constantFrom('plain', 'plain', 'escaped', 'plain-then-escaped', 'escaped-then-plain') as fc.Arbitrary<
    'plain' | 'escaped' | 'plain-then-escaped' | 'escaped-then-plain'
  >,
  pid: fc.constantFrom(1, 2),
  body: fc.constantFrom(
    '"category":"order","event":"OrderAccepted","order_id":"A","symbol":"EURUSD","side":"BUY","quantity":1,"price":1.1',
    '"category":"fill","event":"OrderFilled","order_id":"B","symbol":"EURUSD","quantity":5,"price":1.1',
    '"category":"auth","event":"LoginSucceeded","user":"u"',
    '"category":"config","event":"ConfigChanged"',
  ),
});

/** The lines as the export's scan gives them to the checks: records, a batch's bytes, its digests. */
function batchOf(lines: readonly string[]): { records: Int32Array; bytes: Buffer; digests: Buffer } {
  const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const w = new RecordWriter();
  const reader = new EventReader();
  const digests: Buffer[] = [];
  for (let s = 0; s < bytes.length; ) {
    const e = bytes.indexOf(10, s);
    const r = reader.read(bytes, s, e);
    if (r.ok) w.event(bytes, reader.table);
    else w.other(bytes, s, e);
    digests.push(sha(bytes.subarray(s, e)));
    s = e + 1;
  }
  return { records: w.view().slice(), bytes, digests: Buffer.concat(digests) };
}

describe('event times as bytes (decoded only when kept)', () => {
  it('give the engine the same findings, times and summary as iso_ts strings, whatever the batches’ bytes become after their feed (property)', () => {
    let withFindings = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(event, { minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        (batches) => {
          const strings = new ComplianceEngine(new PolicyTimeline([policy]));
          const bytes = new ComplianceEngine(new PolicyTimeline([policy]));
          const reader = new RecordReader();
          let first = 1;
          let seq = 1;
          for (const batch of batches) {
            const lines = batch.map(
              (v) => `${head(v.us, v.us + v.skew, v.form)},"seq":${seq++},"host":"h","pid":${v.pid},${v.body}}`,
            );
            const b = batchOf(lines);
            for (let k = 0; k < lines.length; k++) {
              const e = extractEvent(Buffer.from(lines[k] as string));
              const hash = (b.digests as Buffer).toString('hex', k * 32, k * 32 + 32);
              if (e === undefined) strings.malformed();
              else strings.pushLine(e, 'data/audit.jsonl', first + k, hash);
            }
            reader.feed(bytes, b.records, b.bytes, 'data/audit.jsonl', first, b.digests);
            // The export's reading thread reuses a batch's buffer once its records are fed.
            b.bytes.fill(0x39);
            b.digests.fill(0);
            first += lines.length;
          }
          strings.endDay(DATE);
          bytes.endDay(DATE);
          const got = bytes.finish();
          expect(JSON.stringify(got)).toBe(JSON.stringify(strings.finish()));
          if (got.findings.length > 0) withFindings++;
        },
      ),
      { numRuns: 500 },
    );
    // Times reach findings (a clock that went back, a fill of no order, a change with no snapshot).
    expect(withFindings).toBeGreaterThan(100);
  });

  it('reads a time from bytes or from a string alike, and keeps it past its buffer only once settled', () => {
    const iso = '2025-09-08T17:05:09.000123Z';
    const buf = Buffer.from(`xx"${iso}"yy`);
    const t = new EventTime().setBytes(buf, 3, 3 + iso.length, true);
    const s = new EventTime().setText(iso);
    for (const i of [0, 11, 12, 26, 27, 40]) expect(t.asciiAt(i)).toEqual(s.asciiAt(i));
    const kept = new KeptTime();
    expect(kept.text()).toBeNull();
    t.keepIn(kept);
    kept.settle();
    buf.fill(0x30);
    expect(kept.text()).toBe(iso);
    expect(t.text()).toBe('0'.repeat(iso.length)); // the EventTime itself reads the bytes as they are now
    // UTF-8 bytes (a batch that is not all ASCII) decode as UTF-8.
    const u = Buffer.from('"é"');
    expect(new EventTime().setBytes(u, 1, u.length - 1, false).text()).toBe('é');
    s.keepIn(kept);
    expect(kept.text()).toBe(iso);
  });
});
