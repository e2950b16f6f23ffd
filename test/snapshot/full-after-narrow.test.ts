/**
 * A snapshot counts its changes against the whole config in force before it, not the previous
 * record alone (docs/FORMAT.md, "The audit event"; at42, minor). After a narrow snapshot of one file,
 * a full one used to call every other file "added" and leave out of `removed` a file renamed since
 * the last full snapshot. A narrow snapshot (`full: false`) counts only over what it looked at
 * (fx44b noticed): counted from the whole previous record, `--configs configs/risk.yaml` after a full
 * snapshot recorded every other file as removed. It records no removal at all (at48 F4): its record
 * cannot say a file is gone, so every later snapshot said the same file was removed again.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';

const P = 'configs/compliance_policy.yaml';
const A = 'configs/a.yaml';
const C = 'configs/c.yaml';
const R = 'configs/risk.yaml';

/** A site with P, A and R under configs/, and a snapshot function whose clock moves an hour a call (2026-01-05). */
function site() {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  for (const [p, t] of [
    [P, 'restricted_symbols: [USDRUB]\n'],
    [A, 'a: 1\n'],
    [R, 'max: 1\n'],
  ] as const)
    writeFileSync(join(cwd, p), t);
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
  /** The ConfigSnapshot events' changed_files by snapshot id. */
  const changedFiles = (id: string) =>
    readFileSync(join(cwd, 'logs', 'audit-20260105.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"ConfigSnapshot"'))
      .map((l) => JSON.parse(l) as { snapshot_id: string; changed_files: string[] })
      .find((e) => e.snapshot_id === id)?.changed_files;
  return { cwd, snap, changedFiles };
}

describe('a full snapshot after a narrow one', () => {
  it('counts from the whole config in force: the renamed file is removed, unchanged files are not added', async () => {
    const { cwd, snap, changedFiles } = site();
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
    expect(changedFiles(s3.snapshot_id)).toEqual([A, C]);
    // Changed again, then a full snapshot: the narrow record's version is the one counted from.
    writeFileSync(join(cwd, R), 'max: 3\n');
    const s4 = await snap([R], false);
    const s5 = await snap(['configs/*.yaml'], true);
    expect(s4.changes.changed).toEqual([R]);
    expect(s5.changes).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('a narrow snapshot', () => {
  it('after a full one: counts only what it looked at, and records no removal; the next full snapshot does, once', async () => {
    const { cwd, snap, changedFiles } = site();
    await snap(['configs/*.yaml'], true);
    writeFileSync(join(cwd, R), 'max: 2\n');
    const narrow = await snap([R], false);
    expect(narrow.changes).toEqual({ added: [], removed: [], changed: [R] });
    expect(changedFiles(narrow.snapshot_id)).toEqual([R]);
    // Unchanged, looked at again: nothing changed.
    expect((await snap([R], false)).changes).toEqual({ added: [], removed: [], changed: [] });
    // A file gone from disk: no narrow snapshot records it, named by its patterns or not (its record
    // cannot say a file is gone); the next full one does, once.
    rmSync(join(cwd, A));
    const gone = await snap([R], false);
    expect(gone.changes).toEqual({ added: [], removed: [], changed: [] });
    expect((await snap(['configs/*.yaml'], false)).changes).toEqual({ added: [], removed: [], changed: [] });
    const full = await snap(['configs/*.yaml'], true);
    expect(full.changes).toEqual({ added: [], removed: [A], changed: [] });
    expect(changedFiles(full.snapshot_id)).toEqual([A]);
    expect((await snap([R], false)).changes).toEqual({ added: [], removed: [], changed: [] });
    expect((await snap(['configs/*.yaml'], true)).changes).toEqual({ added: [], removed: [], changed: [] });
  });
});
