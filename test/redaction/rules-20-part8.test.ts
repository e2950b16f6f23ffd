/**
 * Rules 20, part 8 (fx51c, an outside pass's matrix of private keys dumped in many layouts and
 * contexts): `xxd -p` with a prefix on every line (a log prefix, `> `, a line number of any width),
 * `od -j N` / `hexdump -s N` fragments (the dump starts inside the key) behind such a prefix, an
 * Ed25519 fragment whose OID the skip cut, and an `xxd -s 5` Ed25519 fragment in JSON in a JSON
 * string, whose redaction broke the JSON. Near misses stay: public keys and data in the same
 * layouts, digests behind the same prefixes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { cpuMs } from '../helpers/cpu-time.js';
import { expectIdempotent, redactOnce } from '../helpers/redact-idempotent.js';
import {
  der,
  hexdumpWords,
  jwkD,
  keyCases,
  leaked,
  makeKeys,
  odX1,
  odX1z,
  prefixedLines,
  spki,
  xxdG1,
  xxdPairs,
  xxdPlain,
} from './dump-formats.js';

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);
const { rsa, ec, ed } = makeKeys();

const KEYS = keyCases({ rsa, ec, ed });

/** Each line of `t` (its last line break kept) behind `p(i)`. */
const prefixed = prefixedLines;
const PREFIXES: [string, (i: number) => string][] = [
  ['a log prefix', () => '2026-12-01T10:00:00Z app: '],
  ['a quote', () => '> '],
  ['a line number', (i) => `${String(i + 1).padStart(4)}: `],
  ['a line number of its own width', (i) => `${i + 1} `],
  ['syslog', () => 'Dec  6 02:55:01 host app[123]: '],
];
const inJson = (t: string): string => JSON.stringify({ msg: t, venue: 'XNYS' });

describe('xxd -p with a prefix on every line: the key goes, the prefixes stay', () => {
  for (const [pname, p] of PREFIXES)
    it.each(KEYS)(`${pname}: %s`, (_name, d, secret) => {
      for (const text of [prefixed(xxdPlain(d), p), inJson(prefixed(xxdPlain(d), p))]) {
        expect(leaked(text, secret)).toBeGreaterThan(0);
        const out = once(text);
        expect(leaked(out, secret)).toBe(0);
        if (text.startsWith('{')) expect(JSON.parse(out).venue).toBe('XNYS');
        expect(out.split(p(0)).length).toBe(text.split(p(0)).length);
      }
    });
});

/** The dump layouts with a skip (`od -j`, `hexdump -s`, `xxd -s`). */
const SKIPPED: [string, (d: Buffer) => string][] = [
  ['od -A x -t x1z -j 5', (d) => odX1z(d, 5)],
  ['od -t x1 -j 9', (d) => odX1(d, 9)],
  ['hexdump -s 5', (d) => hexdumpWords(d, 5)],
  ['hexdump -s 10', (d) => hexdumpWords(d, 10)],
];

describe('od -j / hexdump -s fragments with a prefix on every line', () => {
  for (const [layout, dump] of SKIPPED)
    for (const [pname, p] of PREFIXES)
      it.each(KEYS)(`${layout}, ${pname}: %s`, (_name, d, secret) => {
        for (const text of [prefixed(dump(d), p), inJson(prefixed(dump(d), p))]) {
          expect(leaked(text, secret)).toBeGreaterThan(0);
          const out = once(text);
          expect(leaked(out, secret)).toBe(0);
          if (text.startsWith('{')) expect(JSON.parse(out).venue).toBe('XNYS');
        }
      });

  it('an Ed25519 fragment whose OID the skip cut (od -j 9, -j 10, hexdump -s 10), no prefix', () => {
    const d = der(ed, 'pkcs8');
    for (const text of [odX1(d, 9), odX1z(d, 10), hexdumpWords(d, 10), JSON.stringify({ msg: odX1(d, 9) })]) {
      expect(leaked(text, jwkD(ed))).toBeGreaterThan(0);
      expect(leaked(once(text), jwkD(ed))).toBe(0);
    }
  });
});

describe('an xxd -s fragment in JSON in a JSON string: the key goes, both JSON levels stay valid', () => {
  const CONTEXTS: [string, (t: string) => string][] = [
    ['JSON in a JSON string', (t) => JSON.stringify({ line: JSON.stringify({ msg: t }) })],
    [
      'a prefixed dump in a JSON field',
      (t) => JSON.stringify({ msg: prefixed(t, PREFIXES[0]?.[1] as (i: number) => string) }),
    ],
    ['JSON in a JSON string, escaped three times', (t) => JSON.stringify(JSON.stringify({ msg: t }))],
  ];
  for (const [ctx, wrap] of CONTEXTS)
    it.each(KEYS)(`${ctx}: %s`, (_name, d, secret) => {
      for (const dump of [xxdPairs(d, 5), xxdG1(d.subarray(7)), xxdPairs(d, 3)]) {
        const text = wrap(dump);
        expect(leaked(text, secret)).toBeGreaterThan(0);
        const out = once(text);
        expect(leaked(out, secret)).toBe(0);
        // Every level that parsed before parses after.
        let a: unknown = text;
        let b: unknown = out;
        while (typeof a === 'string' && /^[{"]/.test(a)) {
          a = JSON.parse(a);
          b = JSON.parse(b as string);
          if (typeof a === 'object' && a !== null) [a, b] = [Object.values(a)[0], Object.values(b as object)[0]];
          expect(typeof b).toBe(typeof a);
        }
      }
    });
});

describe('stays: public keys, data and digests behind the same prefixes', () => {
  const data = Buffer.from(Array.from({ length: 256 }, (_v, i) => (i * 7) & 255));
  it('public keys and data in the prefixed layouts, skipped too', () => {
    for (const b of [spki(rsa), spki(ec), spki(ed), data])
      for (const [, p] of PREFIXES)
        for (const t of [xxdPlain(b), odX1z(b, 5), odX1(b, 9), hexdumpWords(b, 5), xxdPairs(b, 5)]) {
          const text = prefixed(t, p);
          expect(once(text)).toBe(text);
          expect(once(inJson(text))).toBe(inJson(text));
        }
  });
  it('sha256 digests, base64 digests and order ids in prefixed log lines', () => {
    const lines = Array.from({ length: 12 }, (_v, i) => {
      const h = createHash('sha256').update(`event ${i}`);
      return i % 3 === 0
        ? `${createHash('sha256').update(`e${i}`).digest('hex')}${h.digest('hex')}`
        : i % 3 === 1
          ? h.digest('base64')
          : `order A${1000 + i} filled 100 @ 12.5`;
    });
    for (const [, p] of PREFIXES) {
      const text = prefixed(`${lines.join('\n')}\n`, p);
      expect(once(text)).toBe(text);
      expect(once(inJson(text))).toBe(inJson(text));
    }
  });
});

describe('idempotent and linear', () => {
  it('idempotent over prefixed dump pieces', () => {
    const p = PREFIXES[0]?.[1] as (i: number) => string;
    expectIdempotent(
      r,
      [
        ...prefixed(xxdPlain(der(ec, 'sec1')), p)
          .split('\n')
          .map((l) => `${l}\n`),
        ...prefixed(odX1(der(ec, 'sec1'), 9), p)
          .split('\n')
          .map((l) => `${l}\n`),
        ...prefixed(hexdumpWords(der(ed, 'pkcs8'), 10), p)
          .split('\n')
          .map((l) => `${l}\n`),
        p(0),
        '\n',
        '"',
        '\\"',
      ],
      5108,
    );
  });
  it('linear on long prefixed near misses', () => {
    const texts = [
      `2026-12-01T10:00:00Z app: ${'30'.repeat(30)}\n`.repeat(8_000),
      `${'1 '.repeat(40)}000000 30 77\n`.repeat(6_000),
      `00000000: 3077 0201 \\"`.repeat(20_000),
      `00000000: 3077 0201 "`.repeat(20_000),
      `> 0000005 7004 2204 2032\n`.repeat(10_000),
    ];
    for (const t of texts) expect(cpuMs(() => r.redactString(t))).toBeLessThan(2000);
  });
});
