/**
 * `verify <logdir>` makes the check a writer makes before it appends (docs/FORMAT.md, "Lost
 * heads"): the head cached in `.audit.lock` must still be on disk. A cut at the newest end of the
 * newest file leaves no trace in the chain; the cache names the lost head: LOG_HEAD_LOST
 * (warning), in verify and in tools/auditpack_check.py alike. Never on an honest log, not even
 * one a writer is appending to while verify reads it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, verifyLogDir } from '../../src/index.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

async function honestLog(n: number): Promise<string> {
  const dir = join(tempDir(), 'logs');
  const log = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false, heartbeatMinutes: 0 });
  for (let i = 1; i <= n; i++) await log.order('OrderAccepted', { orderId: `A-${i}` });
  await log.close();
  return dir;
}

function dayFile(dir: string): string {
  return join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl')) as string);
}

/** The codes (and severities) each checker reports for `dir`. */
async function codes(dir: string): Promise<{ ts: string[]; py: string[] }> {
  const r = await verifyLogDir(dir);
  const py = spawnSync(PYTHON, [CHECKER, dir, '--json'], { encoding: 'utf8' });
  const out = JSON.parse(py.stdout) as { findings: { code: string; severity: string }[] };
  return {
    ts: r.problems.map((p) => `${p.severity} ${p.code}`),
    py: out.findings.map((p) => `${p.severity} ${p.code}`),
  };
}

describe('verify <logdir>: the lock file names a head the newest file lost', () => {
  it('an honest log: no finding', async () => {
    const dir = await honestLog(3);
    expect(await codes(dir)).toEqual({ ts: [], py: [] });
  });

  it('two acknowledged events cut from the end of the newest file: LOG_HEAD_LOST (warning) in both checkers', async () => {
    const dir = await honestLog(5);
    const f = dayFile(dir);
    const lines = readFileSync(f, 'utf8').split('\n');
    writeFileSync(f, `${lines.slice(0, 3).join('\n')}\n`);
    const c = await codes(dir);
    expect(c.ts).toEqual(['warning LOG_HEAD_LOST']);
    expect(c.py).toEqual(c.ts);
    const r = await verifyLogDir(dir);
    expect(r.problems[0]?.detail).toMatch(/records seq 5 as the last line written.*now holds \d+ bytes/);
  });

  it('the newest file emptied or removed, or its last line rewritten to a longer one: LOG_HEAD_LOST', async () => {
    const dir = await honestLog(4);
    const f = dayFile(dir);
    const bytes = readFileSync(f);
    truncateSync(f, 0);
    expect((await codes(dir)).ts).toContain('warning LOG_HEAD_LOST');
    expect((await codes(dir)).py).toContain('warning LOG_HEAD_LOST');
    rmSync(f);
    expect(await codes(dir)).toEqual({ ts: ['warning LOG_HEAD_LOST', 'warning LOG_DIR_EMPTY'], py: expect.any(Array) });
    expect((await codes(dir)).py).toContain('warning LOG_HEAD_LOST');
    // The last line replaced by a longer one: the file is longer, but no line ends at the cached size.
    const text = bytes.toString('utf8');
    writeFileSync(f, text.replace(/"order_id":"A-4"/, '"order_id":"A-4-edited"'));
    const c = await codes(dir);
    expect(c.ts).toContain('warning LOG_HEAD_LOST');
    expect(c.py).toContain('warning LOG_HEAD_LOST');
  });

  it('no lock file, or a lock file that holds no head (garbage, NaN, a day past 9999): no finding, no crash', async () => {
    const dir = await honestLog(3);
    const f = dayFile(dir);
    writeFileSync(f, readFileSync(f, 'utf8').split('\n').slice(0, 1).join('\n').concat('\n'));
    const lock = join(dir, '.audit.lock');
    const head = JSON.parse(readFileSync(lock, 'utf8').trim()) as Record<string, unknown>;
    for (const body of [
      'garbage',
      '{"day":NaN,"size":5,"seq":1,"hash":"x"}',
      JSON.stringify({ ...head, day: 3_000_000 }),
      // Past what a Date holds (logFileName threw RangeError: verify crashed, INTERNAL; at36 F1).
      JSON.stringify({ ...head, day: Number.MAX_SAFE_INTEGER }),
      JSON.stringify({ ...head, day: 200_000_000 }),
      JSON.stringify({ ...head, day: -5 }),
      JSON.stringify(head).replace(/"size":\d+/, '"size":1e400'),
      JSON.stringify(head).replace(/"seq":\d+/, '"seq":1.5'),
      JSON.stringify({ ...head, hash: 'ab' }),
      '[1,2,3]',
      'null',
    ]) {
      writeFileSync(lock, body);
      expect(await codes(dir), body).toEqual({ ts: [], py: [] });
    }
    rmSync(lock);
    expect(await codes(dir)).toEqual({ ts: [], py: [] });
  });

  it('a process holding the log lock (a writer stopped mid-append) does not hold verify up: it reads the cache unlocked (at36 F2)', {
    timeout: 60_000,
  }, async () => {
    const dir = await honestLog(3);
    const f = dayFile(dir);
    writeFileSync(f, readFileSync(f, 'utf8').split('\n').slice(0, 1).join('\n').concat('\n'));
    // The holder takes the lock the writers take (the addon's whole-file lock on the lock file) and
    // says so; verify runs in another process (the lock is per process) with a deadline.
    const addon = fileURLToPath(new URL('../../node_modules/fs-native-extensions/index.js', import.meta.url));
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs'); const n=require(${JSON.stringify(addon)});
         const fd=fs.openSync(${JSON.stringify(join(dir, '.audit.lock'))},'r+'); n.waitForLockSync(fd,0,0);
         process.stdout.write('held\\n'); setInterval(()=>{},1e6);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', () => resolve());
        holder.on('exit', (c) => reject(new Error(`the holder exited ${c}`)));
      });
      const r = spawnSync(
        process.execPath,
        [fileURLToPath(new URL('../../bin/auditpack.js', import.meta.url)), 'verify', dir, '--json'],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(r.error, 'verify waited on the lock').toBeUndefined();
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('LOG_HEAD_LOST');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a writer appending while verify reads the directory never trips it', { timeout: 120_000 }, async () => {
    const dir = await honestLog(1);
    const script = `import { createAuditLogger } from ${JSON.stringify(DIST)};
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, durability: 'durable', handleExit: false, heartbeatMinutes: 0 });
      for (let i = 0; i < 400; i++) await log.order('OrderAccepted', { orderId: 'L-' + i });
      await log.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let exited = false;
    void done.then(() => (exited = true));
    let rounds = 0;
    while (!exited || rounds < 3) {
      const r = await verifyLogDir(dir);
      expect(r.problems.filter((p) => p.code === 'LOG_HEAD_LOST')).toEqual([]);
      rounds++;
    }
    expect(await done).toBe(0);
    expect(await codes(dir)).toEqual({ ts: [], py: [] });
  });
});
