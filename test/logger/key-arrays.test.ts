/**
 * Rules 20 (at39 F6): a DER private key passed to the logger as a plain number array
 * (`Array.from(der)`, or signed bytes from an Int8Array) is written as the censor, its path in the
 * event's `redacted` list, as the same list is when it is a string. Ordinary number arrays, and a
 * public key as a list, are written as they are.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/index.js';

async function lines(details: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const sink = new MemorySink();
  const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
  audit.alert({ severity: 'warning', message: 'key loaded', details });
  await audit.close();
  return sink
    .allLines()
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => JSON.stringify(e).includes('key loaded'));
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEYS: [string, Buffer][] = [
  ['EC SEC1', ec.privateKey.export({ format: 'der', type: 'sec1' }) as Buffer],
  ['EC PKCS#8', ec.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer],
  ['Ed25519 PKCS#8', generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer],
  [
    'RSA PKCS#1',
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs1' }) as Buffer,
  ],
];

describe('a DER private key as a number array in an event field', () => {
  it.each(KEYS)('%s: unsigned and signed bytes go, their paths recorded', async (_name, der) => {
    const [event] = await lines({ arr: Array.from(der), signed: Array.from(new Int8Array(der)), n: 1 });
    const text = JSON.stringify(event);
    const scalar = [...der.subarray(der.length - 40, der.length - 30)].join(',');
    expect(text).not.toContain(scalar);
    expect(text).not.toContain(Array.from(new Int8Array(der.subarray(der.length - 40, der.length - 30))).join(','));
    expect(text).toContain('"arr":"[REDACTED]"');
    expect(text).toContain('"signed":"[REDACTED]"');
    expect(text).toContain('"n":1');
    expect(JSON.stringify(event?.redacted)).toContain('arr');
    expect(JSON.stringify(event?.redacted)).toContain('signed');
  });

  it('stays: number arrays starting 48, a public key, a short array, mixed items', async () => {
    const spki = Array.from(ec.publicKey.export({ format: 'der', type: 'spki' }) as Buffer);
    const prices = [48, 130, 2, 1, 0, ...Array.from({ length: 60 }, (_, i) => 100 + i)];
    const qtys = [48, 119, 2, 1, 1, 4, 32, ...Array.from({ length: 40 }, (_, i) => 1000 + i)];
    const mixed: unknown[] = [48, 119, 2, 1, 1, 4, 32, 'x', ...Array.from({ length: 40 }, () => 7)];
    const details = { spki, prices, qtys, mixed, short: [48, 119, 2, 1, 1], floats: [48, 119.5, 2, 1, 1] };
    const [event] = await lines(details);
    expect(event?.details).toEqual(details);
    expect(event?.redacted).toBeUndefined();
  });
});
