/**
 * Pack tokens against a real TSA (`openssl ts -reply` with a self-made EC P-256 CA, served over
 * HTTP on 127.0.0.1): export asks for a token over tagmanifest-sha256.txt, auditpack verify and
 * `openssl ts -verify` accept it, and each way of breaking it is caught by both.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anchorPack,
  loadTsaCa,
  PACK_TOKEN_COVERS,
  PACK_TOKEN_FILE,
  PACK_TSA_CERTS_FILE,
  type TsaOptions,
} from '../../src/anchor/index.js';
import { isAuditpackError } from '../../src/errors.js';
import { exportPack } from '../../src/pack/index.js';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { makeWritable } from '../../src/fsx/dirs.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTsaPki, startTsa, type TestTsa, type TsaPki } from '../helpers/tsa.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { bagitValidate, opensslVerify } from './helpers.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

/** Recent days: a token obtained days after its day ended is a warning (TIMESTAMP_LATE, tested below). */
const dayAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const DATE = dayAgo(2);
const NEXT = dayAgo(1);
let pki: TsaPki;
let rogue: TsaPki;
let tsa: TestTsa;
let rogueTsa: TestTsa;
let silent: TestTsa;
let root: string;

beforeAll(async () => {
  root = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'auditpack-tsa-'));
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
  (await import('node:fs')).rmSync(root, { recursive: true, force: true });
});

async function exported(
  tsaOptions: TsaOptions | undefined,
  date = DATE,
): Promise<{ cwd: string; pack: string; result: Awaited<ReturnType<typeof exportPack>> }> {
  const cwd = tempDir();
  const logDir = join(cwd, 'logs');
  mkdirSync(logDir);
  await writeDay(logDir, date, SAMPLE_EVENTS);
  const result = await exportPack({
    date,
    logDir,
    artifactsDir: join(cwd, 'artifacts'),
    version: '0.0.0-test',
    recordEvent: false,
    ...(tsaOptions ? { tsa: tsaOptions } : {}),
  });
  return { cwd, pack: result.path, result };
}

/** A writable copy of a pack, for tampering. */
function copyPack(pack: string, to: string): string {
  cpSync(pack, to, { recursive: true });
  makeWritable(to);
  for (const name of ['tagmanifest-sha256.txt', 'manifest.json', PACK_TOKEN_FILE, PACK_TSA_CERTS_FILE])
    if (existsSync(join(to, name))) chmodSync(join(to, name), 0o644);
  return to;
}

function errorCodes(r: { problems: readonly { code: string; severity: string }[] }): string[] {
  return r.problems.filter((p) => p.severity === 'error').map((p) => p.code);
}

describe('a pack with a time-stamp token', () => {
  it('is verified by auditpack and by openssl ts -verify; sha256sum -c and BagIt validation still pass', async () => {
    const { pack, result } = await exported({ url: tsa.url });
    expect(result.timestampError).toBeNull();
    expect(result.timestamped).toBeInstanceOf(Date);
    expect(statSync(join(pack, PACK_TOKEN_FILE)).mode & 0o777).toBe(0o444);
    expect(readFileSync(join(pack, PACK_TSA_CERTS_FILE), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // Neither file is listed in the tag manifest it cannot be part of.
    expect(readFileSync(join(pack, 'tagmanifest-sha256.txt'), 'utf8')).not.toMatch(/tsr|tsa-certs/);

    const r = await verifyPack(pack, { timestamps: { tsaCa: loadTsaCa(pki.caCert), requireTimestamp: true } });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checked.timestamped).toBe(1);

    expect(opensslVerify(pack, pki.caCert)).toEqual({ ok: true, out: expect.stringContaining('Verification: OK') });
    const sums = spawnSync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], { cwd: pack, encoding: 'utf8' });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    expect(bagitValidate(pack)).toEqual({ ok: true, out: expect.stringContaining('is valid') });
    // The reference checker holds the token's imprint to the tag manifest and says what it leaves.
    const py = pythonPackCheck(pack);
    expect(py.errors).toEqual([]);
    expect(py.all.find((p) => p.code === 'TIMESTAMP_NOT_CHECKED')).toMatchObject({
      severity: 'info',
      file: expect.stringMatching(/tagmanifest-sha256\.txt\.tsr$/),
    });
  });

  it('without --tsa-ca the token is checked but its maker is not, and says so', async () => {
    const { pack } = await exported({ url: tsa.url });
    const r = await verifyPack(pack);
    expect(r.ok).toBe(true);
    expect(r.problems.map((p) => [p.code, p.severity])).toEqual([['TIMESTAMP_NOT_CHECKED', 'info']]);
    // A token asked for (--require-timestamp) by a TSA nobody checked proves no time: anyone can run
    // one that dates a token in the past, so it is a warning, as for --anchor-interval (attack9 #08).
    const asked = await verifyPack(pack, { timestamps: { requireTimestamp: true } });
    expect(asked.ok).toBe(true);
    expect(asked.problems.map((p) => [p.code, p.severity])).toEqual([['TIMESTAMP_NOT_CHECKED', 'warning']]);
  });

  it('trusted TSA certificates found in the configuration, not named, are reported as unpinned', async () => {
    const { pack } = await exported({ url: tsa.url });
    const tsaCa = loadTsaCa(pki.caCert);
    const unpinned = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
      r.problems.filter((p) => p.code === 'TSA_CA_UNPINNED');
    const found = await verifyPath(pack, { timestamps: { tsaCa, tsaCaUnpinned: pki.caCert } });
    expect(found.ok).toBe(true);
    expect(unpinned(found)).toMatchObject([{ severity: 'warning', file: '.' }]);
    expect(unpinned(found)[0]?.detail).toContain(pki.caCert);
    // Named by whoever runs verify: pinned, nothing to say.
    expect(unpinned(await verifyPath(pack, { timestamps: { tsaCa } }))).toEqual([]);
  });

  it('a changed tag manifest (manifest.json edited and re-hashed) breaks the token', async () => {
    const { cwd, pack } = await exported({ url: tsa.url });
    const copy = copyPack(pack, join(cwd, 'copy'));
    const m = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as { created_at: string };
    m.created_at = `${m.created_at.slice(0, 10)}T00:00:01.000Z`; // same day: Bagging-Date still agrees
    const text = `${JSON.stringify(m, null, 2)}\n`;
    writeFileSync(join(copy, 'manifest.json'), text);
    const sha = (await import('node:crypto')).createHash('sha256').update(text).digest('hex');
    const tm = readFileSync(join(copy, 'tagmanifest-sha256.txt'), 'utf8').replace(
      /^[0-9a-f]{64}(?= {2}manifest\.json$)/m,
      sha,
    );
    writeFileSync(join(copy, 'tagmanifest-sha256.txt'), tm);

    const r = await verifyPack(copy, { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(errorCodes(r)).toEqual(['TIMESTAMP_IMPRINT_MISMATCH']); // everything else was made consistent
    expect(opensslVerify(copy, pki.caCert).ok).toBe(false);
    expect(pythonPackCheck(copy).errors.map((e) => e.code)).toEqual(['TIMESTAMP_IMPRINT_MISMATCH']);
  });

  it('a token from a TSA the user does not trust is caught', async () => {
    const { pack } = await exported({ url: rogueTsa.url });
    const r = await verifyPack(pack, { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(errorCodes(r)).toEqual(['TIMESTAMP_UNTRUSTED']);
    expect(r.problems.find((p) => p.code === 'TIMESTAMP_UNTRUSTED')?.detail).toMatch(/Rogue TSA/);
    expect(opensslVerify(pack, pki.caCert).ok).toBe(false);
    // The same token is fine for whoever trusts the rogue CA: the check is the anchor, not the token.
    expect((await verifyPack(pack, { timestamps: { tsaCa: loadTsaCa(rogue.caCert) } })).ok).toBe(true);
  });

  it('a token over another digest (taken from another pack) is caught', async () => {
    const a = await exported({ url: tsa.url });
    const b = await exported({ url: tsa.url }, NEXT);
    const copy = copyPack(a.pack, join(a.cwd, 'copy'));
    cpSync(join(b.pack, PACK_TOKEN_FILE), join(copy, PACK_TOKEN_FILE));
    const r = await verifyPack(copy, { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(errorCodes(r)).toEqual(['TIMESTAMP_IMPRINT_MISMATCH']);
    expect(opensslVerify(copy, pki.caCert).ok).toBe(false);
    expect(pythonPackCheck(copy).errors.map((e) => e.code)).toEqual(['TIMESTAMP_IMPRINT_MISMATCH']);
  });

  it('a .tar.gz pack carries the token too, and an artifacts directory is checked pack by pack', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    mkdirSync(logDir);
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    await writeDay(logDir, NEXT, SAMPLE_EVENTS.slice(0, 3));
    const artifactsDir = join(cwd, 'artifacts');
    const common = { logDir, artifactsDir, version: '0.0.0-test', recordEvent: false, compress: true };
    const a = await exportPack({ ...common, date: DATE, tsa: { url: tsa.url } });
    await exportPack({ ...common, date: NEXT, tsa: { url: rogueTsa.url } });
    const tar = await verifyPack(a.archive as string, {
      timestamps: { tsaCa: loadTsaCa(pki.caCert), requireTimestamp: true },
    });
    expect(tar.problems).toEqual([]);
    expect(tar.checked.timestamped).toBe(1);

    const all = await verifyPath(artifactsDir, {
      timestamps: { tsaCa: loadTsaCa(pki.caCert), requireTimestamp: true },
    });
    expect(all.ok).toBe(false);
    // The second day's pack and its archive were stamped by a TSA this verifier does not trust.
    expect(all.problems.filter((p) => p.severity === 'error').map((p) => [p.code, p.file.replace(/\/.*/, '')])).toEqual(
      [
        ['TIMESTAMP_UNTRUSTED', NEXT],
        ['TIMESTAMP_UNTRUSTED', `${NEXT}.tar.gz`],
      ],
    );
  });

  it('a .tar.gz made before anchor --pack gave the directory its token is not held to the PackTimestamped event', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    mkdirSync(logDir);
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const artifactsDir = join(cwd, 'artifacts');
    const tsaDown = { url: silent.url, timeoutMs: 200 };
    const a = await exportPack({
      logDir,
      artifactsDir,
      version: '0.0.0-test',
      compress: true,
      date: DATE,
      tsa: tsaDown,
    });
    expect(a.timestamped).toBeNull();
    expect((await anchorPack(a.path, { url: tsa.url }, { logDir })).added).toBe(true);
    const all = await verifyPath(artifactsDir, { logDir, timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(all.problems.filter((p) => p.code.startsWith('TIMESTAMP_RECORD'))).toEqual([]);
    // The directory is held to it: its token removed is an error (the .tar.gz still is not).
    rmSync(join(a.path, PACK_TOKEN_FILE), { force: true });
    rmSync(join(a.path, PACK_TSA_CERTS_FILE), { force: true });
    const gone = await verifyPath(artifactsDir, { logDir, timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
    expect(gone.problems.filter((p) => p.code.startsWith('TIMESTAMP_RECORD')).map((p) => p.file)).toEqual([
      `${DATE}/${PACK_TOKEN_FILE}`,
    ]);
  });

  it('two anchorPack runs at once: one token is added, the other run leaves it', async () => {
    const { pack } = await exported({ url: silent.url, timeoutMs: 200 });
    const [x, y] = await Promise.all([anchorPack(pack, { url: tsa.url }), anchorPack(pack, { url: tsa.url })]);
    expect([x.added, y.added].sort()).toEqual([false, true]);
    expect(
      (await verifyPack(pack, { timestamps: { tsaCa: loadTsaCa(pki.caCert), requireTimestamp: true } })).problems,
    ).toEqual([]);
    expect(readdirSync(join(pack, '..')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it("a token obtained long after the pack's day is a warning: it proves nothing before its time", async () => {
    const { pack } = await exported({ url: tsa.url }, '2025-09-08');
    const r = await verifyPack(pack, { timestamps: { tsaCa: loadTsaCa(pki.caCert), requireTimestamp: true } });
    expect(r.ok).toBe(true);
    expect(r.problems.map((p) => [p.code, p.severity])).toEqual([['TIMESTAMP_LATE', 'warning']]);
    expect(r.problems[0]?.detail).toMatch(/days after 2025-09-08 ended/);
  });

  it('garbage in the token file is a finding, not a crash', async () => {
    const { cwd, pack } = await exported({ url: tsa.url });
    for (const [i, bytes] of [
      Buffer.alloc(0),
      Buffer.from('not a token'),
      Buffer.from([0x30, 0x82, 0xff, 0xff, 0x02]),
      readFileSync(join(pack, PACK_TOKEN_FILE)).subarray(0, 300),
    ].entries()) {
      const copy = copyPack(pack, join(cwd, `g${i}`));
      writeFileSync(join(copy, PACK_TOKEN_FILE), bytes);
      const r = await verifyPack(copy, { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
      expect(errorCodes(r), `case ${i}`).toEqual(['TIMESTAMP_MALFORMED']);
      expect(
        pythonPackCheck(copy).errors.map((e) => e.code),
        `case ${i}`,
      ).toEqual(['TIMESTAMP_MALFORMED']);
    }
  });
});

describe('tsa-certs.pem, which no manifest or signature covers', () => {
  it('holds only the certificate blocks export writes, and only beside a token: anything else is an error to both checkers', async () => {
    const { cwd, pack } = await exported({ url: tsa.url });
    const pem = readFileSync(join(pack, PACK_TSA_CERTS_FILE), 'utf8');
    const note = 'Approved by the regulator. No further review needed.\n';
    const cases: [string, (dir: string) => void][] = [
      ['a note after the certificates', (d) => writeFileSync(join(d, PACK_TSA_CERTS_FILE), pem + note)],
      ['a note before them', (d) => writeFileSync(join(d, PACK_TSA_CERTS_FILE), note + pem)],
      ['only a note', (d) => writeFileSync(join(d, PACK_TSA_CERTS_FILE), note)],
      ['an empty file', (d) => writeFileSync(join(d, PACK_TSA_CERTS_FILE), '')],
      ['CRLF line ends', (d) => writeFileSync(join(d, PACK_TSA_CERTS_FILE), pem.replace(/\n/g, '\r\n'))],
      ['re-wrapped at 76 columns', (d) => writeFileSync(join(d, PACK_TSA_CERTS_FILE), rewrap(pem, 76))],
      ['the certificates with no token', (d) => rmSync(join(d, PACK_TOKEN_FILE))],
      // A block of the export's shape whose bytes are no certificate (at62 F8: verify said "not used", a warning).
      ['a block that is no certificate', (d) => writeFileSync(join(d, PACK_TSA_CERTS_FILE), pem + pemBlock(note))],
      [
        'a SEQUENCE that is no certificate',
        (d) =>
          writeFileSync(
            join(d, PACK_TSA_CERTS_FILE),
            pem + pemBlock(Buffer.concat([Buffer.from([0x30, 0x81, 0xc8]), Buffer.alloc(200, 0x41)])),
          ),
      ],
      // Larger than any token's certificates (sparse: no disk): verify said "too large", a warning; Python read it whole.
      ['a sparse gigabyte', (d) => truncateSync(join(d, PACK_TSA_CERTS_FILE), 1024 ** 3)],
    ];
    for (const [i, [name, edit]] of cases.entries()) {
      const copy = copyPack(pack, join(cwd, `c${i}`, DATE)); // named as its day, as the Python checker requires
      edit(copy);
      const r = await verifyPack(copy, { timestamps: { tsaCa: loadTsaCa(pki.caCert) } });
      expect(errorCodes(r), name).toContain('PACK_FILE_UNEXPECTED');
      expect(r.problems.find((p) => p.code === 'PACK_FILE_UNEXPECTED')?.file, name).toBe(PACK_TSA_CERTS_FILE);
      expect(
        pythonPackCheck(copy).errors.map((e) => e.code),
        name,
      ).toContain('PACK_FILE_UNEXPECTED');
    }
    // As exported: intact to both.
    expect((await verifyPack(pack, { timestamps: { tsaCa: loadTsaCa(pki.caCert) } })).ok).toBe(true);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });
});

/** One CERTIFICATE block as export writes it (64-column base64), around any bytes. */
function pemBlock(der: string | Buffer): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** PEM text with each block's base64 wrapped at `width` columns. */
function rewrap(pem: string, width: number): string {
  return pem.replace(/(-----BEGIN CERTIFICATE-----\n)([\s\S]*?)(-----END CERTIFICATE-----)/g, (_m, a, body, z) => {
    const b64 = (body as string).replace(/\n/g, '');
    const lines: string[] = [];
    for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
    return `${a}${lines.join('\n')}\n${z}`;
  });
}

describe('a TSA that does not answer', () => {
  it('delays the export only by the timeout, loses nothing, and anchorPack adds the token later', async () => {
    const t0 = Date.now();
    const { pack, result } = await exported({ url: silent.url, timeoutMs: 400 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(result.timestamped).toBeNull();
    expect(isAuditpackError(result.timestampError, 'TSA_FAILED')).toBe(true);
    expect(result.timestampError?.message).toMatch(/no answer within 400 ms/);
    expect(existsSync(join(pack, PACK_TOKEN_FILE))).toBe(false);

    // The pack is complete and valid; only a verifier that requires a token objects.
    expect((await verifyPack(pack)).ok).toBe(true);
    const required = await verifyPack(pack, { timestamps: { requireTimestamp: true } });
    expect(errorCodes(required)).toEqual(['TIMESTAMP_MISSING']);

    // Still down: the pack is left as it was.
    await expect(anchorPack(pack, { url: silent.url, timeoutMs: 300 })).rejects.toMatchObject({ code: 'TSA_FAILED' });
    expect(existsSync(join(pack, PACK_TOKEN_FILE))).toBe(false);

    const added = await anchorPack(pack, { url: tsa.url, trustAnchors: loadTsaCa(pki.caCert) });
    expect(added.added).toBe(true);
    expect(statSync(pack).mode & 0o777).toBe(0o555);
    expect(statSync(join(pack, PACK_TOKEN_FILE)).mode & 0o777).toBe(0o444);
    const r = await verifyPack(pack, { timestamps: { tsaCa: loadTsaCa(pki.caCert), requireTimestamp: true } });
    expect(r.problems).toEqual([]);
    expect(opensslVerify(pack, pki.caCert).ok).toBe(true);
    expect(bagitValidate(pack).ok).toBe(true);

    const again = await anchorPack(pack, { url: tsa.url });
    expect(again).toMatchObject({ added: false });
    expect(again.genTime?.getTime()).toBe(added.genTime?.getTime());
  });

  it('anchorPack reads no pack file through a link: a linked tag manifest or token is READ_FAILED, nothing written', async () => {
    const { cwd, pack } = await exported(undefined);
    // The tag manifest moved out and linked back, same bytes: a token over it would cover whatever
    // the link points at later, not the pack's own file.
    const copy = copyPack(pack, join(cwd, 'copy'));
    const tags = join(copy, PACK_TOKEN_COVERS);
    cpSync(tags, join(cwd, 'outside.txt'));
    rmSync(tags);
    symlinkSync(join(cwd, 'outside.txt'), tags);
    const err = await anchorPack(copy, { url: tsa.url }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe('READ_FAILED');
    expect(err?.message).toMatch(/ENOTREG/);
    expect(existsSync(join(copy, PACK_TOKEN_FILE))).toBe(false);
    // A token file that is a link to someone's token: not taken as the pack's ("already has one").
    const other = copyPack(pack, join(cwd, 'other'));
    writeFileSync(join(cwd, 'token.tsr'), 'x');
    symlinkSync(join(cwd, 'token.tsr'), join(other, PACK_TOKEN_FILE));
    await expect(anchorPack(other, { url: tsa.url })).rejects.toMatchObject({ code: 'READ_FAILED' });
  });

  it('an answer from an untrusted TSA is refused at export when trust anchors are configured', async () => {
    const { result, pack } = await exported({ url: rogueTsa.url, trustAnchors: loadTsaCa(pki.caCert) });
    expect(result.timestampError?.message).toMatch(/TIMESTAMP_UNTRUSTED/);
    expect(existsSync(join(pack, PACK_TOKEN_FILE))).toBe(false);
  });

  it('an HTTP error or an unreachable TSA is TSA_FAILED with the reason', async () => {
    const broken = await startTsa(pki, { mode: 'error500' });
    try {
      const { result } = await exported({ url: broken.url, timeoutMs: 2000 });
      expect(result.timestampError?.message).toMatch(/HTTP 500/);
    } finally {
      await broken.close();
    }
    // A port that was just free: nothing listens there.
    const gone = await startTsa(pki);
    await gone.close();
    const { result } = await exported({ url: gone.url, timeoutMs: 2000 });
    expect(result.timestampError?.code).toBe('TSA_FAILED');
    expect(result.timestampError?.message).toMatch(/ECONNREFUSED/);
  });
});
