/**
 * What vouches for a snapshot record, and for a day, once `prune --log-retention-days` removed day
 * files (at23 F4, F6, F11, F8): a removed file's lines are the chain's only through the pack copy
 * whose sha256 its LogPruned event records; with none left the answer is unknown, never "recorded";
 * an export of a removed day is refused; the look-ups read each day file once.
 *
 * The days are written in-process with the real logger and snapshot code at chosen clocks (3 to 5
 * days ago); export, prune and verify run as the built CLI, as cron would.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { removePackDir, tempDir } from '../helpers/tmp.js';

const DAY_MS = 86_400_000;
/** `n` days ago, as YYYY-MM-DD (UTC). */
const ago = (n: number): string => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const O = ago(5);
const M = ago(4);
const D = ago(3);
const micros = (iso: string): number => Date.parse(iso) * 1000;

async function logDay(cwd: string, date: string, n: number): Promise<void> {
  let t = micros(`${date}T09:00:00Z`);
  const logger = createAuditLogger({
    logDir: join(cwd, 'logs'),
    handleExit: false,
    clock: () => (t += 1_000_000),
    host: 'h',
    pid: 42,
  });
  for (let i = 0; i < n; i++)
    logger.log('order', 'OrderAccepted', { order_id: `O-${date}-${i}`, symbol: 'EURUSD', side: 'BUY', quantity: 1 });
  await logger.close();
}

async function snap(cwd: string, iso: string, reason: string, logDir: string | undefined): Promise<string> {
  const s = await createConfigSnapshot({
    cwd,
    reason,
    clock: () => micros(iso),
    ...(logDir === undefined ? {} : { logDir }),
    patterns: ['configs/*.yaml'],
  });
  return s.snapshot_id;
}

/** O, M, D logged; an honest snapshot (max_position 5) recorded on O; O and M exported. */
async function setUp(): Promise<{ cwd: string; honest: string }> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 5\n');
  await logDay(cwd, O, 1);
  const honest = await snap(cwd, `${O}T10:00:00Z`, 'initial', join(cwd, 'logs'));
  await logDay(cwd, M, 2);
  await logDay(cwd, D, 3);
  for (const d of [O, M])
    expect(runCli(['export', '--date', d, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd }).code).toBe(0);
  return { cwd, honest };
}

function prune(cwd: string, logDays: number, packDays = 90): void {
  const r = runCli(
    [
      'prune',
      '--log-retention-days',
      String(logDays),
      '--retention-days',
      String(packDays),
      '--log-dir',
      'logs',
      '--artifacts-dir',
      'art',
    ],
    { cwd },
  );
  expect(r.code, r.stderr).toBe(0);
}

/** A record planted in the store (written by someone who can write it, never logged), dated `iso`. */
async function plant(cwd: string, iso: string): Promise<string> {
  const x = join(cwd, 'x');
  mkdirSync(join(x, 'configs'), { recursive: true });
  writeFileSync(join(x, 'configs', 'risk.yaml'), 'max_position: 500\n');
  const id = await snap(x, `${iso}`, 'scheduled', undefined);
  const name = `${id}.json`;
  writeFileSync(join(cwd, 'audit', 'snapshots', name), readFileSync(join(x, 'audit', 'snapshots', name)));
  for (const o of readdirSync(join(x, 'audit', 'snapshots', 'objects'), { recursive: true, withFileTypes: true }))
    if (o.isFile()) {
      const rel = join(o.parentPath, o.name).slice(join(x, 'audit', 'snapshots').length + 1);
      const dest = join(cwd, 'audit', 'snapshots', rel);
      if (!existsSync(dest)) {
        mkdirSync(join(dest, '..'), { recursive: true });
        writeFileSync(dest, readFileSync(join(o.parentPath, o.name)));
      }
    }
  return id;
}

const snapshotIdOfPack = (cwd: string, d: string): unknown =>
  (JSON.parse(readFileSync(join(cwd, 'art', d, 'data', 'config_snapshot.json'), 'utf8')) as { snapshot_id?: unknown })
    .snapshot_id;

function removePack(cwd: string, d: string): void {
  removePackDir(join(cwd, 'art', d));
}

describe('after log retention removed day files', () => {
  it("a record planted on a removed day is not the pack's config: the removed log's vouched copy in its pack lacks its event (F4)", async () => {
    const { cwd, honest } = await setUp();
    prune(cwd, 3); // removes O's and M's files; their packs hold the copies LogPruned vouches for
    expect(readdirSync(join(cwd, 'logs'))).not.toContain(`audit-${O.replaceAll('-', '')}.jsonl`);
    const planted = await plant(cwd, `${O}T12:00:00Z`);
    const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(snapshotIdOfPack(cwd, D)).toBe(honest);
    expect(snapshotIdOfPack(cwd, D)).not.toBe(planted);
  });

  it("with no vouched copy left, the planted record is still no candidate: the removed files' config_in_force decides (at25 F2)", async () => {
    const { cwd, honest } = await setUp();
    prune(cwd, 3);
    await plant(cwd, `${O}T12:00:00Z`);
    removePack(cwd, O); // the only copy of O's removed log
    const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    // M's LogPruned event carries `honest` as the config in force at M's end: the chain decides.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('CONFIG_OF_RECORD_UNKNOWN');
    expect(snapshotIdOfPack(cwd, D)).toBe(honest);
    // No fresh snapshot was taken.
    expect(readdirSync(join(cwd, 'audit', 'snapshots')).filter((n) => n.endsWith('.json'))).toHaveLength(2);
  });

  it('the honest record of a removed day (the next day kept) is still recorded, read from its vouched copy (F6)', async () => {
    const { cwd, honest } = await setUp();
    prune(cwd, 4); // removes O's file only
    expect(readdirSync(join(cwd, 'logs'))).toContain(`audit-${M.replaceAll('-', '')}.jsonl`);
    const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/UNCHAINED|no ConfigSnapshot event/);
    expect(snapshotIdOfPack(cwd, D)).toBe(honest);
    expect(readdirSync(join(cwd, 'audit', 'snapshots')).filter((n) => n.endsWith('.json'))).toEqual([`${honest}.json`]);
  });

  it("the config in force outlives its day's log and pack: the LogPruned events carry it as config_in_force (at24 F2)", async () => {
    const { cwd, honest } = await setUp();
    prune(cwd, 3, 3); // O's log and O's pack go (M's pack, the newest, stays: it holds no ConfigSnapshot)
    expect(existsSync(join(cwd, 'art', O))).toBe(false);
    expect(readdirSync(join(cwd, 'logs'))).not.toContain(`audit-${O.replaceAll('-', '')}.jsonl`);
    const sha = createHash('sha256')
      .update(readFileSync(join(cwd, 'audit', 'snapshots', `${honest}.json`)))
      .digest('hex');
    const carried = readdirSync(join(cwd, 'logs'))
      .flatMap((f) => readFileSync(join(cwd, 'logs', f), 'utf8').split('\n'))
      .filter((l) => l.includes('"LogPruned"'))
      .map((l) => [
        (JSON.parse(l) as Record<string, unknown>).file,
        (JSON.parse(l) as Record<string, unknown>).config_in_force,
      ]);
    expect(carried).toEqual([
      [`audit-${O.replaceAll('-', '')}.jsonl`, { snapshot_id: honest, record_sha256: sha }],
      [`audit-${M.replaceAll('-', '')}.jsonl`, { snapshot_id: honest, record_sha256: sha }],
    ]);
    const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('CONFIG_OF_RECORD_UNKNOWN');
    expect(snapshotIdOfPack(cwd, D)).toBe(honest);
    // A record planted on a removed day whose copy is gone too is still no config of record: no
    // event records it, and M's config_in_force names `honest` (at25 F2).
    await plant(cwd, `${M}T12:00:00Z`);
    removePack(cwd, M);
    const again = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art', '--force'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(snapshotIdOfPack(cwd, D)).toBe(honest);
  });

  it('a re-run export of a day whose log was removed is refused (LOG_DAY_PRUNED, 75): the recorded pack stays current (F11)', async () => {
    const cwd = tempDir();
    // Exports at 00:05 the next day, as cron runs them: D1's PackExported event is in D2's file.
    const days = [ago(6), ago(5), ago(4), ago(3)];
    for (let i = 0; i < 3; i++) {
      const d = days[i] as string;
      await logDay(cwd, d, 3);
      const at = Date.parse(`${days[i + 1]}T00:05:00Z`);
      await exportPack({
        version: '0.1.0',
        date: d,
        logDir: join(cwd, 'logs'),
        artifactsDir: join(cwd, 'art'),
        now: () => at,
        loggerClock: () => at * 1000,
      });
    }
    await logDay(cwd, days[3] as string, 3);
    prune(cwd, 4); // removes D1's and D2's files (D2's held D1's PackExported)
    const d1 = days[0] as string;
    const manifest = readFileSync(join(cwd, 'art', d1, 'manifest.json'));
    const r = runCli(['export', '--date', d1, '--compress', '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(r.code, r.stderr).toBe(75);
    expect(r.stderr).toContain('LOG_DAY_PRUNED');
    expect(readFileSync(join(cwd, 'art', d1, 'manifest.json'))).toEqual(manifest);
    expect(readdirSync(join(cwd, 'art')).filter((n) => n.startsWith(`${d1}.v`))).toEqual([]);
    expect(runCli(['verify', 'art', '--log-dir', 'logs'], { cwd }).code).toBe(0);
  });
});

describe('snapshot record look-ups of an export', () => {
  it('read the day file a bounded number of times however many records are planted on the day (F8)', async () => {
    const opensWith = async (planted: number): Promise<number> => {
      const cwd = tempDir();
      mkdirSync(join(cwd, 'configs'));
      writeFileSync(join(cwd, 'configs', 'x.yaml'), 'a: 1\n');
      await logDay(cwd, D, 5);
      await snap(cwd, `${D}T00:30:00Z`, 'initial', join(cwd, 'logs'));
      for (let i = 0; i < planted; i++) await plant(cwd, `${D}T02:${String(i).padStart(2, '0')}:00Z`);
      const file = `audit-${D.replaceAll('-', '')}.jsonl`;
      const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], {
        cwd,
        env: {
          NODE_OPTIONS: `--require ${fileURLToPath(new URL('../helpers/count-opens.cjs', import.meta.url))}`,
          AUDITPACK_COUNT_OPENS: `${file.replace('.', '\\.')}$`,
        },
      });
      expect([0, 3], r.stderr).toContain(r.code);
      return Number(/opens: (\d+)/.exec(r.stderr)?.[1]);
    };
    const clean = await opensWith(0);
    const flooded = await opensWith(40);
    expect(clean).toBeGreaterThan(0);
    // One pass per day file for the look-ups, whatever the store holds (main opened it ~2 per record).
    expect(flooded).toBeLessThanOrEqual(clean + 2);
  });
});
