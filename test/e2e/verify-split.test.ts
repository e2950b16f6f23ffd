/**
 * End to end: the built CLI checks a large pack's log on two threads (the worker thread of
 * dist/verify/hash-worker.js takes the part after the cut) and reports exactly what a one-thread
 * check reports — on an untouched pack, and when the worker's part holds an edit (then that part is
 * checked again in sequence).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPath } from '../../src/verify/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, tradingEvents } from '../verify/helpers/log-fixture.js';
import { buildPack } from '../verify/helpers/pack-fixture.js';
import type { VerifyReport } from '../../src/verify/index.js';
import { snakeKeys } from '../../src/cli/json.js';

describe('auditpack verify of a large pack, the log on two threads', () => {
  it('reports what the one-thread library check reports, untouched and with an edit after the cut', async () => {
    const cwd = tempDir();
    // About 5 MiB of log: above the size where verify cuts the log between the threads.
    const { dir } = buildPack(cwd, '2025-09-08', { logLines: chainLines(tradingEvents(20_000)).lines });
    // The CLI prints the library's report (verifyPath: a pack verified alone, with what it cannot
    // prove unsigned) with snake_case keys (docs/json-output.md).
    const one = snakeKeys(JSON.parse(JSON.stringify(await verifyPath(dir, { logSplit: 'none' })))) as VerifyReport;
    expect(one.problems.map((p: { code: string }) => p.code)).toEqual(['PACK_UNSIGNED_UNPINNED']);
    const v = runCli(['verify', dir, '--json'], { cwd });
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual(one);

    const logPath = join(dir, 'data/audit.jsonl');
    const text = readFileSync(logPath, 'latin1');
    const at = text.indexOf('\n', Math.floor(text.length * 0.8)) + 1;
    const lines = text.split('\n');
    const k = text.slice(0, at).split('\n').length - 1; // index of the line starting at `at`
    lines.splice(k + 1, 1); // a line deleted in the worker's part
    writeFileSync(logPath, Buffer.from(lines.join('\n'), 'latin1'));
    const edited = snakeKeys(JSON.parse(JSON.stringify(await verifyPath(dir, { logSplit: 'none' })))) as VerifyReport;
    expect(edited.problems.map((p: { code: string }) => p.code)).toContain('LOG_SEQ_GAP');
    const e = runCli(['verify', dir, '--json'], { cwd });
    expect(e.code).toBe(1);
    expect(JSON.parse(e.stdout)).toEqual(edited);
  });
});
