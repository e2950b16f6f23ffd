/**
 * A dump whose lines keep their raw line breaks, opened by a quote in the message (`key:"00000000: …`,
 * `msg "000000 30 …`): the offset after the `"` was read as a JSON string's first line, whose lines end
 * at an escaped `\n`, so the raw lines were one line running to the quote after the dump, no key was
 * decoded and every byte stayed (xxd -g1, -c 24, -s N, od, hexdump). Found by a loop of random keys in
 * every layout and wrapping (2026-12-07); the keys here are from it. And a flattened od dump after a
 * few words whose column shows `"`: its first line, with no line break of its own, ended at that quote,
 * and the next line was looked for as many characters on as the words before the dump: where an offset
 * happened to be there, its bytes were read as the header's next and the last line ran on over the words.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { leaked, odX1z, prefixedLines, xxdPairs, xxdPlain } from './dump-formats.js';
import { LOOP_KEYS as KEYS, LOOP_LAYOUTS as LAYOUTS } from './loop-keys.js';

const flat = (t: string): string => t.replace(/\n$/, '').replace(/\n/g, ' ');

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);

const OPENERS = ['key:"', 'msg "', 'dump="'];

describe('a dump with raw line breaks after a quote in the message', () => {
  for (const [name, d, secret] of KEYS)
    for (const [layout, dump] of LAYOUTS)
      for (const opener of OPENERS)
        it(`${name}, ${layout}, after ${opener}: the key goes, the words after stay`, () => {
          const text = `${opener}${dump(d)}" done rotating keys\n`;
          expect(leaked(text, secret)).toBeGreaterThan(0);
          const out = once(text);
          expect(leaked(out, secret)).toBe(0);
          expect(out.startsWith(opener)).toBe(true);
          expect(out.endsWith('" done rotating keys\n')).toBe(true);
        });
});

describe('a one-line dump in a JSON string, a record after it on the next line', () => {
  // The raw line break after the string ends the record, not a dump line: the string's end holds.
  const d = KEYS[0]?.[1] as Buffer;
  it('xxd -c 48: the key goes, both records parse', () => {
    const text = `${JSON.stringify({ msg: xxdPairs(d, 0, 48).replace(/\n$/, '') })}\n{"next":"000010: 00"}\n`;
    const out = once(text);
    expect(leaked(out, d.subarray(16))).toBe(0);
    for (const line of out.replace(/\n$/, '').split('\n')) JSON.parse(line);
  });
});

describe('a flattened od dump after words whose column shows a quote', () => {
  // An Ed448 key whose byte 0x39 is `"` (`>.9.e.s;..".P..&M<`): 8 characters from the quote is the offset
  // 000040, as far as `the key ` is from the text's start.
  const d = Buffer.from(
    '3047020100300506032b6571043b04396b9365b2a374dd4425c8c9838ea2000078bec2131df7ebdfe7f0f187d633b80c0d39d665ca733bc29a22b350f9f4264d4f30a70b91efee3b89',
    'hex',
  );
  it('od -A x -t x1z: the seed goes, the closing offset and the words stay', () => {
    const text = `the key ${flat(odX1z(d))} done, rotating keys`;
    expect(leaked(text, d.subarray(16))).toBeGreaterThan(0);
    const out = once(text);
    expect(leaked(out, d.subarray(16))).toBe(0);
    expect(out.endsWith(' 000049 done, rotating keys')).toBe(true);
  });
});

describe("a dump after a single quote in the message (key='…')", () => {
  // The flattened view took an offset for a line's start only after a blank or a `"`, the line
  // readers only after a line break or a `"`: after `'` the header's line was no line, and the key
  // stayed whole; od's closing offset before the closing `'` was no offset, and its last line ran on
  // over the words.
  for (const [name, d, secret] of KEYS)
    for (const [layout, dump] of LAYOUTS)
      for (const [how, shape] of [
        ['flattened', flat],
        ['its lines', (t: string) => t],
      ] as const)
        it(`${name}, ${layout}, ${how}: the key goes, the words after stay`, () => {
          const text = `key='${shape(dump(d))}' done rotating keys`;
          expect(leaked(text, secret)).toBeGreaterThan(0);
          const out = once(text);
          expect(leaked(out, secret)).toBe(0);
          expect(out.startsWith("key='")).toBe(true);
          expect(out.endsWith("' done rotating keys")).toBe(true);
        });
});

describe("xxd -p flattened after a single quote (key='…')", () => {
  // A hex token that a `'` follows was no dump line: the run ended at the first token and the seed's
  // tail in the second stayed.
  it.each(KEYS)('%s: the key goes whole, the words after stay', (_n, d, secret) => {
    const text = `key='${flat(xxdPlain(d))}' done rotating keys`;
    expect(leaked(text, secret)).toBeGreaterThan(0);
    const out = once(text);
    expect(leaked(out, secret)).toBe(0);
    expect(out.endsWith("' done rotating keys")).toBe(true);
  });
});

describe('a dump after a quote behind a syslog prefix on every line', () => {
  // The lines after the quote's start with the prefix, not an offset: the quote's line was taken for a
  // JSON string's first line and nothing was decoded.
  const syslog = (t: string): string =>
    prefixedLines(t, (i) => `Dec  7 10:00:${String(i).padStart(2, '0')} host app[42]: `);
  for (const [name, d, secret] of KEYS)
    for (const [layout, dump] of LAYOUTS)
      it(`${name}, ${layout}: the key goes, the words after stay`, () => {
        const text = syslog(`key:"${dump(d)}" done rotating keys\n`);
        expect(leaked(text, secret)).toBeGreaterThan(0);
        const out = once(text);
        expect(leaked(out, secret)).toBe(0);
        expect(out.endsWith('" done rotating keys\n')).toBe(true);
      });
});
