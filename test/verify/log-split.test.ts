/**
 * One log checked by two threads: cut at a line start, the part after the
 * cut checked by a continuation checker and joined — or, when that part had anything to report,
 * checked again in sequence. Every finding and every fact must be exactly what one checker reading
 * the whole file reports, wherever the cut falls.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanLines } from '../../src/chain/lines.js';
import { LogChecker } from '../../src/verify/log-check.js';
import { alertFilterOf, type LogCheckOptions } from '../../src/verify/log-facts.js';
import { readLine } from '../../src/verify/log-line.js';
import { checkLogRange, lineStartAfter } from '../../src/verify/log-range.js';
import { SCAN_THREAD } from '../../src/pack/scan-jobs.js';
import { BACKGROUND_THREAD } from '../../src/verify/hash-jobs.js';
import { verifyPack } from '../../src/verify/index.js';
import { workerActivity } from '../../src/worker/index.js';
import { Findings } from '../../src/verify/report.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, formatLine, sha256, tradingEvents } from './helpers/log-fixture.js';
import { logVariant } from './helpers/log-variants.js';
import { buildPack } from './helpers/pack-fixture.js';

type Opts = Omit<LogCheckOptions, 'file' | 'findings' | 'alertHashes'> & { alertLines?: string[] };
const observed = (findings: Findings, c: LogChecker) => {
  const facts = c.finish();
  return { problems: findings.toArray(), facts: { ...facts, byCategory: { ...facts.byCategory } } };
};

async function sequential(path: string, o: Opts) {
  const findings = new Findings();
  const c = new LogChecker({
    file: 'data/audit.jsonl',
    findings,
    emptyOk: true,
    ...o,
    alertHashes: o.alertLines?.map(sha256),
  });
  await scanLines(path, (l) => c.push(l), { view: true });
  return observed(findings, c);
}

/** What verifyPack does with a cut: the first part here, the rest as a continuation, then join or check again. */
async function split(path: string, o: Opts, cut: number) {
  const findings = new Findings();
  const c = new LogChecker({
    file: 'data/audit.jsonl',
    findings,
    emptyOk: true,
    ...o,
    alertHashes: o.alertLines?.map(sha256),
  });
  // As verifyPack does: each alert line's seq as the log check reads it.
  const dateBytes = o.date === undefined ? undefined : Buffer.from(o.date, 'latin1');
  const seqs = o.alertLines?.map((l) => {
    const r = readLine(Buffer.from(l, 'utf8'), o.date, false, dateBytes);
    return r.ok ? r.facts.seq : undefined;
  });
  const alertFilter = seqs === undefined ? undefined : alertFilterOf(seqs);
  const range = checkLogRange({
    path,
    start: cut,
    file: 'data/audit.jsonl',
    date: o.date,
    full: o.full === true,
    alertFilter,
  });
  await scanLines(path, (l) => c.push(l), { view: true, end: cut });
  const joined = c.join(await range);
  if (!joined) await scanLines(path, (l) => c.push(l), { view: true, start: cut, firstLineNumber: c.facts.lines + 1 });
  return { joined, ...observed(findings, c) };
}

function lineStarts(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] === 10) out.push(i + 1);
  return out;
}

describe('a log checked in two parts', () => {
  it('gives the findings and facts of one sequential check at every cut, and joins whenever there is nothing to report (property)', async () => {
    const dir = tempDir();
    const path = join(dir, 'audit.jsonl');
    let joins = 0;
    await fc.assert(
      fc.asyncProperty(
        logVariant(),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom('none', 'event', 'garbage'),
        async (v, full, pick, foreign) => {
          writeFileSync(path, v.bytes);
          // alerts.jsonl: some of the day's lines in order, sometimes with a line the log does not hold
          // (a well-formed event, whose seq may pass the filter, or garbage, whose seq cannot be read).
          const alertLines = v.lines.filter((_, i) => (i + pick) % 3 === 0);
          const extra = {
            none: [],
            event: [formatLine(tradingEvents(1)[0]!, 1 + (pick % 40), 'cd'.repeat(32))],
            garbage: ['not in the log'],
          }[foreign];
          alertLines.splice(pick % (alertLines.length + 1), 0, ...extra);
          const o: Opts = { date: v.date, full, alertLines };
          const want = await sequential(path, o);
          for (const cut of lineStarts(v.bytes)) {
            const got = await split(path, o, cut);
            expect({ problems: got.problems, facts: got.facts }).toEqual(want);
            if (want.problems.length === 0) expect(got.joined).toBe(true);
            if (got.joined) joins++;
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(joins).toBeGreaterThan(100);
  });

  it('does not join across a clock that goes back at the cut, and still reports it once', async () => {
    const dir = tempDir();
    const path = join(dir, 'audit.jsonl');
    const evs = tradingEvents(8);
    evs[5]!.micros = evs[3]!.micros - 1; // line 6 goes back behind line 4 of the same process
    const lines = chainLines(evs).lines;
    writeFileSync(path, `${lines.join('\n')}\n`);
    const cut = Buffer.byteLength(`${lines.slice(0, 5).join('\n')}\n`);
    const got = await split(path, { date: '2025-09-08' }, cut);
    expect(got.joined).toBe(false);
    expect(got.problems.map((p) => [p.code, p.line])).toEqual([['LOG_CLOCK_BACKWARDS', 6]]);
    expect(got).toEqual({ joined: false, ...(await sequential(path, { date: '2025-09-08' })) });
  });

  it('finds the first line start at or after an offset', async () => {
    const dir = tempDir();
    const path = join(dir, 'f');
    writeFileSync(path, 'ab\ncd\n\nef');
    expect(await lineStartAfter(path, 0)).toBe(3);
    expect(await lineStartAfter(path, 2)).toBe(3);
    expect(await lineStartAfter(path, 3)).toBe(6);
    expect(await lineStartAfter(path, 6)).toBe(7);
    expect(await lineStartAfter(path, 7)).toBe(undefined);
    writeFileSync(path, `${'x'.repeat(2 * 1024 * 1024)}\nshort\n`);
    expect(await lineStartAfter(path, 0)).toBe(undefined); // a line longer than the look-ahead: no cut
  });
});

describe('verifyPack with the log cut between two threads', () => {
  function pack(lines: string[]): string {
    const art = tempDir();
    return buildPack(art, '2025-09-08', { logLines: lines }).dir;
  }

  it('reports exactly what a one-thread check reports, on an untouched pack and after edits of its log, wherever the cut falls', async () => {
    const lines = chainLines(tradingEvents(60)).lines;
    const dir = pack(lines);
    const logPath = join(dir, 'data/audit.jsonl');
    const good = readFileSync(logPath);
    const edits: [string, (ls: string[]) => string[]][] = [
      ['untouched', (ls) => ls],
      ['line deleted', (ls) => ls.filter((_, i) => i !== 31)],
      ['line duplicated', (ls) => [...ls.slice(0, 31), ls[30]!, ...ls.slice(31)]],
      ['lines swapped', (ls) => [...ls.slice(0, 29), ls[30]!, ls[29]!, ...ls.slice(31)]],
      ['garbage inserted', (ls) => [...ls.slice(0, 30), 'garbage', ...ls.slice(30)]],
      ['tail cut', (ls) => ls.slice(0, 45)],
      ['field edited', (ls) => ls.map((l, i) => (i === 30 ? l.replace('"quantity":100000', '"quantity":100001') : l))],
    ];
    for (const [name, edit] of edits) {
      writeFileSync(logPath, `${edit(lines).join('\n')}\n`);
      const one = await verifyPack(dir, { logSplit: 'none' });
      if (name === 'untouched') expect(one.problems).toEqual([]);
      else expect(one.ok, name).toBe(false);
      const size = readFileSync(logPath).length;
      for (const at of [1, 500, Math.floor(size / 3), Math.floor(size / 2), size - 300, size - 1]) {
        expect(await verifyPack(dir, { logSplit: at }), `${name}, cut near ${at}`).toEqual(one);
      }
    }
    writeFileSync(logPath, good);
  });

  it('does not cut a large log by default: the derivation runs on the scan thread, and a forced cut reports the same', async () => {
    // About 5 MiB of log: several of the derivation's 1 MiB batches.
    const lines = chainLines(tradingEvents(20_000)).lines;
    const dir = pack(lines);
    const whole = await verifyPack(dir, { logSplit: 'none' });
    expect(whole.problems).toEqual([]);
    expect(whole.checked.log_lines).toBe(20_000);
    const before = workerActivity(BACKGROUND_THREAD);
    const scanBefore = workerActivity(SCAN_THREAD);
    expect(await verifyPack(dir)).toEqual(whole);
    // Only the payload hashes ran in the background thread (no log range); the derivation's
    // batches (and the compliance records with them) ran in the compiled scan thread.
    const after = workerActivity(BACKGROUND_THREAD);
    expect(after.threadJobs - before.threadJobs).toBe(1);
    expect(after.inlineJobs).toBe(before.inlineJobs);
    expect(after.threadIds).not.toContain(threadId);
    const scanAfter = workerActivity(SCAN_THREAD);
    expect(scanAfter.threadJobs - scanBefore.threadJobs).toBeGreaterThanOrEqual(1);
    expect(scanAfter.fallbacks).toEqual(scanBefore.fallbacks);
    // A forced cut: both jobs (the payload hashes and the log's second part) in the thread.
    const cutBefore = workerActivity(BACKGROUND_THREAD);
    expect(
      await verifyPack(dir, { logSplit: Math.floor(readFileSync(join(dir, 'data/audit.jsonl')).length / 2) }),
    ).toEqual(whole);
    expect(workerActivity(BACKGROUND_THREAD).threadJobs - cutBefore.threadJobs).toBe(2);
    const logPath = join(dir, 'data/audit.jsonl');
    const text = readFileSync(logPath, 'latin1');
    // An edit late in the log: found the same with the derivation on its thread, and with a cut.
    const at = text.indexOf('\n', Math.floor(text.length * 0.8)) + 1;
    writeFileSync(logPath, Buffer.from(`${text.slice(0, at)}garbage\n${text.slice(at)}`, 'latin1'));
    const edited = await verifyPack(dir, { logSplit: 'none' });
    expect(edited.problems.some((p) => p.code === 'LOG_LINE_OUT_OF_PLACE' || p.code === 'LOG_LINE_INVALID')).toBe(true);
    expect(await verifyPack(dir)).toEqual(edited);
    expect(await verifyPack(dir, { logSplit: Math.floor(text.length / 2) })).toEqual(edited);
  });
});
