/**
 * The log check gives one answer however the file is read (speed-ups must not change a
 * finding): lines as views into the read buffer or as copies, at any chunk size.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanLines } from '../../src/chain/lines.js';
import { LogChecker } from '../../src/verify/log-check.js';
import type { LogCheckOptions } from '../../src/verify/log-facts.js';
import { Findings } from '../../src/verify/report.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, sha256, tradingEvents } from './helpers/log-fixture.js';
import { logVariant } from './helpers/log-variants.js';

/** Checks a file the way verifyPack does, returning everything observable. */
async function check(
  path: string,
  o: Omit<LogCheckOptions, 'file' | 'findings'>,
  scan: { view: boolean; chunkBytes?: number },
) {
  const findings = new Findings();
  const c = new LogChecker({ file: 'data/audit.jsonl', findings, emptyOk: true, ...o });
  await scanLines(path, (l) => c.push(l), scan);
  const facts = c.finish();
  return { problems: findings.toArray(), facts: { ...facts, byCategory: { ...facts.byCategory } } };
}

describe('LogChecker on views and copies', () => {
  it('reports the same findings and facts from views at any chunk size as from copies (property)', async () => {
    const dir = tempDir();
    const path = join(dir, 'audit.jsonl');
    await fc.assert(
      fc.asyncProperty(logVariant(), fc.integer({ min: 1, max: 700 }), fc.boolean(), async (v, chunkBytes, full) => {
        writeFileSync(path, v.bytes);
        const o = { date: v.date, full, alertHashes: v.lines.filter((_, i) => i % 3 === 0).map(sha256) };
        const want = await check(path, o, { view: false });
        const got = await check(path, o, { view: true, chunkBytes });
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('a clock going back across a chunk boundary is still found when reading views', async () => {
    const dir = tempDir();
    const path = join(dir, 'audit.jsonl');
    const evs = tradingEvents(6);
    evs[3]!.micros = evs[2]!.micros - 10;
    const lines = chainLines(evs).lines;
    writeFileSync(path, `${lines.join('\n')}\n`);
    // 400-byte reads: about one line per read, so a line's view is overwritten by the next read.
    const r = await check(path, { date: '2025-09-08' }, { view: true, chunkBytes: 400 });
    expect(r.problems.map((p) => [p.code, p.line])).toEqual([['LOG_CLOCK_BACKWARDS', 4]]);
    const fine = await check(path, { date: '2025-09-08' }, { view: true, chunkBytes: 1024 * 1024 });
    expect(fine.problems.map((p) => [p.code, p.line])).toEqual([['LOG_CLOCK_BACKWARDS', 4]]);
  });
});
