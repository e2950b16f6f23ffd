/**
 * A dump glued to a name's `=` (logfmt's `key=00000000: 3077 …`, `dump=000000 30 77 …`), with its own
 * lines, flattened, or behind a syslog prefix on every line; and a dump after a single quote behind
 * such a prefix (`app[42]: key='00000000: …`). The line readers took an offset for a line's start only
 * after a line break or a quote, the flattened view only after a blank or a quote: after `=` no
 * line was read and the key stayed (every layout but xxd's 16-byte pairs, which der-hex.ts reads from
 * their `: 30`); after `'` the next lines behind a prefix were not looked for. Found by a loop of
 * random keys (2026-12-07); the keys here are from it. Near misses stay: logfmt lines whose values
 * read as offsets and bytes, and public keys dumped after the same names.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { leaked, prefixedLines, spki } from './dump-formats.js';
import { LOOP_KEYS as KEYS, LOOP_LAYOUTS as LAYOUTS } from './loop-keys.js';

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);
const flat = (t: string): string => t.replace(/\n$/, '').replace(/\n/g, ' ');
const syslog = (t: string): string =>
  prefixedLines(t, (i) => `Dec  7 10:00:${String(i).padStart(2, '0')} host app[42]: `);

const WRAPS: [string, (t: string) => string, string][] = [
  ['its lines after key=', (t) => `key=${t}done rotating keys\n`, '\ndone rotating keys\n'],
  ['flattened after key=', (t) => `key=${flat(t)} done rotating keys`, ' done rotating keys'],
  ['after key= behind a syslog prefix', (t) => syslog(`key=${t}done rotating keys\n`), ': done rotating keys\n'],
  ["after key=' behind a syslog prefix", (t) => syslog(`key='${t}' done rotating keys\n`), `: ' done rotating keys\n`],
];

describe("a dump after a name's = (or a quote behind a prefix)", () => {
  for (const [name, d, secret] of KEYS)
    for (const [layout, dump] of LAYOUTS)
      for (const [how, wrap, tail] of WRAPS)
        it(`${name}, ${layout}, ${how}: the key goes, the words after stay`, () => {
          const text = wrap(dump(d));
          expect(leaked(text, secret)).toBeGreaterThan(0);
          const out = once(text);
          expect(leaked(out, secret)).toBe(0);
          expect(out.endsWith(tail)).toBe(true);
        });
});

describe('stays: logfmt values that read as offsets and bytes, public keys after key=', () => {
  it('logfmt lines of hex values glued to names (property)', () => {
    const hex = (min: number, max: number) =>
      fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('hex'));
    const field = fc.tuple(fc.constantFrom('offset', 'addr', 'dump', 'id', 'pos', 'at'), hex(3, 4), hex(1, 16));
    fc.assert(
      fc.property(fc.array(field, { minLength: 2, maxLength: 12 }), fc.boolean(), (fields, oneLine) => {
        const text = fields.map(([n, o, b]) => `${n}=${o} ${b.match(/../g)?.join(' ')}`).join(oneLine ? ' ' : '\n');
        expect(once(text)).toBe(text);
      }),
      { numRuns: 300, seed: 61 },
    );
  });
  it('public keys and random data in every layout after key=, raw, flattened and behind a prefix', () => {
    const keys = [generateKeyPairSync('ed25519'), generateKeyPairSync('ec', { namedCurve: 'P-256' })];
    const data = Array.from({ length: 4 }, () => randomBytes(120));
    for (const b of [...keys.map((k) => spki(k.privateKey)), ...data])
      for (const [, dump] of LAYOUTS)
        for (const [, wrap] of WRAPS) {
          const text = wrap(dump(b));
          expect(once(text)).toBe(text);
        }
  });
});
