/**
 * The chain decides the config of record and the policy in force (at25 F1, F2, F4): the newest
 * ConfigSnapshot event of the chain at the day's end (for a removed day file, its LogPruned
 * `config_in_force`), and only then its record in the store, by id and record_sha256. Deleting the
 * newest recorded record never rolls the policy back to an older one, nor lets a fresh snapshot of an
 * edited configs/ stand for it (CONFIG_OF_RECORD_UNKNOWN, COMPLIANCE_POLICY_UNKNOWN, exit 3); a
 * stored record no event records is no candidate (F2); a record changed in place is said changed (F4).
 *
 * The days are logged and exported in-process at chosen clocks, as the nightly cron would (each
 * export at 00:05 the next day, so its PackExported event is in the next day's file); the export
 * under test, prune and verify run as the built CLI.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { logOrderDay, nightlyExport } from '../helpers/days.js';

const DAY_MS = 86_400_000;
const ago = (n: number): string => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
/** days[0] is 7 days ago, days[6] yesterday. */
const days = [7, 6, 5, 4, 3, 2, 1].map(ago);
const micros = (iso: string): number => Date.parse(iso) * 1000;
const POLICY = readFileSync(fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)), 'utf8');
const STRICT = POLICY.replace('[USDRUB]', '[USDRUB, EURUSD]');
const file = (d: string): string => `audit-${d.replaceAll('-', '')}.jsonl`;

async function snap(
  cwd: string,
  iso: string,
  logDir: string,
  store?: string,
  narrow?: string[],
): Promise<{ id: string; sha: string }> {
  // Without `narrow`, a full snapshot of configs/*.yaml, as the CLI takes without --configs.
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => micros(iso),
    logDir,
    patterns: narrow ?? ['configs/*.yaml'],
    full: narrow === undefined,
    ...(store === undefined ? {} : { snapshotDir: store }),
  });
  const dir = store ?? join(cwd, 'audit', 'snapshots');
  const sha = createHash('sha256')
    .update(readFileSync(join(dir, `${s.snapshot_id}.json`)))
    .digest('hex');
  return { id: s.snapshot_id, sha };
}

function cli(cwd: string, args: string[], want: number): string {
  const r = runCli([...args, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
  expect(r.code, r.stderr).toBe(want);
  return r.stderr;
}

function packOf(cwd: string, d: string): { config: unknown; reason: unknown; policies: unknown[]; restricted: number } {
  const data = join(cwd, 'art', d, 'data');
  const report = JSON.parse(readFileSync(join(data, 'compliance_report.json'), 'utf8')) as {
    policies: { snapshot_id: unknown }[];
    findings: { rule: string }[];
  };
  const config = JSON.parse(readFileSync(join(data, 'config_snapshot.json'), 'utf8')) as Record<string, unknown>;
  return {
    config: config.snapshot_id ?? null,
    reason: config.reason,
    policies: report.policies.map((p) => p.snapshot_id),
    restricted: report.findings.filter((f) => f.rule === 'restricted_symbol').length,
  };
}

/**
 * S_old (EURUSD allowed) on days[0], S_new (EURUSD restricted) on days[1], both recorded; days[0..5]
 * logged and exported nightly; days[6] logged. `pruned`: logs and packs kept 3 days (both snapshot
 * days gone; S_new vouched only by config_in_force).
 */
async function setUp(
  pruned = false,
  partial = false,
): Promise<{ cwd: string; old: string; neu: { id: string; sha: string } }> {
  const cwd = tempDir();
  const logs = join(cwd, 'logs');
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 1000000\n');
  const old = await snap(cwd, `${days[0]}T08:00:00Z`, logs);
  let neu = old;
  for (let i = 0; i < 6; i++) {
    const d = days[i] as string;
    if (i === 1) {
      writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
      neu = await snap(cwd, `${d}T08:00:00Z`, logs);
    }
    if (i === 2 && partial) {
      // A routine risk change, snapshotted alone: its record holds no policy file (at27 F2).
      writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 2000000\n');
      await snap(cwd, `${d}T08:00:00Z`, logs, undefined, ['configs/risk.yaml']);
    }
    await logOrderDay(logs, d);
    await nightlyExport(cwd, d);
  }
  if (pruned) cli(cwd, ['prune', '--log-retention-days', '3', '--retention-days', '3'], 0);
  await logOrderDay(logs, days[6] as string);
  expect(packOf(cwd, days[5] as string).restricted).toBe(1);
  return { cwd, old: old.id, neu };
}

const Y = days[6] as string;

describe('the policy in force past a snapshot that holds no policy file (at27 F2)', () => {
  it('the chain’s policy-bearing record deleted: neither the older one nor the file, unknown, exit 3', async () => {
    const { cwd, old, neu } = await setUp(false, true);
    rmSync(join(cwd, 'audit', 'snapshots', `${neu.id}.json`));
    const stderr = cli(cwd, ['export', '--date', Y], 3);
    expect(stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(stderr).toContain(
      `snapshot ${neu.id}: configs/compliance_policy.yaml was not used: a ConfigSnapshot event of`,
    );
    const p = packOf(cwd, Y);
    expect(p.policies).not.toContain(old);
    expect(p.policies).toEqual([null]);
  });

  it('every policy-bearing record deleted and the file made lax: the file is not taken either', async () => {
    const { cwd, old, neu } = await setUp(false, true);
    for (const id of [old, neu.id]) rmSync(join(cwd, 'audit', 'snapshots', `${id}.json`));
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    const stderr = cli(cwd, ['export', '--date', Y], 3);
    expect(stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(packOf(cwd, Y).policies).toEqual([null]);
  });

  it('with every record at hand the policy-bearing one before it is in force', async () => {
    const { cwd, neu } = await setUp(false, true);
    cli(cwd, ['export', '--date', Y], 0);
    const p = packOf(cwd, Y);
    expect(p.policies).toEqual([neu.id]);
    expect(p.restricted).toBe(1);
    // The ConfigSnapshot events name their paths; the PackExported events' config_of_record is id and
    // hash, and the event's `full` (at40 F1: the next export's config_in_force.json walks no further).
    const lines = readdirSync(join(cwd, 'logs')).flatMap((f) => readFileSync(join(cwd, 'logs', f), 'utf8').split('\n'));
    expect(
      lines.filter((l) => l.includes('"ConfigSnapshot"') && l.includes('"paths":["configs/risk.yaml"]')),
    ).toHaveLength(1);
    const ofRecord = lines
      .filter((l) => l.includes('"PackExported"'))
      .map((l) => Object.keys((JSON.parse(l) as { config_of_record: object }).config_of_record));
    expect(ofRecord.length).toBeGreaterThan(2);
    for (const k of ofRecord) expect(k).toEqual(['snapshot_id', 'record_sha256', 'full']);
  });
});

describe('the policy in force past a narrower snapshot once retention removed the fuller one (at27 F3)', () => {
  it('the LogPruned events carry it beside config_in_force: the honest export takes it, exit 0, verify intact', async () => {
    const { cwd, neu } = await setUp(true, true);
    expect(readdirSync(join(cwd, 'logs'))).not.toContain(file(days[2] as string));
    expect(readdirSync(join(cwd, 'art'))).not.toContain(days[2]);
    // The risk-only snapshot names its paths; the prune carries the policy-bearing one for the rest.
    const pruned = readdirSync(join(cwd, 'logs'))
      .flatMap((f) => readFileSync(join(cwd, 'logs', f), 'utf8').split('\n'))
      .filter((l) => l.includes('"LogPruned"') && l.includes(file(days[2] as string)));
    expect(pruned).toHaveLength(1);
    const ev = JSON.parse(pruned[0] as string) as {
      config_in_force: { snapshot_id: string };
      configs_in_force: unknown;
    };
    expect(ev.config_in_force.snapshot_id).not.toBe(neu.id);
    expect(ev.configs_in_force).toEqual([
      { ...ev.config_in_force, paths: ['configs/risk.yaml'] },
      { snapshot_id: neu.id, record_sha256: neu.sha, paths: ['configs/compliance_policy.yaml'] },
    ]);
    const stderr = cli(cwd, ['export', '--date', Y], 0);
    expect(stderr).not.toContain('COMPLIANCE_POLICY_UNKNOWN');
    const p = packOf(cwd, Y);
    // (Y's order, logged after today's prune, is filed in today's file: the report's policy is what counts.)
    expect(p.policies).toEqual([neu.id]);
    const v = runCli(['verify', 'art', '--log-dir', 'logs'], { cwd });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('its record deleted: neither the older one nor the file, unknown, exit 3', async () => {
    const { cwd, old, neu } = await setUp(true, true);
    rmSync(join(cwd, 'audit', 'snapshots', `${neu.id}.json`));
    expect(cli(cwd, ['export', '--date', Y], 3)).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(packOf(cwd, Y).policies).toEqual([null]);
    // Every policy-bearing record deleted and the file made lax: the file is not taken either.
    rmSync(join(cwd, 'audit', 'snapshots', `${old}.json`));
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    expect(cli(cwd, ['export', '--date', Y, '--force'], 3)).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(packOf(cwd, Y).policies).toEqual([null]);
  });
});

describe('the config of record and the policy in force are the chain’s (at25 F1)', () => {
  it('deleting the newest recorded record does not roll back to the older one: unknown, exit 3, said', async () => {
    const { cwd, old, neu } = await setUp();
    rmSync(join(cwd, 'audit', 'snapshots', `${neu.id}.json`));
    const stderr = cli(cwd, ['export', '--date', Y], 3);
    expect(stderr).toContain(`CONFIG_OF_RECORD_UNKNOWN: the config of record at the end of ${Y} is snapshot ${neu.id}`);
    expect(stderr).toContain('does not hold its record (deleted?)');
    expect(stderr).toContain(`their sha256 must be ${neu.sha}`);
    expect(stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
    const p = packOf(cwd, Y);
    expect(p.config).toBeNull();
    expect(String(p.reason)).toContain('CONFIG_OF_RECORD_UNKNOWN');
    expect(p.policies).not.toContain(old);
    expect(p.policies).toEqual([null]);
  });

  it('deleting every record and editing configs/: no fresh snapshot stands for the recorded one', async () => {
    const { cwd, neu } = await setUp();
    const store = join(cwd, 'audit', 'snapshots');
    for (const n of readdirSync(store)) if (n.endsWith('.json')) rmSync(join(store, n));
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    const stderr = cli(cwd, ['export', '--date', Y], 3);
    expect(stderr).toContain(`is snapshot ${neu.id}`);
    expect(readdirSync(store).filter((n) => n.endsWith('.json'))).toEqual([]); // no snapshot taken
    const p = packOf(cwd, Y);
    expect(p.config).toBeNull();
    expect(p.policies).toEqual([null]);
  });

  it('after retention (both snapshot days gone), deleting every record: the config_in_force names S_new, unknown', async () => {
    const { cwd, neu } = await setUp(true);
    expect(readdirSync(join(cwd, 'logs'))).not.toContain(file(days[1] as string));
    const store = join(cwd, 'audit', 'snapshots');
    for (const n of readdirSync(store)) if (n.endsWith('.json')) rmSync(join(store, n));
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    const stderr = cli(cwd, ['export', '--date', Y], 3);
    expect(stderr).toContain(`is snapshot ${neu.id}`);
    expect(readdirSync(store).filter((n) => n.endsWith('.json'))).toEqual([]);
    expect(packOf(cwd, Y).policies).toEqual([null]);
  });

  it('the honest nightly export names S_new and restricts EURUSD, reading no file older than the exported day', async () => {
    const { cwd, neu } = await setUp();
    // The PackExported event of days[5] (in days[6]'s file) carries the config of record: the export
    // of days[6] reads back to it only, not to days[1]'s file where S_new's event is.
    const events = readFileSync(join(cwd, 'logs', file(Y)), 'utf8');
    expect(events).toContain(`"config_of_record":{"snapshot_id":"${neu.id}","record_sha256":"${neu.sha}","full":true}`);
    const r = runCli(['export', '--date', Y, '--log-dir', 'logs', '--artifacts-dir', 'art'], {
      cwd,
      env: {
        NODE_OPTIONS: `--require ${fileURLToPath(new URL('../helpers/count-opens.cjs', import.meta.url))}`,
        AUDITPACK_COUNT_OPENS: `audit-(${days
          .slice(0, 5)
          .map((d) => d.replaceAll('-', ''))
          .join('|')})\\.jsonl$`,
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('opens: 0');
    const p = packOf(cwd, Y);
    expect(p.config).toBe(neu.id);
    expect(p.policies).toEqual([neu.id]);
    expect(p.restricted).toBe(1);
  });
});

describe('a stored record no event records is no candidate (at25 F2)', () => {
  it('one dated on a removed day after the config of record: the chain decides, no CONFIG_OF_RECORD_UNKNOWN', async () => {
    const { cwd, neu } = await setUp(true);
    // An unrecorded record (a killed snapshot, or a plant) dated days[2], whose file and pack retention removed.
    const x = join(cwd, 'x');
    mkdirSync(join(x, 'configs'), { recursive: true });
    writeFileSync(join(x, 'configs', 'compliance_policy.yaml'), POLICY);
    const orphan = await snap(x, `${days[2]}T12:00:00Z`, join(x, 'logs'), join(cwd, 'audit', 'snapshots'));
    const stderr = cli(cwd, ['export', '--date', Y], 0);
    expect(stderr).not.toContain('CONFIG_OF_RECORD_UNKNOWN');
    const p = packOf(cwd, Y);
    expect(p.config).toBe(neu.id);
    expect(p.policies).toEqual([neu.id]);
    expect(p.config).not.toBe(orphan.id);
  });
});

describe('a record changed in place (at25 F4)', () => {
  it('is said changed, not "cannot be told"; neither it nor an older one is used', async () => {
    const { cwd, neu } = await setUp(true);
    // Same id, other bytes (EURUSD allowed): taken elsewhere at the same clock, copied over.
    const evil = join(cwd, 'evil');
    mkdirSync(join(evil, 'configs'), { recursive: true });
    writeFileSync(join(evil, 'configs', 'compliance_policy.yaml'), POLICY);
    const swapped = await snap(evil, `${days[1]}T08:00:00Z`, join(evil, 'logs'));
    expect(swapped.id).toBe(neu.id);
    const store = join(cwd, 'audit', 'snapshots');
    chmodSync(join(store, `${neu.id}.json`), 0o644);
    cpSync(join(evil, 'audit', 'snapshots'), store, { recursive: true, force: true });
    const stderr = cli(cwd, ['export', '--date', Y], 3);
    expect(stderr).toContain('with another record_sha256');
    expect(stderr).toContain('changed after it was logged');
    expect(stderr).not.toContain('cannot be told');
    expect(packOf(cwd, Y).policies).toEqual([null]);
  });
});

/**
 * at28 F2: the writer's clock stepped back (an NTP step), so a snapshot logged after another has the
 * earlier id. The policy in force when a day starts is the chain's, in log order: never the one
 * with the later id that the log superseded.
 */
describe('the policy in force when a day starts is decided in log order, not id order (at28 F2)', () => {
  async function base(): Promise<{ cwd: string; logs: string }> {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    mkdirSync(join(cwd, 'configs'));
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 1000000\n');
    await snap(cwd, `${days[3]}T07:00:00Z`, logs);
    await logOrderDay(logs, days[3] as string);
    await nightlyExport(cwd, days[3] as string);
    return { cwd, logs };
  }

  it('a strict snapshot logged after a lax one, its id an hour earlier, then a narrow one: strict', async () => {
    const { cwd, logs } = await base();
    const d = days[4] as string;
    await snap(cwd, `${d}T10:00:00Z`, logs); // lax, 10:00
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
    const strict = await snap(cwd, `${d}T09:00:00Z`, logs); // logged after it, the clock an hour behind
    await logOrderDay(logs, d);
    await nightlyExport(cwd, d);
    // Within the day the switch is at each event's line (rules 10): the strict one, logged last, governs.
    expect(packOf(cwd, d).restricted).toBe(1);
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 2000000\n');
    await snap(cwd, `${days[5]}T08:00:00Z`, logs, undefined, ['configs/risk.yaml']);
    await logOrderDay(logs, days[5] as string);
    await nightlyExport(cwd, days[5] as string);
    await logOrderDay(logs, Y);
    cli(cwd, ['export', '--date', Y], 0);
    expect(packOf(cwd, Y).policies).toEqual([strict.id]);
    expect(packOf(cwd, Y).restricted).toBe(1);
  });

  it('a narrow snapshot logged after a full strict one, its id an hour earlier: strict, not the boot one', async () => {
    const { cwd, logs } = await base();
    const d = days[4] as string;
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
    const strict = await snap(cwd, `${d}T10:00:00Z`, logs);
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 2000000\n');
    await snap(cwd, `${d}T09:00:00Z`, logs, undefined, ['configs/risk.yaml']);
    await logOrderDay(logs, d);
    await nightlyExport(cwd, d);
    await logOrderDay(logs, days[5] as string);
    cli(cwd, ['export', '--date', days[5] as string], 0);
    expect(packOf(cwd, days[5] as string).policies).toEqual([strict.id]);
    expect(packOf(cwd, days[5] as string).restricted).toBe(1);
    // Its record deleted: unknown (exit 3), never the boot snapshot or the file.
    rmSync(join(cwd, 'audit', 'snapshots', `${strict.id}.json`));
    rmSync(join(cwd, 'art', days[5] as string), { recursive: true });
    const stderr = cli(cwd, ['export', '--date', days[5] as string], 3);
    expect(stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(packOf(cwd, days[5] as string).policies).toEqual([null]);
  });
});
