/**
 * `auditpack log review <Name>` through the built CLI (at19 F6): the review workflow's event names
 * are reserved for its writer, so the command refuses them (exit 2, USAGE, nothing written) and an
 * honestly approved record keeps verifying; before, a forged ReviewRejected made verify accuse it.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { approvedFixture, DATE, writtenState } from '../review/helpers.js';

const NAMES = ['ReviewSubmitted', 'ReviewApproved', 'ReviewRejected', 'ReviewReopened', 'FindingDisposed'];

describe('auditpack log review <reserved name>', () => {
  it('is refused (exit 2, USAGE, nothing written); verify still says the approved record is intact', async () => {
    const { f, sha } = await approvedFixture();
    const before = writtenState(f);
    const env = { AUDIT_LOG_DIR: f.logs, AUDITPACK_ACTOR: 'mallory' };
    const x = createHash('sha256').update('x').digest('hex');
    for (const name of NAMES) {
      const r = await runCli(
        ['log', 'review', name, `date=${DATE}`, `manifest_sha256=${sha}`, 'record_seq=33', `record_sha256=${x}`],
        { cwd: f.cwd, env },
      );
      expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('USAGE');
      expect(r.stderr).toContain(`review/${name}`);
    }
    expect(writtenState(f)).toBe(before);
    // Another review event name is a caller's own and is written as given; readers ignore it.
    const other = await runCli(['log', 'review', 'ReviewCommented', `date=${DATE}`, `manifest_sha256=${sha}`], {
      cwd: f.cwd,
      env,
    });
    expect(other.code, other.stderr).toBe(0);
    const v = await runCli(['verify', f.artifacts, '--log-dir', f.logs, '--json'], { cwd: f.cwd });
    expect(v.code, v.stdout).toBe(0);
    const problems = (JSON.parse(v.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code);
    expect(problems).not.toContain('REVIEW_EVENT_MISMATCH');
  });
});
