/**
 * A policy file is recorded, with its text, in every report and pack. Secrets an operator leaves in
 * it (a webhook URL or a password in a comment) must not travel with them; the pack must still
 * verify, re-running the checks with the recorded (redacted) text.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/export.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { keyedHashOf } from '../snapshot/helpers.js';
import { cleanOrder, DATE, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

const SECRETS = [
  'T01234567/B01234567/abcdefghijklmnopqrstuvwx',
  'Sup3rS3cretPassw0rd',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
];
const LEAKY = `${TEST_POLICY}
# alerts: https://hooks.slack.com/services/T01234567/B01234567/abcdefghijklmnopqrstuvwx
# db password=Sup3rS3cretPassw0rd!
# aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
`;

describe('secrets in a policy file', () => {
  it('are redacted in check reports and packs; the pack verifies and the recorded hash is no plain hash of the file', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const file = writePolicy(cwd, LEAKY);
    await writeEvents(logDir, cleanOrder('O-1', '10:00:00'));

    const r = await checkCompliance({ cwd, logDir, from: DATE, to: DATE, policyFile: file });
    const json = JSON.stringify(r);
    for (const s of SECRETS) expect(json).not.toContain(s);
    // Never the file's plain SHA-256: beside the redacted text it would let a short secret be
    // guessed. Without a snapshot store's key, the hash of the recorded (redacted) text.
    const plain = createHash('sha256')
      .update(readFileSync(join(cwd, file)))
      .digest('hex');
    expect(json).not.toContain(plain);
    expect(r.policies[0]?.sha256).toBe(
      createHash('sha256')
        .update(r.policies[0]?.text as string)
        .digest('hex'),
    );
    expect(r.policies[0]?.text).toContain('password=[REDACTED]');
    // With a store that has a key, the store's keyed hash, as a snapshot records the file.
    const snapshotDir = join(cwd, 'audit/snapshots');
    const snap = await createConfigSnapshot({ cwd, snapshotDir, reason: 'r' });
    const withKey = await checkCompliance({ cwd, logDir, from: DATE, to: DATE, policyFile: file, snapshotDir });
    expect(withKey.policies[0]?.sha256).toBe(keyedHashOf(snapshotDir, readFileSync(join(cwd, file))));
    expect(withKey.policies[0]?.sha256).toBe(snap.files[file]?.hash);

    const artifacts = join(cwd, 'artifacts');
    await exportPack({
      logDir,
      artifactsDir: artifacts,
      date: DATE,
      version: '0.1.0',
      snapshot: false,
      recordEvent: false,
      compliance: { cwd, policyFile: file },
    });
    const pack = join(artifacts, DATE);
    for (const name of ['compliance_report.json', 'report.html', 'compliance_findings.csv']) {
      const text = readFileSync(join(pack, 'data', name), 'utf8');
      for (const s of SECRETS) expect(text, name).not.toContain(s);
    }
    const v = await verifyPack(pack);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
});
