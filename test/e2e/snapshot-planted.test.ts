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

  it("dated in the future: export warns as snapshot does (stderr, --json warnings, exit 3) and never takes it as the pack's", () => {
    const cwd = setUp();
    const honest = newestRecord(cwd).snapshot_id as string;
    const far = '20991231T235959.000000Z-000';
    plant(cwd, far, (r) => {
      r.reason = 'from the future';
    });
    // Later today by more than the 5 minutes' skew (when today has that much left): a partial pack's
    // config of record would otherwise be a record this clock did not write.
    const soon = Math.min(Date.now() + 3_600_000, Date.parse(`${new Date().toISOString().slice(0, 10)}T23:59:59Z`));
    const later = soon - Date.now() > 6 * 60_000 ? snapshotIdOf(soon * 1000, 0) : undefined;
    if (later !== undefined) plant(cwd, later, (r) => void (r.reason = 'later today'));
    const e = runCli(['export', '--partial', '--log-dir', 'logs', '--artifacts-dir', 'artifacts', '--json'], { cwd });
    expect(e.code, e.stderr).toBe(3);
    const n = later === undefined ? 1 : 2;
    const said = new RegExp(`${n} stored snapshot record\\(s\\) dated in the future \\(.*${far}.*\\) not taken`);
    expect(e.stderr).toMatch(said);
    expect((JSON.parse(e.stdout) as { warnings: string[] }).warnings).toEqual([expect.stringMatching(said)]);
    const pack = readdirSync(join(cwd, 'artifacts')).find((x) => /^\d{4}-\d{2}-\d{2}$/.test(x)) as string;
    const json = readFileSync(join(cwd, 'artifacts', pack, 'data', 'config_snapshot.json'), 'utf8');
    expect(JSON.parse(json).snapshot_id).toBe(honest);
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

describe('snapshot list and show on a planted record', () => {
  /** ESC sequences, an OSC 52 clipboard write, a carriage return, a C1 CSI, a bidi override. */
  const ACTIVE = 'X\u001b[1A\u001b[2K\u001b]52;c;cm0gLXJmIH4=\u0007\rall clear\u009b2J\u202e';
  const ACTIVE_RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  function planted(): { cwd: string; id: string } {
    const cwd = setUp();
    const id = snapshotIdOf(Date.now() * 1000, 0);
    plant(cwd, id, (r) => {
      r.reason = `${ACTIVE} password=hunter2 ${GHP} ${'z'.repeat(100_000)}`;
      r.actor = { user: `ops${ACTIVE}`, host: 'AKIAIOSFODNN7EXAMPLE' };
      r.git_error = { code: 'SNAPSHOT_GIT_FAILED', message: `git said ${ACTIVE} token=${GHP}` };
      r.git = null;
    });
    return { cwd, id };
  }

  it('prints its text escaped, its secrets redacted and its length bounded', () => {
    const { cwd } = planted();
    for (const args of [['list'], ['show', 'latest']]) {
      const r = runCli(['snapshot', ...args], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(ACTIVE_RAW);
      for (const secret of SECRETS) expect(r.stdout + r.stderr).not.toMatch(secret);
      expect(r.stdout).toContain('X\\u001b[1A');
      expect(r.stdout).toContain('\\u001b]52;c;');
      expect(r.stdout).toMatch(/… \[\d+ more characters\]/);
      expect(r.stdout.length).toBeLessThan(5_000);
    }
  }, 60_000);

  it('--json keeps the text whole and parseable, secrets redacted, nothing a terminal acts on', () => {
    const { cwd } = planted();
    for (const args of [
      ['list', '--json'],
      ['show', 'latest', '--json'],
    ]) {
      const r = runCli(['snapshot', ...args], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(ACTIVE_RAW);
      for (const secret of SECRETS) expect(r.stdout).not.toMatch(secret);
      const doc = JSON.parse(r.stdout) as { reason: string } | { reason: string }[];
      const reason = Array.isArray(doc) ? (doc[0] as { reason: string }).reason : doc.reason;
      expect(reason.startsWith(ACTIVE)).toBe(true);
      expect(reason).toContain('z'.repeat(100_000));
      expect(reason).toContain('[REDACTED]');
    }
  }, 60_000);
});

describe('snapshot show on a planted record without an actor', () => {
  it('shows it, saying the actor is not recorded (was a TypeError, exit 70)', () => {
    const cwd = setUp();
    plant(cwd, snapshotIdOf(Date.now() * 1000, 0), (r) => {
      delete r.actor;
    });
    const r = runCli(['snapshot', 'show', 'latest'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^actor {6}\(not recorded\)$/m);
  }, 60_000);
});
