/**
 * What verify of an artifacts directory reads of each current pack's log: the pack's own check
 * reads it, and the archive's kept-pack check (a pack a chained PackKept event or LogPruned
 * `kept_unverified` set names must be here or in the ledger) takes its records from that pass, not
 * from a second read (docs/PERFORMANCE.md, "kept-pack"). Counted as opens of the packs' logs by the
 * built CLI (test/helpers/count-opens.cjs), not timed. Days written and exported with the library
 * at injected clocks. (That the records found in the pass are the ones a read finds:
 * test/verify/kept-events.test.ts; that the check still finds a kept pack deleted by hand:
 * test/verify/archive-prune-kept.test.ts.)
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { clockedExports } from '../verify/helpers/archive-days.js';

const COUNT_OPENS = fileURLToPath(new URL('../helpers/count-opens.cjs', import.meta.url));

/** Opens of files whose path matches `re` by `auditpack verify <target>` (and its exit code). */
function opensOf(cwd: string, target: string, re: string): { opens: number; code: number; out: string } {
  const r = runCli(['verify', target, '--no-logs'], {
    cwd,
    env: { NODE_OPTIONS: `--require ${COUNT_OPENS}`, AUDITPACK_COUNT_OPENS: re },
  });
  return { opens: Number(/opens: (\d+)/.exec(r.stderr)?.[1]), code: r.code ?? -1, out: r.stdout + r.stderr };
}

describe('verify <artifacts> reads of the packs’ logs', () => {
  it('opens each current pack’s log as often as verify of that pack alone does', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const art = join(cwd, 'art');
    const dates = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];
    const clock = { t: 0 };
    const opts = clockedExports(logDir, art, clock);
    for (const [i, d] of dates.entries()) {
      await writeDay(logDir, d, SAMPLE_EVENTS);
      const next = i + 1 < dates.length ? (dates[i + 1] as string) : '2026-11-05';
      clock.t = microsAt(next, '00:05:00');
      await exportPack(opts(d));
    }
    const names = dates;
    const all = opensOf(cwd, 'art', 'art/[0-9-]+/data/audit\\.jsonl$');
    expect(all.code, all.out).toBe(0);
    let alone = 0;
    for (const n of names) {
      const one = opensOf(cwd, join('art', n), `art/${n}/data/audit\\.jsonl$`);
      expect(one.code, one.out).toBe(0);
      alone += one.opens;
    }
    expect(alone).toBeGreaterThanOrEqual(names.length);
    // main read each log once more for the kept-pack check (one open a pack more).
    expect(all.opens).toBe(alone);
  });
});
