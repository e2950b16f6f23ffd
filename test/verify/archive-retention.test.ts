/**
 * The age at pruning of each pruned.jsonl line (docs/FORMAT.md "What a prune leaves behind"):
 * retention is read from a config file a forger may write, so `export.retentionDays: 0` made the
 * key-holding job sign away every pack but the newest while both checkers stayed clean. Both now
 * hold `pruned_at` − `export_date` (signed fields) to the auditor's floor. And the two checkers agree
 * on a re-wrapped ledger signature and on a ledger whose last line lacks its newline.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { prune } from '../../src/retention/index.js';
import { formatAllowedSignersLine } from '../../src/signing/keys.js';
import { signSshsig } from '../../src/signing/sshsig.js';
import { verifyArchive, type VerifyReport } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';
import { days } from './helpers/archive-days.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const KEY = generateKeyPairSync('ed25519');
const NOW = Date.parse('2026-12-01T00:20:00Z');
const at = () => NOW + 3_600_000;

interface Found {
  code: string;
  severity: string;
  line: number | null;
}

/** Six signed days, 2026-11-25 … 11-30, pruned with the key at a 3-day retention: 11-25 … 11-27 go, 6, 5 and 4 days old. */
async function prunedArchive() {
  const { root, logDir, artifactsDir, dates, opts } = await days();
  for (const d of dates) await exportPack(opts(d, { signingKey: KEY.privateKey }));
  const signers = join(root, 'allowed_signers');
  writeFileSync(signers, formatAllowedSignersLine('ops@example.com', KEY.publicKey));
  const { result } = await prune({
    artifactsDir,
    retentionDays: 3,
    now: NOW,
    eventLogDir: logDir,
    loggerClock: () => NOW * 1000,
    signingKey: KEY.privateKey,
  });
  expect(result?.packs.map((p) => p.name)).toEqual(['2026-11-25', '2026-11-26', '2026-11-27']);
  const verify = async (minRetentionDays?: number): Promise<Found[]> => {
    const r: VerifyReport = await verifyArchive(artifactsDir, {
      publicKeys: [KEY.publicKey],
      logDir,
      now: at,
      ...(minRetentionDays !== undefined ? { minRetentionDays } : {}),
    });
    return r.problems.map((p) => ({ code: p.code, severity: p.severity, line: p.line ?? null }));
  };
  const python = (minRetentionDays?: number): Found[] => {
    const floor = minRetentionDays === undefined ? [] : ['--min-retention-days', String(minRetentionDays)];
    const out = spawnSync(PYTHON, [CHECKER, artifactsDir, '--json', '--allowed-signers', signers, ...floor], {
      encoding: 'utf8',
    });
    return (JSON.parse(out.stdout) as { findings: Found[] }).findings;
  };
  return { artifactsDir, verify, python };
}

/** A ledger line as a key-holding prune writes it: `fields` in order, signed over them, the signature last. */
function signedLine(fields: Record<string, unknown>): string {
  const { signature: _, ...rest } = fields;
  const message = JSON.stringify(rest);
  return `${message.slice(0, -1)},"signature":${JSON.stringify(signSshsig(Buffer.from(message), KEY.privateKey))}}`;
}

const early = (fs: readonly Found[]) =>
  fs.filter((f) => f.code === 'ARCHIVE_PRUNED_EARLY').map((f) => `${f.severity}:${f.line}`);
const errors = (fs: readonly Found[]) =>
  [...new Set(fs.filter((f) => f.severity === 'error').map((f) => f.code))].sort();

describe('the age at pruning (ARCHIVE_PRUNED_EARLY)', () => {
  it('at the default floor (90 days) every line pruned days after its day is a warning in both checkers', async () => {
    const s = await prunedArchive();
    const v = await s.verify();
    expect(early(v)).toEqual(['warning:1', 'warning:2', 'warning:3']);
    expect(errors(v)).toEqual([]);
    expect(early(s.python())).toEqual(['warning:1', 'warning:2', 'warning:3']);
    expect(errors(s.python())).toEqual([]);
  });

  it("the auditor's floor makes it an error, for exactly the lines pruned sooner; 0 turns it off", async () => {
    const s = await prunedArchive();
    // 11-25, 11-26, 11-27 were pruned 6.0, 5.0 and 4.0 days after their day began.
    expect(early(await s.verify(5))).toEqual(['error:3']);
    expect(early(s.python(5))).toEqual(['error:3']);
    expect(early(await s.verify(4))).toEqual([]);
    expect(early(s.python(4))).toEqual([]);
    expect(early(await s.verify(0))).toEqual([]);
    expect(early(s.python(0))).toEqual([]);
    expect(early(await s.verify(3650))).toEqual(['error:1', 'error:2', 'error:3']);
    expect(early(s.python(3650))).toEqual(['error:1', 'error:2', 'error:3']);
  });
});

describe('pruned.jsonl: the two checkers agree', () => {
  it('a signature re-wrapped (one more newline before END) still verifies, but is not the canonical armor: an error in both', async () => {
    const s = await prunedArchive();
    const p = join(s.artifactsDir, 'pruned.jsonl');
    chmodSync(p, 0o644);
    const text = readFileSync(p, 'utf8');
    writeFileSync(p, text.replace('\\n-----END', '\\n\\n-----END'));
    expect(errors(await s.verify())).toEqual(['ARCHIVE_PRUNE_SIGNATURE_INVALID']);
    expect(errors(s.python())).toEqual(['ARCHIVE_PRUNE_SIGNATURE_INVALID']);
  });

  it('a last line without its newline is not a ledger line in either (torn or edited), so the link to it breaks in both', async () => {
    const s = await prunedArchive();
    const p = join(s.artifactsDir, 'pruned.jsonl');
    chmodSync(p, 0o644);
    truncateSync(p, readFileSync(p).length - 1);
    const v = (await s.verify()).filter((f) => f.severity === 'error');
    const py = s.python().filter((f) => f.severity === 'error');
    expect(v.filter((f) => f.code === 'ARCHIVE_PRUNED_LEDGER_INVALID').map((f) => f.line)).toEqual([3]);
    expect(py.filter((f) => f.code === 'ARCHIVE_PRUNED_LEDGER_INVALID').map((f) => f.line)).toEqual([3]);
    expect(v.some((f) => f.code === 'ARCHIVE_LINK_BROKEN')).toBe(true);
    expect(py.some((f) => f.code === 'ARCHIVE_LINK_BROKEN')).toBe(true);
  });
});

describe('the retention on each pruned.jsonl line (retention_days, retention_source)', () => {
  const codes = (fs: readonly Found[]) => fs.filter((f) => f.severity === 'error').map((f) => `${f.code}:${f.line}`);

  it('a prune records the retention that removed each pack and where it came from; both checkers hold the line to it', async () => {
    const s = await prunedArchive();
    const p = join(s.artifactsDir, 'pruned.jsonl');
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect([first.retention_days, first.retention_source]).toEqual([3, 'caller']);
    expect(codes(await s.verify(4))).toEqual([]);
    expect(codes(s.python(4))).toEqual([]);
    // The key holder's line says a longer retention than the one that removed the pack (11-25 went
    // 6 days after its day: a retention of 6 or more days would have kept it).
    chmodSync(p, 0o644);
    const edited = [signedLine({ ...first, retention_days: 6 }), ...lines.slice(1)];
    writeFileSync(p, `${edited.join('\n')}\n`);
    expect(codes(await s.verify(4))).toEqual(['ARCHIVE_PRUNE_RETENTION_MISMATCH:1']);
    expect(codes(s.python(4))).toEqual(['ARCHIVE_PRUNE_RETENTION_MISMATCH:1']);
    // At 5 days it would have gone: nothing to say.
    writeFileSync(p, `${[signedLine({ ...first, retention_days: 5 }), ...lines.slice(1)].join('\n')}\n`);
    expect(codes(await s.verify(4))).toEqual([]);
    expect(codes(s.python(4))).toEqual([]);
  }, 240_000);

  it('a line written before prune recorded its retention still verifies; a malformed or half retention is not a ledger line', async () => {
    const s = await prunedArchive();
    const p = join(s.artifactsDir, 'pruned.jsonl');
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    const {
      retention_days: _d,
      retention_source: _s,
      ...old
    } = JSON.parse(lines[0] as string) as Record<string, unknown>;
    chmodSync(p, 0o644);
    writeFileSync(p, `${[signedLine(old), ...lines.slice(1)].join('\n')}\n`);
    expect(codes(await s.verify(4))).toEqual([]);
    expect(codes(s.python(4))).toEqual([]);
    // A half retention (the source cut away): not a line prune writes (the other malformed
    // retentions are test/format/pruned-ledger.test.ts's).
    writeFileSync(p, `${[signedLine({ ...old, retention_days: 3 }), ...lines.slice(1)].join('\n')}\n`);
    expect(codes(await s.verify(4))).toContain('ARCHIVE_PRUNED_LEDGER_INVALID:1');
    expect(codes(s.python(4))).toContain('ARCHIVE_PRUNED_LEDGER_INVALID:1');
  }, 240_000);
});
