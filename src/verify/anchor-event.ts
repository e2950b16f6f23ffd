/**
 * One `system`/`Anchored` event line read (docs/FORMAT.md, "Time-stamp tokens"): its fields, and its
 * readable copies of the token's time and serial held to the token.
 */
import { MAX_TOKEN_BYTES } from '../anchor/token.js';
import { isHashHex } from '../chain/index.js';
import { ANCHOR_CATEGORY, ANCHOR_EVENT } from '../format/anchor.js';

/** A readable copy the event does not hold (events of every version hold both, but an absent one misleads no reader). */
const ABSENT = Symbol('absent');

/** An Anchored event's fields, as read (attacker-controlled until its token is checked). */
export interface AnchorFields {
  readonly seq: number;
  readonly isoTs: number;
  readonly prev: string;
  readonly headSeq: number;
  readonly headHash: string;
  readonly token: Buffer;
  /** The event's readable copies of the token's genTime and serial ('absent' when not written). */
  readonly tsaTime: unknown;
  readonly tsaSerial: unknown;
}

/** An Anchored event line's fields, or why it is not one. */
export function parseAnchor(bytes: Buffer): AnchorFields | string {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'not JSON';
  }
  if (v === null || typeof v !== 'object' || v.category !== ANCHOR_CATEGORY || v.event !== ANCHOR_EVENT)
    return 'not an Anchored event';
  const { seq, iso_ts: iso, prev, head_seq: headSeq, head_hash: headHash, tsa_response: token } = v;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return 'no seq';
  if (typeof headSeq !== 'number' || !Number.isSafeInteger(headSeq) || headSeq < 1)
    return 'head_seq is not a positive integer';
  if (!isHashHex(headHash)) return 'head_hash is not 64 lowercase hex digits';
  if (
    typeof token !== 'string' ||
    token.length > (MAX_TOKEN_BYTES * 4) / 3 + 4 ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test(token)
  )
    return 'tsa_response is not base64 of a token';
  const isoTs = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  return {
    seq,
    isoTs,
    prev: typeof prev === 'string' ? prev : '',
    headSeq,
    headHash,
    token: Buffer.from(token, 'base64'),
    tsaTime: 'tsa_time' in v ? v.tsa_time : ABSENT,
    tsaSerial: 'tsa_serial' in v ? v.tsa_serial : ABSENT,
  };
}

/**
 * The event's `tsa_time` and `tsa_serial` are what a reader of the log (or of `tail`) sees of the
 * token: each, when written, must be the token's own genTime (ISO, ms) and serial, as a pack token's
 * recording events must (docs/FORMAT.md, "Checking tokens"). Otherwise the log shows a time the TSA
 * never signed.
 */
export function judgeReadableCopies(p: AnchorFields, facts: { genTime: Date; serial: string }, what: string): string[] {
  const out: string[] = [];
  const time = facts.genTime.toISOString();
  if (p.tsaTime !== ABSENT && p.tsaTime !== time)
    out.push(
      `${what}: the event's tsa_time is ${JSON.stringify(p.tsaTime)?.slice(0, 60)}, its token's genTime ${time}`,
    );
  if (p.tsaSerial !== ABSENT && p.tsaSerial !== facts.serial)
    out.push(
      `${what}: the event's tsa_serial is ${JSON.stringify(p.tsaSerial)?.slice(0, 60)}, its token's serial ${facts.serial}`,
    );
  return out;
}
