/**
 * A record in the snapshot store written under older redaction rules (here: its reason holds a
 * secret in clear, written with redaction off, as rules that did not catch it left it), which today's rules catch a secret in: export
 * writes data/config_snapshot.json as that record redacted again, not its bytes, and says so in
 * data/config_in_force.json (`config_snapshot_redacted_again`). verify and tools/auditpack_check.py
 * then warn (CONFIG_SNAPSHOT_REDACTED_AGAIN) instead of failing an honest pack; a pack that does not
 * declare it still fails (CONFIG_IN_FORCE_MISMATCH), and a flag on a file that is the record's own
 * bytes is a false claim (CONFIG_IN_FORCE_INVALID).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import {
  type SnapshotPack,
  dayAgo,
  exportDay,
  keygen,
  sha256,
  site as newSite,
  takeSnapshot,
} from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { refreshPack } from '../verify/helpers/tamper-corpus.js';

const D = dayAgo(2);
const A = dayAgo(3);
const SECRET = 'sk_live_51HfakeFAKEfake0123456789abcdef';

type Site = SnapshotPack;

/** A snapshot taken on `snapDay` with redaction `off` (older rules), the day D logged and exported. */
async function site(snapDay: string, off: boolean): Promise<Site> {
  const cwd = newSite();
  // The secret in the snapshot's reason: with redaction off it is stored in clear, as rules that
  // did not catch it left it; today's rules catch it.
  const s = await takeSnapshot(cwd, `${snapDay}T08:00:00Z`, {
    reason: `rotated api_key: ${SECRET}`,
    patterns: ['configs/*.yaml'],
    ...(off ? { redaction: { enabled: false } } : {}),
  });
  const record = readFileSync(join(cwd, 'audit', 'snapshots', `${s.snapshot_id}.json`));
  expect(record.includes(SECRET)).toBe(off);
  await logOrderDay(join(cwd, 'logs'), D);
  const key = keygen(cwd);
  const { pack } = exportDay(cwd, D, { args: ['--signing-key', key] });
  return { cwd, pack, id: s.snapshot_id, sha: sha256(record) };
}

interface Problem {
  code: string;
  severity: string;
  file: string;
  detail: string;
}

function verify(s: Site): { code: number; ok: boolean; problems: Problem[] } {
  const r = runCli(['verify', s.pack, '--json', '--pubkey', join('keys', 'auditpack_ed25519.pub')], { cwd: s.cwd });
  return { code: r.code, ...JSON.parse(r.stdout) };
}

const inForcePath = (s: Site): string => join(s.pack, 'data', 'config_in_force.json');
const errorsOf = (ps: readonly { code: string; severity: string }[]): string[] =>
  ps.filter((p) => p.severity === 'error').map((p) => p.code);

/** Rewrites data/config_in_force.json (a forger without the key: every hash fixed, the signature dropped). */
function rewrite(s: Site, edit: (v: Record<string, unknown>) => void): void {
  const v = JSON.parse(readFileSync(inForcePath(s), 'utf8')) as Record<string, unknown>;
  edit(v);
  writeFileSync(inForcePath(s), `${JSON.stringify(v, null, 2)}\n`);
  refreshPack(s.pack);
}

describe('data/config_snapshot.json redacted again at export (a record under older rules)', () => {
  it('a snapshot of the pack’s own day: declared in config_in_force.json; verify and the Python checker warn, no error (exit 0)', async () => {
    const s = await site(D, true);
    const snapshotFile = readFileSync(join(s.pack, 'data', 'config_snapshot.json'));
    expect(snapshotFile.includes(SECRET)).toBe(false);
    expect(sha256(snapshotFile)).not.toBe(s.sha);
    const inForce = JSON.parse(readFileSync(inForcePath(s), 'utf8'));
    expect(inForce.schema).toBe('auditpack-config-in-force/1');
    expect(inForce.config_snapshot_redacted_again).toEqual({ snapshot_id: s.id, record_sha256: s.sha, rules: 20 });
    for (const e of inForce.files) expect(e.record).toEqual({ snapshot_id: s.id, record_sha256: s.sha });
    const v = verify(s);
    expect(errorsOf(v.problems)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.code).toBe(0);
    const w = v.problems.filter((p) => p.code === 'CONFIG_SNAPSHOT_REDACTED_AGAIN');
    expect(w).toHaveLength(1);
    expect(w[0]?.severity).toBe('warning');
    expect(w[0]?.detail).toContain(`sha256 ${s.sha}`);
    expect(w[0]?.detail).toContain('rules 20');
    const py = pythonPackCheck(s.pack);
    expect(py.errors).toEqual([]);
    expect(py.status).toBe(0);
  });

  it('a snapshot of an earlier day: the same warning, no error (both checkers)', async () => {
    const s = await site(A, true);
    const v = verify(s);
    expect(errorsOf(v.problems)).toEqual([]);
    expect(v.problems.map((p) => p.code)).toContain('CONFIG_SNAPSHOT_REDACTED_AGAIN');
    expect(pythonPackCheck(s.pack).errors).toEqual([]);
  });

  it('the same pack without the declaration (hashes fixed) is CONFIG_IN_FORCE_MISMATCH and COMPLIANCE_REPORT_MISMATCH (both checkers)', async () => {
    const s = await site(D, true);
    rewrite(s, (v) => {
      delete v.config_snapshot_redacted_again;
    });
    const v = verify(s);
    expect(v.ok).toBe(false);
    expect(errorsOf(v.problems)).toContain('CONFIG_IN_FORCE_MISMATCH');
    expect(errorsOf(v.problems)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(v.problems.map((p) => p.code)).not.toContain('CONFIG_SNAPSHOT_REDACTED_AGAIN');
    expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_MISMATCH');
  });

  it('a declaration whose record_sha256 the log does not record is CONFIG_IN_FORCE_MISMATCH and COMPLIANCE_REPORT_MISMATCH (both checkers)', async () => {
    const s = await site(D, true);
    const other = 'b'.repeat(64);
    rewrite(s, (v) => {
      (v.config_snapshot_redacted_again as { record_sha256: string }).record_sha256 = other;
      for (const e of v.files as { record: { record_sha256: string } }[]) e.record.record_sha256 = other;
    });
    const v = verify(s);
    expect(errorsOf(v.problems)).toContain('CONFIG_IN_FORCE_MISMATCH');
    expect(errorsOf(v.problems)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_MISMATCH');
  });

  it('a declaration on a pack whose file is the record’s own bytes is a false claim: CONFIG_IN_FORCE_INVALID (both checkers)', async () => {
    const s = await site(D, false);
    const inForce = JSON.parse(readFileSync(inForcePath(s), 'utf8'));
    expect(inForce).not.toHaveProperty('config_snapshot_redacted_again');
    expect(sha256(readFileSync(join(s.pack, 'data', 'config_snapshot.json')))).toBe(s.sha);
    rewrite(s, (v) => {
      v.config_snapshot_redacted_again = { snapshot_id: s.id, record_sha256: s.sha, rules: 20 };
    });
    const v = verify(s);
    expect(errorsOf(v.problems)).toContain('CONFIG_IN_FORCE_INVALID');
    expect(v.problems.map((p) => p.code)).not.toContain('CONFIG_SNAPSHOT_REDACTED_AGAIN');
    expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_INVALID');
  });

  it('a declaration naming another snapshot, or malformed, is CONFIG_IN_FORCE_INVALID (both checkers)', async () => {
    const s = await site(D, false);
    for (const bad of [
      { snapshot_id: '20000101T000000.000000Z-000', record_sha256: 'c'.repeat(64), rules: 20 },
      { snapshot_id: s.id, record_sha256: 'c'.repeat(64), rules: 0 },
      { snapshot_id: s.id, record_sha256: 'C'.repeat(64), rules: 20 },
    ]) {
      rewrite(s, (v) => {
        v.config_snapshot_redacted_again = bad;
      });
      expect(errorsOf(verify(s).problems)).toContain('CONFIG_IN_FORCE_INVALID');
      expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_INVALID');
    }
  });
});
