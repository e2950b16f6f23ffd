/**
 * The LogPruned events a prune writes carry two states forward over removed day files: the config
 * in force (`config_in_force` / `configs_in_force`) and the packs kept unverified
 * (`kept_unverified`). Both are read from the kept day files before any goes. This pins every
 * LogPruned event of a varied run (narrow and full snapshots, two packs kept unverified for nights
 * and later pruned, day files removed night after night, each prune reading what earlier ones
 * carried) so that the way the files are read can change without changing a written byte. The
 * pinned text was taken from the two-walk reading (four reads per kept file). The 64-hex values
 * (sha256 of files holding snapshot records) are numbered in order of first appearance; the
 * writers' host and pid, and the removed files' sizes (which vary with them), are blanked; the
 * rest is verbatim. Real logger, snapshot, export and prune at chosen clocks; packs kept 3 days,
 * logs 2. One line changed on purpose (fx37b, at35 F6): 2026-11-04's file, kept unverified and
 * pruned on the 13th, carried 2026-11-01's snapshot as the config in force. Wrong: 11-03's narrow
 * snapshot of risk.yaml came after it, and the record of 11-03's removal had gone with the file
 * holding it. The walk now sees that 11-04's first line does not continue the last removal it knows
 * (11-02's `end_hash`), so it writes no config for that file: unknown, never a guess.
 */
import fs, { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { prune } from '../../src/retention/index.js';
import { isoDate } from '../../src/rotation/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';
import { clockedExports, nightlyPrune, tamperPayload } from '../verify/helpers/archive-days.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

/** 2026-11-01 … 2026-11-16. */
const DATES = Array.from({ length: 16 }, (_, i) => isoDate(Date.parse('2026-11-01T00:00:00Z') / 86_400_000 + i));
const day = (i: number): string => DATES[i] as string;

/** Snapshots taken at 10:00 of a night's day: narrow (one file) or full (every config file). */
const SNAPSHOTS: Record<number, { patterns: string[]; write?: [string, string] }> = {
  0: { patterns: ['configs/*.yaml'] },
  2: { patterns: ['configs/risk.yaml'], write: ['risk.yaml', 'max_position: 6\n'] },
  5: { patterns: ['configs/*.yaml'], write: ['venues.yaml', 'venues: [lmax]\n'] },
  8: { patterns: ['configs/risk.yaml'], write: ['risk.yaml', 'max_position: 7\n'] },
};
/** Packs tampered after their export (kept unverified by each prune), and the night each is repaired (then pruned). */
const TAMPERED: Record<number, number> = { 1: 9, 3: 11 };

/** Every LogPruned line the runs wrote, in the order first seen (collected after each prune). */
async function run(): Promise<string[]> {
  const cwd = tempDir();
  const logDir = join(cwd, 'logs');
  const art = join(cwd, 'art');
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 5\n');
  writeFileSync(join(cwd, 'configs', 'venues.yaml'), 'venues: [ebs]\n');
  const clock = { t: 0 };
  const opts = clockedExports(logDir, art, clock);
  const seen: string[] = [];
  const undo = new Map<number, () => void>();
  for (let i = 0; i <= 13; i++) {
    const next = day(i + 1);
    await writeDay(logDir, day(i), SAMPLE_EVENTS);
    const s = SNAPSHOTS[i];
    if (s !== undefined) {
      if (s.write) writeFileSync(join(cwd, 'configs', s.write[0]), s.write[1]);
      await createConfigSnapshot({
        cwd,
        reason: 'r',
        clock: () => microsAt(day(i), '10:00:00'),
        patterns: s.patterns,
        logDir,
      });
    }
    clock.t = microsAt(next, '00:05:00');
    await exportPack(opts(day(i)));
    const repairOn = TAMPERED[i];
    if (repairOn !== undefined) undo.set(repairOn, tamperPayload(art, day(i)));
    undo.get(i)?.();
    await nightlyPrune(art, logDir, next);
    for (const f of readdirSync(logDir).sort())
      for (const l of readFileSync(join(logDir, f), 'utf8').split('\n'))
        if (l.includes('"LogPruned"') && !seen.includes(l)) seen.push(l);
  }
  return seen;
}

/**
 * The 64-hex values numbered in order of first appearance, the writer's host and pid (this
 * machine's, this run's) named, with the removed files' sizes; the rest verbatim.
 */
function numbered(lines: readonly string[]): string[] {
  const ids = new Map<string, number>();
  return lines.map((l) =>
    l
      .replace(/"host":"[^"]*","pid":\d+/g, '"host":"H","pid":0')
      // The files hold the writers' host and pid: their size varies with the machine and the run.
      .replace(/"size":\d+/g, '"size":0')
      .replace(/[0-9a-f]{64}/g, (h) => {
        if (!ids.has(h)) ids.set(h, ids.size);
        return `#${ids.get(h)}`;
      }),
  );
}

describe('the LogPruned events a run of nightly prunes writes', () => {
  it('are byte for byte the pinned ones (configs in force narrow and full, packs kept then pruned, removed days)', async () => {
    const lines = numbered(await run());
    // The fixture reaches what it is for: a carried config, a kept set, both after removed days.
    expect(lines.some((l) => l.includes('"configs_in_force"'))).toBe(true);
    expect(lines.some((l) => l.includes('"kept_unverified"'))).toBe(true);
    expect(lines).toMatchInlineSnapshot(`
      [
        "{"ts":1793751000.001000,"iso_ts":"2026-11-04T00:10:00.001000Z","seq":36,"category":"system","event":"LogPruned","file":"audit-20261101.jsonl","date":"2026-11-01","size":0,"sha256":"#0","last_seq":10,"end_hash":"#1","config_in_force":{"snapshot_id":"20261101T100000.000000Z-000","record_sha256":"#2"},"configs_in_force":[{"snapshot_id":"20261101T100000.000000Z-000","record_sha256":"#2","paths":["configs/risk.yaml","configs/venues.yaml"]}],"host":"H","pid":0,"prev":"#3"}",
        "{"ts":1793923800.002000,"iso_ts":"2026-11-06T00:10:00.002000Z","seq":61,"category":"system","event":"LogPruned","file":"audit-20261103.jsonl","date":"2026-11-03","size":0,"sha256":"#4","last_seq":33,"end_hash":"#5","config_in_force":{"snapshot_id":"20261103T100000.000000Z-000","record_sha256":"#6"},"configs_in_force":[{"snapshot_id":"20261103T100000.000000Z-000","record_sha256":"#6","paths":["configs/risk.yaml"]},{"snapshot_id":"20261101T100000.000000Z-000","record_sha256":"#2","paths":["configs/venues.yaml"]}],"host":"H","pid":0,"prev":"#7"}",
        "{"ts":1794096600.003000,"iso_ts":"2026-11-08T00:10:00.003000Z","seq":89,"category":"system","event":"LogPruned","file":"audit-20261105.jsonl","date":"2026-11-05","size":0,"sha256":"#8","last_seq":57,"end_hash":"#9","config_in_force":{"snapshot_id":"20261103T100000.000000Z-000","record_sha256":"#6"},"configs_in_force":[{"snapshot_id":"20261103T100000.000000Z-000","record_sha256":"#6","paths":["configs/risk.yaml"]},{"snapshot_id":"20261101T100000.000000Z-000","record_sha256":"#2","paths":["configs/venues.yaml"]}],"host":"H","pid":0,"prev":"#10"}",
        "{"ts":1794183000.003000,"iso_ts":"2026-11-09T00:10:00.003000Z","seq":103,"category":"system","event":"LogPruned","file":"audit-20261106.jsonl","date":"2026-11-06","size":0,"sha256":"#11","last_seq":71,"end_hash":"#12","config_in_force":{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13"},"configs_in_force":[{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13","paths":["configs/risk.yaml","configs/venues.yaml"]}],"kept_unverified":[{"date":"2026-11-02","path":"2026-11-02"}],"host":"H","pid":0,"prev":"#14"}",
        "{"ts":1794269400.003000,"iso_ts":"2026-11-10T00:10:00.003000Z","seq":119,"category":"system","event":"LogPruned","file":"audit-20261107.jsonl","date":"2026-11-07","size":0,"sha256":"#15","last_seq":84,"end_hash":"#16","config_in_force":{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13"},"configs_in_force":[{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13","paths":["configs/risk.yaml","configs/venues.yaml"]}],"kept_unverified":[{"date":"2026-11-02","path":"2026-11-02"}],"host":"H","pid":0,"prev":"#17"}",
        "{"ts":1794355800.002000,"iso_ts":"2026-11-11T00:10:00.002000Z","seq":133,"category":"system","event":"LogPruned","file":"audit-20261102.jsonl","date":"2026-11-02","size":0,"sha256":"#18","last_seq":21,"end_hash":"#19","config_in_force":{"snapshot_id":"20261101T100000.000000Z-000","record_sha256":"#2"},"configs_in_force":[{"snapshot_id":"20261101T100000.000000Z-000","record_sha256":"#2","paths":["configs/risk.yaml","configs/venues.yaml"]}],"host":"H","pid":0,"prev":"#20"}",
        "{"ts":1794355800.003000,"iso_ts":"2026-11-11T00:10:00.003000Z","seq":134,"category":"system","event":"LogPruned","file":"audit-20261108.jsonl","date":"2026-11-08","size":0,"sha256":"#21","last_seq":98,"end_hash":"#22","config_in_force":{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13"},"configs_in_force":[{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13","paths":["configs/risk.yaml","configs/venues.yaml"]}],"kept_unverified":[{"date":"2026-11-02","path":"2026-11-02"},{"date":"2026-11-04","path":"2026-11-04"}],"host":"H","pid":0,"prev":"#23"}",
        "{"ts":1794442200.002000,"iso_ts":"2026-11-12T00:10:00.002000Z","seq":149,"category":"system","event":"LogPruned","file":"audit-20261109.jsonl","date":"2026-11-09","size":0,"sha256":"#24","last_seq":114,"end_hash":"#25","config_in_force":{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26"},"configs_in_force":[{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26","paths":["configs/risk.yaml"]},{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13","paths":["configs/venues.yaml"]}],"kept_unverified":[{"date":"2026-11-02","path":"2026-11-02"},{"date":"2026-11-04","path":"2026-11-04"}],"host":"H","pid":0,"prev":"#27"}",
        "{"ts":1794528600.001000,"iso_ts":"2026-11-13T00:10:00.001000Z","seq":162,"category":"system","event":"LogPruned","file":"audit-20261104.jsonl","date":"2026-11-04","size":0,"sha256":"#28","last_seq":45,"end_hash":"#29","host":"H","pid":0,"prev":"#30"}",
        "{"ts":1794528600.002000,"iso_ts":"2026-11-13T00:10:00.002000Z","seq":163,"category":"system","event":"LogPruned","file":"audit-20261110.jsonl","date":"2026-11-10","size":0,"sha256":"#31","last_seq":129,"end_hash":"#32","config_in_force":{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26"},"configs_in_force":[{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26","paths":["configs/risk.yaml"]},{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13","paths":["configs/venues.yaml"]}],"kept_unverified":[{"date":"2026-11-02","path":"2026-11-02"},{"date":"2026-11-04","path":"2026-11-04"}],"host":"H","pid":0,"prev":"#33"}",
        "{"ts":1794615000.001000,"iso_ts":"2026-11-14T00:10:00.001000Z","seq":177,"category":"system","event":"LogPruned","file":"audit-20261111.jsonl","date":"2026-11-11","size":0,"sha256":"#34","last_seq":145,"end_hash":"#35","config_in_force":{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26"},"configs_in_force":[{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26","paths":["configs/risk.yaml"]},{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13","paths":["configs/venues.yaml"]}],"kept_unverified":[{"date":"2026-11-04","path":"2026-11-04"}],"host":"H","pid":0,"prev":"#36"}",
        "{"ts":1794701400.001000,"iso_ts":"2026-11-15T00:10:00.001000Z","seq":190,"category":"system","event":"LogPruned","file":"audit-20261112.jsonl","date":"2026-11-12","size":0,"sha256":"#37","last_seq":159,"end_hash":"#38","config_in_force":{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26"},"configs_in_force":[{"snapshot_id":"20261109T100000.000000Z-000","record_sha256":"#26","paths":["configs/risk.yaml"]},{"snapshot_id":"20261106T100000.000000Z-000","record_sha256":"#13","paths":["configs/venues.yaml"]}],"kept_unverified":[{"date":"2026-11-04","path":"2026-11-04"}],"host":"H","pid":0,"prev":"#39"}",
      ]
    `);
  });

  it('read each kept day file once a night (the opens counted, not timed): the two walks share one read', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    const art = join(root, 'art');
    const clock = { t: 0 };
    const opts = clockedExports(logDir, art, clock);
    for (let i = 0; i < 6; i++) await writeDay(logDir, day(i), SAMPLE_EVENTS);
    clock.t = microsAt(day(6), '00:05:00');
    for (let i = 0; i < 6; i++) await exportPack(opts(day(i)));
    const opens = await countingOpens(logDir, () =>
      prune({
        artifactsDir: art,
        retentionDays: 90,
        logs: { logDir, retentionDays: 3 },
        now: Date.parse(`${day(6)}T00:10:00Z`),
        loggerClock: () => Date.parse(`${day(6)}T00:10:00Z`) * 1000,
      }),
    );
    // Three files went (their LogPruned events in today's file); each file was there when read.
    const files = (d: number): string[] =>
      Array.from({ length: 7 - d }, (_, i) => join(logDir, `audit-${day(d + i).replaceAll('-', '')}.jsonl`));
    expect(readdirSync(logDir).filter((f) => f.endsWith('.jsonl'))).toHaveLength(4);
    expect(Object.fromEntries(opens)).toEqual(Object.fromEntries(files(0).map((f) => [f, 1])));
  });
});

/** How often `run` opened each file under `dir` through fs.promises.open (the real opens, only counted). */
async function countingOpens(dir: string, run: () => Promise<unknown>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const open = fs.promises.open;
  fs.promises.open = ((path: Parameters<typeof open>[0], ...rest: [never]) => {
    if (typeof path === 'string' && path.startsWith(dir)) counts.set(path, (counts.get(path) ?? 0) + 1);
    return open(path, ...rest);
  }) as typeof open;
  syncBuiltinESMExports(); // the named export src imports follows the patched function
  try {
    await run();
  } finally {
    fs.promises.open = open;
    syncBuiltinESMExports();
  }
  return counts;
}
