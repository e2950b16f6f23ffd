/**
 * Past MAX_RECORDS_WALKED narrow records in a row (at48 F6): the walk back to the last full record
 * stopped there, so a file only that full record held read as `added`, in the record and in its
 * chained event's `changed_files`. The walk now goes on, for the files the new snapshot read that
 * the records walked do not hold, to the last full record at most.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { MAX_RECORDS_WALKED } from '../../src/snapshot/whole-before.js';
import { tempDir } from '../helpers/tmp.js';

const P = 'configs/compliance_policy.yaml';
const A = 'configs/a.yaml';
const R = 'configs/risk.yaml';

describe('more narrow records in a row than MAX_RECORDS_WALKED', () => {
  it('a narrow and then a full snapshot count an unchanged file of the last full record as unchanged', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'configs'));
    writeFileSync(join(cwd, P), 'restricted_symbols: [USDRUB]\n');
    writeFileSync(join(cwd, A), 'a: 1\n');
    writeFileSync(join(cwd, R), 'max: 1\n');
    let t = Date.parse('2026-01-05T00:10:00Z') * 1000;
    const snap = (patterns?: string[], full?: boolean) =>
      createConfigSnapshot({
        cwd,
        reason: 'r',
        logDir: join(cwd, 'logs'),
        ...(patterns === undefined ? {} : { patterns, full }),
        clock: () => (t += 60_000_000),
      });
    await snap(['configs/*.yaml'], true);
    for (let i = 0; i < MAX_RECORDS_WALKED + 2; i++) {
      writeFileSync(join(cwd, R), `max: ${i + 2}\n`);
      await snap([R], false);
    }
    const narrow = await snap([P], false);
    expect(narrow.changes).toEqual({ added: [], removed: [], changed: [] });
    writeFileSync(join(cwd, A), 'a: 2\n');
    const full = await snap();
    expect(full.changes).toEqual({ added: [], removed: [], changed: [A] });
  }, 120_000);
});
