/**
 * `anchorLog`: time-stamps the current chain head and records the token in the chain as a
 * `system`/`Anchored` event (docs/FORMAT.md, "Chain anchors"). Run from cron (hourly, say): every
 * line up to the head is then fixed as of the token's time, and the anchors' regular rhythm is what
 * lets a verifier see a cut tail (the anchors after the cut are missing).
 *
 * The TSA is asked without holding the log's lock (a slow TSA must never stall the writers), so
 * other events may land between the head and the Anchored event; the event names its head by seq
 * and hash. When the TSA fails, an `AnchorFailed` event records it, so the gap it leaves in the
 * anchors is explained in the chain itself.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { createAuditLogger } from '../logger/index.js';
import { recordWriterEvent } from '../logger/child.js';
import { readTail } from '../logger/day-file.js';
import { dayOfLogFileName, logFileName } from '../rotation/index.js';
import { ANCHOR_CATEGORY, ANCHOR_EVENT, ANCHOR_FAILED_EVENT, anchorStatement } from '../format/anchor.js';
import type { TsaOptions } from './pack.js';
import { requestTimestamp, shownUrl } from './tsa-client.js';

/** Options of anchorLog. */
export interface AnchorLogOptions extends TsaOptions {
  /** The logs directory. */
  readonly logDir: string;
  /** Clock for the events (epoch µs), passed to the logger. */
  readonly loggerClock?: () => number;
}

/** What anchorLog did. */
export interface AnchorLogResult {
  readonly headSeq: number;
  readonly headHash: string;
  readonly genTime: Date;
}

/** The last complete line of the newest log file that has one: where the chain stands. */
export function readChainHead(logDir: string): { seq: number; hash: string } | undefined {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${logDir} does not exist`, {
        details: { path: logDir },
      });
    throw wrapFsError(err, 'read directory', logDir);
  }
  const days = names
    .map((n) => dayOfLogFileName(n))
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => b - a);
  for (const day of days) {
    const path = join(logDir, logFileName(day));
    let tail: ReturnType<typeof readTail>;
    try {
      tail = readTail(path);
    } catch (err) {
      throw wrapFsError(err, 'read', path);
    }
    if (!Number.isNaN(tail.lastSeq) && tail.size > 0 && tail.lastSeq > 0)
      return { seq: tail.lastSeq, hash: tail.lastHash };
  }
  return undefined;
}

/**
 * Anchors the chain head in `logDir`. Throws TSA_FAILED (after logging `AnchorFailed`) when the
 * TSA does not answer or its answer does not check; USAGE when the log is empty.
 */
export async function anchorLog(options: AnchorLogOptions): Promise<AnchorLogResult> {
  const head = readChainHead(options.logDir);
  if (head === undefined)
    throw new AuditpackError('USAGE', `the log in ${options.logDir} has no events yet: nothing to anchor`, {
      details: { path: options.logDir },
    });
  // Redaction off: these fields are ours and the token's base64 must stay byte for byte whatever a
  // secret-shape pattern might see in it. The URL is recorded as shownUrl gives it (no credentials,
  // query or fragment; secret shapes in its path redacted), and the error text is built from that.
  const logger = createAuditLogger({
    logDir: options.logDir,
    handleExit: false,
    durability: 'durable',
    redaction: false,
    ...(options.loggerClock ? { clock: options.loggerClock } : {}),
  });
  try {
    let granted;
    try {
      granted = await requestTimestamp({
        url: options.url,
        data: anchorStatement(head.seq, head.hash),
        timeoutMs: options.timeoutMs,
        trustAnchors: options.trustAnchors,
      });
    } catch (err) {
      if (err instanceof AuditpackError && err.code === 'TSA_FAILED') {
        await recordWriterEvent(logger, ANCHOR_CATEGORY, ANCHOR_FAILED_EVENT, {
          head_seq: head.seq,
          head_hash: head.hash,
          tsa_url: redactUrl(options.url),
          error: err.message,
        });
      }
      throw err;
    }
    await recordWriterEvent(logger, ANCHOR_CATEGORY, ANCHOR_EVENT, {
      head_seq: head.seq,
      head_hash: head.hash,
      tsa_url: redactUrl(options.url),
      tsa_time: granted.facts.genTime.toISOString(),
      tsa_serial: granted.facts.serial,
      tsa_response: granted.response.toString('base64'),
    });
    return { headSeq: head.seq, headHash: head.hash, genTime: granted.facts.genTime };
  } finally {
    await logger.close();
  }
}

/** The TSA URL as it may be recorded: origin and path, secret shapes redacted (tsa-client.ts). */
function redactUrl(url: string): string {
  try {
    return shownUrl(new URL(url));
  } catch {
    return '[invalid URL]';
  }
}
