/**
 * Rules 20, part 11 (fx57b, part 10's leftovers): `xxd -p -c 4` and narrower of a whole key (the
 * version's `02 01` split across two lines), `xxd -p -s N` starting in the `04 L+2 04 L` before an
 * Ed25519 / X25519 / Ed448 / X448 seed, and an xxd dump whose ASCII column runs to the text's end
 * (flattened, or a last line with no line break): the words after it stay. Near misses stay:
 * digests and ids of every width, public keys, and raw digests dumped by `xxd -p` (why the seed's
 * own bytes, `-s 16` and on, are a known limit: docs/decisions.md).
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { cpuMs } from '../helpers/cpu-time.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { asn1parse, der, jwkD, leaked, odX1, prefixedLines, spki, xxdG1, xxdPairs, xxdPlain } from './dump-formats.js';

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
const EDWARDS: [string, KeyObject][] = [
  ['Ed25519', generateKeyPairSync('ed25519').privateKey],
  ['X25519', generateKeyPairSync('x25519').privateKey],
  ['Ed448', generateKeyPairSync('ed448').privateKey],
  ['X448', generateKeyPairSync('x448').privateKey],
];
const KEYS: [string, Buffer, Buffer][] = [
  ['RSA PKCS#1', der(rsa, 'pkcs1'), jwkD(rsa)],
  ['RSA PKCS#8', der(rsa, 'pkcs8'), jwkD(rsa)],
  ['P-256 SEC1', der(p256, 'sec1'), jwkD(p256)],
  ['P-256 PKCS#8', der(p256, 'pkcs8'), jwkD(p256)],
  ['P-384 SEC1', der(p384, 'sec1'), jwkD(p384)],
  ['P-384 PKCS#8', der(p384, 'pkcs8'), jwkD(p384)],
  ...EDWARDS.map(([n, k]): [string, Buffer, Buffer] => [`${n} PKCS#8`, der(k, 'pkcs8'), jwkD(k)]),
];
const lines = (t: string): string[] => t.replace(/\n$/, '').split('\n');

function expectGone(text: string, secret: Buffer): void {
  expect(leaked(text, secret)).toBeGreaterThan(0);
  const out = once(text);
  expect(leaked(out, secret)).toBe(0);
  if (text.startsWith('{')) expect(() => JSON.parse(out)).not.toThrow();
}

describe('xxd -p -c 4 and narrower of a whole key', () => {
  const CONTEXTS: [string, (t: string) => string][] = [
    ['alone', (t) => t],
    ['CRLF', (t) => t.replace(/\n/g, '\r\n')],
    ['joined by blanks', (t) => lines(t).join(' ')],
    ['a JSON array', (t) => JSON.stringify({ dump: lines(t) })],
    ['a JSON string', (t) => JSON.stringify({ msg: t })],
  ];
  // Bytes joined by single blanks (`-c 1` so) are rules 19's separated hex.
  const rules19 = (cols: number, ctx: string): boolean => cols === 1 && ctx === 'joined by blanks';
  for (const cols of [4, 3, 2, 1])
    for (const [ctx, wrap] of CONTEXTS)
      if (!rules19(cols, ctx))
        it.each(KEYS)(`-c ${cols}, ${ctx}: %s`, (_n, d, secret) => expectGone(wrap(xxdPlain(d, cols)), secret));
});

describe('xxd -p -s N starting in the OCTET STRINGs before an Edwards seed', () => {
  for (const [name, k] of EDWARDS) {
    const d = der(k, 'pkcs8');
    const seedAt = d.length - jwkD(k).length;
    for (let skip = seedAt - 4; skip < seedAt; skip++) {
      it(`${name}, -s ${skip}`, () => expectGone(xxdPlain(d.subarray(skip)), jwkD(k)));
      it(`${name}, -s ${skip} in a JSON string`, () =>
        expectGone(JSON.stringify({ msg: xxdPlain(d.subarray(skip)) }), jwkD(k)));
    }
  }
});

describe("an Edwards key's xxd -p cut across two events", () => {
  for (const [name, k] of EDWARDS) {
    const [first, ...rest] = lines(xxdPlain(der(k, 'pkcs8')));
    it(`${name}: the first event (header and 14 seed bytes, one 60-digit line) loses its seed bytes`, () =>
      expectGone(`${first}\n`, jwkD(k)));
    // The limit (docs/decisions.md): the later events hold seed bytes only, like any hex id.
    it(`${name}: the later events, structureless seed bytes, stay`, () => {
      for (const l of rest) expect(once(`${l}\n`)).toBe(`${l}\n`);
    });
  }
});

describe('an xxd dump whose ASCII column runs to the text end: the words after it stay', () => {
  const flat = (t: string): string => t.replace(/\n$/, '').replace(/\n/g, ' ');
  const LAYOUTS: [string, (d: Buffer) => string][] = [
    ['xxd', (d) => xxdPairs(d)],
    ['xxd -c 24', (d) => xxdPairs(d, 0, 24)],
    ['xxd -c 32', (d) => xxdPairs(d, 0, 32)],
    ['xxd -g1', (d) => xxdG1(d)],
  ];
  // The blank before the words is not asserted: a raw `\` byte in the column followed by a character
  // that would make a JSON escape (`n`, `"`, `\`, ...) counts as one character with it (der-xxd.ts
  // asciiEnd: more censored, never less), and random keys print one now and then.
  const TAIL = ' done, rotating keys';
  const WORDS = TAIL.trimStart();
  for (const [layout, dump] of LAYOUTS) {
    it.each(KEYS)(`${layout} flattened, then words: %s`, (_n, d, secret) => {
      const t = `${flat(dump(d))}${TAIL}`;
      expectGone(t, secret);
      expect(once(t).endsWith(WORDS)).toBe(true);
    });
    it.each(KEYS)(`${layout} flattened in a JSON string, then words: %s`, (_n, d, secret) => {
      const t = JSON.stringify({ msg: `${flat(dump(d))}${TAIL}`, venue: 'XNYS' });
      expectGone(t, secret);
      expect((JSON.parse(once(t)) as { msg: string }).msg.endsWith(WORDS)).toBe(true);
    });
  }
});

describe("a raw dump's backslash byte in the ASCII column is one character", () => {
  // An Ed25519 key whose last line's bytes print as `\.\.\.\.` (raw, not in JSON): before, each `\` took
  // the next character with it, and the column's end ran into the words after the dump.
  const seed = `a1b2c3d4e5f60718293a4b5c6d7e8f90${'5c01'.repeat(8)}`;
  const d = Buffer.from(`302e020100300506032b657004220420${seed}`, 'hex');
  it('flattened, then words: the blank and the words stay', () => {
    const text = `${xxdPairs(d).replace(/\n$/, '').replace(/\n/g, ' ')} done`;
    expect(text).toContain('\\.\\.');
    expect(once(text)).toBe('00000000: [REDACTED] done');
  });
});

describe("the ASCII column's end counts a JSON escape as one character", () => {
  // An Ed25519 key whose last line's bytes print as `Q"R\S"T\UVWXYZab` (escaped in JSON: longer).
  const seed = `a1b2c3d4e5f60718293a4b5c6d7e8f90${Buffer.from('Q"R\\S"T\\UVWXYZab').toString('hex')}`;
  const d = Buffer.from(`302e020100300506032b657004220420${seed}`, 'hex');
  it('flattened in a JSON string: the whole column goes, the words stay', () => {
    const msg = `${xxdPairs(d).replace(/\n$/, '').replace(/\n/g, ' ')} done`;
    const out = (JSON.parse(once(JSON.stringify({ msg, v: 1 }))) as { msg: string }).msg;
    expect(out).toBe('00000000: [REDACTED] done');
  });
  // Session 35: a dump's last line with no line break after it, in a JSON string, ended at the
  // column's escaped `\"` as at the string's end (any quote behind one backslash was taken for one
  // in JSON in a JSON string): `R\S"T\UVWXYZab` stayed. The string's end is now the quote escaped as
  // the one that opened it.
  const text = xxdPairs(d).replace(/\n$/, '');
  it('its lines in a JSON string, the last with no line break: the whole column goes', () => {
    expect(once(JSON.stringify({ msg: text, v: 1 }))).toBe('{"msg":"00000000: [REDACTED]","v":1}');
  });
  it('its lines in JSON in a JSON string: the whole column goes, both levels parse', () => {
    const out = once(JSON.stringify({ line: JSON.stringify({ msg: text }), v: 1 }));
    const inner = JSON.parse((JSON.parse(out) as { line: string }).line) as { msg: string };
    expect(inner.msg).toMatch(/^00000000: \[REDACTED\]$/);
  });
});

describe('openssl asn1parse in a JSON string, no line break after its last line', () => {
  // Session 35: the last label's value (or `-dump` line) ran to its view line's end, past the string's
  // closing quote: the JSON after it (`","v":1}`) went into the censor, and a second pass changed more.
  const ed = EDWARDS[0]?.[1] as KeyObject;
  for (const [name, d, secret] of [
    ['RSA PKCS#1', der(rsa, 'pkcs1'), jwkD(rsa)],
    ['Ed25519 PKCS#8', der(ed, 'pkcs8'), jwkD(ed)],
  ] as const)
    for (const [flags, opts] of [
      ['', {}],
      [' -i -dump', { dump: true, indent: true }],
    ] as const) {
      const text = asn1parse(d, opts).replace(/\n$/, '');
      it(`${name}${flags}: in a JSON string`, () => {
        const out = once(JSON.stringify({ msg: text, v: 1 }));
        expect(leaked(out, secret)).toBe(0);
        expect((JSON.parse(out) as { v: number }).v).toBe(1);
      });
      it(`${name}${flags}: in JSON in a JSON string`, () => {
        const out = once(JSON.stringify({ line: JSON.stringify({ msg: text }), v: 1 }));
        expect(leaked(out, secret)).toBe(0);
        const outer = JSON.parse(out) as { line: string; v: number };
        expect(outer.v).toBe(1);
        expect(typeof (JSON.parse(outer.line) as { msg: string }).msg).toBe('string');
      });
    }
});

describe("a dump's first line after a message longer than a line prefix", () => {
  // at57 P1: a message of 97 characters or more before the first offset on its line (more than any
  // per-line prefix, PREFIX_MAX): that line was no dump line, and its bytes (an EC key's header and
  // the scalar's first 9 bytes) stayed. An offset of zeros is a dump's first line after any text.
  const d = der(p256, 'sec1');
  const msg = `${'the key the rotation job printed before it failed, ticket OPS-1234, please look '.repeat(2)}:`;
  for (const [name, t] of [
    ['xxd, raw', `${msg} ${xxdPairs(d)}`],
    ['xxd -g1, raw', `${msg} ${xxdG1(d)}`],
    ['od -t x1, raw', `${msg} ${odX1(d)}`],
    ['xxd, in a JSON string', JSON.stringify({ msg: `${msg} ${xxdPairs(d)}` })],
  ] as const)
    it(name, () => {
      const out = once(t);
      expect(leaked(out, jwkD(p256))).toBe(0);
      expect(out).toContain('ticket OPS-1234');
    });
});

describe("a prefixed dump whose first line's prefix holds words the next ones do not", () => {
  // at57 P3: `host app[42]: key dump: 00000000: …` then `host app[42]: 00000010: …`: the next lines were
  // looked for after the first line's longer prefix, so the first line (an EC key's header and the
  // scalar's first bytes) was a dump of one line. The next line's offset is now found by its value.
  const ed = EDWARDS[0]?.[1] as KeyObject;
  const withWords = (t: string): string =>
    prefixedLines(t, (i) => `Dec  7 01:00:0${i % 10} host app[42]: ${i === 0 ? 'key dump: ' : ''}`);
  for (const [name, d, secret] of [
    ['P-256 SEC1', der(p256, 'sec1'), jwkD(p256)],
    ['Ed25519 PKCS#8', der(ed, 'pkcs8'), jwkD(ed)],
  ] as const)
    for (const [layout, dump] of [
      ['xxd', (b: Buffer) => xxdPairs(b)],
      ['xxd -g1', xxdG1],
      ['od -t x1', (b: Buffer) => odX1(b)],
    ] as const)
      it(`${layout}: ${name}`, () => {
        const out = once(withWords(dump(d)));
        expect(leaked(out, secret)).toBe(0);
        expect(out).toContain('host app[42]: key dump: ');
      });
});

describe('stays: digests, ids, public keys and raw digests dumped by xxd -p', () => {
  const digests = Array.from({ length: 8 }, (_v, i) => createHash('sha256').update(`e${i}`).digest());
  it('xxd -p of raw SHA-256 / SHA-512 digests and of public keys, every width', () => {
    const blobs = [...digests, createHash('sha512').update('x').digest(), spki(p256), spki(p384)];
    for (const [, k] of EDWARDS) blobs.push(spki(k));
    for (const b of blobs)
      for (const cols of [30, 16, 8, 4, 3, 2, 1]) {
        const t = xxdPlain(b, cols);
        expect(once(t)).toBe(t);
        const j = JSON.stringify({ dump: lines(t) });
        expect(once(j)).toBe(j);
      }
  });
  it('hex ids and numbers in narrow tokens, with 02 then 01 across a line', () => {
    const ids = digests.map((x) => x.toString('hex').slice(0, 8));
    const texts = [
      `${ids.join('\n')}\n`,
      '30 02\n01 00 30 05 06 03 2b 65 70 04 22 04 20 11 22 33',
      `${['30', '2e', '02', '01', '05', '30', '05'].join('\n')}\n`,
      'build 3082 of 0201 took 30 s; codes 0201 0202 0203 0204 0205 0206 0207 0208 0209',
    ];
    for (const t of texts) expect(once(t)).toBe(t);
  });
  it('a 66-digit hex id starting with 20 stays (one token: no xxd -p layout)', () => {
    const t = `id 20${digests[0]?.toString('hex')} ok`;
    expect(once(t)).toBe(t);
  });
});

describe('linear', () => {
  it('1 MB of narrow hex near misses stays under 2 s of CPU each', () => {
    const texts = [
      '30\n2e\n02\n01\n'.repeat(65_536),
      '302e\n0201\n'.repeat(52_429),
      '30818702\n'.repeat(116_509),
      `${'ab'.repeat(30)}\n0420\n`.repeat(15_421),
      '3082 02 01 '.repeat(95_326),
    ];
    for (const t of texts) expect(cpuMs(() => r.redactString(t))).toBeLessThan(2000);
  });
});
