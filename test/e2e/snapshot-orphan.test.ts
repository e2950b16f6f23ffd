/**
 * A snapshot killed after storing its record and before chaining its ConfigSnapshot event (at20
 * F1): the next snapshot does not chain the orphan (it cannot tell it from a record planted in the
 * store, at21 C1) and does not count from it (at22 F5): it counts from the last recorded one; verify
 * reports a ConfigSnapshot that counts from an unchained snapshot (written before), naming it; the
 * pack's config.diff marks such a diff and a record with no event of its own.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordWriterEvent } from '../../src/logger/child.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const recordsIn = (cwd: string): string[] =>
  readdirSync(join(cwd, 'audit', 'snapshots'))
    .filter((n) => n.endsWith('.json'))
    .sort();

function snapshotEvents(cwd: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const f of readdirSync(join(cwd, 'logs'))
    .filter((n) => n.endsWith('.jsonl'))
    .sort())
    for (const line of readFileSync(join(cwd, 'logs', f), 'utf8').split('\n'))
      if (line.includes('"ConfigSnapshot"')) out.push(JSON.parse(line) as Record<string, unknown>);
  return out;
}

const shaOf = (cwd: string, id: string): string =>
  createHash('sha256')
    .update(readFileSync(join(cwd, 'audit', 'snapshots', `${id}.json`)))
    .digest('hex');

/** Spawns `snapshot` and kills it -9 the moment its record appears; true when it died before chaining its event. */
async function killedAfterRecord(cwd: string, reason: string): Promise<boolean> {
  const before = recordsIn(cwd).length;
  const events = snapshotEvents(cwd).length;
  const child = spawn(process.execPath, [BIN, 'snapshot', '--reason', reason, '--log-dir', 'logs'], {
    cwd,
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 20_000;
  // A busy wait: the window between the record and the event is a few milliseconds.
  while (recordsIn(cwd).length === before && child.exitCode === null && Date.now() < deadline);
  child.kill('SIGKILL');
  await exited;
  return recordsIn(cwd).length === before + 1 && snapshotEvents(cwd).length === events;
}

describe('a snapshot killed between its record and its event', () => {
  it('the next snapshot neither chains the orphan nor counts from it: it counts from the last recorded one, with a warning', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'configs'));
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 5\n');
    writeFileSync(join(cwd, 'configs', 'app.yaml'), 'venue: X\n');
    expect(runCli(['snapshot', '--reason', 'initial', '--log-dir', 'logs'], { cwd }).code).toBe(0);
    const initial = String(snapshotEvents(cwd).at(-1)?.snapshot_id);
    let orphaned = false;
    for (let i = 0; i < 8 && !orphaned; i++) {
      writeFileSync(join(cwd, 'configs', 'risk.yaml'), `max_position: ${500 + i}\n`);
      orphaned = await killedAfterRecord(cwd, 'risk raised');
    }
    expect(orphaned, 'the kill never landed between the record and its event').toBe(true);
    const orphan = (recordsIn(cwd).at(-1) as string).slice(0, -5);
    // The last recorded snapshot: `initial`, or a try whose kill came after its event (a busy host).
    const lastRecorded = String(snapshotEvents(cwd).at(-1)?.snapshot_id);
    writeFileSync(join(cwd, 'configs', 'app.yaml'), 'venue: Y\n');
    const r = runCli(['snapshot', '--reason', 'venue change', '--log-dir', 'logs'], { cwd });
    // A warning (exit 3) names the record no event records.
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`that no ConfigSnapshot event in the audit log records (${orphan})`);

    const events = snapshotEvents(cwd);
    expect(events.filter((e) => e.snapshot_id === orphan)).toHaveLength(0);
    expect(events.filter((e) => e.recovered !== undefined || e.recovered_by !== undefined)).toHaveLength(0);
    const last = events.at(-1) as Record<string, unknown>;
    // The orphan's change is in the chain: counted again from the last recorded snapshot.
    expect(last.previous_snapshot_id).toBe(lastRecorded);
    expect(lastRecorded <= orphan && initial <= lastRecorded).toBe(true);
    expect(last.changed_files).toEqual(['configs/app.yaml', 'configs/risk.yaml']);

    const v = runCli(['verify', 'logs'], { cwd });
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).not.toMatch(/LOG_SNAPSHOT_UNCHAINED/);
    // Later snapshots do not chain it either, and count from the recorded ones.
    const again = runCli(['snapshot', '--reason', 'nothing changed', '--log-dir', 'logs'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(snapshotEvents(cwd).filter((e) => e.snapshot_id === orphan)).toHaveLength(0);
  }, 120_000);

  it('an orphan (or one chained late as recovered, by 1a07461): verify warns LOG_SNAPSHOT_UNCHAINED and the pack marks the diff', async () => {
    // The state a killed snapshot leaves, made faithfully: three records, the middle one with no
    // event of its own (only a `recovered` one, as the late repair of 1a07461 wrote, which vouches
    // for nothing); the third's event counts from it.
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    mkdirSync(join(cwd, 'configs'));
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 5\n');
    writeFileSync(join(cwd, 'configs', 'app.yaml'), 'venue: X\n');
    const take = (reason: string) =>
      createConfigSnapshot({ cwd, reason, snapshotDir: join(cwd, 'audit', 'snapshots') });
    const s1 = await take('initial');
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 500\n');
    const s2 = await take('risk raised');
    writeFileSync(join(cwd, 'configs', 'app.yaml'), 'venue: Y\n');
    const s3 = await take('venue change');
    const logger = createAuditLogger({ logDir, durability: 'durable', handleExit: false });
    for (const s of [s1, s2, s3])
      await recordWriterEvent(logger, 'config', 'ConfigSnapshot', {
        ...(s === s2 ? { recovered: true, recovered_by: s3.snapshot_id } : {}),
        snapshot_id: s.snapshot_id,
        reason: s.reason,
        file_count: 2,
        changed_files: [...s.changes.added, ...s.changes.changed].sort(),
        previous_snapshot_id: s.previous_snapshot_id,
        record_sha256: shaOf(cwd, s.snapshot_id),
        git_commit: null,
        git_dirty: null,
      });
    await logger.close();

    const v = runCli(['verify', 'logs'], { cwd });
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(
      new RegExp(
        `LOG_SNAPSHOT_UNCHAINED the ConfigSnapshot of snapshot ${s3.snapshot_id} counts its changed_files from snapshot ${s2.snapshot_id}`,
      ),
    );
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], { cwd });
    expect(e.code, e.stderr).toBe(0);
    const pack = readdirSync(join(cwd, 'artifacts')).find((n) => /^\d{4}-\d{2}-\d{2}$/.test(n)) as string;
    const diff = readFileSync(join(cwd, 'artifacts', pack, 'data', 'config.diff'), 'utf8');
    expect(diff).toContain(
      `# snapshot ${s3.snapshot_id} at ${s3.timestamp} (venue change) [UNCHAINED: counted from snapshot ${s2.snapshot_id}, whose ConfigSnapshot event the audit log does not hold]`,
    );
    // s2 counts from s1, which is chained, but has no event of its own (a `recovered` one vouches for nothing).
    expect(diff).toContain(
      `# snapshot ${s2.snapshot_id} at ${s2.timestamp} (risk raised) [UNCHAINED: no ConfigSnapshot event in the audit log records this snapshot; its record is not evidence]\n`,
    );
    const vp = runCli(['verify', join('artifacts', pack)], { cwd });
    expect(vp.stdout).toMatch(/LOG_SNAPSHOT_UNCHAINED/);
  }, 120_000);
});
