/**
 * Records written into the snapshot store by someone other than auditpack (at21 C1, C2; at22 F5):
 * never chained by the next snapshot nor counted from (past-dated or future-dated), never the
 * pack's config, marked UNCHAINED in its config.diff, and what the pack copies from the store
 * passed through the redactor.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotIdOf } from '../../src/snapshot/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const GHP = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
const SECRETS = [/hunter2/, /AKIAIOSFODNN7EXAMPLE/, new RegExp(GHP)];

function storeDir(cwd: string): string {
  return join(cwd, 'audit', 'snapshots');
}

function newestRecord(cwd: string): Record<string, unknown> {
  const name = readdirSync(storeDir(cwd))
    .filter((n) => n.endsWith('.json'))
    .sort()
    .at(-1) as string;
  return JSON.parse(readFileSync(join(storeDir(cwd), name), 'utf8')) as Record<string, unknown>;
}

/** Writes a record as someone who can write the store would: a copy of the newest, under `id`, with `edit`. */
function plant(cwd: string, id: string, edit: (r: Record<string, unknown>) => void): void {
  const r = newestRecord(cwd);
  r.previous_snapshot_id = r.snapshot_id;
  r.snapshot_id = id;
  r.timestamp = `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 22)}`;
  edit(r);
  writeFileSync(join(storeDir(cwd), `${id}.json`), `${JSON.stringify(r, null, 2)}\n`);
}

function setUp(): string {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 5\n');
  expect(runCli(['snapshot', '--reason', 'initial', '--log-dir', 'logs'], { cwd }).code).toBe(0);
  return cwd;
}

function logText(cwd: string): string {
  return readdirSync(join(cwd, 'logs'))
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => readFileSync(join(cwd, 'logs', n), 'utf8'))
    .join('');
}

describe('a record planted in the snapshot store', () => {
  it("dated in the past (between two honest snapshots) is not counted from, not the pack's config, and marked in its diff", () => {
    const cwd = setUp();
    const initial = newestRecord(cwd).snapshot_id as string;
    // Dated now: in the past by the time the next honest snapshot runs, so the 5-minute rule does not apply.
    const planted = snapshotIdOf(Date.now() * 1000, 0);
    plant(cwd, planted, (r) => {
      r.reason = 'scheduled';
      r.timestamp = 'T23:00\n# snapshot 20990101T000000.000000Z-000 at forged (CRO approved)\u001b[2J';
    });
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 500\n');
    const r = runCli(['snapshot', '--reason', 'raise limit', '--log-dir', 'logs', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(
      `1 stored snapshot record(s) that no ConfigSnapshot event in the audit log records (${planted})`,
    );
    const honest = JSON.parse(r.stdout) as { snapshot_id: string; previous_snapshot_id: string };
    // The chained event counts the real 5 -> 500 change from the last recorded snapshot.
    expect(honest.previous_snapshot_id).toBe(initial);
    const event = logText(cwd)
      .split('\n')
      .find((l) => l.includes(`"snapshot_id":"${honest.snapshot_id}"`)) as string;
    expect(JSON.parse(event)).toMatchObject({ previous_snapshot_id: initial, changed_files: ['configs/risk.yaml'] });
    expect(logText(cwd)).not.toContain(`"snapshot_id":"${planted}"`);
    expect(runCli(['verify', 'logs'], { cwd }).stdout).not.toMatch(/LOG_SNAPSHOT_UNCHAINED/);

    // Another planted after the last honest one: the newest record, never the pack's config.
    const planted2 = snapshotIdOf(Date.now() * 1000, 0);
    plant(cwd, planted2, (x) => {
      x.reason = 'CRO approved';
      x.diffs = {};
    });
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], { cwd });
    expect(e.code, e.stderr).toBe(0);
    const pack = readdirSync(join(cwd, 'artifacts')).find((n) => /^\d{4}-\d{2}-\d{2}$/.test(n)) as string;
    const json = readFileSync(join(cwd, 'artifacts', pack, 'data', 'config_snapshot.json'), 'utf8');
    expect(JSON.parse(json).snapshot_id).toBe(honest.snapshot_id);
    const diff = readFileSync(join(cwd, 'artifacts', pack, 'data', 'config.diff'), 'utf8');
    const headers = diff.split('\n').filter((l) => l.startsWith('#'));
    const mark =
      '[UNCHAINED: no ConfigSnapshot event in the audit log records this snapshot; its record is not evidence]';
    // The planted timestamp's line break and escape are flattened (one header line, nothing forged), and cut.
    const shownTime = 'T23:00 # snapshot 20990101T000000.000000Z-000 at forged (CRO approved) [2J'.slice(0, 64);
    const planted2Time = JSON.parse(
      readFileSync(join(cwd, 'audit', 'snapshots', `${planted2}.json`), 'utf8'),
    ).timestamp;
    expect(headers).toEqual([
      expect.stringMatching(
        /^# auditpack config diffs for .*: 1 snapshot\(s\) with differences, 2 no ConfigSnapshot event records \(UNCHAINED\)$/,
      ),
      `# snapshot ${planted} at ${shownTime}… (scheduled) ${mark}`,
      `# snapshot ${honest.snapshot_id} at ${JSON.parse(json).timestamp} (raise limit)`,
      // No diff of its own: listed all the same.
      `# snapshot ${planted2} at ${planted2Time} (CRO approved) ${mark}`,
    ]);
    expect(diff).not.toContain('\u001b');
  }, 60_000);

  it('dated in the future is not taken as the previous snapshot, with a warning on stderr', () => {
    const cwd = setUp();
    let previous = newestRecord(cwd).snapshot_id as string;
    plant(cwd, '20991231T235959.000000Z-000', (r) => {
      r.reason = 'from the future';
    });
    // Each honest snapshot counts from the honest one before it, not from the planted record.
    for (const [i, reason] of ['honest 1', 'honest 2'].entries()) {
      writeFileSync(join(cwd, 'configs', 'risk.yaml'), `max_position: ${10 + i}\n`);
      const r = runCli(['snapshot', '--reason', reason, '--log-dir', 'logs', '--json'], { cwd });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(
        /warning 1 stored snapshot record\(s\) dated in the future \(20991231T235959\.000000Z-000\) not taken/,
      );
      const taken = JSON.parse(r.stdout) as { snapshot_id: string; previous_snapshot_id: string; changes: unknown };
      expect(taken.previous_snapshot_id).toBe(previous);
      expect(taken.changes).toMatchObject({ changed: ['configs/risk.yaml'] });
      previous = taken.snapshot_id;
    }
    expect(logText(cwd)).not.toContain('20991231T235959');
  }, 60_000);

  it('never carries its secrets into a pack: reason, actor and file names pass through the redactor', () => {
    const cwd = setUp();
    const planted = snapshotIdOf(Date.now() * 1000, 0);
    const secretName = `configs/${GHP}.yaml`;
    plant(cwd, planted, (r) => {
      r.reason = `rotated password=hunter2 AKIAIOSFODNN7EXAMPLE ${GHP}`;
      r.actor = { user: 'password=hunter2', host: 'h' };
      const files = r.files as Record<string, unknown>;
      files[secretName] = files['configs/risk.yaml'];
      (r.changes as Record<string, unknown>).added = [secretName];
      r.diffs = { [secretName]: `--- /dev/null\n+++ b/${secretName}\n@@ -0,0 +1 @@\n+max_position: 5\n` };
    });
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], { cwd });
    expect(e.code, e.stderr).toBe(0);
    const pack = readdirSync(join(cwd, 'artifacts')).find((n) => /^\d{4}-\d{2}-\d{2}$/.test(n)) as string;
    const diff = readFileSync(join(cwd, 'artifacts', pack, 'data', 'config.diff'), 'utf8');
    const json = readFileSync(join(cwd, 'artifacts', pack, 'data', 'config_snapshot.json'), 'utf8');
    expect(diff).toContain(`# snapshot ${planted} at `);
    // Not the pack's config: no ConfigSnapshot event records it.
    expect(JSON.parse(json).snapshot_id).not.toBe(planted);
    for (const secret of SECRETS) {
      expect(diff).not.toMatch(secret);
      expect(json).not.toMatch(secret);
    }
    expect(diff).toContain('[REDACTED]');
  }, 60_000);

  it('does not pass a secret file name on to the next honest record, and that pack verifies', () => {
    const cwd = setUp();
    const planted = snapshotIdOf(Date.now() * 1000, 0);
    plant(cwd, planted, (r) => {
      const files = r.files as Record<string, unknown>;
      files[`configs/${GHP}.yaml`] = files['configs/risk.yaml'];
    });
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_position: 6\n');
    const r = runCli(['snapshot', '--reason', 'honest', '--log-dir', 'logs'], { cwd });
    // Not counted from (no event records it): a warning, and nothing of it in the honest record.
    expect(r.code, r.stderr).toBe(3);
    const honest = newestRecord(cwd);
    expect(honest.previous_snapshot_id).not.toBe(planted);
    expect(JSON.stringify(honest)).not.toMatch(new RegExp(GHP));
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts'], { cwd });
    expect(e.code, e.stderr).toBe(0);
    const v = runCli(['verify', 'artifacts', '--log-dir', 'logs'], { cwd });
    expect(v.stdout).not.toMatch(/COMPLIANCE_REPORT_MISMATCH/);
  }, 60_000);
});
