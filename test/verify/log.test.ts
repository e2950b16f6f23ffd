import { writeFileSync, mkdirSync, symlinkSync, appendFileSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyLog, verifyLogDir } from '../../src/verify/index.js';
import type { Problem } from '../../src/verify/index.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { isAuditpackError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonCheck } from '../helpers/oracle.js';
import {
  chainLines,
  DAY1,
  formatLine,
  HOUR,
  recoveryEvent,
  sha256,
  tradingEvents,
  writeLines,
  writeLogDir,
  ZEROS,
} from './helpers/log-fixture.js';
import { PYTHON } from '../helpers/python.js';

const PY_CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const errorsOf = (ps: readonly Problem[]) => ps.filter((p) => p.severity === 'error');
const codes = (ps: readonly Problem[]) => ps.map((p) => p.code);

function dayFile(dir: string, lines: string[], date = '20250908'): string {
  const p = join(dir, `audit-${date}.jsonl`);
  writeLines(p, lines);
  return p;
}

function validDay(n = 40) {
  return chainLines(tradingEvents(n)).lines;
}

describe('verifyLog on untouched logs', () => {
  it('accepts a log written per docs/FORMAT.md with no finding at all, and reports its chain', async () => {
    const dir = tempDir();
    const lines = validDay();
    const p = dayFile(dir, lines);
    const r = await verifyLog(p);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.kind).toBe('log');
    expect(r.checked.lines).toBe(40);
    expect(r.checked.events).toBe(40);
    expect(r.chain).toEqual({ firstSeq: 1, startPrev: ZEROS, lastSeq: 40, endHash: sha256(lines[39] as string) });
    // The independent Python checker agrees on where the chain ends.
    expect(pythonCheck(p).end_hash).toBe(r.chain.endHash);
  });

  it('accepts a log written by the real logger, across midnight, with no finding', async () => {
    const dir = tempDir();
    let now = DAY1 + 24 * HOUR - 5_000_000; // 23:59:55
    const log = createAuditLogger({
      logDir: dir,
      handleExit: false,
      clock: () => (now += 700_001),
      host: 'h1',
      pid: 7,
    });
    for (let i = 0; i < 20; i++) {
      log.order('OrderAccepted', {
        orderId: `O-${i}`,
        symbol: 'EURUSD',
        side: 'BUY',
        quantity: 1000,
        price: '1.10050',
        apiKey: 'sk-123',
      });
      log.fill({
        orderId: `O-${i}`,
        dealId: `D-${i}`,
        symbol: 'EURUSD',
        side: 'BUY',
        quantity: 1000,
        price: '1.10051',
      });
    }
    log.alert({ alertType: 'risk', message: 'hi "there"\n', severity: 'HIGH' });
    await log.close();
    const r = await verifyLogDir(dir);
    expect(r.problems).toEqual([]);
    expect(r.checked.files).toBe(2);
    expect(r.checked.events).toBe(41);
    for (const name of ['audit-20250908.jsonl', 'audit-20250909.jsonl']) {
      const single = await verifyLog(join(dir, name));
      expect(errorsOf(single.problems)).toEqual([]);
    }
  });

  it('accepts a logs directory of several days with no finding', async () => {
    const dir = tempDir();
    writeLogDir(dir, 3, 30);
    const r = await verifyLogDir(dir);
    expect(r.problems).toEqual([]);
    expect(r.checked).toMatchObject({ files: 3, lines: 90, events: 90 });
    expect(r.chain.lastSeq).toBe(90);
  });

  it('reports where a later day file starts as info when the file is verified alone', async () => {
    const dir = tempDir();
    const { files } = writeLogDir(dir, 2, 10);
    const r = await verifyLog(files[1] as string);
    expect(r.ok).toBe(true);
    expect(r.problems.map((p) => [p.code, p.severity, p.line])).toEqual([['LOG_CHAIN_START', 'info', 1]]);
  });
});

describe('verifyLog tamper matrix (each edit found, with its code, at the first broken line)', () => {
  const N = 30;
  async function check(lines: string[]) {
    const dir = tempDir();
    return verifyLog(dayFile(dir, lines));
  }

  it('a line deleted: LOG_SEQ_GAP at the line after the hole, and nothing else', async () => {
    const lines = validDay(N);
    lines.splice(10, 1);
    const r = await check(lines);
    expect(r.ok).toBe(false);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_SEQ_GAP', 11]]);
  });

  it('a forged line inserted with a correct link: LOG_LINE_OUT_OF_PLACE naming the inserted line', async () => {
    const lines = validDay(N);
    const forged = formatLine(
      { micros: DAY1 + 8 * HOUR, category: 'order', event: 'Cancelled', fields: { order_id: 'X' } },
      11,
      sha256(lines[9] as string),
    );
    lines.splice(10, 0, forged);
    const r = await check(lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_LINE_OUT_OF_PLACE', 11]]);
  });

  it('a naive line inserted (wrong prev, far seq): LOG_LINE_OUT_OF_PLACE at that line', async () => {
    const lines = validDay(N);
    lines.splice(
      5,
      0,
      formatLine({ micros: DAY1 + 9 * HOUR, category: 'order', event: 'Cancelled' }, 999, 'ab'.repeat(32)),
    );
    const r = await check(lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_LINE_OUT_OF_PLACE', 6]]);
  });

  it('a fork (two lines with the same seq after the same line, as two unexcluded writers make): named as one', async () => {
    const evs = tradingEvents(8);
    const head = chainLines(evs.slice(0, 4));
    const a = chainLines(evs.slice(4, 6), head.seq, head.prev).lines; // one writer's branch
    const b = chainLines(evs.slice(6, 8), head.seq, head.prev).lines; // the other's, from the same head
    const dir = tempDir();
    const p = dayFile(dir, [...head.lines, a[0] as string, b[0] as string, b[1] as string]);
    const r = await verifyLog(p);
    expect(r.problems.map((x) => [x.code, x.line])).toEqual([['LOG_LINE_OUT_OF_PLACE', 5]]);
    expect(r.problems[0]?.detail).toMatch(
      /line 5 \(seq 5\) .*line 6 links past it: the chain forks, both follow line 4 \(seq 4\)/,
    );
    const py = spawnSync(PYTHON, [PY_CHECKER, p, '--json'], { encoding: 'utf8' });
    const pyCodes = (JSON.parse(py.stdout) as { findings: { code: string; severity: string }[] }).findings;
    expect(pyCodes.filter((f) => f.severity === 'error').map((f) => f.code)).toContain('LOG_LINE_OUT_OF_PLACE');
  });

  it('a line duplicated: LOG_LINE_DUPLICATE at the copy', async () => {
    const lines = validDay(N);
    lines.splice(8, 0, lines[7] as string);
    const r = await check(lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_LINE_DUPLICATE', 9]]);
  });

  it('a line duplicated further down: LOG_LINE_DUPLICATE', async () => {
    const lines = validDay(N);
    lines.splice(20, 0, lines[7] as string);
    const r = await check(lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_LINE_DUPLICATE', 21]]);
  });

  it('two lines swapped: one LOG_LINE_OUT_OF_PLACE', async () => {
    const lines = validDay(N);
    [lines[12], lines[13]] = [lines[13] as string, lines[12] as string];
    const r = await check(lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_LINE_OUT_OF_PLACE', 13]]);
  });

  it('a line moved far down: a gap where it was, out of place where it is', async () => {
    const lines = validDay(N);
    const [moved] = lines.splice(5, 1);
    lines.splice(15, 0, moved as string);
    const r = await check(lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([
      ['LOG_SEQ_GAP', 6],
      ['LOG_LINE_OUT_OF_PLACE', 16],
    ]);
  });

  it('a field edited (price): LOG_CHAIN_BROKEN at the next line', async () => {
    const lines = validDay(N);
    lines[1] = (lines[1] as string).replace('"price":"1.10050"', '"price":"1.10060"');
    expect(lines[1]).toContain('1.10060');
    const r = await check(lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_CHAIN_BROKEN', 3]]);
  });

  it('a flipped bit anywhere in a line other than the last is found, near that line', async () => {
    const lines = validDay(12);
    const text = `${lines.join('\n')}\n`;
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    const dir = tempDir();
    const p = join(dir, 'audit-20250908.jsonl');
    for (let off = 0; off < lastStart; off += 7) {
      for (const bit of [0, 3, 6]) {
        const buf = Buffer.from(text);
        buf[off] = (buf[off] as number) ^ (1 << bit);
        writeFileSync(p, buf);
        const r = await verifyLog(p);
        const lineOfOff = text.slice(0, off).split('\n').length;
        const errs = errorsOf(r.problems);
        expect(errs.length, `offset ${off} bit ${bit}`).toBeGreaterThan(0);
        expect(errs[0]?.line, `offset ${off} bit ${bit}`).toBeGreaterThanOrEqual(lineOfOff - 1);
        expect(errs[0]?.line, `offset ${off} bit ${bit}`).toBeLessThanOrEqual(lineOfOff + 1);
      }
    }
  });

  it('the first line ever must carry the genesis prev, and only it', async () => {
    const lines = chainLines(tradingEvents(5), 1, 'cd'.repeat(32)).lines;
    expect(codes(errorsOf((await check(lines)).problems))).toEqual(['LOG_GENESIS_INVALID']);
    const lines2 = chainLines(tradingEvents(5), 7, ZEROS).lines;
    expect(codes(errorsOf((await check(lines2)).problems))).toEqual(['LOG_GENESIS_INVALID']);
  });

  it('a line from another day spliced in without "late": LOG_DATE_MISMATCH', async () => {
    const evs = tradingEvents(10);
    const e5 = evs[5];
    if (e5) e5.micros += 24 * HOUR;
    const r = await check(chainLines(evs).lines);
    expect(errorsOf(r.problems).map((p) => [p.code, p.line])).toEqual([['LOG_DATE_MISMATCH', 6]]);
  });
});

describe('verifyLogDir across days', () => {
  it("a truncated tail of one day: LOG_FILE_LINK_BROKEN at the next day's first line", async () => {
    const dir = tempDir();
    const { files, lines } = writeLogDir(dir, 3, 20);
    writeLines(files[0] as string, (lines[0] as string[]).slice(0, 17));
    const r = await verifyLogDir(dir);
    expect(errorsOf(r.problems).map((p) => [p.code, p.file, p.line])).toEqual([
      ['LOG_FILE_LINK_BROKEN', 'audit-20250909.jsonl', 1],
    ]);
    expect(errorsOf(r.problems)[0]?.detail).toMatch(/seq 18–20 are missing/);
  });

  it('a day file removed: LOG_FILE_LINK_BROKEN', async () => {
    const dir = tempDir();
    const { files } = writeLogDir(dir, 3, 20);
    rmSync(files[1] as string);
    const r = await verifyLogDir(dir);
    expect(codes(errorsOf(r.problems))).toEqual(['LOG_FILE_LINK_BROKEN']);
  });

  it("two days spliced into one file: the other day's lines are LOG_DATE_MISMATCH and the link breaks", async () => {
    const dir = tempDir();
    const { files, lines } = writeLogDir(dir, 3, 10);
    writeLines(files[0] as string, [...(lines[0] as string[]), ...(lines[1] as string[])]);
    const r = await verifyLogDir(dir);
    const errs = errorsOf(r.problems);
    expect(new Set(codes(errs))).toEqual(new Set(['LOG_DATE_MISMATCH', 'LOG_FILE_LINK_BROKEN']));
    expect(errs.find((p) => p.code === 'LOG_DATE_MISMATCH')).toMatchObject({ file: 'audit-20250908.jsonl', line: 11 });
  });

  it("accepts a late line filed in the next day's file, and rejects one filed in an earlier day", async () => {
    const dir = tempDir();
    const d1 = chainLines(tradingEvents(5));
    const lateEv = { micros: DAY1 + 24 * HOUR - 1, category: 'order', event: 'Filled', late: true };
    const d2 = chainLines([lateEv, ...tradingEvents(3, DAY1 + 25 * HOUR)], d1.seq, d1.prev);
    dayFile(dir, d1.lines, '20250908');
    dayFile(dir, d2.lines, '20250909');
    const r = await verifyLogDir(dir);
    expect(r.problems).toEqual([]);
    expect(r.checked.late).toBe(1);
  });

  it('ignores the lock file and keep-files silently, and names other entries as info', async () => {
    const dir = tempDir();
    writeLogDir(dir, 1, 5);
    writeFileSync(join(dir, '.audit.lock'), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const r = await verifyLogDir(dir);
    expect(r.problems.map((p) => [p.code, p.severity])).toEqual([['ENTRY_IGNORED', 'info']]);
  });

  it('does not follow a symlinked log file', async () => {
    const dir = tempDir();
    writeLogDir(dir, 1, 5);
    writeFileSync(join(dir, 'elsewhere'), 'secret\n');
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'audit-20250910.jsonl'));
    const r = await verifyLogDir(dir);
    expect(errorsOf(r.problems).map((p) => p.code)).toEqual(['NOT_A_REGULAR_FILE']);
  });

  it('an empty directory is a warning, not a crash', async () => {
    const dir = tempDir();
    const r = await verifyLogDir(dir);
    expect(r.ok).toBe(true);
    expect(codes(r.problems)).toEqual(['LOG_DIR_EMPTY']);
  });
});

describe('crashes, clocks and hostile lines', () => {
  it('a torn line recovered by the next writer is reported as recovered, not tampering', async () => {
    const dir = tempDir();
    const a = chainLines(tradingEvents(5));
    const fragment = (a.lines[4] as string).slice(0, 0) + formatLine(tradingEvents(1)[0]!, 6, a.prev).slice(0, 57);
    const before = `${a.lines.join('\n')}\n`;
    const recovery = formatLine(
      recoveryEvent('audit-20250908.jsonl', Buffer.byteLength(before), fragment, DAY1 + 10 * HOUR),
      6,
      a.prev,
    );
    const after = chainLines(tradingEvents(3, DAY1 + 11 * HOUR), 7, sha256(recovery));
    const p = join(dir, 'audit-20250908.jsonl');
    writeFileSync(p, `${before}${fragment}\n${recovery}\n${after.lines.join('\n')}\n`);
    const r = await verifyLog(p);
    expect(r.ok).toBe(true);
    expect(r.problems.map((x) => [x.code, x.severity, x.line])).toEqual([['LOG_TORN_LINE_RECOVERED', 'warning', 6]]);
    expect(r.checked).toMatchObject({ recovered: 1, malformed: 1, events: 9 });
    expect(pythonCheck(p).ok).toBe(true);

    // The fragment altered afterwards: the recovery no longer describes it.
    writeFileSync(p, `${before}${fragment.replace('"ts"', '"tz"')}\n${recovery}\n${after.lines.join('\n')}\n`);
    expect(codes(errorsOf((await verifyLog(p)).problems))).toEqual(['LOG_RECOVERY_MISMATCH']);
  });

  it('a torn tail not yet recovered is a warning', async () => {
    const dir = tempDir();
    const p = dayFile(dir, validDay(5));
    appendFileSync(p, '{"ts":17573');
    const r = await verifyLog(p);
    expect(r.ok).toBe(true);
    expect(r.problems.map((x) => [x.code, x.line])).toEqual([['LOG_TORN_TAIL', 6]]);
  });

  it('a clock going backwards for one process is a warning; another process is not compared', async () => {
    const evs = tradingEvents(6);
    evs[3]!.micros = evs[1]!.micros - 10;
    evs[4]!.pid = 99;
    evs[4]!.micros = evs[0]!.micros;
    const dir = tempDir();
    const r = await verifyLog(dayFile(dir, chainLines(evs).lines));
    expect(r.ok).toBe(true);
    expect(r.problems.map((x) => [x.code, x.severity, x.line])).toEqual([['LOG_CLOCK_BACKWARDS', 'warning', 4]]);
  });

  it('binary garbage, a deeply nested line, a 20 MB line and an empty file: findings, no crash', async () => {
    const dir = tempDir();
    const lines = validDay(6);
    const p = join(dir, 'audit-20250908.jsonl');
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x80, 0x0d]);
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const huge = `{"x":"${'a'.repeat(20 * 1024 * 1024)}"}`;
    writeFileSync(
      p,
      Buffer.concat([
        Buffer.from(`${lines.slice(0, 2).join('\n')}\n`),
        garbage,
        Buffer.from(`\n${deep}\n${huge}\n${lines.slice(2).join('\n')}\n`),
      ]),
    );
    const r = await verifyLog(p);
    expect(r.ok).toBe(false);
    expect(codes(errorsOf(r.problems))).toEqual(['LOG_LINE_INVALID', 'LOG_LINE_TOO_DEEP', 'LOG_LINE_TOO_LONG']);
    const e = join(dir, 'audit-20250909.jsonl');
    writeFileSync(e, '');
    const re = await verifyLog(e);
    expect(re.ok).toBe(true);
    expect(codes(re.problems)).toEqual(['LOG_FILE_EMPTY']);
  });

  it('a line nested past 64 levels is LOG_LINE_TOO_DEEP in verify and in the Python checker; the chain goes on through it', async () => {
    // `levels` objects and arrays, alternating, around 1 (as text: JSON.stringify recurses).
    const nest = (levels: number): string => {
      const k = levels >> 1;
      const odd = levels % 2 === 1;
      return `${'{"a":['.repeat(k)}${odd ? '{"a":' : ''}1${odd ? '}' : ''}${']}'.repeat(k)}`;
    };
    for (const [levels, deep] of [
      [63, false], // 1 (the line) + 63 = 64: at the bound
      [64, true],
      [250_000, true],
    ] as const) {
      const evs = tradingEvents(6);
      evs[2] = { ...(evs[2] as (typeof evs)[number]), fields: { v: 'NESTED' } };
      const lines: string[] = [];
      let prev = ZEROS;
      for (const [i, ev] of evs.entries()) {
        const line = formatLine(ev, i + 1, prev).replace('"NESTED"', nest(levels));
        lines.push(line);
        prev = sha256(line);
      }
      const dir = tempDir();
      const p = dayFile(dir, lines);
      const r = await verifyLog(p);
      const py = spawnSync(PYTHON, [PY_CHECKER, p, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(py.stderr).not.toMatch(/Traceback/);
      const pyFindings = (JSON.parse(py.stdout) as { findings: { code: string; line: number | null }[] }).findings;
      if (!deep) {
        expect(r.problems).toEqual([]);
        expect(pyFindings).toEqual([]);
        continue;
      }
      // One finding at line 3; line 4 links to it, so no break is reported after it.
      expect(r.problems.map((x) => [x.code, x.line])).toEqual([['LOG_LINE_TOO_DEEP', 3]]);
      expect(r.problems[0]?.detail).toMatch(/more than 64 levels deep/);
      expect(pyFindings.map((x) => [x.code, x.line])).toEqual([['LOG_LINE_TOO_DEEP', 3]]);
      expect(py.status).toBe(1);
    }
  }, 120_000);

  it('a valid event line over 16 MiB is LOG_LINE_TOO_LONG in verify and in the Python checker; one at the bound is an event', async () => {
    const BOUND = 16 * 1024 * 1024;
    for (const [length, tooLong] of [
      [BOUND, false],
      [BOUND + 1, true],
    ] as const) {
      const evs = tradingEvents(5);
      evs[1] = { ...(evs[1] as (typeof evs)[number]), fields: { v: 'LONG' } };
      const lines: string[] = [];
      let prev = ZEROS;
      for (const [i, ev] of evs.entries()) {
        let line = formatLine(ev, i + 1, prev);
        if (i === 1) line = line.replace('"LONG"', `"${'x'.repeat(length - line.length + 4)}"`);
        if (i === 1) expect(line.length).toBe(length);
        lines.push(line);
        prev = sha256(line);
      }
      const p = dayFile(tempDir(), lines);
      const r = await verifyLog(p);
      const py = spawnSync(PYTHON, [PY_CHECKER, p, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(py.stderr).not.toMatch(/Traceback/);
      const pyFindings = (JSON.parse(py.stdout) as { findings: { code: string; line: number | null }[] }).findings;
      if (!tooLong) {
        expect(r.problems).toEqual([]);
        expect(pyFindings).toEqual([]);
        continue;
      }
      // One finding at line 2; line 3 links to its hash, so the chain goes on.
      expect(r.problems.map((x) => [x.code, x.line])).toEqual([['LOG_LINE_TOO_LONG', 2]]);
      expect(pyFindings.map((x) => [x.code, x.line])).toEqual([['LOG_LINE_TOO_LONG', 2]]);
      expect(py.status).toBe(1);
    }
  }, 120_000);

  it('bounds the findings listed per code, counting the rest', async () => {
    const dir = tempDir();
    const p = join(dir, 'audit-20250908.jsonl');
    writeFileSync(p, 'not json\n'.repeat(500));
    const r = await verifyLog(p);
    expect(r.problems.filter((x) => x.code === 'LOG_LINE_INVALID')).toHaveLength(20);
    expect(r.problems.find((x) => x.code === 'FINDINGS_TRUNCATED')?.detail).toMatch(/480 more LOG_LINE_INVALID/);
  });

  it('a missing path throws PATH_NOT_FOUND', async () => {
    const dir = tempDir();
    await expect(verifyLog(join(dir, 'nope.jsonl'))).rejects.toSatisfy((e) => isAuditpackError(e, 'PATH_NOT_FOUND'));
    mkdirSync(join(dir, 'd'));
    await expect(verifyLogDir(join(dir, 'nope'))).rejects.toSatisfy((e) => isAuditpackError(e, 'PATH_NOT_FOUND'));
  });
});

describe('a torn line recovered while events wait in the queue', () => {
  it('gives no clock warning: the recovery is dated when written, after the queued events it precedes', async () => {
    const dir = tempDir();
    let t = Date.UTC(2025, 8, 8, 9) * 1000;
    const a = createAuditLogger({ logDir: dir, handleExit: false, clock: () => (t += 1000), host: 'h', pid: 1 });
    for (let i = 0; i < 3; i++) a.order('OrderAccepted', { orderId: `A${i}` });
    await a.close();
    const file = join(dir, readdirSync(dir).find((n) => n.startsWith('audit-')) as string);
    appendFileSync(file, '{"ts":1757322000.00'); // a writer killed mid-line
    let tb = t + 1_000_000;
    const b = createAuditLogger({ logDir: dir, handleExit: false, clock: () => tb, host: 'h', pid: 2 });
    for (let i = 0; i < 5; i++) {
      tb += 1000;
      b.order('OrderAccepted', { orderId: `B${i}` }); // stamped now, written at the flush
    }
    tb += 5_000_000; // the flush, and with it the recovery, comes later
    await b.close();
    const r = await verifyLogDir(dir);
    expect(r.problems.map((p) => p.code)).toEqual(['LOG_TORN_LINE_RECOVERED']);
    const lines = readFileSync(file, 'utf8').split('\n');
    const rec = JSON.parse(lines[4] as string) as { event: string; pid: number; iso_ts: string };
    const next = JSON.parse(lines[5] as string) as { pid: number; iso_ts: string };
    // The case this guards: same process, the recovery dated after the event written behind it.
    expect([rec.event, rec.pid, next.pid, rec.iso_ts > next.iso_ts]).toEqual(['TornLineRecovered', 2, 2, true]);
  });
});
