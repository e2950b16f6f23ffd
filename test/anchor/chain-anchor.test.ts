/**
 * Chain anchors (`auditpack anchor`): a token over the chain head recorded as an Anchored event,
 * against a real TSA (`openssl ts -reply`, self-made EC P-256 CA, HTTP on 127.0.0.1). The log is
 * written by the real logger with the real clock, because the TSA's time is the real time.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorLog, anchorStatement, loadTsaCa, readChainHead, requestTimestamp } from '../../src/anchor/index.js';
import { hashLine } from '../../src/chain/index.js';
import { recordWriterEvent } from '../../src/logger/child.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/index.js';
import { verifyLog, verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTsaPki, startTsa, type TestTsa, type TsaPki } from '../helpers/tsa.js';

let pki: TsaPki;
let rogue: TsaPki;
let tsa: TestTsa;
let rogueTsa: TestTsa;
let silent: TestTsa;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'auditpack-anchor-'));
  mkdirSync(join(root, 'good'));
  mkdirSync(join(root, 'rogue'));
  pki = makeTsaPki(join(root, 'good'), 'Desk');
  rogue = makeTsaPki(join(root, 'rogue'), 'Rogue');
  tsa = await startTsa(pki);
  rogueTsa = await startTsa(rogue);
  silent = await startTsa(pki, { mode: 'silent' });
});

afterAll(async () => {
  await Promise.all([tsa?.close(), rogueTsa?.close(), silent?.close()]);
  rmSync(root, { recursive: true, force: true });
});

async function logEvents(logDir: string, n: number, tag = 'e'): Promise<void> {
  const logger = createAuditLogger({ logDir, handleExit: false });
  for (let i = 0; i < n; i++)
    logger.log('order', 'OrderAccepted', { order_id: `${tag}-${i}`, symbol: 'EURUSD', quantity: 100 });
  await logger.close();
}

/** Today's file (the only one these tests write). */
function logFile(logDir: string): string {
  const d = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return join(logDir, `audit-${d}.jsonl`);
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

function errorCodes(r: { problems: readonly { code: string; severity: string }[] }): string[] {
  return r.problems.filter((p) => p.severity === 'error').map((p) => p.code);
}

/** Rewrites line `index` with `edit` and re-links every later line: a chain with no break, rewritten. */
function rewriteAndRechain(path: string, index: number, edit: (line: string) => string): void {
  const ls = lines(path);
  ls[index] = edit(ls[index] as string);
  for (let i = index + 1; i < ls.length; i++) {
    ls[i] = (ls[i] as string).replace(/"prev":"[0-9a-f]{64}"\}$/, `"prev":"${hashLine(ls[i - 1] as string)}"}`);
  }
  writeFileSync(path, `${ls.join('\n')}\n`);
}

describe('auditpack anchor: the chain head, time-stamped, in the chain', () => {
  it('records an Anchored event over the head, which verify and openssl ts -verify accept', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 5);
    const head = readChainHead(logDir);
    const r = await anchorLog({ logDir, url: tsa.url });
    expect(r).toMatchObject({ headSeq: 5, headHash: head?.hash });
    await logEvents(logDir, 2, 'after');

    const ls = lines(logFile(logDir));
    const ev = JSON.parse(ls[5] as string) as Record<string, unknown>;
    expect(ev).toMatchObject({
      category: 'system',
      event: 'Anchored',
      seq: 6,
      head_seq: 5,
      head_hash: hashLine(ls[4] as string),
      tsa_time: r.genTime.toISOString(),
    });
    expect(ev.validation).toBeUndefined(); // a known event: no validation note

    const v = await verifyLog(logFile(logDir), { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(v.problems.filter((p) => p.code !== 'LOG_CHAIN_START')).toEqual([]);
    expect(v.checked.anchors).toBe(1);
    // Without a trusted TSA certificate the token's maker is unchecked: a note, but a warning when
    // an anchor rhythm was asked for, which a self-made back-dated token would satisfy (attack9 #08).
    const severity = async (o: { anchorIntervalMs?: number }) =>
      (await verifyLog(logFile(logDir), { timestamps: o })).problems.find((p) => p.code === 'TIMESTAMP_NOT_CHECKED')
        ?.severity;
    expect(await severity({})).toBe('info');
    expect(await severity({ anchorIntervalMs: 86_400_000 })).toBe('warning');

    // The auditor's way: rebuild the statement from the event and let openssl check the token.
    const dir = tempDir();
    writeFileSync(join(dir, 'statement'), anchorStatement(5, ev.head_hash as string));
    writeFileSync(join(dir, 'anchor.tsr'), Buffer.from(ev.tsa_response as string, 'base64'));
    const o = spawnSync(
      'openssl',
      ['ts', '-verify', '-data', 'statement', '-in', 'anchor.tsr', '-CAfile', pki.caCert],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(o.status, o.stdout + o.stderr).toBe(0);
    expect(readFileSync(join(dir, 'statement'), 'utf8')).toBe(
      `auditpack-anchor/1 seq 5 sha256 ${ev.head_hash as string}\n`,
    );

    // The day's pack carries the anchors in data/audit.jsonl, and verifyPack checks them too.
    const date = new Date().toISOString().slice(0, 10);
    const pack = await exportPack({
      date,
      logDir,
      artifactsDir: join(dir, 'artifacts'),
      version: '0.0.0-test',
      recordEvent: false,
      partial: true,
      tsa: { url: tsa.url },
    }); // today: a partial pack
    const pr = await verifyPack(pack.path, { timestamps: { tsaCa: loadTsaCa(pki.caCert), requireTimestamp: true } });
    expect(pr.problems).toEqual([]);
    expect(pr.checked).toMatchObject({ timestamped: 1, anchors: 1 });
  });

  it('a head line rewritten (and the chain re-linked after it) no longer matches its anchor', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 4);
    await anchorLog({ logDir, url: tsa.url });
    await logEvents(logDir, 2, 'after');
    rewriteAndRechain(logFile(logDir), 3, (l) => l.replace('"quantity":100', '"quantity":900'));

    const v = await verifyLog(logFile(logDir), { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(errorCodes(v)).toEqual(['LOG_ANCHOR_MISMATCH']); // the chain itself is consistent again
  });

  it("an Anchored event's tsa_time or tsa_serial that is not its token's (the chain re-linked) is TIMESTAMP_RECORD_MISMATCH", async () => {
    const logDir = tempDir();
    await logEvents(logDir, 3);
    await anchorLog({ logDir, url: tsa.url });
    await logEvents(logDir, 1, 'after');
    const file = logFile(logDir);
    const at = lines(file).findIndex((l) => l.includes('"event":"Anchored"'));
    const trust = { timestamps: { tsaCa: loadTsaCa(pki.caCert) } };
    expect(errorCodes(await verifyLog(file, trust))).toEqual([]);
    const original = readFileSync(file, 'utf8');
    for (const [edit, field] of [
      [(l: string) => l.replace(/"tsa_time":"[^"]*"/, '"tsa_time":"2020-01-01T00:00:00.000Z"'), 'tsa_time'],
      [(l: string) => l.replace(/"tsa_serial":"[^"]*"/, '"tsa_serial":"0bad"'), 'tsa_serial'],
      [(l: string) => l.replace(/"tsa_serial":"[^"]*"/, '"tsa_serial":7'), 'tsa_serial'],
    ] as const) {
      writeFileSync(file, original);
      rewriteAndRechain(file, at, edit);
      const v = await verifyLog(file, trust);
      expect(errorCodes(v), field).toEqual(['TIMESTAMP_RECORD_MISMATCH']);
      expect(v.problems.find((p) => p.code === 'TIMESTAMP_RECORD_MISMATCH')?.detail).toContain(`the event's ${field}`);
    }
  });

  it('finds the head a few lines back when other writers came between the head and the Anchored event', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 3);
    const head = readChainHead(logDir) as { seq: number; hash: string };
    const granted = await requestTimestamp({ url: tsa.url, data: anchorStatement(head.seq, head.hash) });
    await logEvents(logDir, 4, 'between');
    const logger = createAuditLogger({ logDir, handleExit: false, redaction: false });
    recordWriterEvent(logger, 'system', 'Anchored', {
      head_seq: head.seq,
      head_hash: head.hash,
      tsa_time: granted.facts.genTime.toISOString(),
      tsa_serial: granted.facts.serial,
      tsa_response: granted.response.toString('base64'),
    });
    await logger.close();

    const v = await verifyLog(logFile(logDir), { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(errorCodes(v)).toEqual([]);
    expect(v.checked.anchors).toBe(1);

    // Rewriting a line between the head and the anchor does not touch the anchor (the chain catches it).
    rewriteAndRechain(logFile(logDir), 2, (l) => l.replace('"quantity":100', '"quantity":101'));
    expect(errorCodes(await verifyLog(logFile(logDir), { timestamps: { tsaCa: loadTsaCa(pki.caCert) } }))).toEqual([
      'LOG_ANCHOR_MISMATCH',
    ]);
  });

  it('a truncated tail after an Anchored event is caught by the anchors missing after it', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 3);
    await anchorLog({ logDir, url: tsa.url });
    await logEvents(logDir, 2, 'mid');
    const cut = readFileSync(logFile(logDir)).length; // the tail after this point will be cut
    await new Promise((r) => setTimeout(r, 2500));
    const second = await anchorLog({ logDir, url: tsa.url });
    await logEvents(logDir, 2, 'tail');

    // Anchors every 3 s (+1 s grace), checked "now" = 3 s after the last one: the whole log is fine.
    const rhythm = {
      tsaCa: loadTsaCa(pki.caCert),
      anchorIntervalMs: 3000,
      anchorGraceMs: 1000,
      now: () => second.genTime.getTime() + 3000,
    };
    const whole = await verifyLog(logFile(logDir), { timestamps: rhythm });
    expect(errorCodes(whole)).toEqual([]);
    expect(whole.checked.anchors).toBe(2);

    truncateSync(logFile(logDir), cut);
    const truncated = await verifyLog(logFile(logDir), { timestamps: rhythm });
    expect(errorCodes(truncated)).toEqual(['LOG_ANCHOR_GAP']); // the chain of what is left is intact
    expect(truncated.problems.find((p) => p.code === 'LOG_ANCHOR_GAP')?.detail).toMatch(
      /the tail after it may have been cut/,
    );
    // Without a rhythm to expect, a cut at an anchor cannot be told from a quiet end.
    expect(errorCodes(await verifyLog(logFile(logDir), { timestamps: { tsaCa: loadTsaCa(pki.caCert) } }))).toEqual([]);
  });

  it('an anchor from an untrusted TSA is caught; required anchors that are absent are a finding', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 2);
    await anchorLog({ logDir, url: rogueTsa.url });
    const v = await verifyLog(logFile(logDir), { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(errorCodes(v)).toEqual(['TIMESTAMP_UNTRUSTED']);

    const plain = tempDir();
    await logEvents(plain, 2);
    const none = await verifyLog(logFile(plain), { timestamps: { anchorIntervalMs: 3_600_000 } });
    expect(errorCodes(none)).toEqual(['LOG_ANCHOR_MISSING']);
    // A day before anchoring was set up is not held to the rhythm; that day itself is.
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(
      errorCodes(
        await verifyLog(logFile(plain), { timestamps: { anchorIntervalMs: 3_600_000, anchorsSince: tomorrow } }),
      ),
    ).toEqual([]);
    expect(
      errorCodes(await verifyLog(logFile(plain), { timestamps: { anchorIntervalMs: 3_600_000, anchorsSince: today } })),
    ).toEqual(['LOG_ANCHOR_MISSING']);
  });

  it('a TSA that does not answer: TSA_FAILED within the timeout, and the failure is recorded in the chain', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 2);
    const t0 = Date.now();
    await expect(anchorLog({ logDir, url: silent.url, timeoutMs: 300 })).rejects.toMatchObject({ code: 'TSA_FAILED' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const last = JSON.parse(lines(logFile(logDir)).at(-1) as string) as Record<string, unknown>;
    expect(last).toMatchObject({ category: 'system', event: 'AnchorFailed', head_seq: 2 });
    expect(last.error).toMatch(/no answer within 300 ms/);
    // auditpack's own event is a known one: no "not a known system event" note.
    expect(last.validation).toBeUndefined();
    expect((await verifyLog(logFile(logDir))).ok).toBe(true);
  });

  it('a TSA URL with credentials: they go as HTTP Basic authentication, and neither they nor the query reach the log or an error', async () => {
    const basicAuth = { user: 'tsa user', password: 'S3cret@Pw' };
    const locked = await startTsa(pki, { basicAuth });
    try {
      const withCreds = (u: string, password: string) =>
        u.replace('http://', `http://${encodeURIComponent(basicAuth.user)}:${encodeURIComponent(password)}@`) +
        '?token=QueryTok123';
      const logDir = tempDir();
      await logEvents(logDir, 2);
      await anchorLog({ logDir, url: withCreds(locked.url, basicAuth.password) });
      expect(locked.served()).toBe(1);
      // A wrong password (HTTP 401) and a closed port (the network error's own text): failures recorded.
      const failures: string[] = [];
      for (const url of [withCreds(locked.url, 'Wrong@Pw1'), withCreds('http://127.0.0.1:9/tsr', basicAuth.password)]) {
        const err = await anchorLog({ logDir, url }).then(
          () => undefined,
          (e: unknown) => e as Error & { code: string; details?: unknown; cause?: unknown },
        );
        expect(err?.code).toBe('TSA_FAILED');
        failures.push(`${err?.message} ${JSON.stringify(err?.details)} ${String(err?.cause ?? '')}`);
      }
      expect(failures[0]).toMatch(/HTTP 401/);
      const text = `${readFileSync(logFile(logDir), 'utf8')}\n${failures.join('\n')}`;
      for (const secret of ['S3cret', 'Wrong', 'QueryTok123', '%40Pw', 'tsa%20user'])
        expect(text).not.toContain(secret);
      const events = lines(logFile(logDir)).map((l) => JSON.parse(l) as { event: string });
      expect(events.map((e) => e.event).filter((e) => e.startsWith('Anchor'))).toEqual([
        'Anchored',
        'AnchorFailed',
        'AnchorFailed',
      ]);
      expect((await verifyLog(logFile(logDir))).ok).toBe(true);
    } finally {
      await locked.close();
    }
  });

  it("a token in the TSA URL's path or fragment reaches neither the log nor an error; bad percent-encoding is CONFIG_INVALID", async () => {
    const logDir = tempDir();
    await logEvents(logDir, 2);
    const token = `ghp_${'Zq9xK2mV7pL4'.repeat(3)}abcd`;
    // The real TSA (it serves any path): an Anchored event; a closed port (the network error's own text): a failure.
    const path = `/api/${token}/tsr#token=Zq9xK2mV7pL4`;
    await anchorLog({ logDir, url: `${new URL(tsa.url).origin}${path}` });
    const err = await anchorLog({ logDir, url: `http://127.0.0.1:9${path}`, timeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string; details?: unknown; cause?: unknown },
    );
    expect(err?.code).toBe('TSA_FAILED');
    const failure = `${err?.message} ${JSON.stringify(err?.details)} ${String(err?.cause ?? '')}`;
    const text = `${readFileSync(logFile(logDir), 'utf8')}\n${failure}`;
    expect(text).not.toContain('Zq9xK2mV7pL4');
    const anchors = lines(logFile(logDir))
      .map((l) => JSON.parse(l) as { event: string; tsa_url?: string })
      .filter((e) => e.event.startsWith('Anchor'));
    expect(anchors.map((e) => e.event)).toEqual(['Anchored', 'AnchorFailed']);
    for (const e of anchors) expect(e.tsa_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/.*REDACTED.*\/tsr$/);
    // A "%" not followed by two hex digits in the password: a usage error, not a crash, not quoted.
    await expect(anchorLog({ logDir, url: 'http://u:pw%zzSecret@127.0.0.1:9/tsr' })).rejects.toSatisfy(
      (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && !e.message.includes('Secret'),
    );
    expect((await verifyLog(logFile(logDir))).ok).toBe(true);
  });

  it('a TSA URL without its scheme (user:password@host/path) is CONFIG_INVALID and its refusal quotes no password (at61)', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 1);
    // WHATWG URL reads `trader:` as the scheme and `Pw9Secret@tsa.example/tsr` as the path of an opaque URL.
    const urls = [
      'trader:Pw9Secret@tsa.example/tsr',
      'tsa:trader:Pw9Secret@tsa.example',
      'ftp://u:Pw9Secret@h/x?k=Pw9Secret',
    ];
    for (const url of urls) {
      const err = (await anchorLog({ logDir, url }).then(
        () => undefined,
        (e: unknown) => e,
      )) as (Error & { code?: string; details?: unknown; cause?: unknown }) | undefined;
      expect(err?.code, url).toBe('CONFIG_INVALID');
      expect(`${err?.message} ${err?.stack} ${JSON.stringify(err?.details)} ${String(err?.cause)}`, url).not.toContain(
        'Pw9Secret',
      );
    }
    expect(readFileSync(logFile(logDir), 'utf8')).not.toContain('Pw9Secret');
  });

  it('hostile lines carrying the anchor marker: over-long lines are not anchors; a flood is checked only up to a bound', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 2);
    const marker = '"category":"system","event":"Anchored",';
    // 3 MiB of padding before the marker: the line spans several reads and is no anchor.
    appendFileSync(logFile(logDir), `{"pad":"${'x'.repeat(3 * 1024 * 1024)}",${marker}"head_seq":1}\n`);
    appendFileSync(logFile(logDir), `{${marker}"pad":"${'y'.repeat(100 * 1024)}"}\n`);
    const long = await verifyLog(logFile(logDir));
    expect(long.problems.filter((p) => p.code.startsWith('TIMESTAMP_'))).toEqual([]);
    expect(long.checked.anchors).toBe(0);

    appendFileSync(logFile(logDir), `{${marker}"n":1}\n`.repeat(5001));
    const flood = await verifyLog(logFile(logDir), { timestamps: { anchorIntervalMs: 60_000 } });
    expect(flood.checked.anchors).toBe(5001);
    expect(flood.problems.find((p) => p.code === 'TIMESTAMP_NOT_CHECKED')?.detail).toMatch(
      /5001 Anchored events; only the first 5000 were checked, and the anchor rhythm was not/,
    );
    expect(flood.problems.some((p) => p.code === 'LOG_ANCHOR_GAP' || p.code === 'LOG_ANCHOR_MISSING')).toBe(false);
  });

  it('a forged Anchored line (garbage token, bad fields) is a finding, never a crash', async () => {
    const logDir = tempDir();
    await logEvents(logDir, 2);
    const logger = createAuditLogger({ logDir, handleExit: false, redaction: false });
    recordWriterEvent(logger, 'system', 'Anchored', {
      head_seq: 2,
      head_hash: 'f'.repeat(64),
      tsa_response: Buffer.from('junk').toString('base64'),
    });
    recordWriterEvent(logger, 'system', 'Anchored', { head_seq: 'two', head_hash: 'x', tsa_response: 7 });
    recordWriterEvent(logger, 'system', 'Anchored', { head_seq: 99, head_hash: 'a'.repeat(64), tsa_response: '' });
    await logger.close();
    const v = await verifyLog(logFile(logDir));
    expect(errorCodes(v)).toEqual(['TIMESTAMP_MALFORMED', 'TIMESTAMP_MALFORMED', 'TIMESTAMP_MALFORMED']);
  });

  it('the anchor marker inside a value (a counterparty text) is no anchor and no error; a real one still is (at32 F2)', async () => {
    const logDir = tempDir();
    const logger = createAuditLogger({ logDir, handleExit: false });
    // What `auditpack log … venue_msg='{…}'` makes of JSON text: a nested object, the marker's bytes in it.
    logger.log('order', 'OrderAccepted', {
      order_id: 'A1',
      symbol: 'EURUSD',
      quantity: 1,
      venue_msg: { category: 'system', event: 'Anchored', note: 'counterparty text' },
    });
    logger.log('order', 'OrderAccepted', {
      order_id: 'A2',
      symbol: 'EURUSD',
      quantity: 1,
      legs: [{ category: 'system', event: 'Anchored', head_seq: 'x' }],
    });
    await logger.close();
    expect(readFileSync(logFile(logDir), 'utf8')).toContain('"category":"system","event":"Anchored",');

    // Both scans: the live log's (findAnchors) and a pack's (the AnchorTap of verify's reading pass).
    const v = await verifyLog(logFile(logDir));
    expect(errorCodes(v)).toEqual([]);
    expect(v.checked.anchors).toBe(0);
    const date = new Date().toISOString().slice(0, 10);
    const pack = await exportPack({
      date,
      logDir,
      artifactsDir: join(tempDir(), 'artifacts'),
      version: '0.0.0-test',
      recordEvent: false,
      partial: true,
    });
    const pr = await verifyPack(pack.path);
    expect(errorCodes(pr)).toEqual([]);
    expect(pr.checked).toMatchObject({ anchors: 0 });

    // A malformed Anchored line at the top level is still an error, beside the nested markers.
    const w = createAuditLogger({ logDir, handleExit: false });
    recordWriterEvent(w, 'system', 'Anchored', { head_seq: 'two', head_hash: 'x', tsa_response: 7 });
    await w.close();
    const v2 = await verifyLog(logFile(logDir));
    expect(errorCodes(v2)).toEqual(['TIMESTAMP_MALFORMED']);
    expect(v2.problems.find((p) => p.code === 'TIMESTAMP_MALFORMED')?.detail).toMatch(/head_seq is not a positive/);
  });
});
