/**
 * `auditpack review` through the built CLI: the README's reviewer's day in five commands, exit
 * codes for each refusal, and a hostile compliance_findings.csv coming back from a spreadsheet
 * (formula cells, wrong ids, another pack's rows, garbage) giving exit 65 and nothing written,
 * never a crash.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/review-flow/csv-read.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, type Fixture, makeFixture, sshKeygenVerify, writtenState } from '../review/helpers.js';

function env(f: Fixture, actor: string): Record<string, string> {
  return {
    AUDITPACK_ACTOR: actor,
    AUDIT_LOG_DIR: f.logs,
    EXPORT_BASE_DIR: f.artifacts,
    AUDITPACK_REVIEW_SIGNERS: f.signersFile,
    AUDITPACK_REVIEW_APPROVERS: 'bob@desk',
  };
}

function keyFile(f: Fixture, name: string, key: Fixture['bob']): string {
  const path = join(f.cwd, name);
  writeFileSync(path, key.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  return path;
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The pack's findings CSV with `fill(row)` applied to each data row (columns by name). */
function filledCsv(f: Fixture, fill: (row: Record<string, string>) => void): string {
  const parsed = parseCsv(readFileSync(join(f.pack, 'data/compliance_findings.csv'), 'utf8'));
  if ('error' in parsed) throw new Error(parsed.error);
  const [header, ...rows] = parsed.rows as [string[], ...string[][]];
  const out = [header.join(',')];
  for (const r of rows) {
    const o = Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']));
    fill(o);
    out.push(header.map((h) => quote(o[h] ?? '')).join(','));
  }
  return `${out.join('\r\n')}\r\n`;
}

describe('auditpack review (CLI)', () => {
  it("a reviewer's day in five commands: status, import, submit, approve (four eyes), verify", async () => {
    const f = await makeFixture(tempDir());
    const csv = join(f.cwd, 'filled.csv');
    writeFileSync(
      csv,
      filledCsv(f, (r) => {
        r.disposition = r.severity === 'critical' ? 'escalated' : 'accepted: collar widened for NFP';
        r.reviewer = 'alice@desk';
      }),
    );
    const status = runCli(['review', 'status', DATE], { cwd: f.cwd, env: env(f, 'alice@desk') });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`${DATE}: DRAFT`);
    const imp = runCli(['review', DATE, '--import', csv], { cwd: f.cwd, env: env(f, 'alice@desk') });
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toContain('recorded 2 disposition(s)');
    const aliceKey = keyFile(f, 'alice_key', f.alice);
    const sub = runCli(['review', DATE, '--submit', '--key', aliceKey], { cwd: f.cwd, env: env(f, 'alice@desk') });
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.stdout).toContain('DRAFT → PENDING_REVIEW');
    const self = runCli(['review', DATE, '--approve', '--key', aliceKey], {
      cwd: f.cwd,
      env: env(f, 'alice@desk'),
    });
    expect(self.code).toBe(77);
    expect(self.stderr).toContain('REVIEW_NOT_PERMITTED');
    const app = runCli(['review', DATE, '--approve', '--key', keyFile(f, 'bob_key', f.bob), '--json'], {
      cwd: f.cwd,
      env: env(f, 'bob@desk'),
    });
    expect(app.code, app.stderr).toBe(0);
    const j = JSON.parse(app.stdout) as { to: string; approval: { signature: string; key_fingerprint: string } };
    expect(j.to).toBe('APPROVED');
    const sig = join(f.artifacts, j.approval.signature);
    expect(sshKeygenVerify(f.signersFile, 'bob@desk', sig.replace(/\.sig$/, ''), sig).code).toBe(0);
    const v = runCli(['verify', f.artifacts], { cwd: f.cwd, env: env(f, 'carol@desk') });
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toContain('review records and approvals');
    expect(v.stdout).toContain('APPROVED by bob@desk');
    expect(v.stdout).not.toContain('REVIEW_SIGNERS_UNPINNED');
    // The same list found by default in configs/ (attack9 #06): anyone who can write configs/ could
    // have added a key, so verify says where the trust came from; named on the command line it is pinned.
    const { AUDITPACK_REVIEW_SIGNERS: _, ...unnamed } = env(f, 'carol@desk');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(join(f.cwd, 'configs'), { recursive: true });
    copyFileSync(f.signersFile, join(f.cwd, 'configs', 'review_signers.conf'));
    const found = runCli(['verify', f.artifacts, '--json'], { cwd: f.cwd, env: unnamed });
    expect(found.code, found.stdout).toBe(0);
    expect(
      (JSON.parse(found.stdout) as { problems: { code: string; severity: string }[] }).problems.filter(
        (p) => p.code === 'REVIEW_SIGNERS_UNPINNED',
      ),
    ).toMatchObject([{ severity: 'warning' }]);
    const pinned = runCli(['verify', f.artifacts, '--review-signers', f.signersFile], { cwd: f.cwd, env: unnamed });
    expect(pinned.code, pinned.stdout).toBe(0);
    expect(pinned.stdout).not.toContain('REVIEW_SIGNERS_UNPINNED');
    const again = runCli(['review', DATE, '--reject', '--reason', 'too late'], { cwd: f.cwd, env: env(f, 'bob@desk') });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('REVIEW_TRANSITION_INVALID');
  }, 180_000);

  it('refusals: submit without dispositions exits 1, approve on a DRAFT exits 2, no action exits 2; nothing written', async () => {
    const f = await makeFixture(tempDir());
    const before = writtenState(f);
    const aliceKey = keyFile(f, 'alice_key', f.alice);
    const sub = runCli(['review', DATE, '--submit', '--key', aliceKey], { cwd: f.cwd, env: env(f, 'alice@desk') });
    expect(sub.code).toBe(1);
    expect(sub.stderr).toContain('REVIEW_BLOCKED');
    const app = runCli(['review', DATE, '--approve', '--key', keyFile(f, 'bob_key', f.bob)], {
      cwd: f.cwd,
      env: env(f, 'bob@desk'),
    });
    expect(app.code).toBe(2);
    expect(app.stderr).toContain('REVIEW_TRANSITION_INVALID');
    expect(runCli(['review', DATE], { cwd: f.cwd, env: env(f, 'bob@desk') }).code).toBe(2);
    expect(
      runCli(['review', '2025-09-07', '--submit', '--key', aliceKey], { cwd: f.cwd, env: env(f, 'bob@desk') }).code,
    ).toBe(66);
    const badActor = runCli(['review', DATE, '--submit', '--actor', 'bob smith'], { cwd: f.cwd, env: env(f, 'x') });
    expect(badActor.code).toBe(2);
    expect(writtenState(f)).toBe(before);
  });

  it('a hostile CSV: formulas, unknown ids, another pack’s rows, garbage — exit 65, every problem named, nothing written', async () => {
    const f = await makeFixture(tempDir());
    const before = writtenState(f);
    const cases: [string, string | Buffer, string][] = [
      ['formula', filledCsv(f, (r) => void (r.disposition = '=HYPERLINK("http://x","y")')), 'a disposition is'],
      [
        'unknown id',
        filledCsv(f, (r) => {
          r.finding_id = `${r.finding_id}0`;
          r.disposition = 'escalated';
        }),
        'is not a finding of this pack',
      ],
      [
        'another pack',
        filledCsv(f, (r) => {
          r.description = `${r.description} (2025-09-09)`;
          r.disposition = 'escalated';
        }),
        'differs from this pack',
      ],
      ['accepted without reason', filledCsv(f, (r) => void (r.disposition = 'accepted')), 'accepted needs a reason'],
      [
        'future date',
        filledCsv(f, (r) => {
          r.disposition = 'escalated';
          r.review_date = '2999-01-01';
        }),
        'review date',
      ],
      ['unterminated quote', 'finding_id,disposition\r\n"abc,escalated\r\n', 'never ends'],
      ['not CSV of findings', 'a,b,c\r\n1,2,3\r\n', 'has no column'],
      ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x80]), 'not UTF-8'],
      ['nothing filled', filledCsv(f, () => undefined), 'no row has a disposition'],
    ];
    for (const [name, body, says] of cases) {
      const csv = join(f.cwd, `${name.replace(/ /g, '_')}.csv`);
      writeFileSync(csv, body);
      const r = runCli(['review', DATE, '--import', csv], { cwd: f.cwd, env: env(f, 'alice@desk') });
      expect(r.code, `${name}: ${r.stderr}`).toBe(65);
      expect(r.stderr, name).toContain('REVIEW_DISPOSITION_INVALID');
      expect(r.stderr, name).toContain(says);
    }
    expect(writtenState(f)).toBe(before);
  });
});
