/**
 * A base64 run's `=` padding is no pair's operator (src/redaction/base64-tail.ts): a random public
 * key or digest whose tail reads as a key word (`…NMxnJWTBiIphg=`, `…1Pw=`) lost the word after it
 * about 13 times in 10,000 (protocol-secrets' random keys failed CI about once in 500 runs).
 * And the other side: no key a person names is taken for base64, so its value still goes.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { padsBase64Run } from '../../src/redaction/base64-tail.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();

/** A random base64 of `bytes` bytes (one `=` when bytes % 3 is 2) whose last characters are `tail`. */
function withTail(bytes: number, tail: string): string {
  const b = randomBytes(bytes).toString('base64');
  const pad = b.endsWith('==') ? 2 : b.endsWith('=') ? 1 : 0;
  return b.slice(0, b.length - pad - tail.length) + tail + b.slice(b.length - pad);
}

describe('a base64 run ending in a key word', () => {
  it('keeps the word after an Ed25519 public key whose base64 ends in JWT or Pw (CI runs of protocol-secrets)', () => {
    for (const v of [
      'MCowBQYDK2VwAyEAq7Xh3RkTz9LmWcVb0aYs2NfPd8GuJeNMxnJWTBiIphg=',
      'MCowBQYDK2VwAyEAq7Xh3RkTz9LmWcVb0aYs2NfPd8GuJe4KoQ8vRz5M1Pw=',
      'MCowBQYDK2VwAyEAq7Xh3RkTz9LmWcVb0aYs2NfPd8GuJe4KoQ8vRz5/xPw=',
    ]) {
      expect(v).toHaveLength(60);
      expect(Buffer.from(v, 'base64')).toHaveLength(44);
      expect(r.redactString(`value ${v} end`)).toBe(`value ${v} end`);
      expect(r.redactString(`{"note":"value ${v} end"}`)).toBe(`{"note":"value ${v} end"}`);
    }
  });

  it('keeps at least 98% of 3,000 random runs (digests, public keys) forced to end in a short key word', () => {
    const tails = ['Pw', 'JWT', 'Pwd', 'Pin', 'PW', 'Jwt'];
    let changed = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = [32, 44, 140][i % 3] as number; // SHA-256, Ed25519 SPKI, RSA-1024 PKCS#1
      const v = withTail(bytes, `${randomInt(10)}${tails[i % tails.length]}`);
      if (!v.endsWith('=')) continue;
      if (r.redactString(`value ${v} end`) !== `value ${v} end`) changed++;
    }
    // About 1 in 300 of the shortest reads as a name (too few capitals or small letters, no digit).
    expect(changed).toBeLessThan(60);
  });

  it('still censors what follows a key a person named, however long, with digits or capitals', () => {
    const words = ['prod', 'Database', 'Cluster', 'Primary', 'Replica', 'Connection', 'Master', 'Admin', 'East'];
    const named = [
      'myDatabaseConnectionPasswordForProductionCluster2',
      'azureStorageAccount2PrimaryConnectionPassword',
      'AWSRDSProdDB2MasterPasswordForEUWestClusterXYZ',
      'MYSQLNODE3ROOTPASSWORDFORTHEREPLICACLUSTERINEU',
      'replica2AdminPasswordForTheReportingDatabaseHost',
    ];
    for (let i = 0; i < 2000; i++) {
      let k = '';
      while (k.length < 40) k += words[randomInt(words.length)];
      named.push(`${k}${randomInt(100)}Password`);
    }
    for (const k of named) {
      expect(r.redactString(`${k}= hunter2 end`)).toBe(`${k}= [REDACTED] end`);
      expect(padsBase64Run(`${k}= x`, k.length)).toBe(false);
    }
  });

  it('reads the run only: its length padded to 4, from 40 characters on; past 4,096 any length', () => {
    const run = 'Xk9Qz'.repeat(11); // 55 characters: one '=' pads it to 56
    expect(padsBase64Run(`x ${run}= end`, 57)).toBe(true);
    expect(padsBase64Run(`x ${run}== end`, 57)).toBe(false);
    expect(padsBase64Run(`x ${run}=A end`, 57)).toBe(false);
    expect(padsBase64Run(`x ${'Xk9Qz'.repeat(10)}= end`, 52)).toBe(false); // 50: no single '=' pads it
    expect(padsBase64Run(`x ${'Xk9Qz'.repeat(7)}= end`, 37)).toBe(false); // 35: too short
    expect(padsBase64Run(`x ${'XkQz'.repeat(11)}Qz9= end`, 49)).toBe(true);
    expect(padsBase64Run(`x ${'XkQz'.repeat(11)}Qzz= end`, 49)).toBe(false); // no digit
    const long = 'Xk9Qz'.repeat(1000);
    expect(padsBase64Run(`${long}= end`, long.length)).toBe(true);
    expect(padsBase64Run(`${long}_${run}= end`, long.length + 1 + run.length)).toBe(true);
  });
});
