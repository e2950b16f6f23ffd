import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDailyExport } from '../../src/daily/daily-export.js';
import { exportPack, readPrunedLedger } from '../../src/pack/index.js';
import { planPrune, prune } from '../../src/retention/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

const NOW = Date.parse('2025-09-10T01:00:00Z');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function packs(dates: string[], withLogs = true) {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifactsDir = join(root, 'artifacts');
  mkdirSync(logDir);
  const manifests: Record<string, string> = {};
  for (const date of dates) {
    if (withLogs) await writeDay(logDir, date, SAMPLE_EVENTS.slice(0, 3));
  }
  for (const date of dates) {
    const r = await exportPack({ date, logDir, artifactsDir, version: '0.1.0', recordEvent: false });
    manifests[date] = r.manifestSha256;
  }
  return { root, logDir, artifactsDir, manifests };
}

describe('pack retention', () => {
  it('prunes packs past the window, ledger first, and leaves everything else alone', async () => {
    const { root, artifactsDir, manifests, logDir } = await packs([
      '2025-09-01',
      '2025-09-02',
      '2025-09-08',
      '2025-09-09',
    ]);
    // Things that must survive: a symlink named like an old pack, a file named like one, an unrelated dir.
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(join(root, 'elsewhere', 'precious'), 'x');
    symlinkSync(join(root, 'elsewhere'), join(artifactsDir, '2025-08-01'));
    writeFileSync(join(artifactsDir, '2025-08-02'), 'not a pack');
    mkdirSync(join(artifactsDir, 'notes'));

    const dry = await prune({ artifactsDir, retentionDays: 7, now: NOW, dryRun: true });
    expect(dry.result).toBeNull();
    expect(dry.plan.packCutoff).toBe('2025-09-03');
    expect(dry.plan.packs.map((p) => p.name)).toEqual(['2025-09-01', '2025-09-02']);
    expect(dry.plan.skipped.map((s) => s.name).sort()).toEqual(['2025-08-01', '2025-08-02']);
    expect(existsSync(join(artifactsDir, '2025-09-01'))).toBe(true);

    const { result } = await prune({
      artifactsDir,
      retentionDays: 7,
      now: NOW,
      eventLogDir: logDir,
      loggerClock: () => NOW * 1000,
    });
    expect(result?.packs.map((p) => p.name)).toEqual(['2025-09-01', '2025-09-02']);
    expect(readdirSync(artifactsDir).sort()).toEqual([
      '.export.lock',
      '2025-08-01',
      '2025-08-02',
      '2025-09-08',
      '2025-09-09',
      'notes',
      'pruned.jsonl',
    ]);
    expect(readFileSync(join(root, 'elsewhere', 'precious'), 'utf8')).toBe('x');
    expect(readPrunedLedger(artifactsDir)).toEqual([
      {
        export_date: '2025-09-01',
        manifest_sha256: manifests['2025-09-01'],
        path: '2025-09-01',
        pruned_at: '2025-09-10T01:00:00.000Z',
      },
      {
        export_date: '2025-09-02',
        manifest_sha256: manifests['2025-09-02'],
        path: '2025-09-02',
        pruned_at: '2025-09-10T01:00:00.000Z',
      },
    ]);
    const events = readFileSync(join(logDir, 'audit-20250910.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => [e.event, e.date, e.manifest_sha256])).toEqual([
      ['PackPruned', '2025-09-01', manifests['2025-09-01']],
      ['PackPruned', '2025-09-02', manifests['2025-09-02']],
    ]);
  });

  it('keeps the day-to-day chain: the next pack links to a pruned one through pruned.jsonl', async () => {
    const { artifactsDir, logDir, manifests } = await packs(['2025-09-01']);
    await prune({ artifactsDir, retentionDays: 0, now: Date.parse('2025-09-05T00:00:00Z') + 0, eventLogDir: false });
    // The newest pack is always kept, so add a newer one and prune again.
    await writeDay(logDir, '2025-09-03', SAMPLE_EVENTS.slice(0, 1));
    await exportPack({ date: '2025-09-03', logDir, artifactsDir, version: '0', recordEvent: false });
    await prune({ artifactsDir, retentionDays: 0, now: Date.parse('2025-09-05T00:00:00Z'), eventLogDir: false });
    expect(existsSync(join(artifactsDir, '2025-09-01'))).toBe(false);
    await writeDay(logDir, '2025-09-04', SAMPLE_EVENTS.slice(0, 1));
    const r = await exportPack({ date: '2025-09-02', logDir, artifactsDir, version: '0', recordEvent: false });
    expect(r.manifest.previous_pack).toEqual({ export_date: '2025-09-01', manifest_sha256: manifests['2025-09-01'] });
  });

  it('always keeps the newest pack; a clock far in the future (newest evidence > 31 days old) is CLOCK_SKEW and removes nothing', async () => {
    const { artifactsDir, logDir } = await packs(['2025-09-01', '2025-09-02']);
    for (const now of ['2031-01-01T00:00:00Z', '2025-10-04T00:00:00Z']) {
      await expect(
        prune({ artifactsDir, retentionDays: 1, now: Date.parse(now), eventLogDir: false }),
      ).rejects.toMatchObject({ code: 'CLOCK_SKEW', details: { newest: '2025-09-02' } });
      await expect(
        prune({
          artifactsDir,
          retentionDays: 1,
          logs: { logDir, retentionDays: 1 },
          now: Date.parse(now),
          eventLogDir: false,
        }),
      ).rejects.toMatchObject({ code: 'CLOCK_SKEW' });
    }
    expect(readdirSync(artifactsDir).sort()).toEqual(['.export.lock', '2025-09-01', '2025-09-02']);
    // 31 days after the newest pack is still a plausible gap: the newest pack is kept, the other goes.
    const { result } = await prune({
      artifactsDir,
      retentionDays: 1,
      now: Date.parse('2025-10-03T00:00:00Z'),
      eventLogDir: false,
    });
    expect(result?.packs.map((p) => p.name)).toEqual(['2025-09-01']);
    expect(existsSync(join(artifactsDir, '2025-09-02'))).toBe(true);
  });

  it('an export whose clock jumped years ahead (an empty day) does not prune every earlier pack: CLOCK_SKEW, nothing removed', async () => {
    const { artifactsDir, logDir } = await packs(['2025-09-01', '2025-09-02', '2025-09-03']);
    const far = Date.parse('2099-06-01T00:10:00Z');
    const r = await runDailyExport({
      date: '2099-05-31',
      logDir,
      artifactsDir,
      version: '0',
      recordEvent: false,
      now: () => far,
      retentionDays: 90,
    });
    expect(r.pruneError).toMatchObject({ code: 'CLOCK_SKEW', details: { newest: '2025-09-03' } });
    expect(
      readdirSync(artifactsDir)
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(['2025-09-01', '2025-09-02', '2025-09-03', '2099-05-31']);
    // A day with events past a long idle spell still prunes as configured, and so does prune run on purpose.
    const other = await packs(['2025-09-01', '2025-09-02', '2025-09-03']);
    await writeDay(other.logDir, '2025-12-30', SAMPLE_EVENTS.slice(0, 1));
    const idle = await runDailyExport({
      date: '2025-12-30',
      logDir: other.logDir,
      artifactsDir: other.artifactsDir,
      version: '0',
      recordEvent: false,
      now: () => Date.parse('2025-12-31T00:10:00Z'),
      retentionDays: 30,
    });
    expect(idle.pruneError).toBeNull();
    expect(idle.prune?.result?.packs.map((p) => p.name)).toEqual(['2025-09-01', '2025-09-02', '2025-09-03']);
  });

  it('never prunes a pack that does not verify (nor its .tar.gz), and says why', async () => {
    const { artifactsDir } = await packs(['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-08']);
    const altered = join(artifactsDir, '2025-09-01', 'data', 'orders.csv');
    chmodSync(join(artifactsDir, '2025-09-01', 'data'), 0o755);
    chmodSync(altered, 0o644);
    appendFileSync(altered, 'forged row\r\n');
    chmodSync(join(artifactsDir, '2025-09-02'), 0o755);
    rmSync(join(artifactsDir, '2025-09-02', 'manifest-sha256.txt'));
    writeFileSync(join(artifactsDir, '2025-09-02.tar.gz'), 'x');
    const { plan, result } = await prune({ artifactsDir, retentionDays: 5, now: NOW, eventLogDir: false });
    expect(result?.packs.map((p) => p.name)).toEqual(['2025-09-03']);
    expect(plan.skipped).toEqual(
      expect.arrayContaining([
        { name: '2025-09-01', reason: 'kept: pack does not verify: data/orders.csv does not match its manifest' },
        { name: '2025-09-02', reason: expect.stringMatching(/^kept: pack does not verify: .*manifest-sha256\.txt/) },
        { name: '2025-09-02.tar.gz', reason: 'kept: its pack directory does not verify' },
      ]),
    );
    expect(existsSync(altered) && existsSync(join(artifactsDir, '2025-09-02.tar.gz'))).toBe(true);
  });

  it('refuses with CLOCK_SKEW when the newest pack or log is dated after today, and removes nothing', async () => {
    const { artifactsDir, logDir } = await packs(['2025-09-01', '2025-09-12']);
    expect(() => planPrune({ artifactsDir, retentionDays: 1, now: NOW })).toThrow(
      expect.objectContaining({ code: 'CLOCK_SKEW' }),
    );
    expect(readdirSync(artifactsDir).sort()).toEqual(['.export.lock', '2025-09-01', '2025-09-12']);
    const other = await packs(['2025-09-01']);
    writeFileSync(join(other.logDir, 'audit-20250915.jsonl'), '');
    await expect(
      prune({
        artifactsDir: other.artifactsDir,
        retentionDays: 1,
        logs: { logDir: other.logDir, retentionDays: 1 },
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'CLOCK_SKEW' });
    expect(existsSync(join(other.artifactsDir, '2025-09-01'))).toBe(true);
    // The export's own retention pass looks at the logs' dates too, without pruning logs.
    expect(() =>
      planPrune({ artifactsDir: other.artifactsDir, retentionDays: 1, now: NOW, clockCheckLogDir: other.logDir }),
    ).toThrow(expect.objectContaining({ code: 'CLOCK_SKEW' }));
    void logDir;
  });

  it('removes .tmp- leftovers of killed runs, old or fresh, once it holds the artifacts lock (no run can be building then)', async () => {
    const { artifactsDir } = await packs(['2025-09-09']);
    mkdirSync(join(artifactsDir, '.tmp-2025-09-01-old'));
    mkdirSync(join(artifactsDir, '.tmp-2025-09-09-fresh', 'data'), { recursive: true });
    writeFileSync(join(artifactsDir, '.tmp-2025-09-09-fresh', 'data', 'x'), 'x');
    const { chmodSync } = await import('node:fs');
    chmodSync(join(artifactsDir, '.tmp-2025-09-09-fresh', 'data'), 0o555); // as a build leaves it
    const old = new Date(NOW - 2 * 86_400_000);
    utimesSync(join(artifactsDir, '.tmp-2025-09-01-old'), old, old);
    const { result } = await prune({ artifactsDir, retentionDays: 30, now: NOW, eventLogDir: false });
    expect([...(result?.staleTemp ?? [])].sort()).toEqual(['.tmp-2025-09-01-old', '.tmp-2025-09-09-fresh']);
    expect(readdirSync(artifactsDir).sort()).toEqual(['.export.lock', '2025-09-09']);
  });
});

describe('log retention', () => {
  it('removes a log only when its pack verifies and holds it byte for byte', async () => {
    const { artifactsDir, logDir } = await packs(['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-09']);
    // 09-04: a log with no pack (written by hand: the logger would file these as late lines in
    // the newer 09-09 file). 09-02: lines appended after the export. 09-03: its pack is damaged.
    writeFileSync(join(logDir, 'audit-20250904.jsonl'), '{"x":1}\n');
    appendFileSync(join(logDir, 'audit-20250902.jsonl'), '{"late":"line"}\n');
    const { chmodSync } = await import('node:fs');
    const victim = join(artifactsDir, '2025-09-03', 'data', 'orders.csv');
    chmodSync(join(artifactsDir, '2025-09-03', 'data'), 0o755);
    chmodSync(victim, 0o644);
    appendFileSync(victim, 'x');
    const log01 = readFileSync(join(logDir, 'audit-20250901.jsonl'));

    const { plan, result } = await prune({
      artifactsDir,
      retentionDays: 90,
      logs: { logDir, retentionDays: 3 },
      now: NOW,
      loggerClock: () => NOW * 1000,
    });
    expect(plan.logCutoff).toBe('2025-09-07');
    expect(result?.logs.map((l) => l.file)).toEqual(['audit-20250901.jsonl']);
    expect(plan.keptLogs.map((k) => [k.file, k.reason.split(' ')[0]])).toEqual([
      ['audit-20250902.jsonl', 'the'],
      ['audit-20250903.jsonl', 'pack'],
      ['audit-20250904.jsonl', 'no'],
    ]);
    expect(existsSync(join(logDir, 'audit-20250901.jsonl'))).toBe(false);
    for (const d of ['02', '03', '04', '09']) expect(existsSync(join(logDir, `audit-202509${d}.jsonl`))).toBe(true);
    const events = readFileSync(join(logDir, 'audit-20250910.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'LogPruned', file: 'audit-20250901.jsonl', sha256: sha(log01) });
  });
});
