/**
 * verifyTimestamp on tokens that `openssl ts -reply` refuses to make: signed by certificates
 * without the critical timeStamping EKU, or with a time outside the certificate's validity. They
 * are built here with pkijs (RFC 3161 TimeStampResp around a signed TSTInfo), as a rogue or
 * misconfigured TSA would, with certificates from the openssl command line.
 */
import { createPrivateKey, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import {
  Certificate,
  ContentInfo,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  MessageImprint,
  PKIStatus,
  PKIStatusInfo,
  SignedData,
  SignerInfo,
  TimeStampResp,
  TSTInfo,
} from 'pkijs';
import { describe, expect, it } from 'vitest';
import { buildTimestampRequest, loadTsaCa, verifyTimestamp } from '../../src/anchor/index.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTsaPki, type TsaPki } from '../helpers/tsa.js';

async function makeToken(pki: TsaPki, data: Uint8Array, genTime = new Date()): Promise<Buffer> {
  const certPem = readFileSync(pki.tsaCert, 'latin1').replace(/-----[^-]+-----|\s/g, '');
  const cert = Certificate.fromBER(Buffer.from(certPem, 'base64'));
  const pkcs8 = createPrivateKey(readFileSync(pki.tsaKey)).export({ format: 'der', type: 'pkcs8' });
  const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const tst = new TSTInfo({
    version: 1,
    policy: '1.2.3.4.1',
    messageImprint: await MessageImprint.create('SHA-256', data),
    serialNumber: new asn1js.Integer({ value: 7 }),
    genTime,
  });
  const signed = new SignedData({
    version: 3,
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: '1.2.840.113549.1.9.16.1.4',
      eContent: new asn1js.OctetString({ valueHex: tst.toSchema().toBER() }),
    }),
    signerInfos: [
      new SignerInfo({
        version: 1,
        sid: new IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
      }),
    ],
    certificates: [cert],
  });
  await signed.sign(key as unknown as Parameters<SignedData['sign']>[0], 0, 'SHA-256');
  const resp = new TimeStampResp({
    status: new PKIStatusInfo({ status: PKIStatus.granted }),
    timeStampToken: new ContentInfo({ contentType: ContentInfo.SIGNED_DATA, content: signed.toSchema(true) }),
  });
  return Buffer.from(resp.toSchema().toBER());
}

function pkiIn(name: string, options: Parameters<typeof makeTsaPki>[2] = {}): TsaPki {
  const dir = join(tempDir(), name);
  mkdirSync(dir);
  return makeTsaPki(dir, name, options);
}

const DATA = Buffer.from('tag manifest bytes\n');

describe('verifyTimestamp', () => {
  it('accepts a well-formed token from a proper TSA certificate (the helper itself is sound)', async () => {
    const pki = pkiIn('Good');
    const v = await verifyTimestamp(await makeToken(pki, DATA), { data: DATA, trustAnchors: loadTsaCa(pki.caCert) });
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, chainChecked: true });
  });

  it('refuses a signer whose certificate has no timeStamping EKU, or a non-critical one (RFC 3161 §2.3)', async () => {
    for (const [name, options] of [
      ['NoEku', { eku: false }],
      ['NonCritical', { critical: false }],
    ] as const) {
      const pki = pkiIn(name, options);
      const v = await verifyTimestamp(await makeToken(pki, DATA), { data: DATA, trustAnchors: loadTsaCa(pki.caCert) });
      expect(
        v.problems.map((p) => p.code),
        name,
      ).toEqual(['TIMESTAMP_EKU_INVALID']);
    }
  });

  it("refuses a token dated outside its certificate's validity", async () => {
    const pki = pkiIn('Old');
    const v = await verifyTimestamp(await makeToken(pki, DATA, new Date('2001-01-01T00:00:00Z')), {
      data: DATA,
      trustAnchors: loadTsaCa(pki.caCert),
    });
    expect(v.problems.map((p) => p.code)).toEqual(['TIMESTAMP_UNTRUSTED']);
    expect(v.problems[0]?.message).toMatch(/not valid at the token's time 2001-01-01/);
  });

  it('refuses a token whose signature was tampered with', async () => {
    const pki = pkiIn('Sig');
    const token = await makeToken(pki, DATA);
    // The ECDSA signature is the last thing in the SignerInfo, near the end of the DER: flip a byte in it.
    const bad = Buffer.from(token);
    bad[bad.length - 5] = (bad[bad.length - 5] as number) ^ 0x01;
    const v = await verifyTimestamp(bad, { data: DATA, trustAnchors: loadTsaCa(pki.caCert) });
    expect(v.problems.map((p) => p.code)).toContain('TIMESTAMP_SIGNATURE_INVALID');
    expect(v.ok).toBe(false);
  });

  it('builds a DER request that openssl reads back as SHA-256 with certReq', async () => {
    const { execFileSync } = await import('node:child_process');
    const dir = tempDir();
    const sha = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    (await import('node:fs')).writeFileSync(
      join(dir, 'q.tsq'),
      await buildTimestampRequest(sha, Buffer.from('0102030405060708', 'hex')),
    );
    const text = execFileSync('openssl', ['ts', '-query', '-in', join(dir, 'q.tsq'), '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Hash Algorithm: sha256/);
    // openssl prints the imprint as a hex dump: "0000 - 9f 86 d0 … 7d 65-9a 2f …   ascii".
    const rows = text.split('\n').filter((l) => /^\s+00[0-9a-f]0 - /.test(l));
    expect(
      rows
        .map((l) =>
          l
            .replace(/^\s+00[0-9a-f]0 - /, '')
            .slice(0, 47)
            .replace(/[ -]/g, ''),
        )
        .join(''),
    ).toBe(sha);
    expect(text).toMatch(/Nonce: 0x0102030405060708/);
    expect(text).toMatch(/Certificate required: yes/);
  });
});
