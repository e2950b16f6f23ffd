/**
 * Rules 20, part 2 (at39 F1, F7): a DER private key as decimal bytes in the layouts other than
 * `[48, 119, 2, …]`: Node's padded console.log of a Uint8Array, pretty JSON (one number a line),
 * Go's `[48 119 2 …]`, a wrapped Java list, `; ` separators, and in config text a pretty JSON
 * array and a YAML block sequence. Near misses stay: price and quantity lists, a certificate or
 * public key as a list.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};

const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const DER_KEYS: [string, Buffer][] = [
  ['RSA PKCS#1', rsa.privateKey.export({ format: 'der', type: 'pkcs1' }) as Buffer],
  ['EC SEC1', ec.privateKey.export({ format: 'der', type: 'sec1' }) as Buffer],
  ['EC PKCS#8', ec.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer],
  ['Ed25519 PKCS#8', generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer],
];
/** The private scalar's bytes for an EC key, a span past the header otherwise. */
const secretBytes = (der: Buffer): number[] => [
  ...(der.length < 200 ? der.subarray(der.length - 40, der.length - 8) : der.subarray(300, 340)),
];
/** True when 8 consecutive secret bytes survive as decimal numbers with any separators. */
function leaks(out: string, der: Buffer): boolean {
  const nums = (out.match(/-?\d+/g) ?? []).map((x) => (Number(x) + 256) % 256).join(',');
  const s = secretBytes(der);
  for (let i = 0; i + 8 <= s.length; i++) if (nums.includes(s.slice(i, i + 8).join(','))) return true;
  return false;
}

/** Node's console.log of a Uint8Array: 12 a row, each padded to the widest number. */
function nodeInspect(b: Buffer): string {
  const w = Math.max(...[...b].map((x) => String(x).length));
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 12)
    rows.push(`  ${[...b.subarray(i, i + 12)].map((x) => String(x).padStart(w)).join(', ')}`);
  return `Uint8Array(${b.length}) [\n${rows.join(',\n')}\n]`;
}
const signed = (b: Buffer): number[] => [...b].map((x) => (x > 127 ? x - 256 : x));

const LAYOUTS: [string, (b: Buffer) => string][] = [
  ['Node console.log', nodeInspect],
  ['pretty JSON', (b) => JSON.stringify({ blob: [...b] }, null, 2)],
  ['Go fmt.Println', (b) => `key: [${[...b].join(' ')}]`],
  ['Java Arrays.toString wrapped', (b) => `[${signed(b).join(', ')}]`.replace(/((?:-?\d+, ){20})/g, '$1\n ')],
  ['semicolons', (b) => `bytes=${[...b].join('; ')}`],
  ['tabs', (b) => [...b].join('\t')],
];
const javaCast = (b: Buffer, upper = false): string =>
  `new byte[]{${[...b].map((x) => `(byte)0x${x.toString(16).padStart(2, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`).join(', ')}}`;
const goSharpV = (b: Buffer): string => `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
const ecSec1 = ec.privateKey.export({ format: 'der', type: 'sec1' }) as Buffer;
/** True when 8 consecutive secret bytes survive as hex literals. */
function hexLeaks(out: string, der: Buffer): boolean {
  const nums = (out.match(/0[xX][0-9a-fA-F]{1,2}\b/g) ?? []).map((x) => Number.parseInt(x.slice(2), 16)).join(',');
  const s = secretBytes(der);
  for (let i = 0; i + 8 <= s.length; i++) if (nums.includes(s.slice(i, i + 8).join(','))) return true;
  return false;
}

describe('hex literal lists of a DER private key: Java casts, Go %#v', () => {
  const FORMS: [string, (b: Buffer) => string][] = [
    ['Java (byte)0x30', (b) => javaCast(b)],
    ['Java (byte)0X30 upper', (b) => javaCast(b, true)],
    ['Go %#v', goSharpV],
    ['Go %#v wrapped', (b) => goSharpV(b).replace(/((?:0x\w+, ){16})/g, '$1\n\t')],
  ];
  for (const [form, show] of FORMS)
    it.each(DER_KEYS)(`${form}: %s goes`, (_name, der) => {
      const text = show(der);
      expect(hexLeaks(text, der)).toBe(true);
      const out = once(text);
      expect(hexLeaks(out, der)).toBe(false);
      expect(out).toContain('[REDACTED]');
    });
  it('config text: a Go source file keeps its lines', () => {
    const text = `package keys\n\nvar k = ${goSharpV(ecSec1).replace(/((?:0x\w+, ){16})/g, '$1\n\t')}\nvar venue = "XNYS"\n`;
    const out = redactConfigText(text, 'generic', r).text;
    expect(hexLeaks(out, ecSec1)).toBe(false);
    expect(out.split('\n').length).toBe(text.split('\n').length);
    expect(out).toContain('XNYS');
  });
});

describe('decimal byte lists of a DER private key in any layout', () => {
  for (const [layout, show] of LAYOUTS)
    it.each(DER_KEYS)(`${layout}: %s goes`, (_name, der) => {
      const text = show(der);
      expect(leaks(text, der)).toBe(true);
      const out = once(text);
      expect(leaks(out, der)).toBe(false);
      expect(out).toContain('[REDACTED]');
    });

  it('config text: pretty JSON and a YAML block sequence keep their lines', () => {
    const der = (DER_KEYS[1] as [string, Buffer])[1];
    const json = JSON.stringify({ blob: [...der], venue: 'XNYS' }, null, 2);
    const yaml = `venue: XNYS\nblob:\n${[...der].map((x) => `  - ${x}\n`).join('')}max_qty: 100\n`;
    for (const [text, kind] of [
      [json, 'json'],
      [yaml, 'yaml'],
    ] as const) {
      const out = redactConfigText(text, kind, r).text;
      expect(leaks(out, der)).toBe(false);
      expect(out.split('\n').length).toBe(text.split('\n').length);
      expect(out).toContain('XNYS');
    }
  });

  it('stays: prices and quantities, a certificate-like SEQUENCE, a public key, prose', () => {
    const spki = ec.publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
    const rsaSpki = rsa.publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
    for (const t of [
      `fills: [${[48, 130, 2, 1, 0, ...Array.from({ length: 60 }, (_, i) => 100 + i)].join(', ')}]`,
      `qtys ${[48, 119, 2, 1, 1, 4, 32, ...Array.from({ length: 40 }, (_, i) => 100 + i)].join(' ')}`,
      `  - 48\n  - 2\n  - 1\n  - 0\n${'  - 7\n'.repeat(60)}`,
      nodeInspect(spki),
      JSON.stringify([...rsaSpki], null, 2),
      [...spki].join(' '),
      'orders 48 then 2 1 0 cancelled, 2 1 1 filled',
      `48,\n  2,\n  1,\n  0,\n${'  1.5,\n'.repeat(40)}`,
    ])
      expect(once(t)).toBe(t);
  });

  it('stays: hex literal lists of a public key, of prices, short or broken ones', () => {
    const spki = ec.publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
    for (const t of [
      javaCast(spki),
      goSharpV(spki),
      `[]byte{0x30, 0x2, 0x1, 0x0, ${'0x7, '.repeat(60)}0x7}`,
      'flags 0x2, 0x1, 0x0 set',
      goSharpV(ecSec1)
        .replace(/0x\w+, 0x\w+}$/, 'zz}')
        .slice(0, 60),
    ])
      expect(once(t)).toBe(t);
  });

  it('redacting twice is redacting once', () => {
    const der = (DER_KEYS[1] as [string, Buffer])[1];
    const piece = fc.constantFrom(
      nodeInspect(der),
      [...der].join(' '),
      JSON.stringify([...der], null, 2),
      '48 ',
      '119 ',
      '2 1 0 ',
      '  - 48\n',
      '  - 2\n  - 1\n  - 1\n',
      ';',
      ',\n    ',
      goSharpV(ecSec1),
      javaCast(ecSec1),
      '0x2, 0x1, ',
      '(byte)0x30, ',
      'qty=100',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (parts) => {
        const out = r.redactString(parts.join(''));
        expect(r.redactString(out)).toBe(out);
      }),
      { numRuns: 400, seed: 20261205 },
    );
  });
});

/** Python's repr() of bytes, without the `b` (Python 2's str, or Go's %q with `"`). */
function bareRepr(b: Buffer, quote: string): string {
  let out = '';
  for (const x of b) {
    const c = String.fromCharCode(x);
    if (x === 9) out += '\\t';
    else if (x === 10) out += '\\n';
    else if (x === 13) out += '\\r';
    else if (c === '\\' || c === quote) out += `\\${c}`;
    else if (x >= 32 && x < 127) out += c;
    else out += `\\x${x.toString(16).padStart(2, '0')}`;
  }
  return `${quote}${out}${quote}`;
}
/** True when 8 consecutive secret bytes survive as `\\xhh` escapes or themselves. */
const reprLeaks = (out: string, der: Buffer): boolean => {
  const s = Buffer.from(secretBytes(der));
  for (let i = 0; i + 8 <= s.length; i++)
    if (out.includes(bareRepr(s.subarray(i, i + 8), "'").slice(1, -1))) return true;
  return false;
};

describe("escaped bytes with no b' right before the key (at39 F3)", () => {
  it.each(DER_KEYS)('%s: Python 2, Go %q, a key after a header in a bytes literal', (_name, der) => {
    for (const text of [
      `key=${bareRepr(der, "'")}`,
      `loaded ${bareRepr(der, '"')} ok`,
      `frame=b${bareRepr(Buffer.concat([Buffer.from('KEYSTORE-v1\x00\x00\x00\x01:'), der]), "'")}`,
    ]) {
      expect(reprLeaks(text, der)).toBe(true);
      const out = once(text);
      expect(reprLeaks(out, der)).toBe(false);
      expect(out).toContain('[REDACTED]');
    }
  });
  it('stays: a public key, a short header, other escaped bytes', () => {
    const spki = ec.publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
    for (const t of [bareRepr(spki, "'"), "'0w\\x02\\x01\\x01\\x04 ab'", `'0\\x02\\x01\\x00${'\\x07'.repeat(60)}'`])
      expect(once(t)).toBe(t);
  });
});
