/**
 * The retention events a log holds (docs/FORMAT.md "What a prune leaves behind"): each prune is a
 * `system`/`PackPruned` event in the chain, which the archive check holds against `pruned.jsonl`.
 * Found by a byte search per line, so a line that is not one costs one scan.
 */
import type { ScannedLine } from '../chain/lines.js';
import { PRUNE_EVENT } from '../format/pack.js';

/** A `PackPruned` event: which pack a prune removed. */
export interface PruneEvent {
  readonly date: string;
  readonly path: string;
  readonly manifestSha256: string | null;
  /** Where it is: the log (a pack's, or a live file) and its seq. */
  readonly where: string;
  readonly seq: number;
}

const MARK = Buffer.from(JSON.stringify(PRUNE_EVENT.event), 'latin1');
/** Events kept per log, at most (a prune removes a few packs a day). */
const MAX_EVENTS = 100_000;

/** Collects the PackPruned events of the lines pushed to it. */
export class PruneEventTap {
  readonly events: PruneEvent[] = [];
  constructor(private readonly where: string) {}

  /**
   * `category`: the line's category when the log check read it as an event (no repeated key, so
   * JSON.parse reads the same): a line of another category is not looked into.
   */
  push(l: ScannedLine, category?: string): void {
    if (category !== undefined && category !== PRUNE_EVENT.category) return;
    const b = l.bytes;
    if (b === undefined || !l.terminated || b.indexOf(MARK) === -1 || this.events.length >= MAX_EVENTS) return;
    let v: unknown;
    try {
      v = JSON.parse(b.toString('utf8'));
    } catch {
      return; // not an event: the log check reports the line
    }
    const o = v as Record<string, unknown> | null;
    if (o === null || typeof o !== 'object' || o.category !== PRUNE_EVENT.category || o.event !== PRUNE_EVENT.event)
      return;
    if (typeof o.date !== 'string' || typeof o.path !== 'string' || typeof o.seq !== 'number') return;
    const sha = typeof o.manifest_sha256 === 'string' ? o.manifest_sha256 : null;
    this.events.push({ date: o.date, path: o.path, manifestSha256: sha, where: this.where, seq: o.seq });
  }
}
