/**
 * Assembles a prepared event into its final line once its place in the chain is known.
 * Field order: ts, iso_ts, seq, [late], category, event, fields…, [actor], [redacted], [validation],
 * host, pid, prev — `prev` always last, so a checker can find it at a fixed offset from the end.
 */
import type { PreparedEvent } from './types.js';

/** The line's text without "\n". */
export function assembleLine(ev: PreparedEvent, seq: number, prev: string, late: boolean): string {
  return `${ev.head},"seq":${seq}${late ? ',"late":true' : ''},${ev.body},"prev":"${prev}"}`;
}
