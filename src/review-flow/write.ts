/**
 * Writing review records: each line is chained as a `review` event first (durably), then appended
 * to the record and fsynced. A crash between the two leaves an event without its line, which
 * verify reports as a warning once the action is run again; never a line without its event,
 * which is what a forged line looks like.
 */
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { hashLine } from '../chain/index.js';
import { wrapFsError } from '../errors.js';
import { PACK_PATH } from '../format/pack.js';
import { REVIEW_CATEGORY, type ReviewLine, renderReviewLine, reviewedPagePath } from '../format/review.js';
import { recordWriterEvent } from '../logger/child.js';
import { createAuditLogger } from '../logger/index.js';
import { eventNameOf, readReviewRecord, renderReviewedPage, type ReviewRecord } from '../review/index.js';
import { readRegularFile } from '../fsx/digest.js';

/** Where and how lines are written. */
export interface WriteTarget {
  readonly artifactsDir: string;
  readonly logDir: string;
  /** Clock for the events (epoch µs), passed to the logger. */
  readonly loggerClock?: (() => number) | undefined;
}

/** The fields of a line's chained event (camelCase: the logger writes snake_case). */
function eventFields(line: ReviewLine, lineSha: string): Record<string, unknown> {
  const base = {
    date: line.pack_date,
    manifestSha256: line.manifest_sha256,
    recordSeq: line.seq,
    recordSha256: lineSha,
  };
  if (line.kind === 'disposition')
    return {
      ...base,
      findingId: line.finding_id,
      disposition: line.disposition,
      reviewer: line.reviewer,
      reviewDate: line.review_date,
      reason: line.reason,
    };
  return { ...base, from: line.from, to: line.to, reason: line.reason };
}

/**
 * Appends lines (already linked to `record.head` and to each other) to the record: for each, its
 * event durably in the chain, then the line, fsynced. Throws on the first failure; what was
 * written before it stays, consistent.
 */
export async function appendLines(t: WriteTarget, record: ReviewRecord, lines: readonly ReviewLine[]): Promise<void> {
  if (lines.length === 0) return;
  const path = join(t.artifactsDir, record.file);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw wrapFsError(err, 'create', dirname(path));
  }
  // The page goes first: a crash from here on leaves it missing (a warning), never stale (an error).
  rmSync(join(t.artifactsDir, reviewedPagePath(record.packDate, record.manifestSha256)), { force: true });
  const logger = createAuditLogger({
    logDir: t.logDir,
    handleExit: false,
    durability: 'durable',
    // The actor is the line's provenance: a field named `actor` would be renamed (reserved).
    actor: lines[0]?.actor,
    ...(t.loggerClock ? { clock: t.loggerClock } : {}),
  });
  try {
    for (const line of lines) {
      if (line.actor !== lines[0]?.actor) throw new Error('one actor per append');
      const text = renderReviewLine(line);
      // A reserved event (a caller's of this name is renamed): only the workflow's line claims one.
      await recordWriterEvent(logger, REVIEW_CATEGORY, eventNameOf(line), eventFields(line, hashLine(text)));
      appendDurably(path, `${text}\n`);
    }
  } finally {
    await logger.close();
  }
  try {
    await refreshPage(t.artifactsDir, record);
  } catch {
    // The action is recorded; the page is only a rendering. Verify says it is missing.
  }
}

/**
 * Renders the reviewed page again from the pack's report.html and the record as it now stands.
 * A pack without a page (made before the compliance files) gets none.
 */
async function refreshPage(artifactsDir: string, before: ReviewRecord): Promise<void> {
  const record = await readReviewRecord(artifactsDir, before.packDate, before.manifestSha256);
  if (record === undefined) return;
  let html: string;
  try {
    html = readRegularFile(join(artifactsDir, before.packDate, PACK_PATH.reportHtml), 'utf8');
  } catch {
    return;
  }
  const page = renderReviewedPage(html, record);
  if (page !== undefined)
    writeFileDurably(join(artifactsDir, reviewedPagePath(record.packDate, record.manifestSha256)), page);
}

function appendDurably(path: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a', 0o644);
    const size = fstatSync(fd).size;
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } catch (err) {
      // A partial line (a full disk) would make the record unreadable: take it back.
      ftruncateSync(fd, size);
      throw err;
    }
  } catch (err) {
    throw wrapFsError(err, 'write', path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  fsyncDir(dirname(path));
}

/** Writes a whole file atomically (temp file, fsync, rename, fsync the directory). */
export function writeFileDurably(path: string, bytes: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(tmp, 'w', 0o644);
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw wrapFsError(err, 'write', path);
  }
  fsyncDir(dirname(path));
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse a directory fsync; the data itself was fsynced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
