/**
 * The test of a fragment (src/format/torn-write.ts, docs/FORMAT.md "Torn lines and recovery"):
 * every prefix of a line the writer writes passes, with the line before it as `last`; bytes no
 * writer writes do not (prose or another shape after `{"ts":`, a seq or prev that does not continue,
 * bytes at or above 0x80 that begin no character). Pure: no files, no checker around it.
 */
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { assembleLine, createHeadFormatter } from '../../src/format/log-line.js';
import { startsAsLine, tornWriteProblem } from '../../src/format/torn-write.js';

const PREV = 'ab'.repeat(32);
const last = { seq: 41, hash: hashLine('the line before') };
const head = createHeadFormatter()(1_757_318_400_123_456);
const line = Buffer.from(
  assembleLine(
    { head, body: '"category":"order","event":"Note","text":"é€🚀","host":"h","pid":1' },
    42,
    last.hash,
    true,
  ),
  'utf8',
);

describe('tornWriteProblem', () => {
  it('passes every prefix of a line the writer writes, whole line included (with and without last)', () => {
    for (let n = 0; n <= line.length; n++) {
      expect(tornWriteProblem(line.subarray(0, n), last), `${n} bytes`).toBeUndefined();
      expect(tornWriteProblem(line.subarray(0, n))).toBeUndefined();
    }
  });

  it('fails a whole seq that is not last + 1 and a whole prev that is not last.hash; without last, passes them', () => {
    const forgedSeq = Buffer.from(line.toString('utf8').replace('"seq":42,', '"seq":43,'));
    expect(tornWriteProblem(forgedSeq.subarray(0, 75), last)).toMatch(/its seq 43 is not one more than the seq 41/);
    const forgedPrev = Buffer.from(line.toString('utf8').replace(last.hash, PREV));
    expect(tornWriteProblem(forgedPrev, last)).toMatch(/prev is not the SHA-256/);
    expect(tornWriteProblem(forgedPrev.subarray(0, forgedPrev.length - 1), last)).toBeUndefined(); // prev not whole
    expect(tornWriteProblem(forgedSeq)).toBeUndefined();
    expect(tornWriteProblem(forgedPrev)).toBeUndefined();
  });

  it('fails what is not the head a writer writes', () => {
    for (const s of [
      '{"ts":"prose and more prose',
      '{"ts":1,"foo":"bar"',
      '{"ts":1757318400.12345,"',
      '{"ts":01',
      '{"ts":12345678901234567',
      '{"ts":1.000000,"iso_ts":"2025-09-08T0x',
      '{"ts":1.000000,"iso_ts":"2025-09-08T08:00:00.000000Z","seq":0',
      '{"ts":1.000000,"iso_ts":"2025-09-08T08:00:00.000000Z","seq":12345678901234567',
      '{"ts":1.000000,"iso_ts":"2025-09-08T08:00:00.000000Z","late":true',
      '{"ts":1.000000,"iso_ts":"2025-09-08T08:00:00.000000Z", "seq":4',
      '{"ts":1.000000,"iso_ts":"2025-09-08T08:00:00.000000Z","seq":42}',
    ])
      expect(tornWriteProblem(Buffer.from(s), last), s).toMatch(/does not start as/);
  });

  it('passes only a real UTF-8 character cut at the end', () => {
    const body = line.subarray(0, 100);
    const cut = (...bytes: number[]) => tornWriteProblem(Buffer.concat([body, Buffer.from(bytes)]), last);
    for (const ok of [
      [0xc3],
      [0xe2],
      [0xe2, 0x82],
      [0xe0, 0xa0],
      [0xf0],
      [0xf0, 0x9f, 0x9a],
      [0xf4, 0x8f],
      [0xed, 0x9f],
    ])
      expect(cut(...ok), ok.join(' ')).toBeUndefined();
    for (const bad of [
      [0xbf],
      [0xbf, 0xbf],
      [0xc0],
      [0xc1],
      [0xf5],
      [0xe0, 0x80],
      [0xed, 0xa0],
      [0xf0, 0x80],
      [0xf4, 0x90],
      [0xc3, 0x80, 0x80],
    ])
      expect(cut(...bad), bad.join(' ')).toBe('it is not UTF-8');
  });
});

describe('startsAsLine', () => {
  it('is true exactly for bytes that begin {"ts":, at every length and change of one byte', () => {
    const headBytes = Buffer.from('{"ts":', 'latin1');
    const starts = (b: Buffer) => b.length >= headBytes.length && b.subarray(0, headBytes.length).equals(headBytes);
    for (let n = 0; n <= line.length && n < 40; n++) {
      const b = line.subarray(0, n);
      expect(startsAsLine(b), `prefix ${n}`).toBe(starts(b));
      for (let i = 0; i < Math.min(n, 8); i++) {
        const changed = Buffer.from(b);
        changed[i] = (changed[i] as number) ^ 0x01;
        expect(startsAsLine(changed), `prefix ${n}, byte ${i} changed`).toBe(starts(changed));
      }
    }
    expect(startsAsLine(Buffer.from('{"ts"'))).toBe(false);
    expect(startsAsLine(Buffer.from(' {"ts":1'))).toBe(false);
  });
});
