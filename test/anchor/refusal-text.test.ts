/**
 * A TSA's refusal text (PKIStatusInfo statusString, RFC 3161 §2.4.2; free text from the TSA or a proxy
 * before it) holding a secret (at61): `anchor` records its failure in the chain with the logger's
 * redaction off (the token's base64 must stay byte for byte), and `export` prints it on stderr and in
 * `--json`. The text is redacted where it is read, so no path carries it as the TSA sent it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorLog, verifyTimestamp } from '../../src/anchor/index.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { tempDir } from '../helpers/tmp.js';

const TEXT =
  'bad credentials for trader password=Qx7RefusalPw Authorization: Basic dHJhZGVyOlF4N0Jhc2lj token ghp_Qx7abcdefghijklmnopqrstuvwxyz0123456';
const MARKERS = ['Qx7RefusalPw', 'dHJhZGVyOlF4N0Jhc2lj', 'ghp_Qx7'];

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 128 ? Buffer.from([n]) : Buffer.from([0x81, n]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** A TimeStampResp of status rejection (2) with one UTF8String statusString. */
function rejection(text: string): Buffer {
  const statusString = tlv(0x30, tlv(0x0c, Buffer.from(text, 'utf8')));
  return tlv(0x30, tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([2])), statusString])));
}

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(rejection(TEXT)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsr`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("a TSA's refusal text", () => {
  it('is redacted in the TIMESTAMP_MALFORMED problem that quotes it, its words kept', async () => {
    const v = await verifyTimestamp(rejection(TEXT), { data: Buffer.from('x') });
    const text = v.problems.map((p) => p.message).join('\n');
    expect(text).toContain('PKIStatus 2 (bad credentials for trader password=[REDACTED]');
    for (const m of MARKERS) expect(text).not.toContain(m);
  });

  it('reaches neither the AnchorFailed event in the chain nor the TSA_FAILED error', async () => {
    const logDir = tempDir();
    const logger = createAuditLogger({ logDir, handleExit: false });
    logger.log('order', 'OrderAccepted', { order_id: 'A-1' });
    await logger.close();
    const err = (await anchorLog({ logDir, url }).then(
      () => undefined,
      (e: unknown) => e,
    )) as (Error & { code?: string; details?: unknown }) | undefined;
    expect(err?.code).toBe('TSA_FAILED');
    const log = readdirSync(logDir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(logDir, f), 'utf8'))
      .join('');
    expect(log).toContain('"event":"AnchorFailed"');
    const all = `${err?.message}\n${err?.stack}\n${JSON.stringify(err?.details)}\n${log}`;
    for (const m of MARKERS) expect(all).not.toContain(m);
  });
});
