/**
 * Signed pruned.jsonl lines (docs/FORMAT.md, "What a prune leaves behind"): the ledger line and the
 * PackPruned event are both the writer's word, the live log chained but not signed, so with a trusted
 * key only a line signed by it vouches that a pack went by retention (attack9 #02: a signed middle
 * day deleted, its line and one chained event forged, verified intact).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recordWriterEvent } from '../../src/logger/child.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/export.js';
import { prune } from '../../src/retention/index.js';
import { formatAllowedSignersLine } from '../../src/signing/keys.js';
import { verifyArchive, type VerifyReport } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';
import { days } from './helpers/archive-days.js';
import { makeWritable } from './helpers/forge.js';

const errorCodes = (r: VerifyReport): string[] =>
  [...new Set(r.problems.filter((p) => p.severity === 'error').map((p) => p.code))].sort();
const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const KEY = generateKeyPairSync('ed25519');
const OTHER = generateKeyPairSync('ed25519');
const NOW = Date.parse('2026-12-01T00:20:00Z');

/** Six signed days, 2026-11-25 … 11-30, and an allowed_signers file for the key. */
async function signedArchive() {
  const { root, logDir, artifactsDir, dates, opts } = await days();
  for (const d of dates) await exportPack(opts(d, { signingKey: KEY.privateKey }));
  const signers = join(root, 'allowed_signers');
  writeFileSync(signers, formatAllowedSignersLine('ops@example.com', KEY.publicKey));
  const pruneWith = (signingKey: typeof KEY.privateKey | undefined) =>
    prune({
      artifactsDir,
      retentionDays: 3,
      now: NOW,
      eventLogDir: logDir,
      loggerClock: () => NOW * 1000,
      ...(signingKey !== undefined ? { signingKey } : {}),
    });
  const python = (withSigners: boolean) => {
    const out = spawnSync(
      PYTHON,
      [CHECKER, artifactsDir, '--json', ...(withSigners ? ['--allowed-signers', signers] : [])],
      {
        encoding: 'utf8',
      },
    );
    return JSON.parse(out.stdout) as { ok: boolean; findings: { code: string; severity: string }[] };
  };
  return { root, logDir, artifactsDir, signers, pruneWith, python };
}

const at = () => NOW + 3_600_000;

describe('signed pruned.jsonl lines', () => {
  it('a prune with the key signs its lines: both checkers accept them, and ssh-keygen verifies one as FORMAT.md says', async () => {
    const s = await signedArchive();
    const { result } = await s.pruneWith(KEY.privateKey);
    expect(result?.packs.map((p) => p.name)).toEqual(['2026-11-25', '2026-11-26', '2026-11-27']);
    const r = await verifyArchive(s.artifactsDir, { publicKeys: [KEY.publicKey], logDir: s.logDir, now: at });
    expect(errorCodes(r)).toEqual([]);
    expect(s.python(true).findings.filter((f) => f.severity === 'error')).toEqual([]);
    // The auditor's recipe: the line up to ,"signature": closed by }, the signature to a file.
    const line = readFileSync(join(s.artifactsDir, 'pruned.jsonl'), 'utf8').split('\n')[0] as string;
    const sig = (JSON.parse(line) as { signature: string }).signature;
    const cut = line.lastIndexOf(',"signature":');
    writeFileSync(join(s.root, 'line.sig'), sig);
    const v = spawnSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', s.signers, '-I', 'ops@example.com', '-n', 'auditpack', '-s', join(s.root, 'line.sig')],
      { input: `${line.slice(0, cut)}}` },
    );
    expect(v.status).toBe(0);
  });

  it('a signed day deleted, its line and one chained PackPruned event forged: an error with the key, in both checkers', async () => {
    const s = await signedArchive();
    const ledger = join(s.artifactsDir, 'pruned.jsonl');
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256')
      .update(readFileSync(join(s.artifactsDir, '2026-11-27', 'manifest.json')))
      .digest('hex');
    makeWritable(join(s.artifactsDir, '2026-11-27'));
    rmSync(join(s.artifactsDir, '2026-11-27'), { recursive: true });
    appendFileSync(
      ledger,
      `${JSON.stringify({ export_date: '2026-11-27', manifest_sha256: sha, path: '2026-11-27', pruned_at: '2026-12-01T00:30:00.000Z' })}\n`,
    );
    const log = createAuditLogger({ logDir: s.logDir, handleExit: false, clock: () => NOW * 1000 });
    // (As prune records it: the attacker writes the same chained line.)
    await recordWriterEvent(log, 'system', 'PackPruned', {
      date: '2026-11-27',
      path: '2026-11-27',
      manifest_sha256: sha,
    });
    await log.close();
    const withKey = await verifyArchive(s.artifactsDir, { publicKeys: [KEY.publicKey], logDir: s.logDir, now: at });
    console.log(
      JSON.stringify(
        withKey.problems.filter((p) => p.severity === 'error'),
        null,
        1,
      ),
    );
    expect(errorCodes(withKey)).toEqual(['ARCHIVE_PRUNE_UNSIGNED']);
    // (The Python checker reads no live log: for it the entry also has no event, a day newer than a kept pack.)
    expect(
      s
        .python(true)
        .findings.filter((f) => f.severity === 'error')
        .map((f) => f.code),
    ).toContain('ARCHIVE_PRUNE_UNSIGNED');
    // Without a trusted key verify cannot say whose line it is: only a key turns an unsigned line into an error.
    expect(errorCodes(await verifyArchive(s.artifactsDir, { logDir: s.logDir, now: at }))).toEqual([]);
  });

  it('a signed line edited, moved after another member, or signed by another key is ARCHIVE_PRUNE_SIGNATURE_INVALID', async () => {
    const s = await signedArchive();
    await s.pruneWith(KEY.privateKey);
    const ledger = join(s.artifactsDir, 'pruned.jsonl');
    const lines = readFileSync(ledger, 'utf8').trim().split('\n');
    const first = lines[0] as string;
    const o = JSON.parse(first) as Record<string, string>;
    const { signSshsig } = await import('../../src/signing/sshsig.js');
    const forgeries = [
      first.replace('"pruned_at":"2026-12-01T00:20:00.000Z"', '"pruned_at":"2026-12-01T00:21:00.000Z"'),
      JSON.stringify({ signature: o.signature, ...o }),
      `${first.slice(0, first.lastIndexOf(',"signature":'))},"signature":${JSON.stringify(
        signSshsig(Buffer.from(`${first.slice(0, first.lastIndexOf(',"signature":'))}}`), OTHER.privateKey),
      )}}`,
    ];
    for (const forged of forgeries) {
      expect(forged).not.toBe(first);
      writeFileSync(ledger, `${[forged, ...lines.slice(1)].join('\n')}\n`);
      const r = await verifyArchive(s.artifactsDir, { publicKeys: [KEY.publicKey], logDir: s.logDir, now: at });
      expect(errorCodes(r)).toContain('ARCHIVE_PRUNE_SIGNATURE_INVALID');
      expect(s.python(true).findings.map((f) => f.code)).toContain('ARCHIVE_PRUNE_SIGNATURE_INVALID');
    }
  });

  it('a prune without the key keeps the signed packs, saying why', async () => {
    const s = await signedArchive();
    const { plan, result } = await s.pruneWith(undefined);
    expect(result?.packs).toEqual([]);
    expect(plan.skipped.filter((k) => k.reason.includes('signing key')).map((k) => k.name)).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
    ]);
    expect(readdirSync(s.artifactsDir).filter((n) => /^\d{4}-\d{2}-\d{2}$/.test(n))).toHaveLength(6);
  });
});
