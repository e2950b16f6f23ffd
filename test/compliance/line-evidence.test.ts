import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { copyDigest, hexDigest, keptEvidence, LineEvidence, viewOf } from '../../src/compliance/line-evidence.js';
import { RecordReader, RecordWriter } from '../../src/compliance/records.js';
import { generateDemoDay } from '../../src/demo/index.js';
import { DEMO_POLICY } from '../../src/demo/policy.js';
import { EventReader } from '../../src/format/event-line.js';
import { isoDate, logFileName } from '../../src/rotation/index.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest();

describe('line evidence from digest bytes', () => {
  it('reads its hash as the hex of its 32 bytes, and is kept as a plain object in the field order of a report', () => {
    const digests = Buffer.concat([sha('a'), sha('b'), sha('c')]);
    const ev = new LineEvidence('data/audit.jsonl', 41, 7, digests, 32);
    expect(ev.line_sha256).toBe(sha('b').toString('hex'));
    const kept = keptEvidence(ev);
    expect(kept).not.toBeInstanceOf(LineEvidence);
    expect(JSON.stringify(kept)).toBe(
      `{"file":"data/audit.jsonl","seq":41,"line":7,"line_sha256":"${sha('b').toString('hex')}"}`,
    );
    // Already plain: kept as it is.
    const plain = { file: 'f', seq: 1, line: 1, line_sha256: 'x' };
    expect(keptEvidence(plain)).toBe(plain);
  });

  it('copies its 32 bytes into a view exactly, from and to any byte offset, and nothing around them', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(7),
        fc.nat(40),
        fc.nat(7),
        fc.nat(40),
        (digest, pad, from, intoPad, at) => {
          // Both buffers start at an odd place of their memory, as a batch's digests may.
          const digests = Buffer.alloc(pad + from + 32 + 5, 0x5a).subarray(pad);
          digests.set(digest, from);
          const into = Buffer.alloc(intoPad + at + 32 + 3, 0xc3).subarray(intoPad);
          const ev = new LineEvidence('f', 1, 1, Buffer.alloc(64), 0).point('f', 1, 1, digests, from);
          expect(copyDigest(ev, viewOf(into), at)).toBe(true);
          expect(into.subarray(at, at + 32)).toEqual(Buffer.from(digest));
          expect(into.subarray(0, at).every((b) => b === 0xc3)).toBe(true);
          expect(into.subarray(at + 32).every((b) => b === 0xc3)).toBe(true);
          expect(hexDigest(into, at)).toBe(ev.line_sha256);
        },
      ),
      { numRuns: 2000 },
    );
    // A hash held as text only is left to the caller.
    expect(copyDigest({ file: 'f', seq: 1, line: 1, line_sha256: 'ab' }, viewOf(Buffer.alloc(32)), 0)).toBe(false);
  });

  it('copies a hash held as text when its bytes give the same text back (64 lowercase hex), else leaves it (property)', () => {
    const text = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFg:/ '), minLength: 62, maxLength: 66 }),
    );
    fc.assert(
      fc.property(text, fc.nat(40), (hex, at) => {
        const into = Buffer.alloc(at + 32 + 3, 0xc3);
        const copied = copyDigest({ file: 'f', seq: 1, line: 1, line_sha256: hex }, viewOf(into), at);
        expect(copied).toBe(/^[0-9a-f]{64}$/.test(hex));
        if (copied) expect(hexDigest(into, at)).toBe(hex);
        expect(into.subarray(0, at).every((b) => b === 0xc3)).toBe(true);
        expect(into.subarray(at + 32).every((b) => b === 0xc3)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses to read a digest past the end of the batch’s bytes', () => {
    expect(() => hexDigest(Buffer.alloc(63), 32)).toThrow(RangeError);
    expect(() => hexDigest(Buffer.alloc(64), -1)).toThrow(RangeError);
    expect(hexDigest(Buffer.alloc(64, 0xab), 32)).toBe('ab'.repeat(32));
  });

  it('give the same findings, evidence and carried state as hex hashes on the demo day (every rule once)', async () => {
    const dir = tempDir();
    const day = 20_300;
    const date = isoDate(day);
    await generateDemoDay(dir, day);
    const text = readFileSync(join(dir, logFileName(day)));
    const lines: Buffer[] = [];
    // The whole day as one batch: the records point into its bytes.
    const w = new RecordWriter();
    const reader = new EventReader();
    for (let s = 0; s < text.length; ) {
      const e = text.indexOf(10, s);
      lines.push(text.subarray(s, e));
      const r = reader.read(text, s, e);
      if (r.ok) w.event(text, reader.table);
      else w.other(text, s, e);
      s = e + 1;
    }
    const records = w.view().slice();
    const policy = policyFromText(DEMO_POLICY, { from: null, source: 'file', snapshot_id: null, path: 'p.yaml' });
    const run = (hashes: readonly string[] | Uint8Array) => {
      const engine = new ComplianceEngine(new PolicyTimeline([policy]));
      // The digests' buffer is overwritten after the feed, as the export's scan reuses it.
      new RecordReader().feed(engine, records, text, 'data/audit.jsonl', 1, hashes);
      if (hashes instanceof Uint8Array) hashes.fill(0);
      engine.endDay(date);
      return { result: JSON.stringify(engine.finish()), state: JSON.stringify(engine.carryOut(date)) };
    };
    const hex = run(lines.map((l) => sha(l).toString('hex')));
    const bytes = run(Buffer.concat(lines.map((l) => sha(l))));
    expect(JSON.parse(hex.result).findings.length).toBeGreaterThanOrEqual(20);
    expect(bytes.result).toBe(hex.result);
    expect(bytes.state).toBe(hex.state);
  });
});
