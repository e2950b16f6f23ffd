/**
 * How the common dump tools print bytes, for the redaction tests (rules 20, part 3): `xxd -p`,
 * `xxd -g1`, `od -A x -t x1z`, `od -t x1`, plain `hexdump`, openssl's `-text` colon-hex blocks and
 * `openssl asn1parse` (rules 20, part 5).
 * Checked against xxd 2022, GNU od 9 and util-linux hexdump 2.38/2.39 on the same bytes (the skips of
 * `od -j` and `hexdump -s` too: rules 20, part 8).
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jwkBytes } from '../helpers/jwk.js';

/** Fresh private keys: RSA 1024, EC P-256 and Ed25519. */
export const makeKeys = (): { rsa: KeyObject; ec: KeyObject; ed: KeyObject } => ({
  rsa: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
  ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  ed: generateKeyPairSync('ed25519').privateKey,
});

/** A private key's DER in one of its encodings. */
export const der = (k: KeyObject, type: 'pkcs1' | 'pkcs8' | 'sec1'): Buffer =>
  k.export({ format: 'der', type }) as Buffer;
/** The public key's SubjectPublicKeyInfo DER (a near miss: no secret in it). */
export const spki = (k: KeyObject): Buffer => createPublicKey(k).export({ format: 'der', type: 'spki' }) as Buffer;
/** The private scalar or exponent (JWK `d`): the bytes that must not survive. */
export const jwkD = (k: KeyObject): Buffer => jwkBytes(k, 'd');

/** Each key's DER encodings, named, with the bytes that must not survive. */
export const keyCases = (k: { rsa: KeyObject; ec: KeyObject; ed: KeyObject }): [string, Buffer, Buffer][] => [
  ['RSA PKCS#1', der(k.rsa, 'pkcs1'), jwkD(k.rsa)],
  ['RSA PKCS#8', der(k.rsa, 'pkcs8'), jwkD(k.rsa)],
  ['EC SEC1', der(k.ec, 'sec1'), jwkD(k.ec)],
  ['EC PKCS#8', der(k.ec, 'pkcs8'), jwkD(k.ec)],
  ['Ed25519 PKCS#8', der(k.ed, 'pkcs8'), jwkD(k.ed)],
];

const hx = (b: number): string => b.toString(16).padStart(2, '0');
const rows = (der: Buffer, n: number): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < der.length; i += n) out.push(der.subarray(i, i + n));
  return out;
};
const ascii = (row: Buffer): string =>
  [...row].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');

/** `xxd -p [-c cols]`: plain hex, 30 bytes (60 digits) a line unless told. */
/** Each line of `t` (one final line break kept) behind `p(i)`: a dump as a log shipper or a quote writes it. */
export const prefixedLines = (t: string, p: (i: number) => string): string =>
  `${t
    .replace(/\n$/, '')
    .split('\n')
    .map((l, i) => `${p(i)}${l}`)
    .join('\n')}\n`;

/** Each line of `t` behind a syslog prefix (`Dec  7 10:00:0i host app[42]: `), as rsyslog writes a dump's lines. */
export const syslogLines = (t: string): string =>
  prefixedLines(t, (i) => `Dec  7 10:00:${String(i).padStart(2, '0')} host app[42]: `);

/** Each syslog line of `t` its own JSON Lines record (`{"msg":"Dec  7 … app[42]: …"}`), as a log shipper sends them. */
export const syslogRecords = (t: string): string =>
  `${syslogLines(t)
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => JSON.stringify({ msg: l }))
    .join('\n')}\n`;

export const xxdPlain = (der: Buffer, cols = 30): string =>
  `${rows(der, cols)
    .map((r) => r.toString('hex'))
    .join('\n')}\n`;

/** `xxd -g1`: `00000000: 30 81 87 …  0.....`. */
export const xxdG1 = (der: Buffer): string =>
  rows(der, 16)
    .map((r, i) => `${(i * 16).toString(16).padStart(8, '0')}: ${[...r].map(hx).join(' ').padEnd(47)}  ${ascii(r)}\n`)
    .join('');

/** `od -A x -t x1z [-j skip]`: `000000 30 81 …  >0.....<`, the end offset last. */
export const odX1z = (der: Buffer, skip = 0): string =>
  `${rows(der.subarray(skip), 16)
    .map(
      (r, i) =>
        `${(skip + i * 16).toString(16).padStart(6, '0')} ${[...r].map(hx).join(' ').padEnd(47)}  >${ascii(r)}<\n`,
    )
    .join('')}${der.length.toString(16).padStart(6, '0')}\n`;

/** `od -t x1 [-j skip]`: octal offsets of 7 digits, no ASCII column. */
export const odX1 = (der: Buffer, skip = 0): string =>
  `${rows(der.subarray(skip), 16)
    .map((r, i) => `${(skip + i * 16).toString(8).padStart(7, '0')} ${[...r].map(hx).join(' ')}\n`)
    .join('')}${der.length.toString(8).padStart(7, '0')}\n`;

/** Plain `hexdump [-s skip]`: 16-bit little-endian words, `0000000 8130 0287 …`. */
export const hexdumpWords = (der: Buffer, skip = 0): string => {
  const word = (r: Buffer, k: number): string => hx(k + 1 < r.length ? (r[k + 1] as number) : 0) + hx(r[k] as number);
  const line = (r: Buffer, i: number): string => {
    const words: string[] = [];
    for (let k = 0; k < r.length; k += 2) words.push(word(r, k));
    return `${(skip + i * 16).toString(16).padStart(7, '0')} ${words.join(' ').padEnd(39)}\n`;
  };
  return `${rows(der.subarray(skip), 16).map(line).join('')}${der.length.toString(16).padStart(7, '0')}\n`;
};

/** openssl `-text`'s component: its label line, then 15 bytes a line of colon-hex, 4 blanks in. */
export const opensslBlock = (label: string, bytes: Buffer): string => {
  const b = bytes;
  const lines = rows(b, 15).map((r, i, all) => `    ${[...r].map(hx).join(':')}${i + 1 < all.length ? ':' : ''}`);
  return `${label}:\n${lines.join('\n')}\n`;
};

/** `xxd` (bytes in pairs) of `bytes` shown from offset `start` (`xxd -s`), `cols` bytes a line (`-c`). */
export const xxdPairs = (bytes: Buffer, start = 0, cols = 16): string => {
  const width = cols * 2 + Math.ceil(cols / 2) - 1;
  return rows(bytes.subarray(start), cols)
    .map((r, i) => {
      const pairs: string[] = [];
      for (let k = 0; k < r.length; k += 2) pairs.push(r.subarray(k, k + 2).toString('hex'));
      return `${(start + i * cols).toString(16).padStart(8, '0')}: ${pairs.join(' ').padEnd(width)}  ${ascii(r)}\n`;
    })
    .join('');
};

const NAMES: Record<number, string> = {
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT',
  48: 'SEQUENCE',
  49: 'SET',
};

/** `openssl asn1parse` of `d` (`-dump` puts OCTET/BIT STRINGs' bytes on lines after their label; `-i` indents by depth). */
export function asn1parse(d: Buffer, opts: { dump?: boolean; indent?: boolean } = {}): string {
  let out = '';
  const walk = (from: number, to: number, depth: number): void => {
    for (let o = from; o < to; ) {
      const tag = d[o] as number;
      let len = d[o + 1] as number;
      let hl = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let k = 0; k < n; k++) len = (len << 8) | (d[o + 2 + k] as number);
        hl += n;
      }
      const cons = (tag & 0x20) !== 0;
      const name = NAMES[tag] ?? `cont [ ${tag & 0x1f} ]`;
      const pad = opts.indent ? ' '.repeat(depth + 1) : ' ';
      let line = `${String(o).padStart(5)}:d=${depth}  hl=${hl} l=${String(len).padStart(4)} ${cons ? 'cons' : 'prim'}:${pad}${name.padEnd(18)}`;
      const body = d.subarray(o + hl, o + hl + len);
      if (tag === 0x02) line += `:${body.toString('hex').toUpperCase()}`;
      if (tag === 0x06) line += ':1.2.3';
      if ((tag === 0x04 || tag === 0x03) && !opts.dump) line += `[HEX DUMP]:${body.toString('hex').toUpperCase()}`;
      out += `${line}\n`;
      if ((tag === 0x04 || tag === 0x03) && opts.dump)
        for (let k = 0; k < body.length; k += 16) {
          const row = [...body.subarray(k, k + 16)].map(hx);
          const hex = `${row.slice(0, 8).join(' ')}${row.length > 8 ? `-${row.slice(8).join(' ')}` : ''}`;
          out += `      ${k.toString(16).padStart(4, '0')} - ${hex.padEnd(48)}  ${'.'.repeat(row.length)}\n`;
        }
      if (cons) walk(o + hl, o + hl + len, depth + 1);
      o += hl + len;
    }
  };
  walk(0, d.length, 0);
  return out;
}

/** How many 6-byte windows of `secret` are still in `out` (hex digits only, also with 2/4-byte words swapped). */
export function leaked(out: string, secret: Buffer): number {
  const lo = out.toLowerCase();
  const plain = lo.replace(/[^0-9a-f]/g, '');
  const swapped = lo
    .replace(/\b([0-9a-f]{4}|[0-9a-f]{8})\b/g, (t) => (t.match(/../g) as string[]).reverse().join(''))
    .replace(/[^0-9a-f]/g, '');
  const sec = secret.toString('hex');
  let n = 0;
  for (let i = 0; i + 12 <= sec.length; i += 2) {
    const w = sec.slice(i, i + 12);
    if (plain.includes(w) || swapped.includes(w)) n++;
  }
  return n;
}
