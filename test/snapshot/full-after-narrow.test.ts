/**
 * A full snapshot counts its changes against the whole config in force before it, not the previous
 * record alone (docs/FORMAT.md, "The audit event"; at42, minor). After a narrow snapshot of one file,
 * a full one used to call every other file "added" and leave out of `removed` a file renamed since
 * the last full snapshot.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';

const P = 'configs/compliance_policy.yaml';
const A = 'configs/a.yaml';
const C = 'configs/c.yaml';
const R = 'configs/risk.yaml';

describe('a full snapshot after a narrow one', () => {
  it('counts from the whole config in force: the renamed file is removed, unchanged files are not added', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'configs'));
    for (const [p, t] of [
      [P, 'restricted_symbols: [USDRUB]\n'],
      [A, 'a: 1\n'],
      [R, 'max: 1\n'],
    ])
      writeFileSync(join(cwd, p as string), t as string);
    let t = Date.parse('2026-01-05T06:00:00Z') * 1000;
    const snap = (patterns: string[], full: boolean) =>
      createConfigSnapshot({
        cwd,
        reason: 'r',
        logDir: join(cwd, 'logs'),
        patterns,
        full,
        clock: () => (t += 3_600_000_000),
      });
    const s1 = await snap(['configs/*.yaml'], true);
    expect(s1.changes).toEqual({ added: [A, P, R], removed: [], changed: [] });
    writeFileSync(join(cwd, R), 'max: 2\n');
    const s2 = await snap([R], false);
    expect(s2.changes.changed).toEqual([R]);
    renameSync(join(cwd, A), join(cwd, C));
    const s3 = await snap(['configs/*.yaml'], true);
    expect(s3.previous_snapshot_id).toBe(s2.snapshot_id);
    expect(s3.changes).toEqual({ added: [C], removed: [A], changed: [] });
    // The event says the same.
    const events = readFileSync(join(cwd, 'logs', 'audit-20260105.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"ConfigSnapshot"'))
      .map((l) => JSON.parse(l) as { snapshot_id: string; changed_files: string[] });
    expect(events.find((e) => e.snapshot_id === s3.snapshot_id)?.changed_files).toEqual([A, C]);
    // Changed again, then a full snapshot: the narrow record's version is the one counted from.
    writeFileSync(join(cwd, R), 'max: 3\n');
    const s4 = await snap([R], false);
    const s5 = await snap(['configs/*.yaml'], true);
    expect(s4.changes.changed).toEqual([R]);
    expect(s5.changes).toEqual({ added: [], removed: [], changed: [] });
  });
});
