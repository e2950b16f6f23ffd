/**
 * The diff of each config file with uncommitted changes against git HEAD, both sides redacted,
 * reusing the previous snapshot's diff where the file's bytes and HEAD are unchanged.
 */
import { isAbsolute, join, relative, sep } from 'node:path';
import { AuditpackError, isAuditpackError } from '../errors.js';
import { configFormatOf, redactConfigText } from '../redaction/config-text.js';
import { type GitStatus, isUntracked, readHeadBlobs } from './git.js';
import { type ScanContext, type Scanned, decodeText, isBinary } from './scan.js';
import { diffSides, loadSides, type Side } from './sides.js';
import { sha256Hex } from './store.js';
import type { ConfigSnapshot } from './types.js';
import { splitDiffSections } from './unified-diff.js';

/** A git failure as GIT_FAILED (the snapshot records it and goes on without git facts). */
export function asGitError(err: unknown): AuditpackError {
  if (isAuditpackError(err, 'GIT_FAILED')) return err;
  return new AuditpackError('GIT_FAILED', `git failed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

/**
 * Diffs of config files with uncommitted changes against HEAD (redacted both sides). Fills
 * `diffs` and `changes`; resolves true if HEAD content had secrets replaced. Throws GIT_FAILED.
 */
export async function diffAgainstHead(
  workTree: string,
  cwdReal: string,
  status: GitStatus,
  scanned: readonly Scanned[],
  ctx: ScanContext,
  timeoutMs: number,
  diffs: Map<string, string>,
  changes: string[],
  previous: ConfigSnapshot | undefined,
  rules: string,
): Promise<boolean> {
  const headLabel = `git HEAD ${status.facts.commit ?? '(no commits)'}`;
  // The previous snapshot's diff against the same HEAD, for a file whose bytes have not changed
  // since, is this snapshot's too: reuse it rather than ask git and diff again (a file edited
  // in place and never committed would otherwise cost the same work at every snapshot).
  const reusable =
    previous !== undefined &&
    previous.redaction?.rules === rules &&
    previous.git?.commit === status.facts.commit &&
    status.facts.commit !== null
      ? previous
      : undefined;
  const candidates: { s: Scanned; repoPath: string; untracked: boolean }[] = [];
  let redacted = false;
  for (const s of scanned) {
    const rel = relative(workTree, isAbsolute(s.source) ? s.source : join(cwdReal, s.source));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    const repoPath = rel.split(sep).join('/');
    const untracked = isUntracked(status, repoPath);
    if (!untracked && !status.changed.has(repoPath)) continue;
    const before = reusable && Object.hasOwn(reusable.files, s.path) ? reusable.files[s.path] : undefined;
    if (before && (before.hash === s.entry.hash || before.hash === s.rawHash)) {
      const old = Object.hasOwn(reusable!.diffs, s.path) ? reusable!.diffs[s.path] : undefined;
      const section = old === undefined ? undefined : splitDiffSections(old)?.find((d) => d.aLabel === headLabel);
      if (section) {
        diffs.set(s.path, section.text);
        changes.push(s.path);
        // Conservative: a reused text holding the censor counts as redacted.
        redacted ||= section.text.includes(ctx.redactor.censor);
        continue;
      }
      if (!reusable!.head_changes.includes(s.path)) continue; // it had no HEAD diff then: none now
    }
    candidates.push({ s, repoPath, untracked });
  }
  if (candidates.length === 0) return redacted;
  // HEAD's copy is fetched only where a content diff can be shown: not for a working file over
  // the size limit (its diff is a note), so a huge tracked file is never pulled into memory.
  const tracked = candidates.filter((c) => !c.untracked && !c.s.entry.too_large).map((c) => c.repoPath);
  const blobs =
    tracked.length > 0 && status.facts.commit !== null
      ? await readHeadBlobs(workTree, tracked, timeoutMs)
      : new Map<string, Buffer>();
  const current = await loadSides(
    ctx.snapshotDir,
    { files: Object.fromEntries(candidates.map((c) => [c.s.path, c.s.entry])) },
    candidates.filter((c) => c.s.storedText === undefined).map((c) => c.s.path),
  );
  for (const c of candidates)
    if (c.s.storedText !== undefined) current.set(c.s.path, { kind: 'text', text: c.s.storedText });
  for (const c of candidates) {
    const blob = blobs.get(c.repoPath);
    let headSide: Side | null = null;
    if (c.s.entry.too_large && !c.untracked) {
      headSide = { kind: 'unavailable', reason: 'HEAD version not read: the working file is over the size limit' };
    } else if (blob !== undefined) {
      if (blob.length > ctx.maxFileBytes) headSide = { kind: 'too_large', hash: sha256Hex(blob), size: blob.length };
      else if (isBinary(blob)) headSide = { kind: 'binary' };
      else {
        const red = redactConfigText(decodeText(blob).text, configFormatOf(c.s.source), ctx.redactor);
        redacted ||= red.redacted;
        headSide = { kind: 'text', text: red.text };
      }
    }
    const cur = current.get(c.s.path) as Side;
    // Same bytes as HEAD (a mode change, or staged then restored): no content diff to show.
    if (blob !== undefined && sha256Hex(blob) === c.s.rawHash) continue;
    const text = diffSides(c.s.path, headSide, cur, headLabel, 'working tree');
    if (text !== '') {
      diffs.set(c.s.path, text);
      changes.push(c.s.path);
    }
  }
  return redacted;
}
