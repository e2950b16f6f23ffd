/**
 * ConfigEventIndex: the ConfigSnapshot events of the chain once retention removed day files. A
 * removed file's lines count only from a pack copy whose bytes hash to what its LogPruned event
 * records (a `.tar.gz` as well as a directory; a LogPruned event itself in a removed file, read from
 * that file's vouched copy); a forged copy vouches for nothing; nothing left is 'unknown', except
 * the config in force at a removed file's end, which its LogPruned event carries. The shared
 * index answers as the plain reference below (each look-up reads the two day files whole) does.
 * Days are written with the real logger, snapshot, export and prune at chosen clocks.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { prune } from '../../src/retention/prune.js';
import { dayNumberOfIsoDate } from '../../src/rotation/index.js';
import { ConfigEventIndex } from '../../src/snapshot/config-events.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';
import { logOrderDay } from '../helpers/days.js';

const DAY_MS = 86_400_000;
const ago = (n: number): string => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const ms = (iso: string): number => Date.parse(iso);

/** Exports `date` as cron does, at 00:05 the next day (its PackExported event is in the next day's file). */
async function exportAt(cwd: string, date: string, compress = false): Promise<void> {
  const at = ms(`${date}T00:05:00Z`) + DAY_MS;
  await exportPack({
    version: '0.1.0',
    date,
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'art'),
    compress,
    now: () => at,
    loggerClock: () => at * 1000,
  });
}

async function pruneLogs(cwd: string, logDays: number, now = Date.now()): Promise<void> {
  await prune({
    artifactsDir: join(cwd, 'art'),
    retentionDays: 90,
    logs: { logDir: join(cwd, 'logs'), retentionDays: logDays },
    now,
    loggerClock: () => now * 1000,
  });
}

function writable(p: string): void {
  chmodSync(p, 0o755);
  for (const e of readdirSync(p, { withFileTypes: true })) if (e.isDirectory()) writable(join(p, e.name));
}

/** A snapshot of configs/ at `iso`, its record's sha256. */
async function snap(cwd: string, iso: string, logDir?: string): Promise<{ id: string; sha: string }> {
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => ms(iso) * 1000,
    patterns: ['configs/*.yaml'],
    ...(logDir === undefined ? {} : { logDir }),
  });
  const bytes = readFileSync(join(cwd, 'audit', 'snapshots', `${s.snapshot_id}.json`));
  return { id: s.snapshot_id, sha: createHash('sha256').update(bytes).digest('hex') };
}

function setUpCwd(): string {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 5\n');
  return cwd;
}

/** The reference for live day files: the snapshot's day and the next, read whole for each look-up. */
function referenceChained(logDir: string, day: string, id: string, sha: string): boolean {
  const next = new Date(ms(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  for (const d of [day, next]) {
    let text = '';
    try {
      text = readFileSync(join(logDir, `audit-${d.replaceAll('-', '')}.jsonl`), 'utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n')) {
      if (l === '') continue;
      const e = JSON.parse(l) as Record<string, unknown>;
      if (
        e.category === 'config' &&
        e.event === 'ConfigSnapshot' &&
        e.snapshot_id === id &&
        e.record_sha256 === sha &&
        e.recovered !== true
      )
        return true;
    }
  }
  return false;
}

describe('ConfigEventIndex after log retention', () => {
  it('reads a removed day file from its vouched .tar.gz copy; a forged copy or none is never "recorded"', async () => {
    const cwd = setUpCwd();
    const [O, M] = [ago(6), ago(5)];
    await logOrderDay(join(cwd, 'logs'), O);
    // Superseded the same day: only the day file (or its vouched copy) says it was recorded.
    const older = await snap(cwd, `${O}T09:30:00Z`, join(cwd, 'logs'));
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 6\n');
    const honest = await snap(cwd, `${O}T10:00:00Z`, join(cwd, 'logs'));
    const planted = await snap(cwd, `${O}T12:00:00Z`); // stored, never logged
    await logOrderDay(join(cwd, 'logs'), M);
    await exportAt(cwd, O, true);
    await exportAt(cwd, M, true);
    await pruneLogs(cwd, 5); // removes O's file only
    writable(join(cwd, 'art', O));
    // A forged copy beside the honest one: O's log with a ConfigSnapshot event for the planted record.
    const forged = join(cwd, 'art', `${O}.v1`);
    cpSync(join(cwd, 'art', O), forged, { recursive: true });
    const line = JSON.stringify({
      category: 'config',
      event: 'ConfigSnapshot',
      snapshot_id: planted.id,
      record_sha256: planted.sha,
    });
    writeFileSync(
      join(forged, 'data', 'audit.jsonl'),
      `${readFileSync(join(forged, 'data', 'audit.jsonl'), 'utf8')}${line}\n`,
    );
    rmSync(join(cwd, 'art', O), { recursive: true }); // only O.tar.gz holds the vouched copy
    // A FIFO in a copy's place is never waited on.
    mkdirSync(join(cwd, 'art', `${O}.v2`, 'data'), { recursive: true });
    expect(spawnSync('mkfifo', [join(cwd, 'art', `${O}.v2`, 'data', 'audit.jsonl')]).status).toBe(0);
    const index = new ConfigEventIndex({ logDir: join(cwd, 'logs'), artifactsDir: join(cwd, 'art') });
    const day = dayNumberOfIsoDate(O) as number;
    expect(await index.chained(day, honest.id, honest.sha)).toBe(true);
    expect(await index.chained(day, older.id, older.sha)).toBe(true);
    expect(await index.chained(day, honest.id, 'f'.repeat(64))).toBe(false);
    expect(await index.chained(day, planted.id, planted.sha)).toBe(false);
    // Without the tar nothing vouches for O's removed file: the forged copy does not count. Only
    // the config in force at its end stays vouched, by its LogPruned event's config_in_force.
    rmSync(join(cwd, 'art', `${O}.tar.gz`));
    const left = new ConfigEventIndex({ logDir: join(cwd, 'logs'), artifactsDir: join(cwd, 'art') });
    expect(await left.chained(day, older.id, older.sha)).toBe('unknown');
    expect(await left.chained(day, planted.id, planted.sha)).toBe('unknown');
    expect(await left.chained(day, honest.id, honest.sha)).toBe(true);
    expect(await left.chained(day, honest.id, 'f'.repeat(64))).toBe(false); // config_in_force names it with another record hash: changed (at25 F4)
    const logOnly = new ConfigEventIndex({ logDir: join(cwd, 'logs') });
    expect(await logOnly.chained(day, older.id, older.sha)).toBe('unknown');
    expect(await logOnly.chained(day, honest.id, honest.sha)).toBe(true);
  });

  it("finds a removal recorded only in a removed file's vouched copy (a LogPruned of an earlier prune)", async () => {
    const cwd = setUpCwd();
    const logs = join(cwd, 'logs');
    const d = [10, 9, 8, 7, 6, 5].map(ago);
    const [d0, d1, d2, d3, d4, d5] = d as [string, string, string, string, string, string];
    await logOrderDay(logs, d0);
    const older = await snap(cwd, `${d0}T09:30:00Z`, logs);
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 6\n');
    const honest = await snap(cwd, `${d0}T10:00:00Z`, logs);
    for (const x of [d1, d2]) await logOrderDay(logs, x);
    for (const x of [d0, d1, d2]) await exportAt(cwd, x);
    // Prune at d3 00:10 keeping one day: d0's and d1's files go, their LogPruned events land in d3's file.
    await pruneLogs(cwd, 1, ms(`${d3}T00:10:00Z`));
    expect(readdirSync(logs)).not.toContain(`audit-${d0.replaceAll('-', '')}.jsonl`);
    for (const x of [d3, d4, d5]) await logOrderDay(logs, x);
    for (const x of [d3, d4, d5]) await exportAt(cwd, x);
    await pruneLogs(cwd, 3); // d2..d5 go: d3's file (holding d0's LogPruned) lives on in pack d3 only
    expect(readdirSync(logs)).not.toContain(`audit-${d3.replaceAll('-', '')}.jsonl`);
    const day = dayNumberOfIsoDate(d0) as number;
    const index = (): ConfigEventIndex => new ConfigEventIndex({ logDir: logs, artifactsDir: join(cwd, 'art') });
    expect(await index().chained(day, older.id, older.sha)).toBe(true);
    writable(join(cwd, 'art', d3));
    rmSync(join(cwd, 'art', d3), { recursive: true });
    expect(await index().chained(day, older.id, older.sha)).toBe('unknown');
    // The config in force at the end of d0 was carried by each prune (d0's LogPruned, then d2..d5's
    // from it, read from the kept file of today): still recorded with every copy of d0 gone.
    expect(await index().chained(day, honest.id, honest.sha)).toBe(true);
  });

  it('a day with no file and no LogPruned record is eventless only when the chain links across it (F4)', async () => {
    const cwd = setUpCwd();
    const logs = join(cwd, 'logs');
    const [d0, G, X, Y] = [ago(9), ago(8), ago(7), ago(6)];
    const run = async (gHadFile: boolean): Promise<{ chained: boolean | 'unknown'; why: string | undefined }> => {
      rmSync(logs, { recursive: true, force: true });
      rmSync(join(cwd, 'art'), { recursive: true, force: true });
      rmSync(join(cwd, 'audit'), { recursive: true, force: true });
      await logOrderDay(logs, d0);
      await snap(cwd, `${d0}T10:00:00Z`, logs);
      if (gHadFile) await logOrderDay(logs, G);
      await logOrderDay(logs, X);
      await logOrderDay(logs, Y);
      // G's file removed by hand (no LogPruned event): X's first line links to G's last, not to d0's.
      if (gHadFile) rmSync(join(logs, `audit-${G.replaceAll('-', '')}.jsonl`));
      for (const x of [d0, X]) await exportAt(cwd, x);
      await pruneLogs(cwd, 1, ms(`${Y}T00:10:00Z`)); // d0's and X's files go, recorded in Y's
      const planted = await snap(cwd, `${G}T12:00:00Z`); // stored, never logged
      const index = new ConfigEventIndex({ logDir: logs, artifactsDir: join(cwd, 'art') });
      const day = dayNumberOfIsoDate(G) as number;
      return { chained: await index.chained(day, planted.id, planted.sha), why: await index.unknownWhy(day) };
    };
    expect(await run(false)).toEqual({ chained: false, why: undefined });
    const gone = await run(true);
    expect(gone.chained).toBe('unknown');
    expect(gone.why).toContain('no LogPruned event records its removal');
    expect(gone.why).not.toContain('was removed by log retention');
  });

  it('one index answers as the reference does (a fresh read of the day files per look-up)', async () => {
    const cwd = setUpCwd();
    const D = ago(3);
    await logOrderDay(join(cwd, 'logs'), D);
    const recs = [await snap(cwd, `${D}T01:00:00Z`, join(cwd, 'logs'))];
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(cwd, 'configs', 'risk.yaml'), `max_position: ${i}\n`);
      recs.push(await snap(cwd, `${D}T0${2 + i}:00:00Z`, i % 2 === 0 ? join(cwd, 'logs') : undefined));
    }
    const index = new ConfigEventIndex({ logDir: join(cwd, 'logs') });
    const day = dayNumberOfIsoDate(D) as number;
    const asked = recs.flatMap((r) => [r, { id: r.id, sha: '0'.repeat(64) }]);
    const got = [];
    const want = [];
    for (const r of asked) {
      got.push(await index.chained(day, r.id, r.sha));
      want.push(referenceChained(join(cwd, 'logs'), D, r.id, r.sha));
    }
    expect(got).toEqual(want);
    expect(got.filter((g) => g === true)).toHaveLength(4);
  });
});

describe('ConfigEventIndex on a log directory with no file yet', () => {
  it('the config of record is none, for the day and with the next day (the walk ends: it looped forever)', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    const day = dayNumberOfIsoDate('2026-12-05') as number;
    for (const nextDay of [true, false]) {
      const index = new ConfigEventIndex({ logDir: join(cwd, 'logs'), artifactsDir: join(cwd, 'art') });
      expect(await index.configOfRecord(day, nextDay)).toEqual({ kind: 'none' });
    }
  });
});

describe('ConfigEventIndex.holderAt across removed days (at27 F3, at28 F2)', () => {
  const P = 'configs/compliance_policy.yaml';
  const R = 'configs/risk.yaml';
  const A = { snapshot_id: '20260101T080000.000000Z-000', record_sha256: 'a'.repeat(64) };
  const B = { snapshot_id: '20260102T080000.000000Z-000', record_sha256: 'b'.repeat(64) };
  /** Days 01-03 removed by retention (no pack copy), their LogPruned events in the kept day 04. */
  function logs(carried: (day: string) => Record<string, unknown>, kept: string[] = []): string {
    const dir = join(tempDir(), 'logs');
    mkdirSync(dir);
    const pruned = ['01', '02', '03'].map((d) =>
      JSON.stringify({
        category: 'system',
        event: 'LogPruned',
        file: `audit-202601${d}.jsonl`,
        sha256: '0'.repeat(64),
        ...carried(d),
      }),
    );
    writeFileSync(join(dir, 'audit-20260104.jsonl'), `${[...pruned, ...kept].join('\n')}\n`);
    return dir;
  }
  /** B's record holds the risk file only; A's the policy. */
  const holder = (dir: string, day = '2026-01-03'): Promise<unknown> =>
    new ConfigEventIndex({ logDir: dir }).holderAt(dayNumberOfIsoDate(day) as number, P, async (e) =>
      e.snapshot_id === A.snapshot_id ? 'A' : 'no',
    );

  it('a log of earlier versions (config_in_force only) answers as before: day 03 cannot be told', async () => {
    const got = await holder(logs((d) => ({ config_in_force: d === '01' ? A : B })));
    expect(got).toEqual({ kind: 'unknown', why: expect.stringContaining('audit-20260103.jsonl') });
  });

  it('configs_in_force showing A still holding the policy file: A, whatever B says', async () => {
    const held = [
      { ...B, paths: [R] },
      { ...A, paths: [P] },
    ];
    const got = await holder(
      logs((d) => (d === '01' ? { config_in_force: A } : { config_in_force: B, configs_in_force: held })),
    );
    expect(got).toEqual({ kind: 'found', value: 'A' });
    // B recorded the policy file too, and its record holds none: unknown, never A.
    const took = [{ ...B, paths: [P, R] }];
    const other = await holder(
      logs((d) => (d === '01' ? { config_in_force: A } : { config_in_force: B, configs_in_force: took })),
    );
    expect(other).toEqual({ kind: 'unknown', why: expect.stringContaining('audit-20260103.jsonl') });
  });

  it('log order, not id order: an event logged after another with an earlier id is the newer (at28 F2)', async () => {
    // Day 04 kept: A (id of day 01) logged after C (id of day 04 10:00), both naming the policy file.
    const C = { snapshot_id: '20260104T100000.000000Z-000', record_sha256: 'c'.repeat(64) };
    const ev = (s: typeof A) => JSON.stringify({ category: 'config', event: 'ConfigSnapshot', ...s, paths: [P] });
    const dir = logs(() => ({ config_in_force: B, configs_in_force: [B] }), [ev(C), ev(A)]);
    const index = new ConfigEventIndex({ logDir: dir });
    const seen: string[] = [];
    const got = await index.holderAt(dayNumberOfIsoDate('2026-01-04') as number, P, async (e) => {
      seen.push(e.snapshot_id);
      return e.snapshot_id;
    });
    expect(got).toEqual({ kind: 'found', value: A.snapshot_id });
    expect(seen).toEqual([A.snapshot_id]);
    // A lost record on the way is unknown: the one logged before it is not taken.
    const lost = await index.holderAt(dayNumberOfIsoDate('2026-01-04') as number, P, async (e) =>
      e.snapshot_id === A.snapshot_id ? { lost: 'does not hold its record (deleted?)' } : e.snapshot_id,
    );
    expect(lost).toMatchObject({ kind: 'unknown', snapshot: { snapshot_id: A.snapshot_id } });
  });
});

describe('ConfigEventIndex over a gap between kept files (at28 F4)', () => {
  /** The days the index read (its per-day cache): what the walk looked at. */
  const daysRead = (index: ConfigEventIndex): number[] =>
    [...(index as unknown as { days: Map<number, unknown> }).days.keys()].sort((a, b) => a - b);
  const fileDay = (name: string): number =>
    dayNumberOfIsoDate(`${name.slice(6, 10)}-${name.slice(10, 12)}-${name.slice(12, 14)}`) as number;

  it('steps over the days between kept files to the one holding the event (a year-1 stray file)', async () => {
    const cwd = setUpCwd();
    const logDir = join(cwd, 'logs');
    const s = await snap(cwd, `${ago(20)}T08:00:00Z`, logDir);
    const kept = `audit-${ago(3).replaceAll('-', '')}.jsonl`;
    for (const f of ['audit-00010102.jsonl', kept]) writeFileSync(join(logDir, f), '');
    const day = dayNumberOfIsoDate(ago(1)) as number;
    const index = new ConfigEventIndex({ logDir, artifactsDir: join(cwd, 'art') });
    expect(await index.configOfRecord(day)).toMatchObject({ kind: 'event', snapshot: { snapshot_id: s.id } });
    // The kept files of ago(3) and ago(20), and at most the day below the first: not each of the 16 days between.
    const read = daysRead(index);
    expect(read.length, String(read.slice(0, 8))).toBeLessThanOrEqual(3);
    expect(read).toEqual(expect.arrayContaining([fileDay(kept), day - 19]));
  });

  it('with no event at all: the same answer, reading the kept files, not each day back to a stray one', async () => {
    const cwd = setUpCwd();
    const logDir = join(cwd, 'logs');
    mkdirSync(logDir);
    // A stray empty file of 2020 (one of year 1 took 60-100 s: each of ~740k days read) and one kept file.
    const kept = `audit-${ago(3).replaceAll('-', '')}.jsonl`;
    for (const f of ['audit-20200102.jsonl', kept]) writeFileSync(join(logDir, f), '');
    const day = dayNumberOfIsoDate(ago(1)) as number;
    const index = new ConfigEventIndex({ logDir, artifactsDir: join(cwd, 'art') });
    // Unknown (the stray file's day before it is gone without a record), as one day at a time.
    expect(await index.configOfRecord(day)).toMatchObject({
      kind: 'unknown',
      why: expect.stringContaining('20200101'),
    });
    const read = daysRead(index);
    // The two kept files, the day below each (the first a step, the second the walk's end).
    expect(read.length, String(read.slice(0, 8))).toBeLessThanOrEqual(5);
    expect(read).toEqual(expect.arrayContaining([fileDay(kept), fileDay('audit-20200102.jsonl')]));
    // The holder of a file (the policy's walk) steps over them too.
    const again = new ConfigEventIndex({ logDir, artifactsDir: join(cwd, 'art') });
    const held = await again.holderAt(day, 'configs/risk.yaml', async () => 'no' as const);
    expect(held).toMatchObject({ kind: 'unknown', why: expect.stringContaining('20200101') });
    const walked = daysRead(again);
    expect(walked.length, String(walked.slice(0, 8))).toBeLessThanOrEqual(5);
  });
});
