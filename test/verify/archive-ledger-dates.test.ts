/**
 * A pruned.jsonl line whose `pruned_at` has the ISO shape but names no real instant (at26 F3): month
 * 13 made `verify` of the artifacts directory crash (exit 70, RangeError in the prune-day look-up),
 * and February 30 rolled over to March 2 in JavaScript while the Python checker read no date. Both
 * are now a line that claims no time: judged as unrecorded, by both checkers alike.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { instantOf } from '../../src/verify/archive-ledger.js';
import { verifyArchive } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';
import { days } from './helpers/archive-days.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const NOW = Date.parse('2026-12-01T01:00:00Z');

describe('pruned_at that names no real instant', () => {
  it('instantOf takes real instants only', () => {
    expect(instantOf('2026-11-29T00:10:01.000Z')).toBe(Date.parse('2026-11-29T00:10:01.000Z'));
    expect(instantOf('2024-02-29T23:59:59Z')).toBe(Date.parse('2024-02-29T23:59:59Z'));
    for (const bad of [
      '2026-13-29T00:10:01.000Z',
      '2026-02-30T00:10:01Z',
      '2025-02-29T00:00:00Z',
      '2026-11-29T24:00:00Z',
      '2026-11-29T23:59:60Z',
      '2026-11-29 00:10:01Z',
      undefined,
    ])
      expect(instantOf(bad)).toBeUndefined();
  });

  it.each(['2026-13-29T00:10:01.000Z', '2026-02-30T00:10:01.000Z'])(
    'a ledger line pruned at %s: verify reports it (no crash), as the Python checker does',
    async (prunedAt) => {
      const { logDir, artifactsDir, opts } = await days();
      await exportPack(opts('2026-11-30'));
      const line = {
        export_date: '2026-11-01',
        manifest_sha256: '0'.repeat(64),
        path: '2026-11-01',
        pruned_at: prunedAt,
        retention_days: 3,
        retention_source: 'command_line',
      };
      appendFileSync(join(artifactsDir, 'pruned.jsonl'), `${JSON.stringify(line)}\n`);
      for (const withLogs of [false, true]) {
        const r = await verifyArchive(artifactsDir, { now: () => NOW, ...(withLogs ? { logDir } : {}) });
        const onLine = r.problems.filter((p) => p.file === 'pruned.jsonl' && p.line === 1 && p.severity === 'error');
        expect(onLine.map((p) => p.code)).toContain('ARCHIVE_PRUNE_UNRECORDED');
      }
      const out = spawnSync(PYTHON, [CHECKER, artifactsDir, '--json'], { encoding: 'utf8' });
      const py = (JSON.parse(out.stdout) as { findings: { code: string; severity: string; line: number | null }[] })
        .findings;
      expect(py.filter((f) => f.severity === 'error' && f.line === 1).map((f) => f.code)).toContain(
        'ARCHIVE_PRUNE_UNRECORDED',
      );
    },
  );
});
