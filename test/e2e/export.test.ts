/**
 * End to end: the built CLI in a fresh directory, like cron or an auditor would run it. The pack
 * is checked with the auditor's own tools: sha256sum -c, ssh-keygen -Y verify, python3's csv.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonCsvRows, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

const DATE = '2025-09-08';

function yesterday(): string {
  return new Date((Math.floor(Date.now() / 86_400_000) - 1) * 86_400_000).toISOString().slice(0, 10);
}

describe('auditpack keygen + export: a signed pack an auditor checks with standard tools', () => {
  it('exports, and sha256sum -c, ssh-keygen -Y verify and python csv (strict) all accept the pack', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    await writeDay(join(cwd, 'logs'), DATE, SAMPLE_EVENTS);

    const kg = runCli(['keygen', '--identity', 'exports@desk.example'], { cwd });
    expect(kg.code, kg.stderr).toBe(0);
    expect(kg.stdout.trim().split('\n')).toHaveLength(1);
    const key = join(cwd, '.auditpack-keys', 'auditpack_ed25519');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(runCli(['keygen'], { cwd }).code).toBe(73); // KEY_EXISTS

    const r = runCli(['export', '--date', DATE], { cwd, env: { AUDITPACK_SIGNING_KEY: key } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `exported ${DATE} → .*artifacts/${DATE} \\(9 events, 2 orders, 2 fills, 4 alerts, signed, \\d+ compliance finding\\(s\\).*\\); manifest sha256 [0-9a-f]{64}`,
      ),
    );
    const pack = join(cwd, 'artifacts', DATE);

    // The auditor's commands, exactly as the README gives them.
    const sums = spawnSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: pack, encoding: 'utf8' });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    // Twelve payload files: the log, CSVs, alerts, config (with config_in_force.json), the compliance
    // files and the carried states.
    expect(sums.stdout.match(/: OK$/gm)).toHaveLength(12);
    const tags = spawnSync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], { cwd: pack, encoding: 'utf8' });
    expect(tags.status).toBe(0);
    const sig = spawnSync(
      'ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        join(cwd, '.auditpack-keys', 'allowed_signers'),
        '-I',
        'exports@desk.example',
        '-n',
        'auditpack',
        '-s',
        'tagmanifest-sha256.txt.sig',
      ],
      { cwd: pack, input: readFileSync(join(pack, 'tagmanifest-sha256.txt')), encoding: 'utf8' },
    );
    expect(sig.status, sig.stderr).toBe(0);
    expect(sig.stdout).toContain('Good "auditpack" signature for exports@desk.example');

    const orders = pythonCsvRows(join(pack, 'data', 'orders.csv'));
    expect(orders).toHaveLength(3);
    expect(orders[2]?.[3]).toBe(`'=HYPERLINK("x")`);

    // auditpack's own verifier agrees, with the signer trusted.
    const v = runCli(['verify', pack, '--allowed-signers', join(cwd, '.auditpack-keys', 'allowed_signers')], { cwd });
    expect(v.code, v.stdout + v.stderr).toBe(0);

    // The export is itself on the record.
    const logged = readdirSync(join(cwd, 'logs')).filter((f) => f !== 'audit-20250908.jsonl' && f.endsWith('.jsonl'));
    const lastEvent = JSON.parse(
      readFileSync(join(cwd, 'logs', logged.sort().at(-1) as string), 'utf8')
        .trim()
        .split('\n')
        .at(-1) as string,
    );
    expect(lastEvent).toMatchObject({ category: 'system', event: 'PackExported', date: DATE });
  });

  it('--json prints one JSON document; a second export is PACK_EXISTS (73); --force keeps the old one', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    await writeDay(join(cwd, 'logs'), DATE, SAMPLE_EVENTS);
    const r = runCli(['export', '--date', DATE, '--json', '--compress'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      ok: true,
      date: DATE,
      signed: false,
      events: { total: 9 },
      rows: { orders: 2, fills: 2, alerts: 4 },
    });
    expect(existsSync(join(cwd, 'artifacts', `${DATE}.tar.gz`))).toBe(true);
    const again = runCli(['export', '--date', DATE], { cwd });
    expect(again.code).toBe(73);
    expect(again.stderr).toContain('PACK_EXISTS');
    const forced = runCli(['export', '--date', DATE, '--force', '--json'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).superseded.manifest_sha256).toBe(j.manifest_sha256);
    // The old pack's .tar.gz went aside with it: no stale archive beside the new pack.
    expect(readdirSync(join(cwd, 'artifacts')).sort()).toEqual([
      '.export.lock',
      DATE,
      `${DATE}.v1`,
      `${DATE}.v1.tar.gz`,
    ]);
  });

  it('malformed lines: the pack is written, lines reported on stderr, exit 3 (WARNINGS)', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    await writeDay(join(cwd, 'logs'), DATE, SAMPLE_EVENTS.slice(0, 2));
    appendFileSync(join(cwd, 'logs', 'audit-20250908.jsonl'), '{"torn');
    const r = runCli(['export', '--date', DATE], { cwd });
    expect(r.code).toBe(3);
    // The torn tail is recovered before the day is read (docs/FORMAT.md, "Torn lines and recovery"):
    // the pack holds it as a recovered fragment, followed by its TornLineRecovered event.
    expect(r.stderr).toMatch(/malformed line 3 \(offset \d+, 6 bytes\): recovered-fragment/);
    expect(r.stdout).toMatch(/exported 2025-09-08 .*1 malformed line/);
    const m = JSON.parse(readFileSync(join(cwd, 'artifacts', DATE, 'manifest.json'), 'utf8'));
    expect(m.events.malformed_lines).toBe(1);
  });

  it('a missing logs dir is LOGS_DIR_MISSING (66); a bad date is a usage error (2); no pack is left behind', () => {
    const cwd = tempDir();
    const r = runCli(['export', '--date', DATE], { cwd });
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('LOGS_DIR_MISSING');
    expect(runCli(['export', '--date', '2025-02-30'], { cwd }).code).toBe(2);
    expect(existsSync(join(cwd, 'artifacts')) ? readdirSync(join(cwd, 'artifacts')) : []).toEqual([]);
  });

  it('settings come from flag > environment > config file > default', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'trail'));
    await writeDay(join(cwd, 'trail'), DATE, SAMPLE_EVENTS.slice(0, 2));
    writeFileSync(
      join(cwd, 'auditpack.config.json'),
      JSON.stringify({ logDir: 'trail', export: { baseDir: 'from-file', includeConfigDiffs: false } }),
    );
    const a = runCli(['export', '--date', DATE, '--json'], { cwd });
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).path).toBe(join(cwd, 'from-file', DATE));
    expect(readFileSync(join(cwd, 'from-file', DATE, 'data', 'config.diff'), 'utf8')).toContain('not included');
    const b = runCli(['export', '--date', DATE, '--json'], { cwd, env: { EXPORT_BASE_DIR: 'from-env' } });
    expect(JSON.parse(b.stdout).path).toBe(join(cwd, 'from-env', DATE));
    const c = runCli(['export', '--date', DATE, '--json', '--artifacts-dir', 'from-flag'], {
      cwd,
      env: { EXPORT_BASE_DIR: 'from-env' },
    });
    expect(JSON.parse(c.stdout).path).toBe(join(cwd, 'from-flag', DATE));
    const bad = runCli(['export', '--date', DATE], { cwd, env: { EXPORT_RETENTION_DAYS: 'soon' } });
    expect(bad.code).toBe(78);
  });
});

describe('auditpack export: every flag and variable reaches the library', () => {
  it('EXPORT_COMPRESS_PACKAGES, EXPORT_INCLUDE_CONFIG_DIFFS, --no-config-diffs, --compress, --retention-days, EXPORT_RETENTION_DAYS', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    for (const d of ['2025-09-01', '2025-09-02', DATE]) await writeDay(join(cwd, 'logs'), d, SAMPLE_EVENTS.slice(0, 2));
    const a = runCli(['export', '--date', '2025-09-01', '--json'], {
      cwd,
      env: { EXPORT_COMPRESS_PACKAGES: 'true', EXPORT_INCLUDE_CONFIG_DIFFS: 'false', EXPORT_RETENTION_DAYS: '100000' },
    });
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).archive).toBe(join(cwd, 'artifacts', '2025-09-01.tar.gz'));
    expect(readFileSync(join(cwd, 'artifacts', '2025-09-01', 'data', 'config.diff'), 'utf8')).toContain('not included');
    const b = runCli(['export', '--date', '2025-09-02', '--json', '--no-config-diffs', '--compress'], {
      cwd,
      env: { EXPORT_RETENTION_DAYS: '100000' },
    });
    expect(JSON.parse(b.stdout).pruned.packs).toEqual([]);
    expect(JSON.parse(b.stdout).archive).toBe(join(cwd, 'artifacts', '2025-09-02.tar.gz'));
    expect(readFileSync(join(cwd, 'artifacts', '2025-09-02', 'data', 'config.diff'), 'utf8')).toContain('not included');
    // A 3-day window from today prunes both old packs (the flag beats the variable, which would keep them).
    const c = runCli(['export', '--date', DATE, '--json', '--retention-days', '3'], {
      cwd,
      env: { EXPORT_RETENTION_DAYS: '100000' },
    });
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).pruned.packs).toEqual(['2025-09-01', '2025-09-02']);
    expect(JSON.parse(c.stdout).pruned.archives).toEqual(['2025-09-01.tar.gz', '2025-09-02.tar.gz']);
    const bad = runCli(['export', '--date', DATE, '--force'], {
      cwd,
      env: { AUDITPACK_SIGNING_KEY: join(cwd, 'missing-key') },
    });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('KEY_INVALID');
  });
});

describe('auditpack prune', () => {
  it('--dry-run lists, then prune removes old packs and logs held by verified packs', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    const old = '2020-01-06';
    await writeDay(join(cwd, 'logs'), old, SAMPLE_EVENTS.slice(0, 2));
    await writeDay(join(cwd, 'logs'), '2020-01-07', SAMPLE_EVENTS.slice(0, 2));
    // A back-filled old day survives its own export's retention pass…
    const e1 = runCli(['export', '--date', old], { cwd });
    expect(e1.code, e1.stdout + e1.stderr).toBe(0);
    const e2 = runCli(['export', '--date', '2020-01-07', '--retention-days', '100000'], { cwd });
    expect(e2.code, e2.stdout + e2.stderr).toBe(0);
    const dry = runCli(['prune', '--dry-run'], { cwd });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would remove pack ${old}`);
    expect(dry.stdout).toContain('would remove log audit-20200106.jsonl');
    expect(existsSync(join(cwd, 'artifacts', old))).toBe(true);
    const r = runCli(['prune', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.removed.packs.map((p: { name: string }) => p.name)).toEqual([old]);
    expect(j.removed.logs.map((l: { file: string }) => l.file)).toEqual([
      'audit-20200106.jsonl',
      'audit-20200107.jsonl',
    ]);
    expect(existsSync(join(cwd, 'artifacts', '2020-01-07'))).toBe(true); // the newest pack stays
    expect(readFileSync(join(cwd, 'artifacts', 'pruned.jsonl'), 'utf8')).toContain(`"export_date":"${old}"`);
  });

  it('refuses with CLOCK_SKEW (75) when a pack is dated in the future', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    mkdirSync(join(cwd, 'artifacts', '2999-01-01'), { recursive: true });
    const r = runCli(['prune'], { cwd });
    expect(r.code).toBe(75);
    expect(r.stderr).toContain('CLOCK_SKEW');
    expect(existsSync(join(cwd, 'artifacts', '2999-01-01'))).toBe(true);
  });
});

describe('auditpack demo', () => {
  it('generates yesterday, exports and verifies on the defaults, and can be re-run', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'configs'));
    writeFileSync(join(cwd, 'configs', '.env'), 'BROKER_API_KEY=demo-FAKE-key-7c1e9a0b52d84f36\n');
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 1000000\n');
    const first = runCli(['demo'], { cwd });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const date = yesterday();
    expect(first.stdout).toContain(`demo: pack artifacts/${date} for ${date} verified`);
    const pack = join(cwd, 'artifacts', date);
    expect(spawnSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: pack }).status).toBe(0);
    const m = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
    expect(m.rows.orders).toBeGreaterThan(50);
    expect(m.rows.fills).toBeGreaterThan(30);
    expect(m.events.by_category).toMatchObject({
      auth: expect.any(Number),
      config: expect.any(Number),
      alert: expect.any(Number),
    });
    const snapshot = readFileSync(join(pack, 'data', 'config_snapshot.json'), 'utf8');
    expect(snapshot).toContain('"configs/.env"');
    expect(readFileSync(join(pack, 'data', 'audit.jsonl'), 'utf8')).not.toContain('demo-FAKE-key');
    const second = runCli(['demo'], { cwd });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain('already exists');
  });
});
