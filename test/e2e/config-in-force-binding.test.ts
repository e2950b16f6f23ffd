/**
 * data/config_in_force.json names data/config_snapshot.json's snapshot (`config_snapshot`), and
 * what export writes there is the bytes it hashed (docs/FORMAT.md, "config_in_force.json", verify
 * step 10; docs/decisions.md, "config_in_force.json: what an outside pass found"):
 *
 * - a store writer who swaps the config of record's file between export's reads (simulated
 *   deterministically: a `--require` preload hooking fs/promises.readFile swaps the file for the
 *   first read of it and puts it back) gets nothing into the pack: there is one read. The store's
 *   readers no longer call fs/promises.readFile (one read through a file handle since at41), so this
 *   hook now swaps nothing and the case holds the export's honest result only; the swap at each
 *   open an export makes is test/e2e/config-record-one-read.test.ts's;
 * - a config_snapshot.json of another snapshot (a planted record) in a re-signed pack is
 *   CONFIG_IN_FORCE_MISMATCH in both checkers; without the field (packs of earlier versions) it is
 *   not held, as before;
 * - a record written under older rules whose file *name* holds a secret: config_in_force.json's
 *   paths are redacted as config_snapshot.json's names are;
 * - the Python checker prints a finding quoting a lone surrogate (`"\ud800"`, valid JSON) escaped,
 *   never a traceback.
 *
 * The days are logged in-process at chosen clocks; export (signed), verify and the Python checker
 * run as the built CLI / the script.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { signSshsig } from '../../src/signing/sshsig.js';
import { loadSigningKey } from '../../src/signing/keys.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { refreshPack } from '../verify/helpers/tamper-corpus.js';

const dayAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const D = dayAgo(2);
const A = dayAgo(3);
const micros = (iso: string): number => Date.parse(iso) * 1000;
const POLICY = readFileSync(fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)), 'utf8');
const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** An AWS access key id (the documented example): the built-in rules redact it. */
const SECRET = 'AKIAIOSFODNN7EXAMPLE';

interface Site {
  cwd: string;
  pack: string;
  id: string;
  sha: string;
  /** A record of another snapshot id (never logged), configs/risk.yaml's hash changed. */
  planted: string;
}

/**
 * A snapshot of `risk` (and the policy) on `snapDay` (redaction off: older rules), day D logged,
 * keys made; exported (signed) unless `exportEnv` is false.
 */
async function site(
  opts: { risk?: string; snapDay?: string; off?: boolean; exportEnv?: Record<string, string> | false } = {},
): Promise<Site> {
  const cwd = tempDir();
  const risk = opts.risk ?? 'configs/risk.yaml';
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
  writeFileSync(join(cwd, risk), 'max_order_notional: 1000000\n');
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => micros(`${opts.snapDay ?? D}T06:00:00Z`),
    logDir: join(cwd, 'logs'),
    patterns: ['configs/*.yaml'],
    ...(opts.off === true ? { redaction: { enabled: false } } : {}),
  });
  const recordFile = join(cwd, 'audit', 'snapshots', `${s.snapshot_id}.json`);
  const record = readFileSync(recordFile);
  const rec = JSON.parse(record.toString('utf8'));
  rec.snapshot_id = `${D.replaceAll('-', '')}T230000.000000Z-000`;
  rec.timestamp = `${D}T23:00:00.000000Z`;
  rec.reason = 'planted';
  rec.files[risk].hash = 'f'.repeat(64);
  const planted = join(cwd, 'planted.json');
  writeFileSync(planted, `${JSON.stringify(rec, null, 2)}\n`);
  await logOrderDay(join(cwd, 'logs'), D);
  expect(runCli(['keygen', '--out', 'keys'], { cwd }).code).toBe(0);
  const site = { cwd, pack: join(cwd, 'art', D), id: s.snapshot_id, sha: sha256(record), planted };
  if (opts.exportEnv !== false) exportDay(site, opts.exportEnv);
  return site;
}

function exportDay(s: Site, env: Record<string, string> = {}): void {
  const key = join(s.cwd, 'keys', 'auditpack_ed25519');
  const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art', '--signing-key', key], {
    cwd: s.cwd,
    env,
  });
  expect(r.code, r.stderr).toBe(0);
}

interface Problem {
  code: string;
  severity: string;
  detail: string;
}

function verify(s: Site): { ok: boolean; problems: Problem[] } {
  const r = runCli(['verify', s.pack, '--json', '--pubkey', join('keys', 'auditpack_ed25519.pub')], { cwd: s.cwd });
  return JSON.parse(r.stdout);
}

const errorsOf = (ps: readonly { code: string; severity: string }[]): string[] =>
  ps.filter((p) => p.severity === 'error').map((p) => p.code);
const inForcePath = (s: Site): string => join(s.pack, 'data', 'config_in_force.json');
const snapshotPath = (s: Site): string => join(s.pack, 'data', 'config_snapshot.json');

/** Every hash fixed after an edit, and signed again with the pack's own key (an insider holding it). */
function resign(s: Site): void {
  refreshPack(s.pack);
  const tag = readFileSync(join(s.pack, 'tagmanifest-sha256.txt'));
  const key = loadSigningKey(join(s.cwd, 'keys', 'auditpack_ed25519'));
  writeFileSync(join(s.pack, 'tagmanifest-sha256.txt.sig'), signSshsig(tag, key));
}

/**
 * A preload that swaps snapshot `id`'s record file for `planted` during the first fs/promises.readFile
 * of it, and puts the real record back right after: a store writer winning a race between two reads.
 */
function swapHook(dir: string): string {
  const hook = join(dir, 'swap-hook.cjs');
  writeFileSync(
    hook,
    `const fsp = require('node:fs/promises'); const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
const orig = fsp.readFile; let done = false;
fsp.readFile = async function (p, ...rest) {
  if (!done && typeof p === 'string' && p.endsWith(process.env.SWAP_ID + '.json')) {
    done = true; const real = fs.readFileSync(p); fs.copyFileSync(process.env.SWAP_WITH, p);
    try { return await orig.call(this, p, ...rest); } finally { fs.writeFileSync(p, real); }
  }
  return orig.call(this, p, ...rest);
};
syncBuiltinESMExports();
`,
  );
  return hook;
}

describe('data/config_in_force.json binds data/config_snapshot.json', () => {
  it('export copies the bytes it hashed: a record swapped in the store between reads does not reach the pack', async () => {
    const s = await site({ exportEnv: false });
    const hook = swapHook(s.cwd);
    exportDay(s, { NODE_OPTIONS: `--require ${hook}`, SWAP_ID: s.id, SWAP_WITH: s.planted });
    const file = readFileSync(snapshotPath(s));
    expect(JSON.parse(file.toString('utf8')).snapshot_id).toBe(s.id);
    expect(sha256(file)).toBe(s.sha);
    const inForce = JSON.parse(readFileSync(inForcePath(s), 'utf8'));
    expect(inForce.config_snapshot).toEqual({ snapshot_id: s.id, record_sha256: s.sha });
    const v = verify(s);
    expect(errorsOf(v.problems)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(pythonPackCheck(s.pack).errors).toEqual([]);
  });

  it('a config_snapshot.json of another snapshot in a re-signed pack is CONFIG_IN_FORCE_MISMATCH (both checkers)', async () => {
    const s = await site();
    writeFileSync(snapshotPath(s), readFileSync(s.planted));
    resign(s);
    const v = verify(s);
    expect(v.ok).toBe(false);
    const m = v.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH');
    expect(m.map((p) => p.detail).join('\n')).toContain(`config_snapshot names snapshot ${s.id}`);
    const py = pythonPackCheck(s.pack);
    expect(py.errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_MISMATCH');
    expect(py.status).toBe(1);
  });

  it('config_snapshot null while config_snapshot.json is a record, or another record_sha256, is CONFIG_IN_FORCE_MISMATCH (both checkers)', async () => {
    const s = await site();
    const original = readFileSync(inForcePath(s), 'utf8');
    for (const named of [null, { snapshot_id: s.id, record_sha256: 'b'.repeat(64) }]) {
      const v = JSON.parse(original);
      v.config_snapshot = named;
      writeFileSync(inForcePath(s), `${JSON.stringify(v, null, 2)}\n`);
      resign(s);
      expect(errorsOf(verify(s).problems)).toEqual(['CONFIG_IN_FORCE_MISMATCH']);
      expect(pythonPackCheck(s.pack).errors.map((e) => e.code)).toEqual(['CONFIG_IN_FORCE_MISMATCH']);
    }
  });

  it('a pack without the field (earlier versions) does not hold config_snapshot.json’s snapshot, as before', async () => {
    const s = await site();
    const v0 = JSON.parse(readFileSync(inForcePath(s), 'utf8'));
    delete v0.config_snapshot;
    writeFileSync(inForcePath(s), `${JSON.stringify(v0, null, 2)}\n`);
    resign(s);
    expect(errorsOf(verify(s).problems)).toEqual([]);
    expect(pythonPackCheck(s.pack).errors).toEqual([]);
  });

  it('a record under older rules whose file name holds a secret: config_in_force.json names it redacted (both checkers pass)', async () => {
    const s = await site({ risk: `configs/${SECRET}.yaml`, snapDay: A, off: true });
    for (const f of readdirSync(join(s.pack, 'data')))
      expect(readFileSync(join(s.pack, 'data', f)).includes(SECRET), f).toBe(false);
    const inForce = JSON.parse(readFileSync(inForcePath(s), 'utf8'));
    const names = Object.keys(JSON.parse(readFileSync(snapshotPath(s), 'utf8')).files).sort();
    expect(inForce.files.map((e: { path: string }) => e.path)).toEqual(names);
    expect(names).toContain('configs/[REDACTED].yaml');
    const v = verify(s);
    expect(errorsOf(v.problems)).toEqual([]);
    expect(v.problems.map((p) => p.code)).toContain('CONFIG_SNAPSHOT_REDACTED_AGAIN');
    expect(pythonPackCheck(s.pack).errors).toEqual([]);
  });

  it('the Python checker prints a finding holding a lone surrogate escaped, not a traceback', async () => {
    const s = await site();
    const v = JSON.parse(readFileSync(inForcePath(s), 'utf8'));
    v.files.push({ path: 'configs/\ud800.yaml', record: { snapshot_id: s.id, record_sha256: '0'.repeat(64) } });
    writeFileSync(inForcePath(s), `${JSON.stringify(v, null, 2)}\n`);
    refreshPack(s.pack);
    const r = spawnSync(PYTHON, [CHECKER, s.pack], { encoding: 'utf8' });
    expect(r.stderr).not.toContain('Traceback');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('CONFIG_IN_FORCE_MISMATCH');
    expect(r.stdout).toContain('configs/\\ud800.yaml');
  });
});

describe('data/config_snapshot.json held to the pack’s own log by both checkers (at41 F6)', () => {
  it('a forged record of the same snapshot, config_in_force.json following its hash, in a re-signed pack fails both checkers', async () => {
    const s = await site();
    const rec = JSON.parse(readFileSync(snapshotPath(s), 'utf8'));
    rec.files['configs/risk.yaml'].hash = 'f'.repeat(64);
    rec.reason = 'forged';
    const forged = Buffer.from(`${JSON.stringify(rec, null, 2)}\n`);
    writeFileSync(snapshotPath(s), forged);
    writeFileSync(inForcePath(s), readFileSync(inForcePath(s), 'utf8').replaceAll(s.sha, sha256(forged)));
    resign(s);
    expect(verify(s).ok).toBe(false);
    const py = pythonPackCheck(s.pack);
    expect(py.errors.map((e) => e.code)).toContain('CONFIG_IN_FORCE_MISMATCH');
    expect(py.status).toBe(1);
  });
});
