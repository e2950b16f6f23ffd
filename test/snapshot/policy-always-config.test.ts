/**
 * A full snapshot always records configs/compliance_policy.yaml when it exists, whatever the
 * configured patterns (docs/FORMAT.md, "The audit event"; at42, minor). Before, an install whose
 * patterns left the policy out had it ended by every nightly full snapshot, and the compliance
 * report then ran under the file on disk with no warning. A narrow snapshot (`--configs`) records
 * what it is given only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';

const P = 'configs/compliance_policy.yaml';
const R = 'configs/risk.yaml';

function site(policy: boolean): string {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, R), 'max: 1\n');
  if (policy) writeFileSync(join(cwd, P), 'restricted_symbols: [USDRUB]\n');
  return cwd;
}

const snap = (cwd: string, full: boolean) =>
  createConfigSnapshot({
    cwd,
    reason: 'r',
    logDir: join(cwd, 'logs'),
    patterns: [R],
    full,
    clock: () => Date.parse('2026-01-05T06:00:00Z') * 1000,
  });

describe('the policy file in a full snapshot', () => {
  it('is recorded by a full snapshot whose patterns leave it out, and named in its event', async () => {
    const cwd = site(true);
    const s = await snap(cwd, true);
    expect(Object.keys(s.files)).toEqual([P, R]);
    const ev = JSON.parse(
      readFileSync(join(cwd, 'logs', 'audit-20260105.jsonl'), 'utf8')
        .split('\n')
        .find((l) => l.includes('"ConfigSnapshot"')) as string,
    ) as { paths: string[]; full: boolean };
    expect(ev).toMatchObject({ paths: [P, R], full: true });
  });

  it('is not added to a narrow snapshot, nor when there is no policy file', async () => {
    expect(Object.keys((await snap(site(true), false)).files)).toEqual([R]);
    expect(Object.keys((await snap(site(false), true)).files)).toEqual([R]);
  });
});
