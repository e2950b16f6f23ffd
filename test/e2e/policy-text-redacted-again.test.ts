/**
 * A policy text stored under older rules (simulated: a snapshot taken with redaction off) passes
 * through the export's redactor again before compliance_report.json records it, as
 * config_snapshot.json's content does (at41 F3; docs/FORMAT.md, compliance_report.json `policies`).
 * Its `sha256` stays the record's hash of the file; verify no longer holds a text redacted again to
 * the stored copy's object (it says it is unbound when the pack is not pinned), and a text that is
 * not redacted and not the stored copy stays COMPLIANCE_REPORT_MISMATCH.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { dayAgo, exportDay, keygen, POLICY, sha256, site, takeSnapshot } from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

/** The documented AWS example key id and secret key: the built-in rules redact both. */
const SECRETS = ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'];

describe('a policy text stored under older rules is redacted again in the report', () => {
  for (const snapDay of [dayAgo(3), dayAgo(2)]) {
    it(`no secret of it reaches the pack, and both checkers pass (snapshot ${snapDay === dayAgo(2) ? 'the same day' : 'the day before'})`, async () => {
      const D = dayAgo(2);
      const raw = `${POLICY}# desk service account ${SECRETS[0]}\n# aws_secret_access_key: ${SECRETS[1]}\n`;
      const cwd = site({ 'compliance_policy.yaml': raw });
      const s = await takeSnapshot(cwd, `${snapDay}T06:00:00Z`, {
        patterns: ['configs/*.yaml'],
        redaction: { enabled: false },
      });
      if (snapDay !== D) await logOrderDay(join(cwd, 'logs'), snapDay);
      await logOrderDay(join(cwd, 'logs'), D);
      const key = keygen(cwd);
      const { pack } = exportDay(cwd, D, { args: ['--signing-key', key] });
      for (const f of readdirSync(join(pack, 'data'))) {
        const text = readFileSync(join(pack, 'data', f), 'utf8');
        for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${f}`).toBe(false);
      }
      const report = JSON.parse(readFileSync(join(pack, 'data', 'compliance_report.json'), 'utf8'));
      const policy = report.policies.find((p: { source: string }) => p.source === 'snapshot');
      expect(policy.snapshot_id).toBe(s.snapshot_id);
      expect(policy.text).toContain('[REDACTED]');
      // Still the record's hash of the file: it binds the policy to its snapshot.
      expect(policy.sha256).toBe(s.files['configs/compliance_policy.yaml']?.hash);
      expect(policy.sha256).toBe(sha256(raw));
      const v = JSON.parse(runCli(['verify', pack, '--json', '--pubkey', `${key}.pub`], { cwd }).stdout) as {
        ok: boolean;
        problems: { code: string; severity: string }[];
      };
      expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(v.ok).toBe(true);
      expect(pythonPackCheck(pack).errors).toEqual([]);
    });
  }
});
