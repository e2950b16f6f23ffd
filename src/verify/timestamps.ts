/**
 * Checking RFC 3161 time-stamp tokens (docs/FORMAT.md, "Time-stamp tokens"): a pack's token over
 * its tag manifest, and the chain anchors (`system`/`Anchored` events) in a log.
 *
 * The token itself is checked by src/anchor/token.ts (imprint, TSA signature, timeStamping EKU,
 * path to a `--tsa-ca` anchor). Here: that it covers the right bytes, that its time fits what it
 * covers, and — for chain anchors — that the head it names is this chain's line, and that anchors
 * keep the rhythm the configuration asks for, which is what shows a cut tail: the anchors that
 * stood after the cut are missing, and no TSA will date new ones in the past.
 */
import type { X509Certificate } from 'node:crypto';
import { PACK_TOKEN_COVERS, PACK_TOKEN_FILE, PACK_TSA_CERTS_FILE } from '../format/anchor.js';
import {
  certificatesToPem,
  MAX_TOKEN_BYTES,
  parsePemCertificates,
  verifyTimestamp,
  type TimestampVerification,
} from '../anchor/token.js';
import type { Findings } from './report.js';
import type { PackToken } from './stamp-record.js';

/** What a verifier is told about time-stamp tokens. */
export interface TimestampCheckOptions {
  /** Trust anchors for TSA certificates (`--tsa-ca`). Without them a token's maker is not checked (info finding). */
  readonly tsaCa?: readonly X509Certificate[] | undefined;
  /** A pack without a token is an error (`--require-timestamp`); one whose TSA was not checked, a warning. */
  readonly requireTimestamp?: boolean | undefined;
  /**
   * Where `tsaCa` was read from when nobody named it (the config file's `tsa.ca`): a file a forger
   * may write, so verifyPath reports it (TSA_CA_UNPINNED) when a token was checked against it.
   */
  readonly tsaCaUnpinned?: string | undefined;
  /** Chain anchors are expected at least this often (ms); a longer stretch without one is LOG_ANCHOR_GAP. */
  readonly anchorIntervalMs?: number | undefined;
  /** The first UTC day (`YYYY-MM-DD`) anchors are expected on; earlier days are not held to the rhythm. */
  readonly anchorsSince?: string | undefined;
  /** Tolerance on top of the interval (default a quarter of it, at least a minute): cron jitter, a slow TSA. */
  readonly anchorGraceMs?: number | undefined;
  /** How far the TSA's clock and the log's may disagree (default 2 minutes). */
  readonly clockSlackMs?: number | undefined;
  /** The verifier's clock (epoch ms), for today's log; default Date.now. */
  readonly now?: (() => number) | undefined;
}

const DEFAULT_SLACK_MS = 2 * 60_000;
/**
 * A pack's token obtained this long after its day ended proves nothing about the pack before then:
 * worth an auditor's look (a back-filled export, a long TSA outage, or a pack rebuilt and re-stamped).
 */
const LATE_TOKEN_MS = 3 * 86_400_000;
const DAY_MS = 86_400_000;

export function slackOf(o: TimestampCheckOptions): number {
  return o.clockSlackMs ?? DEFAULT_SLACK_MS;
}

export function reportVerification(v: TimestampVerification, f: Findings, file: string, what: string): boolean {
  for (const p of v.problems) f.add(p.code, 'error', file, `${what}: ${p.message}`);
  return v.problems.length === 0;
}

/**
 * A pack's token: present (or required), over the bytes of tagmanifest-sha256.txt, valid, and dated
 * after the pack was made and no earlier than the exported day. Returns the token's time and serial
 * when one was there (undefined fields: not parsed), undefined when there was none.
 */
export async function judgePackTimestamp(
  tags: ReadonlyMap<string, Buffer | 'too-large'>,
  options: TimestampCheckOptions,
  f: Findings,
  info: { readonly exportDate: string | undefined; readonly createdAt: string | undefined },
): Promise<PackToken | undefined> {
  const none: PackToken = { tsaTime: undefined, tsaSerial: undefined };
  const token = tags.get(PACK_TOKEN_FILE);
  if (token === undefined && tags.has(PACK_TSA_CERTS_FILE))
    f.add(
      'PACK_FILE_UNEXPECTED',
      'error',
      PACK_TSA_CERTS_FILE,
      'the certificates of a time-stamp token, but the pack holds no token: bytes no manifest, signature or token covers',
    );
  if (token === undefined) {
    if (options.requireTimestamp === true)
      f.add(
        'TIMESTAMP_MISSING',
        'error',
        PACK_TOKEN_FILE,
        `no time-stamp token over ${PACK_TOKEN_COVERS}, and one is required (add it with \`auditpack anchor --pack\`)`,
      );
    return undefined;
  }
  if (token === 'too-large') {
    f.add(
      'TIMESTAMP_MALFORMED',
      'error',
      PACK_TOKEN_FILE,
      `larger than ${MAX_TOKEN_BYTES} bytes: not a time-stamp response`,
    );
    return none;
  }
  const data = tags.get(PACK_TOKEN_COVERS);
  if (!Buffer.isBuffer(data)) {
    f.add('TIMESTAMP_MALFORMED', 'error', PACK_TOKEN_FILE, `there is no readable ${PACK_TOKEN_COVERS} for it to cover`);
    return none;
  }
  const untrusted = certsOf(tags.get(PACK_TSA_CERTS_FILE), f);
  const v = await verifyTimestamp(token, { data, trustAnchors: options.tsaCa, untrusted });
  if (!reportVerification(v, f, PACK_TOKEN_FILE, `token over ${PACK_TOKEN_COVERS}`) || v.facts === undefined)
    return none;
  if (!v.chainChecked) {
    // Asked for a token (--require-timestamp): one by an unchecked TSA proves no time, since anyone
    // can run a TSA that dates a token in the past; then it is a warning, as for --anchor-interval.
    const asked = options.requireTimestamp === true;
    f.add(
      'TIMESTAMP_NOT_CHECKED',
      asked ? 'warning' : 'info',
      PACK_TOKEN_FILE,
      `a valid token by "${v.facts.signer ?? '?'}" at ${v.facts.genTime.toISOString()}, but no trusted TSA certificate (--tsa-ca) was given: who made it was not checked${asked ? ', so the token required rests on a TSA anyone could have run and back-dated' : ''}`,
    );
  }
  const read: PackToken = { tsaTime: v.facts.genTime.toISOString(), tsaSerial: v.facts.serial };
  const t = v.facts.genTime.getTime();
  const slack = slackOf(options);
  const dayStart = info.exportDate === undefined ? Number.NaN : Date.parse(`${info.exportDate}T00:00:00Z`);
  const created = info.createdAt === undefined ? Number.NaN : Date.parse(info.createdAt);
  const now = (options.now ?? Date.now)();
  if (t + slack < dayStart)
    f.add(
      'TIMESTAMP_TIME_INCONSISTENT',
      'error',
      PACK_TOKEN_FILE,
      `token time ${v.facts.genTime.toISOString()} is before the exported day ${info.exportDate ?? ''} began`,
    );
  else if (t + slack < created)
    f.add(
      'TIMESTAMP_TIME_INCONSISTENT',
      'error',
      PACK_TOKEN_FILE,
      `token time ${v.facts.genTime.toISOString()} is before the pack was made (${info.createdAt ?? ''}): it cannot be over this tag manifest`,
    );
  if (t - slack > now)
    f.add(
      'TIMESTAMP_TIME_INCONSISTENT',
      'warning',
      PACK_TOKEN_FILE,
      `token time ${v.facts.genTime.toISOString()} is in the future (a wrong TSA or local clock)`,
    );
  else if (t - (dayStart + DAY_MS) > LATE_TOKEN_MS) {
    const days = Math.floor((t - (dayStart + DAY_MS)) / DAY_MS);
    f.add(
      'TIMESTAMP_LATE',
      'warning',
      PACK_TOKEN_FILE,
      `token time ${v.facts.genTime.toISOString()} is ${days} days after ${info.exportDate ?? 'the day'} ended: it proves the pack existed then, not earlier (a back-filled export, a long TSA outage, or a pack rebuilt and re-stamped)`,
    );
  }
  return read;
}

function certsOf(pem: Buffer | 'too-large' | undefined, f: Findings): X509Certificate[] {
  if (pem === undefined) return [];
  // This file is listed nowhere: whatever it holds beyond the certificate blocks export writes is
  // bytes no manifest, signature or token covers, so anything else is an error, never a note (at62 F8).
  const unexpected = (why: string): void => {
    f.add('PACK_FILE_UNEXPECTED', 'error', PACK_TSA_CERTS_FILE, `${why}: bytes no manifest, signature or token covers`);
  };
  if (pem === 'too-large') {
    unexpected('larger than the certificates of a token can be (256 KiB); not read');
    return [];
  }
  const text = pem.toString('latin1');
  try {
    const certs = parsePemCertificates(text);
    // Nothing but the blocks export writes (each certificate's DER in 64-column base64): any other
    // byte in this unlisted file would be covered by no check.
    if (certs.length === 0 || certificatesToPem(certs.map((c) => c.raw)) !== text)
      unexpected('holds more than PEM certificate blocks as export writes them');
    return certs;
  } catch (err) {
    unexpected(`not PEM certificates (${err instanceof Error ? err.message : String(err)}); not used`);
    return [];
  }
}

/** manifest.json's `created_at`, when it parses (its shape is judged elsewhere). */
export function peekCreatedAt(manifest: Buffer | 'too-large' | undefined): string | undefined {
  if (!Buffer.isBuffer(manifest)) return undefined;
  try {
    const v = (JSON.parse(manifest.toString('utf8')) as { created_at?: unknown }).created_at;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
