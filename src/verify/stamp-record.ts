/**
 * A pack version's recorded time-stamp as verify reads it from the chain (a `system`/`PackTimestamped`
 * event, or a time-stamped `PackExported`), and the token a pack holds. The judging is in
 * stamp-events.ts; these are apart so the readers of the chain and the pack report need not import it.
 */
import type { ScannedLine } from '../chain/lines.js';
import { STAMP_EVENT } from '../format/pack.js';

/** A recorded time-stamp of a pack version. */
export interface StampEvent {
  readonly event: 'PackTimestamped' | 'PackExported';
  readonly manifestSha256: string;
  /** The token's time (ISO) and serial (hex) as recorded; undefined: not recorded (an older export). */
  readonly tsaTime: string | undefined;
  readonly tsaSerial: string | undefined;
  /** Where it is: the log (a pack's, or a live file) and its seq. */
  readonly where: string;
  readonly seq: number;
  /** The day of the log it is in, when known: with `seq`, its place in the chain. */
  readonly logDay?: string;
}

/** What verify read of the token a pack holds (undefined fields: it could not be parsed). */
export interface PackToken {
  readonly tsaTime: string | undefined;
  readonly tsaSerial: string | undefined;
}

const MARK = Buffer.from(JSON.stringify(STAMP_EVENT.event), 'latin1');

/** The PackTimestamped event a line holds, or undefined. `category`: as pruneEventOf's. */
export function stampEventOf(l: ScannedLine, where: string, category?: string): StampEvent | undefined {
  if (category !== undefined && category !== STAMP_EVENT.category) return undefined;
  const b = l.bytes;
  if (b === undefined || !l.terminated || b.indexOf(MARK) === -1) return undefined;
  let o: Record<string, unknown> | null;
  try {
    o = JSON.parse(b.toString('utf8')) as Record<string, unknown> | null;
  } catch {
    return undefined; // not an event: `verify logs` reports the line
  }
  if (o === null || typeof o !== 'object' || o.category !== STAMP_EVENT.category || o.event !== STAMP_EVENT.event)
    return undefined;
  if (typeof o.manifest_sha256 !== 'string' || typeof o.seq !== 'number') return undefined;
  return {
    event: 'PackTimestamped',
    manifestSha256: o.manifest_sha256,
    tsaTime: typeof o.tsa_time === 'string' ? o.tsa_time : undefined,
    tsaSerial: typeof o.tsa_serial === 'string' ? o.tsa_serial : undefined,
    where,
    seq: o.seq,
  };
}
