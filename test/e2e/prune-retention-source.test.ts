/**
 * A retention shorter than the default is taken from the command line or the environment, never from
 * the config file alone: the file sits where whoever can write the working directory may edit it, and
 * `{"export":{"retentionDays":0}}` there made the key-holding job's next prune remove every pack but
 * the newest (docs/FORMAT.md "What a prune leaves behind").
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { exportPack } from '../../src/pack/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { day } from '../helpers/days.js';

/** Logs and packs of the 4 days before yesterday, and a config file holding `config`. */
async function archive(config: unknown): Promise<string> {
  const cwd = tempDir();
  const logDir = join(cwd, 'logs');
  mkdirSync(logDir);
  const dates = [day(-5), day(-4), day(-3), day(-2)];
  for (const d of dates) await writeDay(logDir, d, SAMPLE_EVENTS);
  // Recorded, as the CLI's exports are: the next export links only a pack the log records.
  for (const d of dates) await exportPack({ date: d, logDir, artifactsDir: join(cwd, 'artifacts'), version: '0.1.0' });
  writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify(config));
  return cwd;
}

const packs = (cwd: string): number => readdirSync(join(cwd, 'artifacts')).filter((n) => /^\d{4}-/.test(n)).length;

describe('retention from the config file', () => {
  it('prune refuses export.retentionDays 0 from the file (CONFIG_INVALID, 78) and removes nothing; the flag or the environment may say it', async () => {
    const cwd = await archive({ export: { retentionDays: 0 } });
    const r = runCli(['prune'], { cwd, env: { EXPORT_RETENTION_DAYS: undefined, AUDIT_RETENTION_DAYS: undefined } });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('CONFIG_INVALID');
    expect(r.stderr).toContain('export.retentionDays');
    expect(packs(cwd)).toBe(4);
    const byEnv = runCli(['prune', '--dry-run'], { cwd, env: { EXPORT_RETENTION_DAYS: '0' } });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    const byFlag = runCli(['prune', '--retention-days', '1'], { cwd, env: { EXPORT_RETENTION_DAYS: undefined } });
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(packs(cwd)).toBeLessThan(4);
  });

  it('each pruned.jsonl line records the retention that removed its pack and where it came from (export, then prune)', async () => {
    const cwd = await archive({});
    await writeDay(join(cwd, 'logs'), day(-1), SAMPLE_EVENTS);
    const ex = runCli(['export', '--date', day(-1)], { cwd, env: { EXPORT_RETENTION_DAYS: '2' } });
    expect(ex.code, ex.stderr).toBe(0);
    const pr = runCli(['prune', '--retention-days', '0'], { cwd, env: { EXPORT_RETENTION_DAYS: '2' } });
    expect(pr.code, pr.stderr).toBe(0);
    const lines = readFileSync(join(cwd, 'artifacts', 'pruned.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.export_date, l.retention_days, l.retention_source])).toEqual([
      [day(-5), 2, 'environment'],
      [day(-4), 2, 'environment'],
      [day(-3), 2, 'environment'],
      [day(-2), 0, 'command_line'],
    ]);
  });

  it('the library: where each retention came from, flag > environment > config file > default', () => {
    const cwd = tempDir();
    const source = (env: Record<string, string>, flag?: number) =>
      resolveConfig({ cwd, env, flags: { exportRetentionDays: flag } }).exportRetentionSource;
    expect(source({})).toBe('default');
    writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify({ export: { retentionDays: 365 } }));
    expect(source({})).toBe('config_file');
    expect(source({ EXPORT_RETENTION_DAYS: '' })).toBe('config_file');
    expect(source({ EXPORT_RETENTION_DAYS: '400' })).toBe('environment');
    expect(source({ EXPORT_RETENTION_DAYS: '400' }, 500)).toBe('command_line');
  });

  it('the library: pinned settings under 90 days from the file alone throw; at 90 and over, or not pinned, they do not', () => {
    const cwd = tempDir();
    const file = (c: unknown) => writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify(c));
    file({ logRetentionDays: 30, export: { retentionDays: 89 } });
    expect(() => resolveConfig({ cwd, env: {}, pinRetention: ['export.retentionDays'] })).toThrow(
      /export\.retentionDays is 89 days/,
    );
    expect(() => resolveConfig({ cwd, env: {}, pinRetention: ['logRetentionDays'] })).toThrow(
      /logRetentionDays is 30 days/,
    );
    expect(resolveConfig({ cwd, env: {} }).exportRetentionDays).toBe(89);
    expect(
      resolveConfig({ cwd, env: {}, flags: { exportRetentionDays: 89 }, pinRetention: ['export.retentionDays'] })
        .exportRetentionDays,
    ).toBe(89);
    file({ export: { retentionDays: 90 } });
    expect(resolveConfig({ cwd, env: {}, pinRetention: ['export.retentionDays'] }).exportRetentionDays).toBe(90);
  });
});
