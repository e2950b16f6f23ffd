/**
 * Both halves of a pack ask the chain the same question (at24 F1, F4): the compliance policy a
 * pack's report runs under is taken from a snapshot only when the export's ConfigEventIndex vouches
 * for it, as its config_snapshot.json is. A pack's `data/audit.jsonl` is the attacker's to write: for
 * a day with no log file, one holding a ConfigSnapshot event for a record planted in the store
 * vouches for nothing (it is no copy a LogPruned event records). A day that never had a file is
 * provably eventless when the chain links across it (the next file's first line follows where the
 * previous removed file ended), and is then no reason for CONFIG_OF_RECORD_UNKNOWN.
 *
 * R has a log and the desk's policy snapshot (EURUSD restricted); G has no log (a machine down);
 * X and Y are logged. The logs are written in-process at chosen clocks (6 to 3 days ago); export and
 * prune run as the built CLI, as cron would.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { removePackDir, tempDir } from '../helpers/tmp.js';
import { logOrderDay } from '../helpers/days.js';

const DAY_MS = 86_400_000;
const ago = (n: number): string => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const [R, G, X, Y] = [ago(6), ago(5), ago(4), ago(3)];
const micros = (iso: string): number => Date.parse(iso) * 1000;
const POLICY = readFileSync(fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)), 'utf8');
const file = (d: string): string => `audit-${d.replaceAll('-', '')}.jsonl`;

async function snap(cwd: string, iso: string, logDir: string): Promise<string> {
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => micros(iso),
    logDir,
    patterns: ['configs/*.yaml'],
  });
  return s.snapshot_id;
}

function cli(cwd: string, args: string[], want = 0): string {
  const r = runCli([...args, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
  expect(r.code, r.stderr).toBe(want);
  return r.stderr;
}

/** R (with the recorded snapshot), X exported; logs kept 2 days: R's and X's files removed (LogPruned). */
async function setUp(options: { lostLater?: boolean } = {}): Promise<{ cwd: string; recorded: string }> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY.replace('[USDRUB]', '[USDRUB, EURUSD]'));
  const logs = join(cwd, 'logs');
  await logOrderDay(logs, R);
  const recorded = await snap(cwd, `${R}T10:00:00Z`, logs);
  // A later recorded snapshot of R whose record is then lost: the prune carries it, not `recorded`,
  // as R's file's config_in_force, so nothing vouches for `recorded` once R's file and pack are gone.
  const lost = options.lostLater === true ? await snap(cwd, `${R}T11:00:00Z`, logs) : undefined;
  await logOrderDay(logs, X);
  await logOrderDay(logs, Y);
  for (const d of [R, X]) cli(cwd, ['export', '--date', d]);
  cli(cwd, ['prune', '--log-retention-days', '3', '--retention-days', '90']);
  const kept = readdirSync(logs);
  expect(kept).toContain(file(Y));
  expect(kept).not.toContain(file(R));
  expect(kept).not.toContain(file(X));
  if (lost !== undefined) rmSync(join(cwd, 'audit', 'snapshots', `${lost}.json`));
  return { cwd, recorded };
}

/**
 * The plant: a record dated G (EURUSD not restricted) taken with the attacker's own log and copied
 * into the store, and `art/G/data/audit.jsonl` holding its ConfigSnapshot line.
 */
async function plant(cwd: string): Promise<string> {
  const evil = join(cwd, 'evil');
  mkdirSync(join(evil, 'configs'), { recursive: true });
  writeFileSync(join(evil, 'configs', 'compliance_policy.yaml'), POLICY);
  const id = await snap(evil, `${G}T12:00:00Z`, join(evil, 'logs'));
  cpSync(join(evil, 'audit', 'snapshots'), join(cwd, 'audit', 'snapshots'), { recursive: true, force: false });
  const line = readFileSync(join(evil, 'logs', file(G)), 'utf8')
    .split('\n')
    .find((l) => l.includes('"ConfigSnapshot"'));
  mkdirSync(join(cwd, 'art', G, 'data'), { recursive: true });
  writeFileSync(join(cwd, 'art', G, 'data', 'audit.jsonl'), `${line}\n`);
  return id;
}

function packOf(cwd: string, d: string): { config: unknown; policies: unknown[]; notes: string[] } {
  const data = join(cwd, 'art', d, 'data');
  const report = JSON.parse(readFileSync(join(data, 'compliance_report.json'), 'utf8')) as {
    policies: { snapshot_id: unknown }[];
    policy_notes: string[];
  };
  const config = JSON.parse(readFileSync(join(data, 'config_snapshot.json'), 'utf8')) as { snapshot_id?: unknown };
  return {
    config: config.snapshot_id ?? null,
    policies: report.policies.map((p) => p.snapshot_id),
    notes: report.policy_notes,
  };
}

function removePack(cwd: string, d: string): void {
  removePackDir(join(cwd, 'art', d));
}

describe('the compliance policy of a pack is looked up as its config is', () => {
  it('a planted pack log for a day without a log file sets no policy; the day is eventless by the chain, the export warns of nothing (F1, F4)', async () => {
    const { cwd, recorded } = await setUp();
    const planted = await plant(cwd);
    const stderr = cli(cwd, ['export', '--date', Y]);
    expect(stderr).not.toContain('CONFIG_OF_RECORD_UNKNOWN');
    const p = packOf(cwd, Y);
    expect(p.config).toBe(recorded);
    expect(p.policies).toEqual([recorded]);
    expect(p.notes.join('\n')).not.toContain(planted); // no event names it: not even read (at28 F2)
  });

  it("with the next file's copy gone, the planted record is still no candidate: X's config_in_force decides (at25 F2)", async () => {
    const { cwd, recorded } = await setUp();
    await plant(cwd);
    removePack(cwd, X); // nothing links across G any more, but X's LogPruned event carries the config at its end
    const stderr = cli(cwd, ['export', '--date', Y]);
    expect(stderr).not.toContain('CONFIG_OF_RECORD_UNKNOWN');
    expect(packOf(cwd, Y).config).toBe(recorded);
    expect(packOf(cwd, Y).policies).toEqual([recorded]);
  });

  it('a policy no snapshot before the day can vouch for: the built-in one, said in the report and on stderr (COMPLIANCE_POLICY_UNKNOWN)', async () => {
    const { cwd } = await setUp({ lostLater: true });
    removePack(cwd, R); // the recorded snapshot's day: removed, its vouched copy gone
    const stderr = cli(cwd, ['export', '--date', Y], 3);
    expect(stderr).toContain(
      `COMPLIANCE_POLICY_UNKNOWN: the compliance report of ${Y} starts under the built-in policy`,
    );
    const p = packOf(cwd, Y);
    expect(p.policies).toEqual([null]);
    // The chain names the later snapshot (R's config_in_force), whose record is gone: never `recorded` in its place.
    expect(p.notes.join('\n')).toContain('does not hold its record (deleted?)');
    expect(stderr).toContain('CONFIG_OF_RECORD_UNKNOWN');
  });
});
