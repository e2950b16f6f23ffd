/**
 * Git facts for a snapshot, through simple-git: commit, branch, dirty or clean, which
 * config files differ from HEAD, and their HEAD content. Two git processes per snapshot at most:
 * one `git status --porcelain=v2 --branch -z`, and, only when some config file has uncommitted
 * changes, one `git cat-file --batch` that streams every HEAD version needed.
 *
 * auditpack never shows `git diff` output: HEAD content is redacted and diffed in-process, so a
 * secret committed to the repository cannot reach a snapshot. A git failure becomes GIT_FAILED
 * with the cause kept; the snapshot goes on without git facts and records why.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type SimpleGitOptions, simpleGit } from 'simple-git';
import { AuditpackError } from '../errors.js';
import type { SnapshotGitFacts } from './types.js';

/** What `git status` says about the work tree. */
export interface GitStatus {
  readonly facts: SnapshotGitFacts;
  /** Repository-relative paths of tracked files that differ from HEAD (index or work tree). */
  readonly changed: ReadonlySet<string>;
  /** Repository-relative untracked files, and untracked directories (ending in "/"). */
  readonly untracked: readonly string[];
}

/**
 * The top of the git work tree holding `dir` (the directory with a `.git` entry, file or
 * directory), or undefined outside any work tree. Looking for `.git` first means no git process
 * runs outside git, and a machine without git still snapshots plain directories.
 */
export async function findWorkTree(dir: string): Promise<string | undefined> {
  let cur = dir;
  for (;;) {
    try {
      await stat(join(cur, '.git'));
      return cur;
    } catch {
      // not here
    }
    const parent = dirname(cur);
    if (parent === cur) return undefined;
    cur = parent;
  }
}

function gitFailed(what: string, err: unknown): AuditpackError {
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.trim().split('\n').filter(Boolean).slice(0, 3).join('; ');
  return new AuditpackError('GIT_FAILED', `${what} failed: ${message || 'no output'}`, { cause: err });
}

/**
 * A git client for a read-only look at a repository auditpack does not trust: the repository's own
 * config may name commands git would run (`core.fsmonitor` runs on every `git status`; hooks), and
 * whoever can write `.git/config` must not get code run inside an export that holds the signing key.
 * So the fsmonitor is switched off and hooks point nowhere, and git's environment carries none of
 * auditpack's own settings (the signing key's path, S3 credentials): only what git needs.
 */
function gitClient(workTree: string, timeoutMs: number, extra: Partial<SimpleGitOptions> = {}) {
  const git = simpleGit({
    baseDir: workTree,
    timeout: { block: timeoutMs },
    maxConcurrentProcesses: 1,
    // Setting these two to safe values is what simple-git's guard asks to be allowed explicitly.
    config: ['core.fsmonitor=false', 'core.hooksPath=/dev/null'],
    unsafe: { allowUnsafeFsMonitor: true, allowUnsafeHooksPath: true },
    ...extra,
  });
  return git.env(gitEnvironment(process.env));
}

/**
 * The environment git runs with: only what git needs to find itself, its user's config (HOME,
 * XDG_CONFIG_HOME: `safe.directory` lives there) and the locale; none of auditpack's own settings
 * (the signing key's path, S3 credentials). simple-git refuses a given environment that names an
 * editor, a pager or GIT_* variables, so the list is an allow-list. Exported for tests.
 */
export function gitEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && /^(PATH|HOME|USER|LOGNAME|TMPDIR|TZ|LANG|LC_[A-Z]+|XDG_CONFIG_HOME|SYSTEMROOT)$/.test(k))
      out[k] = v;
  return out;
}

/** Runs `git status` in the work tree. Throws GIT_FAILED. */
export async function readGitStatus(workTree: string, timeoutMs: number): Promise<GitStatus> {
  let out: string;
  try {
    const git = gitClient(workTree, timeoutMs);
    // --no-optional-locks: a read-only observer must not take index.lock from the user's own git.
    out = await git.raw([
      '--no-optional-locks',
      'status',
      '--porcelain=v2',
      '--branch',
      '-z',
      '--untracked-files=normal',
    ]);
  } catch (err) {
    throw gitFailed('git status', err);
  }
  return parseStatusV2(out);
}

/** Parses `git status --porcelain=v2 --branch -z`. Exported for tests. */
export function parseStatusV2(out: string): GitStatus {
  const tokens = out.split('\0');
  let commit: string | null = null;
  let branch: string | null = null;
  let dirty = false;
  const changed = new Set<string>();
  const untracked: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === '') continue;
    const kind = t[0];
    if (kind === '#') {
      const [, key, value] = /^# (\S+) (.*)$/.exec(t) ?? [];
      if (key === 'branch.oid') commit = value === '(initial)' || value === undefined ? null : value;
      else if (key === 'branch.head') branch = value === '(detached)' || value === undefined ? null : value;
    } else if (kind === '1') {
      dirty = true;
      changed.add(fieldsThenPath(t, 8));
    } else if (kind === '2') {
      dirty = true;
      changed.add(fieldsThenPath(t, 9));
      i++; // the original path follows as its own token
    } else if (kind === 'u') {
      dirty = true;
      changed.add(fieldsThenPath(t, 10));
    } else if (kind === '?') {
      untracked.push(t.slice(2));
    }
  }
  return { facts: { commit, branch, dirty }, changed, untracked };
}

/** The path after `n` space-separated fields (the path itself may hold spaces). */
function fieldsThenPath(entry: string, n: number): string {
  let at = 0;
  for (let k = 0; k < n; k++) at = entry.indexOf(' ', at) + 1;
  return entry.slice(at);
}

/** True if a repository-relative path is untracked (itself, or under an untracked directory). */
export function isUntracked(status: GitStatus, repoPath: string): boolean {
  for (const u of status.untracked) {
    if (u === repoPath || (u.endsWith('/') && repoPath.startsWith(u))) return true;
  }
  return false;
}

/**
 * HEAD's version of each path, in one `git cat-file --batch`. A path not in HEAD is absent from
 * the result. Throws GIT_FAILED.
 */
export async function readHeadBlobs(
  workTree: string,
  repoPaths: readonly string[],
  timeoutMs: number,
): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  // A name with a newline cannot be asked for on a batch line; such a file gets no HEAD diff.
  const asked = repoPaths.filter((p) => !p.includes('\n'));
  if (asked.length === 0) return result;
  const input = asked.map((p) => `HEAD:${p}\n`).join('');
  let out: Buffer;
  try {
    const git = gitClient(workTree, timeoutMs, {
      input: (commands: readonly string[]) => (commands.includes('--batch') ? input : undefined),
    });
    out = (await git.binaryCatFile(['--batch'])) as Buffer;
  } catch (err) {
    throw gitFailed('git cat-file', err);
  }
  // Each answer: "<oid> <type> <size>\n<content>\n", or "<name> missing\n" / "… ambiguous\n".
  let at = 0;
  for (const p of asked) {
    const nl = out.indexOf(10, at);
    if (nl === -1) throw new AuditpackError('GIT_FAILED', 'git cat-file: output ended early');
    const header = out.subarray(at, nl).toString('utf8');
    at = nl + 1;
    const m = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
    if (!m) continue; // missing, ambiguous: not in HEAD
    const size = Number(m[2]);
    if (at + size > out.length) throw new AuditpackError('GIT_FAILED', 'git cat-file: output ended early');
    if (m[1] === 'blob') result.set(p, out.subarray(at, at + size));
    at += size + 1;
  }
  return result;
}
