/**
 * data/config_in_force.json (docs/FORMAT.md, "config_in_force.json"): after a full snapshot and a
 * narrow one (`--configs configs/risk.yaml`) on the same day, the pack's config of record is the
 * narrow one, which holds risk.yaml only; the file names the full snapshot's record for the policy
 * file and the narrow one's for risk.yaml. verify and tools/auditpack_check.py hold its entries to
 * data/config_snapshot.json's bytes and to the ConfigSnapshot events of the pack's log.
 *
 * The day is logged in-process at chosen clocks; export (signed), verify and the Python checker run
 * as the built CLI / the script.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { dayAgo, exportDay, keygen, recordSha, sha256, site, snap } from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { refreshPack } from '../verify/helpers/tamper-corpus.js';

const D = dayAgo(2);

interface Rec {
  id: string;
  sha: string;
}

interface Site {
  cwd: string;
  pack: string;
  full: Rec;
  narrow: Rec;
}

/** A snapshot of `patterns` at `iso`: its id and its record's SHA-256. */
async function record(cwd: string, iso: string, patterns: string[]): Promise<Rec> {
  const id = await snap(cwd, iso, patterns);
  return { id, sha: recordSha(cwd, id) };
}

/** A full snapshot on `first` (that day logged), then risk.yaml changed and snapshotted alone on D (D logged). */
async function fullThenNarrow(first: string): Promise<{ cwd: string; full: Rec; narrow: Rec }> {
  const cwd = site();
  const full = await record(cwd, `${first}T08:00:00Z`, ['configs/*.yaml']);
  if (first !== D) await logOrderDay(join(cwd, 'logs'), first);
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 2000000\n');
  const narrow = await record(cwd, `${D}T08:30:00Z`, ['configs/risk.yaml']);
  await logOrderDay(join(cwd, 'logs'), D);
  return { cwd, full, narrow };
}

/** Both snapshots on D, exported signed. */
async function signedSite(): Promise<Site> {
  const { cwd, full, narrow } = await fullThenNarrow(D);
  const key = keygen(cwd);
  return { cwd, pack: exportDay(cwd, D, { args: ['--signing-key', key] }).pack, full, narrow };
}

function inForce(pack: string): { files: { path: string; record: unknown }[]; other_files: unknown } {
  return JSON.parse(readFileSync(join(pack, 'data', 'config_in_force.json'), 'utf8'));
}

function verify(
  s: Site,
  target = s.pack,
): { ok: boolean; problems: { code: string; severity: string; file: string }[] } {
  const r = runCli(['verify', target, '--json', '--pubkey', join('keys', 'auditpack_ed25519.pub')], {
    cwd: s.cwd,
  });
  return JSON.parse(r.stdout);
}

/** Rewrites the entry of `path` (a forger without the key: every hash fixed, the signature dropped). */
function forge(s: Site, path: string, sha: string): void {
  const p = join(s.pack, 'data', 'config_in_force.json');
  const v = inForce(s.pack) as { files: { path: string; record: { record_sha256: string } }[] };
  for (const e of v.files) if (e.path === path) e.record.record_sha256 = sha;
  writeFileSync(p, `${JSON.stringify(v, null, 2)}\n`);
  refreshPack(s.pack);
}

describe('data/config_in_force.json', () => {
  it('after a full and a narrow snapshot it names each file’s record in force; verify, the Python checker and sha256sum -c pass', async () => {
    const s = await signedSite();
    // The config of record is the narrow snapshot: its own bytes.
    expect(sha256(readFileSync(join(s.pack, 'data', 'config_snapshot.json')))).toBe(s.narrow.sha);
    expect(inForce(s.pack)).toEqual({
      schema: 'auditpack-config-in-force/1',
      export_date: D,
      config_snapshot: { snapshot_id: s.narrow.id, record_sha256: s.narrow.sha },
      files: [
        { path: 'configs/compliance_policy.yaml', record: { snapshot_id: s.full.id, record_sha256: s.full.sha } },
        { path: 'configs/risk.yaml', record: { snapshot_id: s.narrow.id, record_sha256: s.narrow.sha } },
      ],
      other_files: null,
    });
    const man = readFileSync(join(s.pack, 'manifest-sha256.txt'), 'utf8');
    expect(man).toContain('  data/config_in_force.json\n');
    const v = verify(s);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(v.problems.map((p) => p.code)).not.toContain('CONFIG_IN_FORCE_UNBOUND');
    expect(pythonPackCheck(s.pack).errors).toEqual([]);
    const sum = spawnSync('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], { cwd: s.pack, encoding: 'utf8' });
    expect(sum.status, sum.stdout + sum.stderr).toBe(0);
  });

  it('an entry with another record_sha256 than its ConfigSnapshot event in the pack’s log is CONFIG_IN_FORCE_MISMATCH (both checkers)', async () => {
    const s = await signedSite();
    forge(s, 'configs/compliance_policy.yaml', s.narrow.sha);
    const v = verify(s);
    expect(v.ok).toBe(false);
    expect(v.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH')).toHaveLength(1);
    expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_MISMATCH');
    // The same pack as a .tar.gz: checked from the stream.
    spawnSync('tar', ['-czf', `${D}.tar.gz`, D], { cwd: join(s.cwd, 'art') });
    const t = verify(s, join(s.cwd, 'art', `${D}.tar.gz`));
    expect(t.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH')).toHaveLength(1);
  });

  it('the entry of data/config_snapshot.json’s snapshot must carry that file’s SHA-256 (both checkers)', async () => {
    const s = await signedSite();
    forge(s, 'configs/risk.yaml', s.full.sha);
    const v = verify(s);
    expect(v.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH')).toHaveLength(1);
    expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_MISMATCH');
  });

  it('the file removed from a signed pack is an error, as for any payload file (both checkers)', async () => {
    const s = await signedSite();
    rmSync(join(s.pack, 'data', 'config_in_force.json'));
    const v = verify(s);
    expect(v.ok).toBe(false);
    expect(v.problems.some((p) => p.severity === 'error' && p.file.endsWith('config_in_force.json'))).toBe(true);
    expect(pythonPackCheck(s.pack).errors.some((e) => (e.file ?? '').endsWith('config_in_force.json'))).toBe(true);
  });

  it('a malformed file (hashes fixed) is CONFIG_IN_FORCE_INVALID (both checkers)', async () => {
    const s = await signedSite();
    writeFileSync(join(s.pack, 'data', 'config_in_force.json'), '{"schema": "auditpack-config-in-force/1"}\n');
    refreshPack(s.pack);
    expect(verify(s).problems.map((p) => p.code)).toContain('CONFIG_IN_FORCE_INVALID');
    expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_INVALID');
  });

  it('an entry bound by an earlier day’s log: unbound in the pack alone, CONFIG_IN_FORCE_MISMATCH in the artifacts directory (pack logs, or --log-dir)', async () => {
    const A = dayAgo(3);
    const { cwd, full } = await fullThenNarrow(A);
    // Both days logged before either export (an export's event goes to today's file, after them).
    const ex = (d: string) => runCli(['export', '--date', d, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(ex(A).code).toBe(0);
    expect(ex(D).code).toBe(0);
    const pack = join(cwd, 'art', D);
    const policy = inForce(pack).files.find((e) => e.path === 'configs/compliance_policy.yaml');
    expect(policy?.record).toEqual({ snapshot_id: full.id, record_sha256: full.sha });
    const codes = (args: string[]) =>
      JSON.parse(runCli(['verify', ...args, '--json'], { cwd }).stdout) as {
        problems: { code: string }[];
        parts?: { problems: { code: string }[] }[];
      };
    const all = (r: ReturnType<typeof codes>) =>
      [...r.problems, ...(r.parts ?? []).flatMap((p) => p.problems)].map((p) => p.code);
    expect(all(codes([pack]))).toContain('CONFIG_IN_FORCE_UNBOUND');
    expect(all(codes(['art']))).not.toContain('CONFIG_IN_FORCE_MISMATCH');
    forge({ cwd, pack, full, narrow: full }, 'configs/compliance_policy.yaml', 'a'.repeat(64));
    expect(all(codes([pack]))).not.toContain('CONFIG_IN_FORCE_MISMATCH'); // the pack alone cannot tell
    expect(all(codes(['art']))).toContain('CONFIG_IN_FORCE_MISMATCH'); // A's pack log records full's hash
    // A's pack gone: the chain (the log directory) still records full's event with its own hash.
    rmSync(join(cwd, 'art', A), { recursive: true, force: true });
    const r = JSON.parse(runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd }).stdout) as {
      problems: { code: string; detail: string }[];
    };
    const found = r.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH');
    expect(found).toHaveLength(1);
    expect(found[0]?.detail).toContain('the log directory');
  });
  it('in an artifacts directory, CONFIG_IN_FORCE_UNBOUND is said once, and its hint fits: --log-dir when not given; given, the chain binds the entries', async () => {
    const A = dayAgo(4);
    const E = dayAgo(1);
    const { cwd, full } = await fullThenNarrow(A);
    await logOrderDay(join(cwd, 'logs'), E);
    // A's pack is never made: D's and E's policy entries (A's full snapshot; the config of record is
    // D's narrow one) are bound by no pack's log.
    for (const d of [D, E])
      expect(runCli(['export', '--date', d, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd }).code).toBe(0);
    expect(inForce(join(cwd, 'art', E)).files.find((e) => e.path === 'configs/compliance_policy.yaml')?.record).toEqual(
      {
        snapshot_id: full.id,
        record_sha256: full.sha,
      },
    );
    type Out = {
      problems: { code: string; file: string; detail: string }[];
      parts?: { problems: { code: string }[] }[];
    };
    const unbound = (args: string[]) => {
      const r = JSON.parse(runCli(['verify', 'art', ...args, '--json'], { cwd }).stdout) as Out;
      const inParts = (r.parts ?? []).flatMap((p) => p.problems).filter((p) => p.code === 'CONFIG_IN_FORCE_UNBOUND');
      return { top: r.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_UNBOUND'), inParts };
    };
    // --no-logs: verify reads the configured logs directory by default, when it exists.
    const alone = unbound(['--no-logs']);
    expect(alone.inParts).toEqual([]);
    expect(alone.top).toHaveLength(1);
    expect(alone.top[0]?.detail).toContain(`packs ${D}, ${E}`);
    expect(alone.top[0]?.detail).toContain('verify the artifacts directory with --log-dir');
    // With the log directory, the chain records A's snapshot with that hash: nothing is left unbound.
    for (const args of [['--log-dir', 'logs'], []]) {
      const withLogs = unbound(args);
      expect(withLogs.inParts).toEqual([]);
      expect(withLogs.top).toEqual([]);
    }
    // A pack verified alone still says what to do.
    const one = JSON.parse(runCli(['verify', join('art', E), '--json'], { cwd }).stdout) as Out;
    const said = one.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_UNBOUND');
    expect(said).toHaveLength(1);
    expect(said[0]?.detail).toContain('verify the artifacts directory with --log-dir');
  });
});
