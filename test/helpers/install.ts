/**
 * A copy of the built package as an app installs it — bin/, dist/, package.json and the production
 * dependencies from node_modules — in a directory of its own. Tests use it to run the CLI where the
 * clone itself cannot be reached (as another user, when the clone sits under a 0700 directory) and to
 * break its native addon without touching the clone.
 */
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeWhenDone } from './tmp.js';

/** The clone (or work tree) the tests run from. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface InstallCopy {
  /** Directory holding bin/, dist/, package.json and node_modules/. */
  root: string;
  /** bin/auditpack.js of the copy. */
  bin: string;
  /** process.execPath, or with `otherUsers` when others cannot reach that, a copy of it inside `root`. */
  node: string;
}

/** True when a user other than the owner can reach `path`: every ancestor searchable, the file readable (and runnable). */
export function reachableByOthers(path: string, { exec = false } = {}): boolean {
  try {
    const st = statSync(path);
    const need = st.isDirectory() || exec ? 0o005 : 0o004;
    if ((st.mode & need) !== need) return false;
    for (let d = dirname(path); ; d = dirname(d)) {
      if ((statSync(d).mode & 0o001) === 0) return false;
      if (d === parse(d).root) return true;
    }
  } catch {
    return false;
  }
}

/**
 * A fresh directory that other users can enter (0755), removed after the current test. Tried under
 * the temp dir first, then the usual world-writable places, since TMPDIR may itself be private.
 */
export function sharedTempDir(prefix = 'auditpack-shared-'): string {
  const base = [tmpdir(), '/tmp', '/var/tmp', '/dev/shm'].find((d) => reachableByOthers(d));
  if (!base) throw new Error('no temp directory that other users can reach (tried TMPDIR, /tmp, /var/tmp, /dev/shm)');
  const dir = mkdtempSync(join(base, prefix));
  chmodSync(dir, 0o755);
  // Not afterEach: a hook registered from inside a running test is never called (every copy stayed behind).
  return removeWhenDone(dir);
}

/**
 * Copies the built package (build it first: the global setup does) into a fresh shared temp dir.
 * `otherUsers`: also make sure another user can run it — with a Node.js binary it can reach.
 */
export function copyInstall({ otherUsers = false } = {}): InstallCopy {
  const root = sharedTempDir('auditpack-install-');
  for (const entry of ['bin', 'dist', 'package.json'])
    cpSync(join(ROOT, entry), join(root, entry), { recursive: true });
  for (const dir of productionPackageDirs())
    cpSync(join(ROOT, 'node_modules', dir), join(root, 'node_modules', dir), { recursive: true });
  let node = process.execPath;
  if (otherUsers && !reachableByOthers(node, { exec: true })) {
    // Node from a private directory (a cache under $HOME): give the copy its own, hard-linked when possible.
    node = join(root, 'node');
    try {
      linkSync(process.execPath, node);
    } catch {
      copyFileSync(process.execPath, node);
    }
  }
  openUp(root);
  return { root, bin: join(root, 'bin/auditpack.js'), node };
}

/** Directories of every installed production dependency, down the whole tree (Node's resolution from each package). */
export function productionPackages(): string[] {
  const deps = (dir: string): string[] => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
  };
  const top = join(ROOT, 'node_modules');
  const seen = new Set<string>();
  const queue: [string, string][] = deps(ROOT).map((d) => [ROOT, d]);
  while (queue.length > 0) {
    const [from, name] = queue.shift() as [string, string];
    // The requiring package's own node_modules first, then the top level.
    const nested = join(from, 'node_modules', name);
    const dir = from !== ROOT && existsSync(nested) ? nested : join(top, name);
    if (seen.has(dir) || !existsSync(dir)) continue; // missing: an optional dependency for another platform
    seen.add(dir);
    for (const d of deps(dir)) queue.push([dir, d]);
  }
  return [...seen];
}

/** Top-level node_modules entries of the production closure (a package's nested node_modules travel with it). */
function productionPackageDirs(): string[] {
  const top = join(ROOT, 'node_modules') + sep;
  return productionPackages()
    .filter((d) => d.startsWith(top) && !d.slice(top.length).includes(`${sep}node_modules${sep}`))
    .map((d) => d.slice(top.length));
}

/** a+rX on a tree, so that another user can read it whatever the umask was. */
function openUp(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  const x = st.isDirectory() || (st.mode & 0o100) !== 0 ? 0o555 : 0o444;
  chmodSync(path, st.mode | x);
  if (st.isDirectory()) for (const e of readdirSync(path)) openUp(join(path, e));
}
