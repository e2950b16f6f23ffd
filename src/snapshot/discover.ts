/**
 * Config discovery with fast-glob: the patterns are relative to the snapshot's working
 * directory; `.git`, `node_modules` and auditpack's own output (the snapshot store, the logs) are
 * never picked up, whatever the patterns say, so a `**\/*.json` pattern cannot snapshot the
 * snapshots.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import { AuditpackError } from '../errors.js';
import { POLICY_CONFIG_PATH } from '../format/config-in-force-file.js';

/** Always skipped. */
const ALWAYS_IGNORED = ['**/.git/**', '**/node_modules/**'];

export interface DiscoverOptions {
  /** Absolute directory the patterns are relative to. */
  readonly cwd: string;
  readonly patterns: readonly string[];
  /** Absolute directories whose files are never config (the snapshot store, the log directory). */
  readonly exclude?: readonly string[];
}

/**
 * Paths of the matching regular files, relative to cwd with `/` separators, sorted by code unit.
 * A directory that cannot be read is an error naming it (SNAPSHOT_READ_FAILED).
 */
export async function discoverConfigFiles(options: DiscoverOptions): Promise<string[]> {
  const { cwd, patterns } = options;
  if (patterns.length === 0) throw new AuditpackError('USAGE', 'no config patterns given');
  for (const p of patterns) {
    if (typeof p !== 'string' || p.trim() === '')
      throw new AuditpackError('USAGE', `config pattern must be a non-empty string, got ${JSON.stringify(p)}`);
  }
  const ignore = [...ALWAYS_IGNORED];
  for (const dir of options.exclude ?? []) {
    const rel = relative(cwd, dir);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    ignore.push(`${fg.escapePath(rel.split(sep).join('/'))}/**`);
  }
  let found: string[];
  try {
    found = await fg([...patterns], {
      cwd,
      dot: true,
      onlyFiles: true,
      unique: true,
      followSymbolicLinks: true,
      ignore,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const path = e.path ?? cwd;
    throw new AuditpackError(
      'SNAPSHOT_READ_FAILED',
      `cannot read ${path} while looking for config files: ${e.message}`,
      {
        cause: err,
        details: { path, errno: e.code },
      },
    );
  }
  // Inside cwd: relative; outside (an absolute pattern): the absolute path, clearer than ../../.
  // One file, one key: fast-glob returns a pattern's `./` and `x/../` as written, so a relative
  // result is normalised (`./configs/a.yaml` and `configs/../configs/a.yaml` are `configs/a.yaml`),
  // and one that climbs out of cwd becomes the absolute path an absolute pattern records (at40 F2).
  const rel = found.map((f) => {
    const abs = isAbsolute(f) ? f : resolve(cwd, f);
    const r = relative(cwd, abs);
    return r.startsWith('..') || isAbsolute(r) ? abs.split(sep).join('/') : r.split(sep).join('/');
  });
  return [...new Set(rel)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `paths` (discovered for a full snapshot) with the compliance policy file added when it is a file
 * under `cwd` that the patterns left out. The policy is what every compliance report runs under: a
 * full snapshot leaving it out would end it (a full snapshot says what the whole config is), and the
 * reports would then run under the file on disk, which anyone who can write it may edit, with no
 * warning (at42). So the policy file is always config, whatever the patterns say.
 */
export async function withPolicyFile(cwd: string, paths: readonly string[]): Promise<string[]> {
  if (paths.includes(POLICY_CONFIG_PATH)) return [...paths];
  const s = await stat(resolve(cwd, POLICY_CONFIG_PATH)).catch(() => undefined);
  if (s?.isFile() !== true) return [...paths];
  return [...paths, POLICY_CONFIG_PATH].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
