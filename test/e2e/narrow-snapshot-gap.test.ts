/**
 * A narrow snapshot past a day the chain cannot tell about never stands for the whole config (at31).
 * A full snapshot (policy strict) is logged on days[0]; a prune of an earlier version removes that
 * day's file and pack, its LogPruned event carrying no `config_in_force` (the shape versions before
 * that field wrote: file, date, size, sha256, last_seq, end_hash); a snapshot of configs/risk.yaml
 * alone follows on days[2]. When retention then removes days[1..3], the prune must not carry the
 * narrow snapshot as the only one in force "for its paths", leaving the policy file recorded by no
 * snapshot: the compliance report would then run under the policy file on disk, whose content an
 * attacker controls (made lax here). The policy is unknown instead (COMPLIANCE_POLICY_UNKNOWN, exit
 * 3, the built-in policy); a full snapshot logged after the gap ends it (the honest way out).
 *
 * The days are logged and exported in-process at chosen clocks (each export at 00:05 the next day,
 * as the nightly cron); the prune, the export and the check under test run as the built CLI.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { recordWriterEvent } from '../../src/logger/child.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { logOrderDay, nightlyExport } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';

const DAY_MS = 86_400_000;
const ago = (n: number): string => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
/** days[0] is 7 days ago, days[6] yesterday. */
const days = [7, 6, 5, 4, 3, 2, 1].map(ago);
const Y = days[6] as string;
const micros = (iso: string): number => Date.parse(iso) * 1000;
const POLICY = readFileSync(fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)), 'utf8');
const STRICT = POLICY.replace('[USDRUB]', '[USDRUB, EURUSD]');
const file = (d: string): string => `audit-${d.replaceAll('-', '')}.jsonl`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function snap(cwd: string, iso: string, patterns: string[]): Promise<string> {
  const s = await createConfigSnapshot({
    cwd,
    reason: 'r',
    clock: () => micros(iso),
    logDir: join(cwd, 'logs'),
    patterns,
  });
  return s.snapshot_id;
}

/**
 * What a prune of a version before `config_in_force` did to `date` (at 00:10 the day after next):
 * a LogPruned and a PackPruned event of its shape, then the day's file and pack removed.
 */
async function oldPrune(cwd: string, date: string, at: string): Promise<void> {
  const logs = join(cwd, 'logs');
  const path = join(logs, file(date));
  const pack = join(cwd, 'art', date);
  const manifest = readFileSync(join(pack, 'manifest.json'));
  const { chain } = JSON.parse(manifest.toString('utf8')) as { chain: { last_seq: number; end_hash: string } };
  const logger = createAuditLogger({ logDir: logs, handleExit: false, durability: 'durable', clock: () => micros(at) });
  await recordWriterEvent(logger, 'system', 'PackPruned', { date, path: date, manifest_sha256: sha256(manifest) });
  await recordWriterEvent(logger, 'system', 'LogPruned', {
    file: file(date),
    date,
    size: statSync(path).size,
    sha256: sha256(readFileSync(path)),
    last_seq: chain.last_seq,
    end_hash: chain.end_hash,
  });
  await logger.close();
  rmSync(path);
  rmSync(pack, { recursive: true });
}

/** The log as described above; `fullAfter`: a full snapshot logged on days[3], after the narrow one. */
async function setUp(fullAfter = false): Promise<{ cwd: string; narrow: string; full?: string }> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 1000000\n');
  await snap(cwd, `${days[0]}T08:00:00Z`, ['configs/*.yaml']);
  let narrow = '';
  let full: string | undefined;
  for (let i = 0; i < 6; i++) {
    const d = days[i] as string;
    if (i === 2) {
      await oldPrune(cwd, days[0] as string, `${d}T00:10:00Z`);
      writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 2000000\n');
      narrow = await snap(cwd, `${d}T08:00:00Z`, ['configs/risk.yaml']);
    }
    if (i === 3 && fullAfter) full = await snap(cwd, `${d}T08:00:00Z`, ['configs/*.yaml']);
    await logOrderDay(join(cwd, 'logs'), d);
    await nightlyExport(cwd, d);
  }
  await logOrderDay(join(cwd, 'logs'), Y);
  const r = runCli(
    ['prune', '--log-retention-days', '3', '--retention-days', '3', '--log-dir', 'logs', '--artifacts-dir', 'art'],
    {
      cwd,
    },
  );
  expect(r.code, r.stderr).toBe(0);
  expect(readdirSync(join(cwd, 'logs'))).not.toContain(file(days[2] as string));
  // The attacker's edit: the policy file on disk now allows EURUSD.
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
  return { cwd, narrow, ...(full === undefined ? {} : { full }) };
}

function report(cwd: string): { policies: unknown[]; restricted: number } {
  const r = JSON.parse(readFileSync(join(cwd, 'art', Y, 'data', 'compliance_report.json'), 'utf8')) as {
    policies: { snapshot_id: unknown }[];
    findings: { rule: string }[];
  };
  return {
    policies: r.policies.map((p) => p.snapshot_id),
    restricted: r.findings.filter((f) => f.rule === 'restricted_symbol').length,
  };
}

function logLines(cwd: string): string[] {
  return readdirSync(join(cwd, 'logs')).flatMap((f) => readFileSync(join(cwd, 'logs', f), 'utf8').split('\n'));
}

describe('a narrow snapshot past a day the chain cannot tell about (at31)', () => {
  it('the prune carries it as all the chain can tell (no paths), and the lax file on disk governs neither export nor check', async () => {
    const { cwd, narrow } = await setUp();
    const ex = runCli(['export', '--date', Y, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(ex.code, ex.stderr).toBe(3);
    expect(ex.stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(ex.stderr).toContain(`snapshot ${narrow}`);
    expect(report(cwd).policies).toEqual([null]);
    const ck = runCli(['check', '--date', Y, '--log-dir', 'logs', '--json'], { cwd });
    const checked = JSON.parse(ck.stdout) as { policy: { source: string }; policy_notes: string[] };
    expect(checked.policy.source).toBe('built-in');
    expect(checked.policy_notes.join('\n')).toContain(`names snapshot ${narrow} for every file no newer entry names`);
    const pruned = logLines(cwd).filter((l) => l.includes('"LogPruned"') && l.includes(file(days[2] as string)));
    expect(pruned).toHaveLength(1);
    const ev = JSON.parse(pruned[0] as string) as Record<string, unknown>;
    expect((ev.config_in_force as { snapshot_id: string }).snapshot_id).toBe(narrow);
    // No list saying "risk.yaml is the narrow one's, and no snapshot recorded the policy file".
    expect(ev.configs_in_force).toBeUndefined();
    // The pack says the same per file: risk.yaml is the narrow one's, the policy file and any
    // other file unknown with the reason (never left out, never the file on disk).
    const inForce = JSON.parse(readFileSync(join(cwd, 'art', Y, 'data', 'config_in_force.json'), 'utf8')) as {
      files: { path: string; record: unknown; reason?: string }[];
      other_files: { record: string; reason: string } | null;
    };
    expect(inForce.files.map((e) => [e.path, e.record === 'unknown' ? 'unknown' : e.record])).toEqual([
      ['configs/compliance_policy.yaml', 'unknown'],
      ['configs/risk.yaml', { snapshot_id: narrow, record_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    ]);
    expect(inForce.files[0]?.reason).toContain(`names snapshot ${narrow} for every file no newer entry names`);
    expect(inForce.other_files?.record).toBe('unknown');
    // Unknown entries are no error: the pack verifies (risk.yaml's entry is data/config_snapshot.json's bytes).
    const v = JSON.parse(runCli(['verify', join('art', Y), '--json'], { cwd }).stdout) as {
      problems: { code: string; severity: string }[];
    };
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('a full snapshot logged after the gap ends it: exit 0, its policy restricts EURUSD, not the file', async () => {
    const { cwd, full } = await setUp(true);
    const ex = runCli(['export', '--date', Y, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stderr).not.toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(report(cwd)).toEqual({ policies: [full], restricted: 1 });
  });
});
