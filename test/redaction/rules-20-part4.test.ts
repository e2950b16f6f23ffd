/**
 * Rules 20, part 4 (fx44d, after at39's ten cases left by part 3): a Python repr of a DER private key
 * inside a JSON string (`{"msg": "der=b'0\\x82…'"}`, every backslash escaped), `xxd -e` (4-byte
 * little-endian groups), and dump fragments whose key's DER header is cut off (`xxd -s 5`). Near
 * misses stay: a public key or certificate in the same layouts, ordinary dumps, JSON with escapes.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { expectIdempotent } from '../helpers/redact-idempotent.js';
import { xxdPairs } from './dump-formats.js';
import { jwkBytes } from '../helpers/jwk.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};

/** Python's repr() of bytes (printable ASCII as itself, `\t\n\r`, `\\`, the quote escaped, else `\xhh`). */
function pyRepr(b: Buffer): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let s = '';
  for (const x of b) {
    const c = String.fromCharCode(x);
    if (x === 9) s += '\\t';
    else if (x === 10) s += '\\n';
    else if (x === 13) s += '\\r';
    else if (c === '\\' || c === quote) s += `\\${c}`;
    else if (x >= 32 && x < 127) s += c;
    else s += `\\x${x.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${s}${quote}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ed = generateKeyPairSync('ed25519').privateKey;
const der = (k: typeof rsa, type: 'pkcs1' | 'pkcs8' | 'sec1'): Buffer => k.export({ format: 'der', type }) as Buffer;
const DER_KEYS: [string, Buffer][] = [
  ['RSA PKCS#1', der(rsa, 'pkcs1')],
  ['RSA PKCS#8', der(rsa, 'pkcs8')],
  ['EC SEC1', der(ec, 'sec1')],
  ['EC PKCS#8', der(ec, 'pkcs8')],
  ['Ed25519 PKCS#8', der(ed, 'pkcs8')],
];
/** The private scalar's bytes for an EC or Ed25519 key, a span of RSA's private exponent otherwise. */
const secretBytes = (d: Buffer): Buffer =>
  d.length < 200 ? d.subarray(d.length - 40, d.length - 8) : d.subarray(300, 340);
const jwk = jwkBytes;
/** `xxd -g1 -s start`: single bytes, 16 a line, offsets from `start`. */
const xxdG1From = (b: Buffer, start: number): string => {
  let out = '';
  for (let i = start; i < b.length; i += 16) {
    const row = b.subarray(i, i + 16);
    const hex = [...row].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    out += `${i.toString(16).padStart(8, '0')}: ${hex.padEnd(47)}  ${[...row].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('')}\n`;
  }
  return out;
};
/** The hex digits of a dump's lines, in order (offsets and ASCII columns dropped). */
const dumpHex = (t: string): string =>
  t
    .split('\n')
    .map((l) => (l.slice(10).split('  ')[0] as string).replace(/ /g, ''))
    .join('');
const spki = (k: typeof rsa): Buffer => createPublicKey(k).export({ format: 'der', type: 'spki' }) as Buffer;

describe('a Python repr inside a JSON string: {"msg": "der=b\'0\\\\x82…\'"}', () => {
  it.each(DER_KEYS)('%s', (_name, d) => {
    const lit = pyRepr(d);
    const text = JSON.stringify({ msg: `der=${lit}`, venue: 'XNYS' });
    const out = once(text);
    const q = lit[1] as string;
    expect(JSON.parse(out)).toEqual({ msg: `der=b${q}[REDACTED]${q}`, venue: 'XNYS' });
    expect(out).not.toContain(JSON.stringify(pyRepr(secretBytes(d)).slice(2, 30)).slice(1, -1));
  });
  it('a JSON line inside a JSON string (escaped twice) is read too (rules 20, part 7)', () => {
    const d = der(ec, 'sec1');
    const lit = pyRepr(d);
    const q = lit[1] as string;
    const inner = JSON.stringify({ msg: `der=${lit}` });
    const out = once(JSON.stringify({ line: inner }));
    expect(JSON.parse(JSON.parse(out).line)).toEqual({ msg: `der=b${q}[REDACTED]${q}` });
  });
  it('stays: a public key and a short forged header, escaped the same way; ordinary escaped JSON', () => {
    for (const t of [
      JSON.stringify({ msg: `pub=${pyRepr(spki(rsa))}` }),
      JSON.stringify({ msg: `hdr=${pyRepr(Buffer.from('30820122020100', 'hex'))} qty 100` }),
      JSON.stringify({ path: 'C:\\x02\\x01\\x0trade\\orders', note: 'a "quoted" fill\n' }),
    ])
      expect(once(t)).toBe(t);
  });
  it('idempotent over its pieces', () => {
    const d = der(ec, 'sec1');
    const esc = JSON.stringify(pyRepr(d)).slice(1, -1);
    expectIdempotent(r, [esc, esc.slice(0, 60), esc.slice(20), '\\\\x02\\\\x01\\\\x0', '"', '\\n', " b'", '0'], 4401);
  });
});

const hx = (b: number): string => b.toString(16).padStart(2, '0');
const ascii = (row: Buffer): string =>
  [...row].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
/** `xxd -e` (or `-g4` with `swap` false): 4-byte groups, each a little-endian word; a short last group right-aligned. */
const xxdWords = (bytes: Buffer, swap = true): string => {
  let out = '';
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const groups: string[] = [];
    for (let k = 0; k < row.length; k += 4) {
      const g = [...row.subarray(k, k + 4)].map(hx);
      groups.push(swap ? g.reverse().join('').padStart(8) : g.join(''));
    }
    out += `${i.toString(16).padStart(8, '0')}: ${groups.join(' ').padEnd(35)}  ${ascii(row)}\n`;
  }
  return out;
};
/** The secret's 4-byte words from its 5th to its 16th byte, as `xxd -e` prints them at each alignment: none may be left. */
const wordTraces = (b: Buffer): string[] =>
  [4, 5, 6, 7, 8, 9, 10, 11].map((o) => [...b.subarray(o, o + 4)].reverse().map(hx).join(''));

describe('xxd -e: 4-byte little-endian groups (00000000: bc048230 30000102 …)', () => {
  it.each(DER_KEYS)('%s', (_name, d) => {
    const text = xxdWords(d);
    expect(wordTraces(secretBytes(d)).some((t) => text.includes(t))).toBe(true);
    const out = once(`$ xxd -e key.der\n${text}`);
    expect(out.startsWith('$ xxd -e key.der\n00000000: [REDACTED]')).toBe(true);
    for (const t of wordTraces(secretBytes(d))) expect(out).not.toContain(t);
  });
  it('a key starting inside a group (after 6 other bytes) and the -g4 order still go', () => {
    const d = der(ec, 'sec1');
    const framed = Buffer.concat([Buffer.from('KSv1\x00\x01'), d]);
    expect(once(xxdWords(framed))).not.toContain(wordTraces(secretBytes(d))[2]);
    expect(once(xxdWords(d, false))).toMatch(/^00000000: \[REDACTED\]/);
  });
  it('stays: a public key and ordinary data in the same layout', () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_v, i) => (i * 7) & 255));
    for (const t of [xxdWords(spki(rsa)), xxdWords(spki(ec)), xxdWords(data), xxdWords(spki(ec), false)])
      expect(once(t)).toBe(t);
  });
  it('idempotent over its pieces', () => {
    const lines = xxdWords(der(ec, 'sec1')).split('\n');
    const pieces = [...lines.map((l) => `${l}\n`), lines.slice(0, 3).join('\n'), '00000000: ', '30770201', '  ', '\n'];
    expectIdempotent(r, pieces, 4402);
  });
});

describe('a dump fragment whose key header is cut off (xxd -s 5): the structure around the secret', () => {
  const FRAGMENTS: [string, Buffer, Buffer][] = [
    ['EC SEC1 (04 20 … a0 0a 06 08)', der(ec, 'sec1'), jwk(ec, 'd')],
    ['EC SEC1 of P-384', der(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'sec1'), Buffer.alloc(0)],
    ['RSA PKCS#1 (02 03 01 00 01 02 82 …)', der(rsa, 'pkcs1'), jwk(rsa, 'd')],
    ['Ed25519 PKCS#8 (06 03 2b 65 70 04 22 04 20)', der(ed, 'pkcs8'), jwk(ed, 'd')],
  ];
  it.each(FRAGMENTS)('%s', (_name, d, secret) => {
    const s = secret.length > 0 ? secret : d.subarray(7, 7 + 48);
    for (const text of [xxdPairs(d, 5), xxdPairs(d, 3), xxdG1From(d, 5)]) {
      const mid = s.subarray(4, 12).toString('hex');
      expect(dumpHex(text)).toContain(mid);
      expect(dumpHex(once(text))).not.toContain(mid);
    }
  });
  it('stays: public keys and ordinary data shown from an offset', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_v, i) => (i * 13 + 2) & 255));
    for (const b of [spki(rsa), spki(ec), spki(ed), data])
      for (const t of [xxdPairs(b, 5), xxdG1From(b, 3)]) expect(once(t)).toBe(t);
  });
  it('stays: the evidence alone with too few bytes after it, or the wrong tag after the scalar', () => {
    const ecBody = der(ec, 'sec1').subarray(5);
    const bad = Buffer.from(ecBody);
    bad[34] = 0xa2;
    for (const b of [bad, ecBody.subarray(0, 30), Buffer.from('0203010001020100', 'hex')]) {
      const t = xxdPairs(Buffer.concat([Buffer.alloc(16, 0x41), b]), 0);
      expect(once(t)).toBe(t);
    }
  });
  it('idempotent over its pieces', () => {
    const lines = xxdPairs(der(rsa, 'pkcs1'), 5).split('\n');
    expectIdempotent(r, [...lines.slice(14, 20).map((l) => `${l}\n`), '00000105: 0301 0001 ', '\n'], 4403);
  });
});

/** `od -A x -t x1z -j start`: 6-digit hex offsets from `start`, single bytes, `>ASCII<`. */
const odFrom = (b: Buffer, start: number): string => {
  let out = '';
  for (let i = start; i < b.length; i += 16) {
    const row = b.subarray(i, i + 16);
    out += `${i.toString(16).padStart(6, '0')} ${[...row].map(hx).join(' ').padEnd(47)}  >${ascii(row)}<\n`;
  }
  return `${out}${b.length.toString(16).padStart(6, '0')}\n`;
};
/** `hexdump -C -s start`: 8-digit offsets and two blanks, a gap after the 8th byte, `|ASCII|`. */
const hexdumpCFrom = (b: Buffer, start: number): string => {
  let out = '';
  for (let i = start; i < b.length; i += 16) {
    const row = [...b.subarray(i, i + 16)].map(hx);
    const hex = `${row.slice(0, 8).join(' ')}  ${row.slice(8).join(' ')}`.padEnd(48);
    out += `${i.toString(16).padStart(8, '0')}  ${hex}  |${ascii(b.subarray(i, i + 16))}|\n`;
  }
  return `${out}${b.length.toString(16).padStart(8, '0')}\n`;
};
/** Hex digits of an od or hexdump -C dump's byte columns, in order. */
const plainHex = (t: string): string =>
  t
    .split('\n')
    .map((l) => ((l.replace(/^[0-9a-f]+ +/, '').split(/ {2}[|>]/)[0] as string) || '').replace(/ /g, ''))
    .join('');

describe('od and hexdump -C fragments not starting at offset 0 (od -j 5, hexdump -C -s 5)', () => {
  const KEYS: [string, Buffer, Buffer][] = [
    ['EC SEC1', der(ec, 'sec1'), jwk(ec, 'd')],
    ['RSA PKCS#1', der(rsa, 'pkcs1'), jwk(rsa, 'd')],
    ['Ed25519 PKCS#8', der(ed, 'pkcs8'), jwk(ed, 'd')],
    ['RSA PKCS#8 (the inner key whole)', der(rsa, 'pkcs8'), jwk(rsa, 'd')],
  ];
  it.each(KEYS)('%s', (_name, d, secret) => {
    const mid = secret.subarray(4, 12).toString('hex');
    for (const text of [odFrom(d, 5), hexdumpCFrom(d, 5), hexdumpCFrom(d, 0), `ran: od\n${odFrom(d, 3)}`]) {
      expect(plainHex(text)).toContain(mid);
      expect(plainHex(once(text))).not.toContain(mid);
    }
  });
  it('stays: public keys, ordinary data and prose lines that start with a number', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_v, i) => (i * 13 + 2) & 255));
    for (const b of [spki(rsa), spki(ec), data])
      for (const t of [odFrom(b, 5), hexdumpCFrom(b, 3)]) expect(once(t)).toBe(t);
    const prose = 'fills:\n100200 02 01 00 shares at 30 77\n123456 deadbeef 02 01\n';
    expect(once(prose)).toBe(prose);
  });
  it('config text: an od fragment in a YAML block scalar, and the xxd -e of a key in an INI value', () => {
    const d = der(ec, 'sec1');
    const mid = jwk(ec, 'd').subarray(4, 12).toString('hex');
    const yaml = `venue: XNYS\ndump: |\n${odFrom(d, 5)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\nqty: 100\n`;
    const out = redactConfigText(yaml, 'yaml', r).text;
    expect(plainHex(out.replace(/^ {2}/gm, ''))).not.toContain(mid);
    expect(out).toContain('venue: XNYS\n');
    expect(out).toContain('qty: 100\n');
    const ini = `[dump]\nkey =\n${xxdWords(d)}`;
    const w = wordTraces(jwk(ec, 'd'));
    expect(w.some((t) => ini.includes(t))).toBe(true);
    for (const t of w) expect(redactConfigText(ini, 'ini', r).text).not.toContain(t);
  });
  it('idempotent over its pieces', () => {
    const lines = hexdumpCFrom(der(ec, 'sec1'), 5).split('\n');
    expectIdempotent(r, [...lines.map((l) => `${l}\n`), '00000005  ', '  ', '\n', '|'], 4404);
  });
});
