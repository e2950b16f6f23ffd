/**
 * The README's first steps, run exactly as written, in order, on a fresh copy of the repository:
 * the tracked files only (as a clone has them), a private 0700 directory, `npm run demo`, then the
 * fenced block between the first-steps markers with bash -e. Two things differ from a new user's
 * machine, both outside the commands: node_modules is linked from this checkout instead of
 * `npm ci` (no registry in the test), and `npm link` installs into a prefix inside the temp dir
 * (npm_config_prefix) instead of the machine's global one, with its bin first on PATH.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The lines between the markers, without the code fence. */
export function firstSteps(readme: string): string {
  const block = /<!-- first-steps:begin -->\n```sh\n([\s\S]*?)```\n<!-- first-steps:end -->/.exec(readme);
  if (block === null) throw new Error('README.md has no first-steps block');
  return block[1] as string;
}

const work = mkdtempSync(join(tmpdir(), 'auditpack-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The files a clone has: git's list, or (CI's copies for other Node.js lines are not repositories) the tree without what .gitignore names. */
function repositoryFiles(): string[] {
  const git = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (git.status === 0) return git.stdout.split('\0').filter(Boolean);
  const skip = new Set(['node_modules', 'dist', 'coverage', '.git', '.auditpack-keys', 'audit']);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(ROOT, rel), { withFileTypes: true })) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (rel === '' && skip.has(e.name)) continue;
      if ((rel === 'logs' || rel === 'artifacts') && e.name !== '.keep') continue;
      if (p === 'test/e2e/__screenshots__' || p === 'bench/out') continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk('');
  return out;
}

function freshCopy(): string {
  const clone = join(work, 'auditpack');
  for (const f of repositoryFiles()) {
    mkdirSync(join(clone, dirname(f)), { recursive: true });
    try {
      copyFileSync(join(ROOT, f), join(clone, f));
    } catch (err) {
      // A tracked file deleted in this checkout (not yet committed) is not in a clone either.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
  return clone;
}

describe('README first steps', () => {
  it('run as written, in order, after npm run demo', () => {
    const clone = freshCopy();
    const prefix = join(work, 'npm-global');
    const env = {
      ...process.env,
      NO_COLOR: '1',
      npm_config_prefix: prefix,
      npm_config_update_notifier: 'false',
      PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    };
    const demo = spawnSync('npm', ['run', 'demo'], { cwd: clone, env, encoding: 'utf8' });
    expect(demo.status, demo.stdout + demo.stderr).toBe(0);
    const steps = firstSteps(readFileSync(join(clone, 'README.md'), 'utf8'));
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', steps], { cwd: clone, env, encoding: 'utf8' });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/intact/);
    expect(out).toContain('Good "auditpack" signature for me@example.com');
    expect(out).toMatch(/signature: verified against the trusted key/);
  }, 300_000);

  it('the block is there and uses only the commands it sets up', () => {
    const steps = firstSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(steps.split('\n')[0]).toMatch(/^npm link\b/);
    expect(steps).not.toMatch(/\bnode bin\//);
  });
});
