/**
 * What a log says of the packs kept because they did not verify (docs/FORMAT.md "PackKept",
 * "LogPruned" `kept_unverified`): for each pack (date, path), the newest day a chained record says
 * it was still kept. The archive check holds these against the directory and the ledger
 * (archive-prune-retired.ts keptMissing, keptAfter). A current pack's log gives them in the pass
 * that already checks it (KeptEventTap: no second read of a log of hundreds of MB); a live log file
 * is searched for them (keptNotesInFile).
 */
import { basename } from 'node:path';
import type { ScannedLine } from '../chain/lines.js';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { parseKeptUnverified } from '../format/kept-unverified.js';
import { KEEP_EVENT, KEPT_UNVERIFIED_FIELD } from '../format/pack.js';
import { FragmentWatch, recoveredIn } from '../format/recovered-line.js';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';

const KEEP_MARK = Buffer.from(JSON.stringify(KEEP_EVENT.event));
const LOG_PRUNED_MARK = Buffer.from(JSON.stringify(LOG_PRUNED_EVENT));
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** One chained record that a pack was kept unverified on `day`. */
export interface KeptNote {
  readonly date: string;
  readonly path: string;
  readonly day: string;
  /** Absent: a PackKept event (`day` its `iso_ts`'s); else a LogPruned event's, the removed file's day (`day` too). */
  readonly logPruned?: string;
}

/** The records an event states (a PackKept event: one; a LogPruned event: its `kept_unverified` set). */
function notesOf(ev: Record<string, unknown> | undefined): KeptNote[] {
  if (ev?.category !== WRITER_EVENT_CATEGORY) return [];
  if (ev.event === KEEP_EVENT.event) {
    const day = typeof ev.iso_ts === 'string' ? ev.iso_ts.slice(0, 10) : '';
    return typeof ev.date === 'string' && typeof ev.path === 'string' && DATE_RE.test(day)
      ? [{ date: ev.date, path: ev.path, day }]
      : [];
  }
  if (ev.event !== LOG_PRUNED_EVENT || typeof ev.date !== 'string' || !DATE_RE.test(ev.date)) return [];
  const file = ev.date;
  return (parseKeptUnverified(ev[KEPT_UNVERIFIED_FIELD]) ?? []).map((k) => ({
    date: k.date,
    path: k.path,
    day: file,
    logPruned: file,
  }));
}

/**
 * The newest note of each pack, the first of a day where several are that new (in the order added):
 * one a pack, however many nights a prune kept it.
 */
class NewestNotes {
  private readonly byKey = new Map<string, KeptNote>();
  add(n: KeptNote): void {
    const k = `${n.date}\u0000${n.path}`;
    const had = this.byKey.get(k);
    if (had === undefined || n.day > had.day) this.byKey.set(k, n);
  }
  list(): KeptNote[] {
    return [...this.byKey.values()];
  }
}

/**
 * Collects the notes of the lines pushed to it (a current pack's log, in the pass that checks it).
 * Bounded by the packs named, not the lines: each pack's newest note only.
 */
export class KeptEventTap {
  private readonly notes = new NewestNotes();
  /**
   * Recovery first (docs/FORMAT.md "Torn lines and recovery"): the notes of the last line wait for
   * the next, which may recover that line (then it was never an event). Set `watch.file` to the
   * log's recovery file name (recoveryFileFor) before the first line.
   */
  readonly watch = new FragmentWatch();
  private pending: KeptNote[] = [];

  /** Every line of the log, in order. `category`: the line's category when the log check read it as an event (a line of another is not looked into). */
  push(l: ScannedLine, category?: string): void {
    if (this.watch.recovers(l)) this.pending = [];
    else this.settle();
    if (category !== undefined && category !== WRITER_EVENT_CATEGORY) return;
    const b = l.bytes;
    if (b === undefined || !l.terminated) return;
    if (b.indexOf(KEEP_MARK) === -1 && b.indexOf(LOG_PRUNED_MARK) === -1) return;
    const notes = notesOf(parseObjectLine(b));
    if (notes.length === 0) return;
    this.watch.hold(l);
    this.pending = notes;
  }

  /** Each pack's newest note. */
  list(): KeptNote[] {
    this.settle();
    return this.notes.list();
  }

  private settle(): void {
    // Called for every line of the log: nothing pending (all but a note's next line) makes no iterator and no array.
    if (this.pending.length === 0) return;
    for (const n of this.pending) this.notes.add(n);
    this.pending = [];
  }
}

/**
 * What a pack directory's log says of the packs kept unverified, by its report (verifyPackDir sets
 * it from its tap; the archive check reads it). Beside the report, not in it: not part of `--json`.
 */
export const keptNotesOf = new WeakMap<object, readonly KeptNote[]>();

/**
 * The same of a file read for it (a live log file; the reference the tap is tested against). A link
 * or FIFO is never read through: no notes.
 */
export async function keptNotesInFile(file: string): Promise<KeptNote[]> {
  const lines = await linesContaining(file, [KEEP_MARK, LOG_PRUNED_MARK], {
    followLinks: false,
    terminatedOnly: true,
    recovers: recoveredIn(basename(file)),
  });
  const notes = new NewestNotes();
  for (const line of lines ?? []) for (const n of notesOf(parseObjectLine(line))) notes.add(n);
  return notes.list();
}
