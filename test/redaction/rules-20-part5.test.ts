/**
 * Rules 20, part 5 (fx45d, the dump layouts fx44d left): `openssl asn1parse` of a private key
 * (`-dump`, `-i`, plain: the labels are the evidence) and dump fragments that start inside an EC
 * scalar (`xxd -s 40`: SEC1's `[0]`/`[1]` after it is the cue, walking back). Near misses stay: a
 * public key's asn1parse, structures with a version INTEGER that are no key, dumps of other data.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { cpuMs } from '../helpers/cpu-time.js';
import { expectIdempotent } from '../helpers/redact-idempotent.js';
import { asn1parse, odX1z, xxdPairs } from './dump-formats.js';
import { jwkBytes, jwkOf } from '../helpers/jwk.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
const ed = generateKeyPairSync('ed25519').privateKey;
const der = (k: typeof rsa, type: 'pkcs1' | 'pkcs8' | 'sec1'): Buffer => k.export({ format: 'der', type }) as Buffer;
const spki = (k: typeof rsa): Buffer => createPublicKey(k).export({ format: 'der', type: 'spki' }) as Buffer;

/** The key's secret: the EC scalar or Ed25519 seed, RSA's private exponent's first 32 bytes. */
function secretHex(k: typeof rsa): string[] {
  const j = jwkOf(k) as Record<string, string>;
  const h = Buffer.from(j.d as string, 'base64url').toString('hex');
  return [h.slice(0, 48), h.slice(-48)];
}

const KEYS: [string, typeof rsa, Buffer][] = [
  ['RSA PKCS#1', rsa, der(rsa, 'pkcs1')],
  ['RSA PKCS#8', rsa, der(rsa, 'pkcs8')],
  ['EC SEC1', ec, der(ec, 'sec1')],
  ['EC PKCS#8', ec, der(ec, 'pkcs8')],
  ['P-384 SEC1', p384, der(p384, 'sec1')],
  ['Ed25519 PKCS#8', ed, der(ed, 'pkcs8')],
];

/** Whether `out` still holds a run of the secret's hex, in any case, with or without blanks. */
const holds = (out: string, hex: string): boolean => out.replace(/[ :-]/g, '').toLowerCase().includes(hex);
/** The hex as a `-dump` line spaces it: bytes split by blanks. */
const spaced = (hex: string): string => hex.match(/../g)?.join(' ') ?? '';

describe('openssl asn1parse of a private key: the labels are the evidence', () => {
  for (const [name, k, d] of KEYS)
    for (const opts of [{ dump: true }, { dump: true, indent: true }, {}])
      it(`${name} ${JSON.stringify(opts)}`, () => {
        const text = asn1parse(d, opts);
        const [head, tail] = secretHex(k) as [string, string];
        expect(holds(text, head.slice(0, 16)) || text.includes(spaced(head.slice(0, 16)))).toBe(true);
        const out = once(text);
        expect(out).toContain('[REDACTED]');
        for (const h of [head.slice(0, 16), head.slice(16, 32), tail.slice(-16)]) {
          expect(out.toLowerCase()).not.toContain(h);
          expect(out).not.toContain(spaced(h));
        }
        // The labels and the dumps' offsets stay.
        expect(out).toContain('d=0  hl=');
        if (opts.dump && name !== 'RSA PKCS#1') expect(out).toMatch(/ {6}0000 - /);
      });
  it('in a log line prefix and with CRLF line ends', () => {
    const text = asn1parse(der(ec, 'sec1'), { dump: true })
      .split('\n')
      .map((l) => (l === '' ? l : `Dec 05 17:00:00 host app[42]: ${l}`))
      .join('\r\n');
    const out = once(text);
    expect(holds(out, (secretHex(ec)[0] as string).slice(0, 16))).toBe(false);
  });
  it("stays: a public key's asn1parse, a digest's SEQUENCE, a PFX's version 3", () => {
    for (const t of [
      asn1parse(spki(rsa), { dump: true }),
      asn1parse(spki(ec), {}),
      asn1parse(spki(ec), { dump: true, indent: true }),
      // SEQUENCE { INTEGER 1, OCTET STRING of 20 bytes } is no EC scalar (no curve has 20).
      asn1parse(Buffer.from(`301702010104${'14'}${'ab'.repeat(20)}`, 'hex'), { dump: true }),
      // PKCS#12's PFX starts with INTEGER 3.
      asn1parse(Buffer.from(`3029020103302406092a864886f70d010701a017041530130201000408${'cd'.repeat(8)}`, 'hex'), {
        dump: true,
      }),
    ])
      expect(once(t)).toBe(t);
  });
  it('linear on a long line holding the cue (bounded repeats in the label pattern)', () => {
    const texts = [
      `${'1'.repeat(200_000)} hl=`,
      `0:d=0  hl=2 l= 9 prim: a${' '.repeat(200_000)}!`,
      `hl= ${'7:d=0 '.repeat(40_000)}`,
    ];
    for (const t of texts) expect(cpuMs(() => r.redactString(t))).toBeLessThan(2000);
  });
  it('idempotent over its pieces', () => {
    const lines = asn1parse(der(ec, 'sec1'), { dump: true }).split('\n');
    expectIdempotent(r, [...lines.map((l) => `${l}\n`), '    0:d=0  hl=2 l= 119 cons: SEQUENCE\n', '\n', ' - '], 4501);
  });
});

describe('a dump fragment starting inside an EC scalar: SEC1 [0]/[1] after it, walking back', () => {
  const cases: [string, typeof rsa, Buffer][] = [
    ['EC SEC1', ec, der(ec, 'sec1')],
    ['EC PKCS#8', ec, der(ec, 'pkcs8')],
    ['P-384 SEC1', p384, der(p384, 'sec1')],
    ['P-384 PKCS#8', p384, der(p384, 'pkcs8')],
  ];
  for (const [name, k, d] of cases) {
    const scalar = jwkBytes(k, 'd');
    const at = d.indexOf(scalar);
    // From 10 bytes into the scalar: its header and first bytes are cut off.
    const from = at + 10;
    const tail = scalar.subarray(10).toString('hex');
    it(`${name}: xxd -s ${from}`, () => {
      const text = xxdPairs(d, from);
      const out = once(text);
      expect(holds(out, tail.slice(0, 16))).toBe(false);
      expect(holds(out, tail.slice(-16))).toBe(false);
    });
    it(`${name}: od -j ${from}`, () => {
      const text = odX1z(d.subarray(from));
      const out = once(text);
      expect(holds(out, tail.slice(0, 16))).toBe(false);
    });
  }
  it('stays: a public key from an offset, a fragment whose [1] comes after more bytes than a scalar has', () => {
    const pub = spki(ec);
    const far = Buffer.concat([Buffer.alloc(80, 0x41), der(ec, 'sec1').subarray(der(ec, 'sec1').length - 70)]);
    for (const t of [xxdPairs(pub, 5), xxdPairs(pub, 40), odX1z(pub.subarray(20)), xxdPairs(far, 0)])
      expect(once(t)).toBe(t);
  });
  it('idempotent over its pieces', () => {
    const lines = xxdPairs(der(ec, 'sec1'), 17).split('\n');
    expectIdempotent(r, [...lines.map((l) => `${l}\n`), '\n'], 4502);
  });
});
