/**
 * A narrow snapshot (`--configs`, `full: false`) counts its changes only over what it looked at
 * (docs/FORMAT.md, "The config snapshot"; fx44b noticed): a file of the previous record that its
 * patterns left out and that is still on disk is neither removed nor changed. Counted from the whole
 * previous record, `--configs configs/risk.yaml` after a full snapshot recorded every other file as
 * removed, in its record and in its event's changed_files. A file really gone from disk is removed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';

const P = 'configs/compliance_policy.yaml';
const A = 'configs/a.yaml';
const R = 'configs/risk.yaml';

it('a narrow snapshot after a full one: files it did not look at are not removed; a file gone from disk is', async () => {
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
  await snap(['configs/*.yaml'], true);
  writeFileSync(join(cwd, R), 'max: 2\n');
  const narrow = await snap([R], false);
  expect(narrow.changes).toEqual({ added: [], removed: [], changed: [R] });
  // Unchanged, looked at again: nothing changed.
  expect((await snap([R], false)).changes).toEqual({ added: [], removed: [], changed: [] });
  // A file gone from disk is removed, though the narrow patterns do not name it.
  rmSync(join(cwd, A));
  const gone = await snap([R], false);
  expect(gone.changes).toEqual({ added: [], removed: [A], changed: [] });
  const events = readFileSync(join(cwd, 'logs', 'audit-20260105.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"ConfigSnapshot"'))
    .map((l) => JSON.parse(l) as { snapshot_id: string; changed_files: string[] });
  expect(events.find((e) => e.snapshot_id === narrow.snapshot_id)?.changed_files).toEqual([R]);
  expect(events.find((e) => e.snapshot_id === gone.snapshot_id)?.changed_files).toEqual([A]);
});
