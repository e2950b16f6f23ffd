import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { checkJsonOutput, nonSnakeKeys, SCHEMA_NAMES } from '../helpers/json-output.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * One sample day (the demo), then every command's --json over it: runCli checks each output against
 * its schema (test/helpers/json-output.ts); here the outputs are also held to what they must say.
 */
describe('--json outputs follow their shipped JSON Schemas', () => {
  it('the schemas are shipped with the package and cover every --json command', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.files).toContain('schemas');
    expect([...SCHEMA_NAMES].sort()).toEqual(
      expect.arrayContaining(['error', 'export', 'verify', 'check', 'check-order', 'prune', 'keygen', 'demo']),
    );
  });

  it('demo, export, verify (pack, .tar.gz, logs, artifacts), check, prune, keygen, snapshot: all valid, all snake_case', () => {
    const cwd = tempDir();
    const demo = runCli(['demo', '--json'], { cwd });
    expect(demo.code).toBe(0);
    const { date, pack_path: pack } = JSON.parse(demo.stdout);
    const ex = runCli(['export', '--date', date, '--force', '--compress', '--json'], { cwd });
    expect(ex.code).toBe(0);
    expect(JSON.parse(ex.stdout).superseded).toEqual({
      path: expect.any(String),
      manifest_sha256: expect.any(String),
      unrecorded: false,
    });
    for (const target of [pack, `${pack}.tar.gz`, 'logs', 'artifacts']) {
      const v = runCli(['verify', target, '--json'], { cwd });
      expect(v.code).toBe(0);
      expect(JSON.stringify(JSON.parse(v.stdout))).not.toMatch(/firstSeq|manifestSha256|createdAt/);
    }
    const check = runCli(['check', '--date', date, '--fail-on', 'never', '--json'], { cwd });
    expect(check.code).toBe(0);
    const order = JSON.parse(check.stdout).findings.find((f: { order_ids?: string[] }) => f.order_ids?.length)
      .order_ids[0];
    const one = runCli(['check', '--date', date, '--order', order, '--fail-on', 'never', '--json'], { cwd });
    expect(JSON.parse(one.stdout).events.length).toBeGreaterThan(0);
    expect(runCli(['prune', '--dry-run', '--json'], { cwd }).code).toBe(0);
    expect(runCli(['prune', '--json'], { cwd }).code).toBe(0);
    const kg = runCli(['keygen', '--out', 'k', '--json'], { cwd });
    expect(Object.keys(JSON.parse(kg.stdout))).toContain('private_key_path');
    expect(runCli(['snapshot', '--reason', 'schema test', '--allow-empty', '--json'], { cwd }).code).toBe(0);
    const list = JSON.parse(runCli(['snapshot', 'list', '--json'], { cwd }).stdout);
    expect(runCli(['snapshot', 'show', 'latest', '--json'], { cwd }).code).toBe(0);
    const ids = list.map((s: { snapshot_id: string }) => s.snapshot_id);
    expect(runCli(['snapshot', 'diff', ids.at(-1), ids[0], '--json'], { cwd }).code).toBe(0);
    expect(runCli(['export', '--date', date, '--json'], { cwd }).code).toBe(73);
  }, 180_000); // fifteen CLI processes one after another: over 60 s on a loaded machine (CI line 24 pre-check, load 40)

  it('verify --json of an artifacts directory with an unreadable or corrupt .tar.gz still follows the schema', () => {
    const cwd = tempDir();
    const demo = runCli(['demo', '--json'], { cwd });
    expect(demo.code).toBe(0);
    const { date } = JSON.parse(demo.stdout);
    expect(runCli(['export', '--date', date, '--force', '--compress', '--json'], { cwd }).code).toBe(0);
    const tar = join(cwd, 'artifacts', `${date}.tar.gz`);
    const whole = readFileSync(tar);
    // runCli holds every --json output to its schema (test/helpers/json-output.ts): it throws on drift.
    for (const bytes of [Buffer.from('not a gzip'), whole.subarray(0, Math.floor(whole.length / 2)), Buffer.alloc(0)]) {
      chmodSync(tar, 0o644);
      writeFileSync(tar, bytes);
      const v = runCli(['verify', 'artifacts', '--json'], { cwd });
      expect(v.code).toBe(1);
      const r = JSON.parse(v.stdout) as { problems: { code: string; file: string }[] };
      expect(r.problems).toContainEqual(expect.objectContaining({ code: 'PACK_TAR_INVALID' }));
      // The .tar.gz alone, too.
      expect(runCli(['verify', `artifacts/${date}.tar.gz`, '--json'], { cwd }).code).toBe(1);
    }
    // A pack directory whose manifest.json gives no chain: null, not left out (the date is its name's).
    const dir = join(cwd, 'artifacts', date);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'manifest.json'), 0o644);
    writeFileSync(join(dir, 'manifest.json'), '{}');
    for (const target of ['artifacts', `artifacts/${date}`]) {
      const v = runCli(['verify', target, '--json'], { cwd });
      expect(v.code).toBe(1);
      const r = JSON.parse(v.stdout) as { manifest?: unknown; parts?: { target: string; manifest?: unknown }[] };
      const m = target === 'artifacts' ? r.parts?.find((p) => p.target.endsWith(date))?.manifest : r.manifest;
      expect(m).toMatchObject({ manifest_sha256: expect.any(String), chain: null });
    }
    // Unreadable (not for root, who reads it anyway).
    if (process.getuid?.() !== 0) {
      writeFileSync(tar, whole);
      chmodSync(tar, 0o000);
      const v = runCli(['verify', 'artifacts', '--json'], { cwd });
      expect(v.code).toBe(1);
      chmodSync(tar, 0o644);
    }
  }, 120_000);

  it('a drifted shape is caught: a camelCase key, a missing key, an unknown top-level key', () => {
    const good = { ok: false, error: { code: 'USAGE', message: 'm', exit: 2 } };
    expect(() => checkJsonOutput(['x', '--json'], JSON.stringify(good), 2)).not.toThrow();
    expect(() =>
      checkJsonOutput(['x', '--json'], JSON.stringify({ ...good, error: { code: 'USAGE', exit: 2 } }), 2),
    ).toThrow(/schemas\/error.json/);
    expect(() => checkJsonOutput(['keygen', '--json'], JSON.stringify({ ok: true, privateKeyPath: 'k' }), 0)).toThrow(
      /schemas\/keygen.json/,
    );
    expect(() => checkJsonOutput(['x', '--json'], 'not json', 0)).toThrow(/not JSON/);
    expect(nonSnakeKeys({ a_b: { firstSeq: 1 }, files: { 'configs/riskLimits.yaml': {} } })).toEqual(['.a_b.firstSeq']);
  });
});
