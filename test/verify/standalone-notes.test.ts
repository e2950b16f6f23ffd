/**
 * A pack verified alone, unpinned by a trusted signature, cannot prove that it was not rewritten
 * whole, nor that the alert filter its alerts.jsonl was derived with is the one in force: verify
 * says so with stable warning codes (and only where it applies: not for a pack signed by a trusted
 * key, not for each pack of an artifacts directory, whose links pin them).
 */
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyArchive, verifyPack, verifyPath } from '../../src/verify/index.js';
import { writeEvents, exportTestDay } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from './helpers/forge.js';
import { PYTHON } from '../helpers/python.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));

async function pack(
  signed: boolean,
  policyFromConfigs = false,
): Promise<{ dir: string; artifacts: string; publicKey: import('node:crypto').KeyObject }> {
  const cwd = tempDir();
  if (policyFromConfigs) {
    // The policy comes from configs/ and no snapshot records it: nothing in the pack vouches for it.
    mkdirSync(join(cwd, 'configs'));
    writeFileSync(
      join(cwd, 'configs', 'compliance_policy.yaml'),
      'max_order_quantity: 2000000\nrequire_login: false\n',
    );
  }
  await writeEvents(join(cwd, 'logs'), [
    ['09:00:00', 'auth', 'LoginFailed', { user: 'ops', source_ip: '10.1.2.3' }],
    ['09:00:01', 'alert', 'Drawdown', { message: 'loss', severity: 'HIGH' }],
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const r = await exportTestDay(cwd, {
    snapshot: false,
    compliance: { cwd },
    ...(signed ? { signingKey: privateKey } : {}),
  });
  return { dir: r.path, artifacts: join(cwd, 'artifacts'), publicKey };
}

/** The pack directory as `<dir>.tar.gz` beside it, as `export --compress` lays it out. */
function tarOf(dir: string): string {
  const out = `${dir}.tar.gz`;
  execFileSync('tar', ['--format=posix', '--sort=name', '-czf', out, '-C', dirname(dir), basename(dir)]);
  return out;
}

/** A narrowed alert_filter with an alert dropped and every hash recomputed. */
function narrowFilter(dir: string): void {
  forgePack(dir, {
    payload: (data) => {
      const lines = readFileSync(join(data, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean);
      writeFileSync(
        join(data, 'alerts.jsonl'),
        lines
          .filter((l) => !l.includes('LoginFailed'))
          .map((l) => `${l}\n`)
          .join(''),
      );
    },
    manifest: (m) => {
      m.alert_filter.events = m.alert_filter.events.filter((e: string) => e !== 'auth.LoginFailed');
      m.rows.alerts -= 1;
    },
  });
}

const warned = (r: { problems: readonly { code: string; severity: string }[] }) =>
  r.problems.filter((p) => p.severity === 'warning').map((p) => p.code);

describe('what a pack verified alone (verifyPath, `auditpack verify PACK`) cannot prove', () => {
  it('an unsigned pack alone: PACK_UNSIGNED_UNPINNED, still intact (exit 0)', async () => {
    const { dir, artifacts } = await pack(false);
    const r = await verifyPath(dir);
    expect(r.ok).toBe(true);
    expect(warned(r)).toContain('PACK_UNSIGNED_UNPINNED');
    expect(warned(r)).not.toContain('ALERT_FILTER_UNBOUND'); // the default filter
    // In an artifacts directory the links speak instead: not repeated per pack.
    const a = await verifyArchive(artifacts);
    expect(JSON.stringify(a)).not.toContain('PACK_UNSIGNED_UNPINNED');
  });

  it('a narrowed alert_filter with an alert dropped and every hash recomputed: ALERT_FILTER_UNBOUND', async () => {
    const { dir } = await pack(false);
    narrowFilter(dir);
    const r = await verifyPath(dir);
    const w = r.problems.find((p) => p.code === 'ALERT_FILTER_UNBOUND');
    expect(w?.severity).toBe('warning');
    expect(w?.detail).toMatch(/events lacks "auth\.LoginFailed"/);
    // The independent checker says the same (it derives alerts.jsonl with the recorded filter too).
    const py = spawnSync(PYTHON, [CHECKER, dir, '--json'], { encoding: 'utf8' });
    const codes = (JSON.parse(py.stdout) as { findings: { code: string; severity: string }[] }).findings;
    expect(py.status).toBe(0);
    expect(codes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'ALERT_FILTER_UNBOUND', severity: 'warning' }),
        expect.objectContaining({ code: 'PACK_UNSIGNED_UNPINNED', severity: 'warning' }),
      ]),
    );
  });

  it('a pack signed by a key nobody trusted: PACK_UNSIGNED_UNPINNED as if unsigned, directory and .tar.gz', async () => {
    const { dir } = await pack(true, true);
    for (const path of [dir, tarOf(dir)]) {
      const r = await verifyPath(path);
      expect(r.ok).toBe(true);
      expect(warned(r).sort()).toEqual(['COMPLIANCE_POLICY_UNBOUND', 'PACK_UNSIGNED_UNPINNED']);
      expect(r.problems.find((p) => p.code === 'PACK_UNSIGNED_UNPINNED')?.detail).toMatch(
        /^the pack is signed, but by a key nobody trusted here/,
      );
      // Who signed is still said, as info.
      expect(r.problems.find((p) => p.code === 'PACK_SIGNATURE_NOT_CHECKED')?.severity).toBe('info');
    }
    const py = spawnSync(PYTHON, [CHECKER, dir, '--json'], { encoding: 'utf8' });
    const found = (JSON.parse(py.stdout) as { findings: { code: string; severity: string; message?: string }[] })
      .findings;
    expect(py.status).toBe(0);
    expect(found).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'PACK_UNSIGNED_UNPINNED', severity: 'warning' })]),
    );
  });

  it('a pack signed by a trusted key: none of these', async () => {
    const { dir, publicKey } = await pack(true);
    const trusted = await verifyPath(dir, { publicKeys: [publicKey] });
    // The library's pack check itself states facts only; verifyPath (the CLI's) adds these notes.
    expect((await verifyPack(dir)).problems.filter((p) => /UNBOUND|UNPINNED/.test(p.code))).toEqual([]);
    expect(trusted.problems.filter((p) => /UNBOUND|UNPINNED/.test(p.code))).toEqual([]);
  });

  it('a pack exported with the checks off says so alone (COMPLIANCE_CHECKS_OFF), signed by a trusted key too; one with them does not', async () => {
    const cwd = tempDir();
    await writeEvents(join(cwd, 'logs'), [['09:00:00', 'auth', 'LoginFailed', { user: 'ops', source_ip: '10.1.2.3' }]]);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const r = await exportTestDay(cwd, { snapshot: false, compliance: false, signingKey: privateKey });
    for (const path of [r.path, tarOf(r.path)]) {
      for (const options of [{}, { publicKeys: [publicKey] }]) {
        const v = await verifyPath(path, options);
        expect(v.ok).toBe(true); // intact: nothing in it is wrong, the checks are missing
        const off = v.problems.filter((p) => p.code === 'COMPLIANCE_CHECKS_OFF');
        expect(off.map((p) => [p.severity, p.file])).toEqual([['warning', 'manifest.json']]);
        expect(off[0]?.detail).toMatch(/compliance checks turned off/);
      }
    }
    // The library's pack check states facts only; the independent checker says the same.
    expect((await verifyPack(r.path)).problems.map((p) => p.code)).not.toContain('COMPLIANCE_CHECKS_OFF');
    const py = spawnSync(PYTHON, [CHECKER, r.path, '--json'], { encoding: 'utf8' });
    expect(py.status).toBe(0);
    expect((JSON.parse(py.stdout) as { findings: { code: string; severity: string }[] }).findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'COMPLIANCE_CHECKS_OFF', severity: 'warning' })]),
    );
    // A pack made with the checks: no such warning from either.
    const { dir } = await pack(false);
    expect((await verifyPath(dir)).problems.map((p) => p.code)).not.toContain('COMPLIANCE_CHECKS_OFF');
    const py2 = spawnSync(PYTHON, [CHECKER, dir, '--json'], { encoding: 'utf8' });
    expect(py2.stdout).not.toContain('COMPLIANCE_CHECKS_OFF');
  });

  it('a .tar.gz of the pack gets the same notes as its directory (policy and filter unbound)', async () => {
    const { dir } = await pack(false, true);
    narrowFilter(dir);
    const fromDir = await verifyPath(dir);
    expect(warned(fromDir).sort()).toEqual([
      'ALERT_FILTER_UNBOUND',
      'COMPLIANCE_POLICY_UNBOUND',
      'PACK_UNSIGNED_UNPINNED',
    ]);
    const fromTar = await verifyPath(tarOf(dir));
    expect(fromTar.ok).toBe(true);
    const notes = (r: typeof fromDir) =>
      r.problems.filter((p) => p.severity === 'warning').map((p) => `${p.code} ${p.file} ${p.detail}`);
    expect(notes(fromTar).sort()).toEqual(notes(fromDir).sort());
    // The bytes the notes were read from are not part of the report.
    expect('provenance' in fromTar).toBe(false);
  });
});
