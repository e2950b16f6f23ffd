import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../helpers/tmp.js';

function io(cwd: string, tty: boolean): CliIO & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    cwd,
    env: { NO_COLOR: '1' },
    stdout: { write: (s: string | Uint8Array) => out.push(String(s)), isTTY: tty },
    stderr: { write: (s: string) => err.push(s), isTTY: tty },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('progress on a terminal, nothing otherwise', () => {
  it('export --compress reports the compression as it goes; verify shows what it does; both clear their line', async () => {
    const cwd = tempDir();
    const setup = io(cwd, false);
    expect(await main(['demo', '--json'], setup)).toBe(0);
    const { date } = JSON.parse(setup.out());

    const tty = io(cwd, true);
    expect(await main(['export', '--date', date, '--force', '--compress'], tty)).toBe(0);
    const updates = tty
      .err()
      .split('\r')
      .filter((l) => l.includes(' compress '));
    const pct = updates.map((l) => Number(/compress (\d+)%/.exec(l)?.[1]));
    // More than one step, rising to 100: not a line that sits at "compress 100%" for the whole job.
    expect(new Set(pct).size).toBeGreaterThan(1);
    expect(pct).toEqual([...pct].sort((a, b) => a - b));
    expect(pct.at(-1)).toBe(100);
    expect(tty.err().endsWith('\r\x1b[K')).toBe(true);
    expect(tty.out()).toMatch(/^✓ exported/);

    const v = io(cwd, true);
    expect(await main(['verify', `artifacts/${date}.tar.gz`], v)).toBe(0);
    expect(v.err()).toMatch(new RegExp(`^\\rverifying artifacts/${date}\\.tar\\.gz … \\d+\\.\\d s`));
    expect(v.err().endsWith('\r\x1b[K')).toBe(true);
    expect(v.out()).toContain('intact');

    const quiet = io(cwd, false);
    expect(await main(['verify', `artifacts/${date}.tar.gz`], quiet)).toBe(0);
    expect(await main(['export', '--date', date, '--force', '--compress'], quiet)).toBe(0);
    expect(quiet.err()).toBe('');
  }, 120_000);
});
