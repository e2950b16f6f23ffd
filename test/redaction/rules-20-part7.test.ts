/**
 * Rules 20, part 7 (fx49d, after at46 F3): a private key's dump inside a JSON string (its line
 * breaks the two characters `\` `n`, its quotes `\"`), escaped twice (a JSON line inside a JSON
 * string) or three times, and text whose line breaks were written as `\n`. The dump readers run on
 * an unescaped view of the text; what they find is censored in the text itself, and the JSON stays
 * valid. Near misses stay: public keys and other data in the same layouts, ordinary escaped JSON.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { cpuMs } from '../helpers/cpu-time.js';
import { expectIdempotent, redactOnce } from '../helpers/redact-idempotent.js';
import {
  asn1parse,
  hexdumpWords,
  odX1z,
  opensslBlock,
  xxdG1,
  xxdPairs,
  xxdPlain,
  leaked,
  der,
  spki,
  jwkD,
  keyCases,
  makeKeys,
} from './dump-formats.js';

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);
const { rsa, ec, ed } = makeKeys();

const KEYS = keyCases({ rsa, ec, ed }).filter(([name]) => name !== 'RSA PKCS#8');

const LAYOUTS: [string, (d: Buffer) => string][] = [
  ['xxd', (d) => xxdPairs(d)],
  ['xxd -g1', xxdG1],
  ['xxd -s 5', (d) => xxdPairs(d, 5)],
  ['xxd -p', xxdPlain],
  ['od -A x -t x1z', odX1z],
  ['hexdump', hexdumpWords],
  ['asn1parse', (d) => asn1parse(d)],
  ['asn1parse -i -dump', (d) => asn1parse(d, { dump: true, indent: true })],
];

/** The contexts at46 found leaking: a JSON string's content, a JSON field, JSON in JSON, `\n` written out. */
const CONTEXTS: [string, (t: string) => string][] = [
  ['a JSON string’s content', (t) => JSON.stringify(t).slice(1, -1)],
  ['a JSON field', (t) => JSON.stringify({ msg: t, venue: 'XNYS' })],
  ['a JSON field, CRLF', (t) => JSON.stringify({ msg: t.replace(/\n/g, '\r\n') })],
  ['JSON in a JSON string', (t) => JSON.stringify({ line: JSON.stringify({ msg: t }) })],
  ['escaped three times', (t) => JSON.stringify(JSON.stringify(JSON.stringify(t)))],
  ['line breaks written as \\n', (t) => `dump: ${t.replace(/\n/g, '\\n')}`],
  // at50 F4: the same JSON from a serialiser that escapes control characters as \u00XX.
  ['a JSON field, breaks as \\u000a', (t) => JSON.stringify({ msg: t, venue: 'XNYS' }).replace(/\\n/g, '\\u000a')],
  ['a JSON field, breaks as \\u000A', (t) => JSON.stringify({ msg: t, venue: 'XNYS' }).replace(/\\n/g, '\\u000A')],
  [
    'JSON in a JSON string, inner breaks as \\u000a',
    (t) => JSON.stringify({ line: JSON.stringify({ msg: t }).replace(/\\n/g, '\\u000a') }),
  ],
  [
    'JSON in a JSON string, backslashes as \\u005c',
    (t) => JSON.stringify({ line: JSON.stringify({ msg: t }) }).replace(/\\\\/g, '\\u005c'),
  ],
];

describe('a key dump inside a JSON string: the key goes, the JSON stays valid', () => {
  for (const [layout, dump] of LAYOUTS)
    for (const [ctx, wrap] of CONTEXTS)
      it.each(KEYS)(`${layout}, ${ctx}: %s`, (_name, d, secret) => {
        const text = wrap(dump(d));
        expect(leaked(text, secret)).toBeGreaterThan(0);
        const out = once(text);
        expect(leaked(out, secret)).toBe(0);
        // The JSON stays valid for every key, the headless Ed25519 fragment escaped twice too (rules 20, part 8).
        if (text.startsWith('{')) expect(JSON.parse(out).venue ?? 'XNYS').toBe('XNYS');
        if (text.startsWith('"')) expect(typeof JSON.parse(out)).toBe('string');
      });

  it('openssl -text escaped twice: the private scalar goes, the public point stays', () => {
    const text = JSON.stringify(JSON.stringify(`Private-Key: (256 bit)\n${opensslBlock('priv', jwkD(ec))}`));
    expect(leaked(once(text), jwkD(ec))).toBe(0);
  });

  it('a dump fragment right after the string’s opening quote (od -j 5 in {"msg": …})', () => {
    const shifted = odX1z(der(ec, 'sec1').subarray(5)).replace(/^[0-9a-f]{6}/gm, (o) =>
      (Number.parseInt(o, 16) + 5).toString(16).padStart(6, '0'),
    );
    for (const text of [JSON.stringify({ msg: shifted }), JSON.stringify({ line: JSON.stringify({ msg: shifted }) })]) {
      expect(leaked(text, jwkD(ec))).toBeGreaterThan(0);
      expect(leaked(once(text), jwkD(ec))).toBe(0);
    }
  });
});

describe('stays: public keys, other data and ordinary escaped JSON', () => {
  it('public keys and data in the same layouts and contexts', () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_v, i) => (i * 7) & 255));
    for (const b of [spki(rsa), spki(ec), spki(ed), data])
      for (const [, dump] of LAYOUTS)
        for (const [, wrap] of CONTEXTS) {
          const t = wrap(dump(b));
          expect(once(t)).toBe(t);
        }
  });
  it('ordinary JSON with escaped line breaks, quotes and unicode escapes', () => {
    for (const t of [
      JSON.stringify({ msg: 'fill 100 @ 12.5\nnext line "quoted"\tand a tab', path: 'C:\\new\\table' }),
      JSON.stringify(JSON.stringify({ order: 'A1', note: 'line one\nline two', qty: 100 })),
      '{"msg":"caf\\u00e9 \\u2014 0000000 0000 0000\\n0000010 0000 0000\\n"}',
      `{"hash":"${'ab'.repeat(32)}\\n${'cd'.repeat(32)}\\n"}`,
    ])
      expect(once(t)).toBe(t);
  });
});

describe('idempotent and linear', () => {
  it('idempotent over escaped dump pieces', () => {
    const esc = (t: string): string => JSON.stringify(t).slice(1, -1);
    const lines = xxdPairs(der(ec, 'sec1')).split('\n');
    const od = odX1z(der(rsa, 'pkcs1')).split('\n').slice(0, 8);
    const asn = asn1parse(der(ec, 'sec1'), { dump: true }).split('\n');
    expectIdempotent(
      r,
      [
        ...lines.map((l) => esc(`${l}\n`)),
        ...od.map((l) => esc(`${l}\n`)),
        ...asn.map((l) => esc(`${l}\n`)),
        ...lines.map((l) => esc(esc(`${l}\n`))),
        '\\n',
        '\\\\n',
        '"',
        '\\"',
        '\\u0030',
      ],
      4907,
    );
  });
  it('linear on long hostile escaped text', () => {
    const texts = [
      '00000000: 3077 0201 0104 2008  0w.... .\\n'.repeat(10_000),
      '\\\\\\\\\\\\n'.repeat(60_000),
      '\\n'.repeat(200_000),
      '\\u0030\\u0030\\n'.repeat(30_000),
      '000000 30 77 02 01 01 04 20\\\\n'.repeat(12_000),
      '    0:d=0  hl=2 l= 119 cons: SEQUENCE\\\\n'.repeat(10_000),
      `"${'30'.repeat(40)}\\n`.repeat(5_000),
      '\\\\x02\\\\x01\\\\x00\\\\\\\\x02'.repeat(20_000),
    ];
    for (const t of texts) expect(cpuMs(() => r.redactString(t))).toBeLessThan(2000);
  });
});
