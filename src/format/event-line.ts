/**
 * What "an event" is: the one definition of a valid log line (docs/FORMAT.md, "A line" and "Rules
 * for every line"), shared by the export (src/pack/day-events.ts: what is counted, put in the CSVs
 * and alerts) and by verify (src/verify/log-line.ts), so the two can never count differently.
 *
 * It reads the line's bytes once with the exact JSON scanner (src/json/line-scanner.ts, property-tested
 * against JSON.parse) and checks every rule a single line must satisfy on its own. Rules that need
 * the line's neighbours or its file (the chain, dates against the file's day, recoveries) are the
 * verifier's. No JSON.parse and no string per key on the common path.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  EntryTable,
  Kind,
  LineShape,
  lastLinePlain,
  lineDepthExceeds,
  MAX_LINE_DEPTH,
  scanJsonLine,
} from '../json/line-scanner.js';
import { StringInterner, stringValue } from '../json/strings.js';
import { CATEGORY_RE, FIELD, RECOVERY } from './log-line.js';
import {
  daysFromCivil,
  daysInMonth,
  hasControl,
  isoTsAgree,
  isStringArray,
  numText,
  pidOk,
  plainHex64,
  seqOf,
  str,
  writerForm,
} from './event-line-bytes.js';

export { daysFromCivil } from './event-line-bytes.js';

/** The facts of a valid event line. Offsets are into the buffer given to read(). */
export interface EventLine {
  readonly seq: number;
  /** 64 lowercase hex digits. */
  readonly prev: string;
  readonly category: string;
  readonly event: string;
  /** `YYYY-MM-DD` of `iso_ts`. */
  readonly date: string;
  /** `iso_ts` (27 characters). */
  readonly isoTs: string;
  /** Offset of `iso_ts`'s first character when written without escapes, else -1. */
  readonly isoOff: number;
  readonly late: boolean;
  /**
   * The bytes `,"host":"…","pid":N` when the line holds them exactly so (as the logger writes
   * them): [provOff, provEnd); provOff -1 otherwise (then clockKey, if host and pid are present).
   */
  readonly provOff: number;
  readonly provEnd: number;
  /** `,"host":<JSON string>,"pid":N` of the decoded values; undefined without both or when provOff applies. */
  readonly clockKey: string | undefined;
  /** category `system`, event `TornLineRecovered`. */
  readonly recovery: boolean;
  /** Entry index of the named key in the reader's table, -1 when absent (see EventReader.table). */
  readonly severityAt: number;
  /** writerForm's bits: 1, the head is the writer's up to `"seq":N,`; 2, it ends `,"prev":"<hex>"}`. */
  readonly form: number;
}

/** Why a line is not an event, in the export's words (manifest.json never lists reasons; errors do). */
export type NotEventKind = 'invalid-utf8' | 'invalid-json' | 'too-deep' | 'not-an-event';

export type EventReading =
  | { readonly ok: true; readonly ev: EventLine }
  | { readonly ok: false; readonly kind: NotEventKind; readonly reason: string };

/** Envelope and typed field names, by id. */
const NAMES = [
  FIELD.ts,
  FIELD.isoTs,
  FIELD.seq,
  FIELD.category,
  FIELD.event,
  FIELD.prev,
  FIELD.late,
  FIELD.host,
  FIELD.pid,
  FIELD.actor,
  FIELD.redacted,
  FIELD.validation,
  // Not an envelope field: the alert filter reads it.
  'severity',
] as const;
const TS = 0;
const ISO = 1;
const SEQ = 2;
const CAT = 3;
const EVT = 4;
const PREV = 5;
const LATE = 6;
const HOST = 7;
const PID = 8;
const ACTOR = 9;
const REDACTED = 10;
const VALIDATION = 11;
const SEVERITY = 12;
const BY_LENGTH: { bytes: Buffer; id: number }[][] = [];
NAMES.forEach((name, id) => {
  const bytes = Buffer.from(name, 'latin1');
  (BY_LENGTH[bytes.length] ??= []).push({ bytes, id });
});
const BY_NAME = new Map<string, number>(NAMES.map((n, i) => [n, i]));

const HASH_RE = /^[0-9a-f]{64}$/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;
const TS_RE = /^(0|[1-9][0-9]{0,15})\.([0-9]{6})$/;

const fail = (kind: NotEventKind, reason: string): EventReading => ({ ok: false, kind, reason });

/**
 * Checks `iso_ts` (a real UTC instant, µs) against `ts` as written (`S.ffffff`): the same instant.
 * Returns a reason, or undefined when they agree.
 */
export function isoTsProblem(iso: string, tsText: string): string | undefined {
  const m = ISO_RE.exec(iso);
  if (m === null) return '`iso_ts` is not YYYY-MM-DDTHH:MM:SS.ffffffZ';
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59)
    return '`iso_ts` is not a real date and time';
  const t = TS_RE.exec(tsText);
  if (t === null) return '`ts` is not written with exactly 6 decimals';
  const secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  if (Number(t[1]) !== secs || t[2] !== m[7]) return `\`ts\` ${tsText} and \`iso_ts\` ${iso} are not the same instant`;
  return undefined;
}

/** Reads lines as events. Reusable; not for concurrent use (its table is reused per line). */
export class EventReader {
  /** The entries of the last line read. */
  readonly table = new EntryTable();
  private at = new Int32Array(NAMES.length);
  /** plainKeyIds' entries of keys that are not envelope names. */
  private readonly others = new Int32Array(PLAIN_KEYS_MAX);
  private readonly categories = new StringInterner();
  private readonly events = new StringInterner(256);
  private lastDateBytes = Buffer.alloc(10);
  private lastDate = '';
  private readonly goodCategories = new Set<string>();

  /**
   * Reads `b[start, end)` (a line without its "\n"). `utf8Known`: the caller has already checked
   * these bytes are valid UTF-8.
   */
  read(b: Buffer, start: number, end: number, utf8Known = false): EventReading {
    if (end <= start) return fail('not-an-event', 'empty line');
    if (!utf8Known && !isUtf8(start === 0 && end === b.length ? b : b.subarray(start, end)))
      return fail('invalid-utf8', 'not valid UTF-8');
    const table = this.table;
    const shape = scanJsonLine(b, end, table, start);
    if (shape === LineShape.Invalid || shape === LineShape.TooDeep) {
      // Rule 1 (no control byte) first, then the depth, read lexically, whether or not the bytes are
      // JSON: every checker gets the same verdict without parsing a hostile depth (docs/FORMAT.md).
      const control = hasControl(b, start, end);
      if (!control && (shape === LineShape.TooDeep || lineDepthExceeds(b, start, end)))
        return fail('too-deep', `nests objects and arrays more than ${MAX_LINE_DEPTH} levels deep`);
      return fail('invalid-json', control ? 'holds a control byte (below 0x20)' : 'not valid JSON');
    }
    // Valid JSON holds no raw control byte inside strings; outside them it allows TAB, CR and LF as
    // white space, which a line does not (LF cannot be inside a line). Two native searches, unless
    // the scanner already found no byte below 0x20 in the line.
    if (!lastLinePlain() && hasTabOrCr(b, start, end))
      return fail('not-an-event', 'holds a control byte (below 0x20; a CR before the newline included)');
    if (shape !== LineShape.Object) return fail('not-an-event', 'not a JSON object');
    const at = this.at;
    at.fill(-1);
    const plain = plainKeys(table);
    const dup = plain ? plainKeyIds(b, table, at, this.others) : duplicateKey(b, table);
    if (dup !== undefined) return fail('not-an-event', `the key ${dup} appears more than once`);
    if (!plain) {
      // Escaped or many keys: the ids now (duplicates were excluded above).
      const n = table.count;
      for (let i = 0; i < n; i++) {
        const id = keyId(b, table, i);
        if (id >= 0) at[id] = i;
      }
    }
    return this.envelope(b, table, at, start, end);
  }

  private envelope(b: Buffer, table: EntryTable, at: Int32Array, start: number, end: number): EventReading {
    const n = table.count;
    const prevAt = at[PREV] as number;
    if (prevAt < 0) return fail('not-an-event', '`prev` is missing');
    if (prevAt !== n - 1) return fail('not-an-event', '`prev` is not the last field');
    // plainHex64 checked every byte; only an escaped or odd value needs the pattern.
    const hex = plainHex64(b, table, prevAt);
    const prev = hex ?? str(b, table, prevAt);
    if (prev === undefined || (hex === undefined && !HASH_RE.test(prev)))
      return fail('not-an-event', '`prev` is not 64 lowercase hex digits');
    const seqAt = at[SEQ] as number;
    if (seqAt < 0) return fail('not-an-event', '`seq` is missing');
    const seq = seqOf(b, table, seqAt);
    if (seq < 0) return fail('not-an-event', '`seq` is not a positive integer written as one');
    const tsAt = at[TS] as number;
    if (tsAt < 0 || table.kind[tsAt] !== Kind.Number) return fail('not-an-event', '`ts` is missing or not a number');
    const isoAt = at[ISO] as number;
    const iso = isoAt < 0 ? undefined : str(b, table, isoAt);
    if (iso === undefined) return fail('not-an-event', '`iso_ts` is missing or not a string');
    // The common case by bytes (no strings, no regular expressions); the exact reason from the text.
    const timeProblem =
      table.valueEscaped[isoAt] === 0 &&
      isoTsAgree(
        b,
        (table.valueStart[isoAt] as number) + 1,
        table.valueStart[tsAt] as number,
        table.valueEnd[tsAt] as number,
      )
        ? undefined
        : isoTsProblem(iso, numText(b, table, tsAt) as string);
    if (timeProblem !== undefined) return fail('not-an-event', timeProblem);
    const category = this.categories.value(b, table, at[CAT] as number);
    if (category === undefined || !this.categoryOk(category))
      return fail('not-an-event', '`category` is missing or not a lowercase name ([a-z][a-z0-9_]*, at most 64)');
    const event = this.events.value(b, table, at[EVT] as number);
    if (event === undefined || event === '')
      return fail('not-an-event', '`event` is missing or not a non-empty string');
    const typed = typedFieldsProblem(b, table, at);
    if (typed !== undefined) return fail('not-an-event', typed);
    const { provOff, provEnd, clockKey } = provenanceOf(b, table, at);
    const lateAt = at[LATE] as number;
    const isoOff = table.valueEscaped[isoAt] === 0 ? (table.valueStart[isoAt] as number) + 1 : -1;
    return {
      ok: true,
      ev: {
        seq,
        prev,
        category,
        event,
        date: this.dateOf(iso, b, isoOff),
        isoTs: iso,
        isoOff,
        late: lateAt >= 0,
        provOff,
        provEnd,
        clockKey,
        recovery: category === RECOVERY.category && event === RECOVERY.event,
        severityAt: at[SEVERITY] as number,
        form: writerForm(b, table, start, end, tsAt, isoAt, seqAt, prevAt),
      },
    };
  }

  /** CATEGORY_RE, remembered per interned name (a day has a handful; bounded for hostile logs). */
  private categoryOk(category: string): boolean {
    if (this.goodCategories.has(category)) return true;
    if (!CATEGORY_RE.test(category)) return false;
    if (this.goodCategories.size < 1024) this.goodCategories.add(category);
    return true;
  }

  private dateOf(iso: string, b: Buffer, isoOff: number): string {
    if (isoOff >= 0) {
      const last = this.lastDateBytes;
      let same = this.lastDate !== '';
      for (let i = 0; same && i < 10; i++) if (b[isoOff + i] !== last[i]) same = false;
      if (same) return this.lastDate;
      b.copy(last, 0, isoOff, isoOff + 10);
    } else this.lastDateBytes.fill(0);
    this.lastDate = iso.slice(0, 10);
    return this.lastDate;
  }
}

/** Why the optional envelope fields (late, host, pid, actor, redacted, validation) are not as FORMAT.md says, or undefined. */
function typedFieldsProblem(b: Buffer, table: EntryTable, at: Int32Array): string | undefined {
  const lateAt = at[LATE] as number;
  if (lateAt >= 0 && table.kind[lateAt] !== Kind.True) return '`late` is present but not true';
  const hostAt = at[HOST] as number;
  const pidAt = at[PID] as number;
  if (hostAt >= 0 && table.kind[hostAt] !== Kind.String) return '`host` is not a string';
  if (pidAt >= 0 && !pidOk(b, table, pidAt)) return '`pid` is not a non-negative integer';
  const actorAt = at[ACTOR] as number;
  if (actorAt >= 0 && table.kind[actorAt] !== Kind.String) return '`actor` is not a string';
  const redactedAt = at[REDACTED] as number;
  if (redactedAt >= 0 && !isStringArray(b, table, redactedAt))
    return `\`${FIELD.redacted}\` is not an array of strings`;
  const validationAt = at[VALIDATION] as number;
  if (validationAt >= 0 && !isStringArray(b, table, validationAt))
    return `\`${FIELD.validation}\` is not an array of strings`;
  return undefined;
}

/**
 * The provenance as bytes when written the logger's way (`,"host":"…","pid":N`, for a clock
 * check without strings), else as text of the decoded values; neither without both fields.
 */
function provenanceOf(
  b: Buffer,
  table: EntryTable,
  at: Int32Array,
): { provOff: number; provEnd: number; clockKey: string | undefined } {
  const hostAt = at[HOST] as number;
  const pidAt = at[PID] as number;
  if (hostAt < 0 || pidAt < 0) return { provOff: -1, provEnd: -1, clockKey: undefined };
  const ks = table.keyStart[hostAt] as number;
  if (
    pidAt === hostAt + 1 &&
    table.valueEscaped[hostAt] === 0 &&
    b[ks - 1] === 0x2c &&
    table.keyStart[pidAt] === (table.valueEnd[hostAt] as number) + 1 &&
    table.valueStart[pidAt] === (table.keyEnd[pidAt] as number) + 1 &&
    table.valueStart[hostAt] === (table.keyEnd[hostAt] as number) + 1 &&
    table.keyEscaped[hostAt] === 0 &&
    table.keyEscaped[pidAt] === 0
  )
    return { provOff: ks - 1, provEnd: table.valueEnd[pidAt] as number, clockKey: undefined };
  // Written as the logger writes provenanceText(), with the pid's digits as they stand.
  const clockKey = `,"host":${JSON.stringify(stringValue(b, table, hostAt))},"pid":${numText(b, table, pidAt)}`;
  return { provOff: -1, provEnd: -1, clockKey };
}

/** True when `b[start, end)` holds a TAB or a CR. */
function hasTabOrCr(b: Buffer, start: number, end: number): boolean {
  const view = start === 0 && end === b.length ? b : b.subarray(start, end);
  return view.indexOf(0x09) !== -1 || view.indexOf(0x0d) !== -1;
}

/** The envelope id of entry i's key, or -1. */
function keyId(b: Buffer, table: EntryTable, i: number): number {
  const ks = (table.keyStart[i] as number) + 1;
  const ke = (table.keyEnd[i] as number) - 1;
  if (table.keyEscaped[i] === 1) return BY_NAME.get(JSON.parse(b.toString('utf8', ks - 1, ke + 1)) as string) ?? -1;
  const bucket = BY_LENGTH[ke - ks];
  if (bucket === undefined) return -1;
  for (const cand of bucket) {
    const c = cand.bytes;
    let j = 0;
    while (j < c.length && b[ks + j] === c[j]) j++;
    if (j === c.length) return cand.id;
  }
  return -1;
}

/** Lines of at most this many keys, none escaped, have their duplicates found by plainKeyIds. */
const PLAIN_KEYS_MAX = 32;

/** True when the line has at most PLAIN_KEYS_MAX keys and none is written with an escape. */
function plainKeys(table: EntryTable): boolean {
  const n = table.count;
  if (n > PLAIN_KEYS_MAX) return false;
  for (let i = 0; i < n; i++) if (table.keyEscaped[i] === 1) return false;
  return true;
}

/**
 * For a line of plainKeys: sets `at[id]` to the entry of each envelope name and returns the first
 * key that appears twice (as duplicateKey does: the first entry equal to an earlier one, quoted),
 * or undefined. Two unescaped keys are equal only when their bytes are, so an envelope name can only
 * repeat itself (its id is already set) and other keys are compared with other keys only: about
 * one comparison a line where duplicateKey made n(n-1)/2.
 */
function plainKeyIds(b: Buffer, table: EntryTable, at: Int32Array, others: Int32Array): string | undefined {
  const n = table.count;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const si = table.keyStart[i] as number;
    const len = (table.keyEnd[i] as number) - si;
    const id = keyId(b, table, i);
    if (id >= 0) {
      if ((at[id] as number) >= 0) return b.toString('utf8', si, si + len);
      at[id] = i;
      continue;
    }
    for (let k = 0; k < m; k++) {
      const sj = table.keyStart[others[k] as number] as number;
      if ((table.keyEnd[others[k] as number] as number) - sj !== len) continue;
      let x = 1;
      while (x < len && b[si + x] === b[sj + x]) x++;
      if (x === len) return b.toString('utf8', si, si + len);
    }
    others[m++] = i;
  }
  return undefined;
}

/** The first key that appears twice (as JSON.parse would read the names), or undefined. */
function duplicateKey(b: Buffer, table: EntryTable): string | undefined {
  const n = table.count;
  let escaped = false;
  for (let i = 0; i < n; i++) if (table.keyEscaped[i] === 1) escaped = true;
  if (!escaped && n <= 32) {
    for (let i = 1; i < n; i++) {
      const si = table.keyStart[i] as number;
      const len = (table.keyEnd[i] as number) - si;
      for (let j = 0; j < i; j++) {
        const sj = table.keyStart[j] as number;
        if ((table.keyEnd[j] as number) - sj !== len) continue;
        let k = 1;
        while (k < len && b[si + k] === b[sj + k]) k++;
        if (k === len) return b.toString('utf8', si, si + len);
      }
    }
    return undefined;
  }
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const text = b.toString('utf8', table.keyStart[i] as number, table.keyEnd[i] as number);
    const name = table.keyEscaped[i] === 1 ? (JSON.parse(text) as string) : text.slice(1, -1);
    if (seen.has(name)) return JSON.stringify(name);
    seen.add(name);
  }
  return undefined;
}

/** The line a recovery event describes: its SHA-256, length and offset in the file. */
export interface FragmentFacts {
  readonly hash: string;
  readonly length: number;
  readonly offset: number;
}

/**
 * Why a TornLineRecovered event (its parsed fields) does not describe `frag`, the line right before
 * it (docs/FORMAT.md, "Torn lines and recovery"), or undefined when it does: `fragment_sha256`,
 * `fragment_bytes` and `fragment_offset` match the line, and `file` names the file (`file`
 * undefined: the file's name is not known, any string passes).
 */
export function recoveryProblem(
  rec: Readonly<Record<string, unknown>> | undefined,
  frag: FragmentFacts,
  file: string | undefined,
): string | undefined {
  if (rec === undefined) return 'its fields could not be read';
  if (rec.fragment_sha256 !== frag.hash) return 'fragment_sha256 is not the SHA-256 of that line';
  if (rec.fragment_bytes !== frag.length) return `fragment_bytes is not its length (${frag.length})`;
  if (typeof rec.fragment_offset !== 'number') return 'fragment_offset is missing';
  if (rec.fragment_offset !== frag.offset) return `fragment_offset is not its offset (${frag.offset})`;
  if (typeof rec.file !== 'string') return '`file` is missing';
  if (file !== undefined && rec.file !== file)
    return `\`file\` names ${JSON.stringify(rec.file).slice(0, 80)}, not ${file}`;
  return undefined;
}

const TORN_NAME = Buffer.from(RECOVERY.event, 'latin1');
const recoveryReader = new EventReader();

/**
 * True when `line` is a TornLineRecovered event that describes `frag`, the line before it: that
 * line is then a recovered torn write, never an event. A byte search first, so that the common
 * line costs one memchr-like scan.
 */
export function recoversFragment(line: Buffer, frag: FragmentFacts, file: string | undefined): boolean {
  if (line.indexOf(TORN_NAME) === -1) return false;
  const r = recoveryReader.read(line, 0, line.length);
  if (!r.ok || !r.ev.recovery) return false;
  return recoveryProblem(JSON.parse(line.toString('utf8')) as Record<string, unknown>, frag, file) === undefined;
}

/**
 * recoversFragment for a reader that holds `line` (without its newline, at byte `offset` of file
 * `file`) and `next`, the terminated line right after it: true when `next` is a TornLineRecovered
 * event describing `line` (a recovered torn write, never an event). The line is hashed only when
 * `next` names the recovery event.
 */
export function recoversLine(next: Buffer, line: Buffer, offset: number, file: string | undefined): boolean {
  if (next.indexOf(TORN_NAME) === -1) return false;
  const hash = createHash('sha256').update(line).digest('hex');
  return recoversFragment(next, { hash, length: line.length, offset }, file);
}
