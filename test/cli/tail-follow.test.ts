/**
 * The follower behind `auditpack tail -f`: bounded memory against a writer that never ends a line,
 * and a followed file that is removed (pruned, moved away) while followed.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TailNotice, tailLog } from '../../src/cli/tail/follow.js';
import { tempDir } from '../helpers/tmp.js';

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a follower of `logDir` with a small bound; collects its lines and notices. */
function follow(logDir: string, maxLineBytes?: number) {
  const stop = new AbortController();
  stops.push(stop);
  const lines: string[] = [];
  const notices: TailNotice[] = [];
  const done = tailLog({
    logDir,
    lines: Number.POSITIVE_INFINITY,
    match: () => true,
    onLine: (l) => lines.push(l.toString('utf8')),
    onNotice: (n) => notices.push(n),
    ...(maxLineBytes !== undefined ? { maxLineBytes } : {}),
    follow: { signal: stop.signal, pollMs: 10 },
  });
  return { lines, notices, stop, done };
}

describe('tail -f', () => {
  it('a writer that never ends a line: reported once at its offset, dropped to its newline, the next line shown', async () => {
    const logDir = tempDir();
    const file = join(logDir, 'audit-20261201.jsonl');
    writeFileSync(file, '{"a":1}\n');
    const t = follow(logDir, 1024);
    await until(() => t.lines.length === 1);
    // 200 KiB in small appends, never a newline: more than the bound, far less than memory.
    for (let i = 0; i < 200; i++) appendFileSync(file, 'x'.repeat(1024));
    await until(() => t.notices.length === 1);
    expect(t.notices).toEqual([{ kind: 'line-too-long', file: 'audit-20261201.jsonl', offset: 8, bound: 1024 }]);
    appendFileSync(file, 'y'.repeat(5000));
    appendFileSync(file, '\n{"b":2}\n');
    await until(() => t.lines.length === 2);
    expect(t.lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(t.notices).toHaveLength(1);
    // A line just at the bound is a line.
    appendFileSync(file, `${'z'.repeat(1024)}\n`);
    await until(() => t.lines.length === 3);
    expect(t.lines[2]).toHaveLength(1024);
    // Over the bound within one read (newline included): reported, not shown.
    appendFileSync(file, `${'w'.repeat(1025)}\n{"c":3}\n`);
    await until(() => t.lines.length === 4);
    expect(t.lines[3]).toBe('{"c":3}');
    expect(t.notices.map((n) => n.kind)).toEqual(['line-too-long', 'line-too-long']);
    t.stop.abort();
    await t.done;
  });

  it('the followed file removed (pruned): said once, then the next day file is followed', async () => {
    const logDir = tempDir();
    const day1 = join(logDir, 'audit-20261130.jsonl');
    writeFileSync(day1, '{"d":1}\n');
    const t = follow(logDir);
    await until(() => t.lines.length === 1);
    rmSync(day1);
    await until(() => t.notices.length === 1);
    expect(t.notices).toEqual([{ kind: 'file-removed', file: 'audit-20261130.jsonl' }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.notices).toHaveLength(1);
    writeFileSync(join(logDir, 'audit-20261201.jsonl'), '{"d":2}\n');
    await until(() => t.lines.length === 2);
    expect(t.lines).toEqual(['{"d":1}', '{"d":2}']);
    expect(t.notices[1]).toEqual({ kind: 'next-file', file: 'audit-20261201.jsonl', from: 'audit-20261130.jsonl' });
    t.stop.abort();
    await t.done;
  });

  it('a removed file put back is read on; the logs directory removed is LOGS_DIR_MISSING', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    mkdirSync(logDir);
    const day = join(logDir, 'audit-20261130.jsonl');
    writeFileSync(day, '{"e":1}\n');
    const t = follow(logDir);
    await until(() => t.lines.length === 1);
    rmSync(day);
    await until(() => t.notices.length === 1);
    writeFileSync(day, '{"e":1}\n{"e":2}\n');
    await until(() => t.lines.length === 2);
    expect(t.lines).toEqual(['{"e":1}', '{"e":2}']);
    expect(t.notices.map((n) => n.kind)).toEqual(['file-removed', 'file-back']);
    rmSync(logDir, { recursive: true });
    await expect(t.done).rejects.toMatchObject({ code: 'LOGS_DIR_MISSING' });
  });
});
