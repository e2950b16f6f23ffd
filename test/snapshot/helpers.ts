import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Runs git in `cwd` with a fixed identity and no user or system config (so tests see plain git). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  });
}

/** `git init` on branch main, with the files committed (when any). Returns HEAD's commit, or '' without files. */
export function initRepo(cwd: string, files: Record<string, string | Buffer> = {}): string {
  git(cwd, 'init', '-q', '-b', 'main', '.');
  writeFiles(cwd, files);
  if (Object.keys(files).length === 0) return '';
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '-m', 'initial');
  return git(cwd, 'rev-parse', 'HEAD').trim();
}

export function writeFiles(cwd: string, files: Record<string, string | Buffer>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(cwd, p)), { recursive: true });
    writeFileSync(join(cwd, p), content);
  }
}

/**
 * The keyed hash a record gives a redacted or withheld file (docs/FORMAT.md, "Config snapshots"),
 * computed here from the store's key file as an auditor holding it would: `hmac-sha256:` and the
 * hex HMAC-SHA256 of the file's bytes under the 32 bytes of `<snapshotDir>/hmac.key`.
 */
export function keyedHashOf(snapshotDir: string, bytes: Buffer | string): string {
  const key = readFileSync(join(snapshotDir, 'hmac.key'));
  return `hmac-sha256:${createHmac('sha256', key).update(bytes).digest('hex')}`;
}

/** Every stored object file under a snapshot dir (relative paths). */
export function objectFiles(snapshotDir: string): string[] {
  try {
    return readdirSync(join(snapshotDir, 'objects'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name));
  } catch {
    return [];
  }
}

/** A clock that returns the given instants (epoch µs) in turn, then keeps returning the last. */
export function clockOf(...micros: number[]): () => number {
  let i = 0;
  return () => micros[Math.min(i++, micros.length - 1)] as number;
}

/** Epoch µs of an ISO instant (up to 6 fraction digits; Date.parse alone stops at milliseconds). */
export function us(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/.exec(iso);
  if (!m) throw new Error(`not an ISO instant: ${iso}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}
