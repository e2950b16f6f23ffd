/**
 * A day file cut between its writers' last append and its export: the log lock's cached head names
 * a line that is gone. Export refuses the day (LOG_HEAD_LOST, nothing written) rather than pack the
 * cut file with no word of the loss; a file that only grew (a torn tail), a cache of another day and
 * an untouched file export as before.
 */
import {
  appendFileSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { type Ev, writeEvents } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const D = '2026-11-30';
const FILE = 'audit-20261130.jsonl';
const EVENTS: Ev[] = Array.from({ length: 6 }, (_, i) => [`23:5${i}:00`, 'auth', 'Login', { user: `u${i}` }] as Ev);

async function setup(): Promise<{ cwd: string; logs: string; path: string }> {
  const cwd = tempDir();
  const logs = join(cwd, 'logs');
  await writeEvents(logs, EVENTS, D);
  return { cwd, logs, path: join(logs, FILE) };
}

const exportDay = (cwd: string) =>
  exportPack({
    date: D,
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'artifacts'),
    version: '0.1.0',
    snapshot: false,
    recordEvent: false,
  });

const keepLines = (path: string, n: number): void => {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  truncateSync(path, Buffer.byteLength(`${lines.slice(0, n).join('\n')}\n`));
};

describe('export of a day whose cached head is gone', () => {
  it('a file cut short after its last write is refused, nothing written', async () => {
    const { cwd, path } = await setup();
    keepLines(path, 4);
    await expect(exportDay(cwd)).rejects.toMatchObject({
      code: 'LOG_HEAD_LOST',
      details: { file: FILE, cached_seq: 6, found_size: Buffer.byteLength(readFileSync(path)) },
    });
    expect(existsSync(join(cwd, 'artifacts', D))).toBe(false);
  }, 60_000);

  it('a removed file is refused too', async () => {
    const { cwd, path } = await setup();
    rmSync(path);
    await expect(exportDay(cwd)).rejects.toMatchObject({ code: 'LOG_HEAD_LOST', details: { found_size: null } });
  }, 60_000);

  it('a torn tail (bytes after the head) is no loss; neither is an intact file', async () => {
    const a = await setup();
    appendFileSync(a.path, '{"torn');
    expect((await exportDay(a.cwd)).manifest.events.total).toBe(6);
    const b = await setup();
    expect((await exportDay(b.cwd)).manifest.events.total).toBe(6);
  }, 60_000);

  it('once a writer has recorded the loss (the cache moved on), the day exports', async () => {
    const { cwd, logs, path } = await setup();
    keepLines(path, 4);
    await writeEvents(logs, [['00:01:00', 'auth', 'Login', { user: 'next' }]], '2026-12-01');
    expect(readFileSync(join(logs, 'audit-20261201.jsonl'), 'utf8')).toContain('LogDiscontinuity');
    expect((await exportDay(cwd)).manifest.events.total).toBe(4);
  }, 60_000);

  it("a symbolic link at the day file name is refused as a link (READ_FAILED), not judged by its target's size", async () => {
    const { cwd, path } = await setup();
    const other = join(cwd, 'other.txt');
    writeFileSync(other, 'db_password=hunter2\n'); // shorter than the cached head
    renameSync(path, join(cwd, 'moved.jsonl'));
    symlinkSync(other, path);
    await expect(exportDay(cwd)).rejects.toMatchObject({ code: 'READ_FAILED' });
    expect(existsSync(join(cwd, 'artifacts', D))).toBe(false);
  }, 60_000);

  it('a FIFO at the day file name is refused as no regular file (READ_FAILED), not as a lost head', async () => {
    const { cwd, path } = await setup();
    rmSync(path);
    execFileSync('mkfifo', [path]);
    await expect(exportDay(cwd)).rejects.toMatchObject({ code: 'READ_FAILED' });
    expect(existsSync(join(cwd, 'artifacts', D))).toBe(false);
  }, 60_000);
});
