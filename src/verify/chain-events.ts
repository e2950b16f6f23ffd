/**
 * The retention events a log holds (docs/FORMAT.md "What a prune leaves behind"): each prune is a
 * `system`/`PackPruned` event in the chain, which the archive check holds against `pruned.jsonl`.
 * Found by a byte search per line, so a line that is not one costs one scan. The taps put recovery
 * first (docs/FORMAT.md "Torn lines and recovery"): an event taken from a line that the next line
 * recovers is taken back (FragmentWatch), as the chain check takes it back.
 */
import type { ScannedLine } from '../chain/lines.js';
import { EXPORT_EVENT, EXPORT_EVENT_FIELD, PRUNE_EVENT } from '../format/pack.js';
import { FragmentWatch } from '../format/recovered-line.js';
import { type EventRoom, KeptLast } from '../review/index.js';
import type { Findings } from './report.js';
import { type StampEvent, stampEventOf } from './stamp-record.js';

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
/**
 * PackPruned and PackExported events kept of a pack's log, at most (a prune removes a few packs a
 * day), each; of all the packs of an archive together, both (verifyArchive shares one room among
 * their taps: a bound per pack would bound nothing). The live files share one budget of their own
 * (live-events.ts).
 */
export const MAX_PACK_CHAIN_EVENTS = 100_000;

/**
 * The PackPruned event a line holds, or undefined. `category`: the line's category when the log check
 * read it as an event (no repeated key, so JSON.parse reads the same): a line of another category is
 * not looked into.
 */
export function pruneEventOf(l: ScannedLine, where: string, category?: string): PruneEvent | undefined {
  if (category !== undefined && category !== PRUNE_EVENT.category) return undefined;
  const b = l.bytes;
  if (b === undefined || !l.terminated || b.indexOf(MARK) === -1) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(b.toString('utf8'));
  } catch {
    return undefined; // not an event: the log check reports the line
  }
  const o = v as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || o.category !== PRUNE_EVENT.category || o.event !== PRUNE_EVENT.event)
    return undefined;
  if (typeof o.date !== 'string' || typeof o.path !== 'string' || typeof o.seq !== 'number') return undefined;
  const sha = typeof o.manifest_sha256 === 'string' ? o.manifest_sha256 : null;
  return { date: o.date, path: o.path, manifestSha256: sha, where, seq: o.seq };
}

/**
 * Collects the PackPruned events of the lines pushed to it while `room` has any (one log's own:
 * MAX_PACK_CHAIN_EVENTS); the events past it are counted (`dropped`), not kept.
 */
export class PruneEventTap {
  readonly events: PruneEvent[] = [];
  dropped = 0;
  /** Set `watch.file` to the log's recovery file name (recoveryFileFor) before the first line. */
  readonly watch = new FragmentWatch();
  private readonly kept: KeptLast<PruneEvent>;
  constructor(
    private readonly where: string,
    room: EventRoom = { left: MAX_PACK_CHAIN_EVENTS },
  ) {
    this.kept = new KeptLast(room, this);
  }

  /** Every line of the log, in order. `category`: as pruneEventOf's. */
  push(l: ScannedLine, category?: string): void {
    if (this.watch.recovers(l)) this.kept.takeBack();
    const e = pruneEventOf(l, this.where, category);
    if (e === undefined) return;
    this.watch.hold(l);
    this.kept.add(this.events, e);
  }
}

/** A `PackExported` event: the pack an export made, as the chain recorded it. */
export interface ExportEvent {
  readonly date: string;
  readonly manifestSha256: string;
  readonly lastSeq: number | null | undefined;
  readonly endHash: string | null | undefined;
  /** Where it is: the log (a pack's, or a live file) and its seq. */
  readonly where: string;
  readonly seq: number;
  /** The day of the log it is in (`YYYY-MM-DD`), when known: with `seq`, its place in the chain. */
  readonly logDay?: string;
  /**
   * How many events of its day and manifest it stands for (default 1): of the live log, only the
   * first and the newest of each are kept (live-events.ts).
   */
  readonly count?: number;
  /** The event's `timestamped` (set when the export asked a TSA): true, the pack got a token. */
  readonly timestamped?: boolean;
  /** With `timestamped`: the token's time and serial, as the export recorded them (absent in older logs). */
  readonly tsaTime?: string;
  readonly tsaSerial?: string;
  /**
   * When the event has `supersedes_unrecorded: true`: the version it kept aside, which no export
   * event recorded (an export killed before its event, or a pack put there), and where it went.
   */
  readonly keptUnrecorded?: { readonly manifestSha256: string; readonly movedTo: string };
}

const EXPORT_MARK = Buffer.from(JSON.stringify(EXPORT_EVENT.event), 'latin1');

/** The PackExported event a line holds, or undefined. `category`: as pruneEventOf's. */
export function exportEventOf(l: ScannedLine, where: string, category?: string): ExportEvent | undefined {
  if (category !== undefined && category !== EXPORT_EVENT.category) return undefined;
  const b = l.bytes;
  if (b === undefined || !l.terminated || b.indexOf(EXPORT_MARK) === -1) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(b.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined; // not an event: `verify logs` reports the line
  }
  if (o === null || typeof o !== 'object' || o.category !== EXPORT_EVENT.category || o.event !== EXPORT_EVENT.event)
    return undefined;
  const F = EXPORT_EVENT_FIELD;
  const date = o[F.date];
  const sha = o[F.manifestSha256];
  if (typeof date !== 'string' || typeof sha !== 'string' || typeof o.seq !== 'number') return undefined;
  const last = o[F.lastSeq];
  const end = o[F.endHash];
  return {
    date,
    manifestSha256: sha,
    lastSeq: typeof last === 'number' || last === null ? last : undefined,
    endHash: typeof end === 'string' || end === null ? end : undefined,
    where,
    seq: o.seq,
    ...(o.timestamped === true ? { timestamped: true } : {}),
    ...(o.timestamped === true && typeof o.tsa_time === 'string' ? { tsaTime: o.tsa_time } : {}),
    ...(o.timestamped === true && typeof o.tsa_serial === 'string' ? { tsaSerial: o.tsa_serial } : {}),
    ...(o.supersedes_unrecorded === true && typeof o.supersedes === 'string' && typeof o.moved_to === 'string'
      ? { keptUnrecorded: { manifestSha256: o.supersedes, movedTo: o.moved_to } }
      : {}),
  };
}

/**
 * Collects the PackExported events of the lines pushed to it, as PruneEventTap its own, and the
 * PackTimestamped ones (`stamps`, in the same room): what the chain recorded of the pack versions.
 */
export class ExportEventTap {
  readonly events: ExportEvent[] = [];
  readonly stamps: StampEvent[] = [];
  dropped = 0;
  /** As PruneEventTap's. */
  readonly watch = new FragmentWatch();
  private readonly kept: KeptLast<ExportEvent | StampEvent>;
  constructor(
    private readonly where: string,
    room: EventRoom = { left: MAX_PACK_CHAIN_EVENTS },
  ) {
    this.kept = new KeptLast(room, this);
  }

  /** Every line of the log, in order. `category`: as pruneEventOf's. */
  push(l: ScannedLine, category?: string): void {
    if (this.watch.recovers(l)) this.kept.takeBack();
    const e = exportEventOf(l, this.where, category) ?? stampEventOf(l, this.where, category);
    if (e === undefined) return;
    this.watch.hold(l);
    if ('lastSeq' in e) this.kept.add(this.events, e);
    else this.kept.add(this.stamps, e);
  }
}

/**
 * A pack's log held more PackPruned and PackExported events than the archive's room left
 * (`shared`: the taps shared one; a pack verified alone does not use them): said.
 */
export function checkChainEventsKept(
  taps: readonly { readonly dropped: number }[],
  shared: boolean,
  file: string,
  f: Findings,
): void {
  const n = taps.reduce((sum, t) => sum + t.dropped, 0);
  if (n === 0 || !shared) return;
  f.add(
    'ARCHIVE_PACK_EVENTS_UNCHECKED',
    'warning',
    file,
    `the log holds more PackPruned and PackExported events than verify keeps (${MAX_PACK_CHAIN_EVENTS.toLocaleString('en-US')} for all the packs of an artifacts directory together; a prune removes a few packs a day): ${n.toLocaleString('en-US')} were not held to the archive, and a check of the prunes or exports may have missed or misjudged one`,
  );
}
