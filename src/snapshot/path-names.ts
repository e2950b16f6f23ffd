/**
 * The name a config file is recorded under. A path is text an operator chose, and sometimes a
 * secret is in it (`configs/token=sk_live_…/app.yaml`, `configs/AKIA….json`). A record's path is
 * copied into its diffs' headers, the ConfigSnapshot event, packs and the CLI's output, so a path
 * the redactor would change is recorded under a placeholder instead:
 * `[REDACTED-PATH:hmac-sha256:<16 hex>]`, the first 16 hex digits of HMAC-SHA256 (RFC 2104) under
 * the store's key (keyed-hash.ts) of a domain tag and the path's UTF-8 bytes. Keyed, so a guess of
 * the secret cannot be tested against the name; by the store's key, so the same path has the same
 * name in every snapshot of the store (diffs between snapshots still pair it up) and two paths have
 * two names. The tag keeps a path's name apart from the keyed hash of a file holding those bytes.
 * The file itself is still read, hashed, redacted and stored like any other.
 */
import { createHmac } from 'node:crypto';
import type { Redactor } from '../redaction/index.js';
import type { SnapshotKey } from './keyed-hash.js';
import type { ConfigSnapshot, SnapshotFileEntry } from './types.js';

/** What a placeholder name starts with. */
export const REDACTED_PATH_PREFIX = '[REDACTED-PATH:hmac-sha256:';

/** Hex digits of the HMAC a placeholder keeps: 64 bits, so two paths of one store never share one. */
const NAME_HEX = 16;

/** HMAC input before the path: a path's name is never the keyed hash of a file's bytes. */
const DOMAIN_TAG = 'auditpack.config-path/1\0';

/** The placeholder name of `path` under `key`. */
export function redactedPathName(path: string, key: SnapshotKey): string {
  const mac = createHmac('sha256', key.bytes())
    .update(DOMAIN_TAG + path, 'utf8')
    .digest('hex');
  return `${REDACTED_PATH_PREFIX}${mac.slice(0, NAME_HEX)}]`;
}

/**
 * The name `path` is recorded under: itself, or its placeholder when the redactor would change it
 * (never when redaction is off). Marks a fresh key used, so it is written and names stay stable.
 */
export function recordedPathOf(path: string, redactor: Redactor, key: SnapshotKey): string {
  if (!redactor.enabled || redactor.redactString(path) === path) return path;
  key.markUsed();
  return redactedPathName(path, key);
}

/** What a redacted branch name starts with. */
export const REDACTED_BRANCH_PREFIX = '[REDACTED-BRANCH:hmac-sha256:';

/** HMAC input before a branch name: its name is never a path's or a file's keyed hash. */
const BRANCH_TAG = 'auditpack.git-branch/1\0';

/**
 * The name a git branch is recorded under (record.git.branch): itself, or, when the redactor would
 * change it (`deploy/token=ghp_…`), `[REDACTED-BRANCH:hmac-sha256:<16 hex>]` on the same terms as a
 * path's placeholder: keyed by the store's key, so one branch has one name in every snapshot.
 */
export function recordedBranchOf(branch: string | null, redactor: Redactor, key: SnapshotKey): string | null {
  if (branch === null || !redactor.enabled || redactor.redactString(branch) === branch) return branch;
  key.markUsed();
  const mac = createHmac('sha256', key.bytes())
    .update(BRANCH_TAG + branch, 'utf8')
    .digest('hex');
  return `${REDACTED_BRANCH_PREFIX}${mac.slice(0, NAME_HEX)}]`;
}

/**
 * An error message from the file system about `path` (`abs` on disk), with the path given under
 * its recorded name and anything else the redactor finds replaced.
 */
export function scrubPathMessage(message: string, abs: string, path: string, name: string, redactor: Redactor): string {
  const named = name === path ? message : message.split(abs).join(name).split(path).join(name);
  return redactor.redactString(named);
}

/**
 * A stored record with each file name as a snapshot taken now would record it (recordedPathOf):
 * the same record when no name changes.
 */
export function withRecordedNames(record: ConfigSnapshot, redactor: Redactor, key: SnapshotKey): ConfigSnapshot {
  const names = Object.keys(record.files);
  if (names.every((p) => recordedPathOf(p, redactor, key) === p)) return record;
  // Keyed by paths: a null prototype, so a file named "__proto__" is a key like any other.
  const files: Record<string, SnapshotFileEntry> = Object.create(null);
  for (const p of names) files[recordedPathOf(p, redactor, key)] = record.files[p] as SnapshotFileEntry;
  return { ...record, files };
}
