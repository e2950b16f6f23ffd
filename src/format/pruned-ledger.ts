/**
 * `pruned.jsonl`, the ledger of pruned packs (docs/FORMAT.md, "What a prune leaves"): one JSON
 * object per line, appended by prune before it removes a pack, so the day-to-day chain of
 * `previous_pack` hashes stays checkable after the pack is gone. The line's bytes and the schema a
 * line must meet are written once here: prune writes through `renderPrunedLine`, and export (to
 * link a new pack to a pruned one) and verify (to check the ledger) read through
 * `parsePrunedLedger`.
 */

/**
 * Where the retention that pruned a pack came from (the ledger's `retention_source`): the job's
 * command line (`--retention-days`), its environment (`EXPORT_RETENTION_DAYS`), the config file
 * (`export.retentionDays`), the default (90), or a program that called the library with a number.
 */
export const RETENTION_SOURCES = ['command_line', 'environment', 'config_file', 'default', 'caller'] as const;

/** One of RETENTION_SOURCES. */
export type RetentionSource = (typeof RETENTION_SOURCES)[number];

/** A retention in days as a line may hold it: a whole number from 0 to 1,000,000. */
const MAX_RETENTION_DAYS = 1_000_000;

/** One line of pruned.jsonl. */
export interface PrunedLine {
  /** The pruned pack's day, `YYYY-MM-DD`. */
  readonly export_date: string;
  /** SHA-256 of its manifest.json; null when that could not be read (the line then vouches for no link). */
  readonly manifest_sha256: string | null;
  /** The pruned directory's name (`YYYY-MM-DD` or `YYYY-MM-DD.vN`); prune always writes it. */
  readonly path?: string;
  /** When it was pruned (ISO 8601, UTC); prune always writes it. */
  readonly pruned_at?: string;
  /** The retention, in days, that pruned the pack (packs dated before pruned_at's day minus it go); prune always writes it. */
  readonly retention_days?: number;
  /** Where that retention came from; prune always writes it with retention_days. */
  readonly retention_source?: RetentionSource;
  /** With an off-machine archive: the archived copy prune relied on. */
  readonly relied_on?: string;
  /**
   * A prune holding the signing key signs the line: an armored SSHSIG (namespace `auditpack`) over
   * the line's bytes without this member, which is always the last one (prunedLineMessage).
   */
  readonly signature?: string;
}

/** A line of the ledger that meets the schema, with its 1-based line number. */
export interface NumberedPrunedLine extends PrunedLine {
  readonly line: number;
  /** For a line with a signature: the bytes it signs, or null when the member is not last as written. */
  readonly signedMessage?: string | null;
}

const SIGNATURE_MEMBER = ',"signature":';

/** The exact bytes prune appends for one pruned pack (key order fixed; `relied_on` only when set). */
export function renderPrunedLine(e: {
  readonly export_date: string;
  readonly manifest_sha256: string | null;
  readonly path: string;
  readonly pruned_at: string;
  readonly retention_days: number;
  readonly retention_source: RetentionSource;
  readonly relied_on?: string;
  /** Signs the line (the bytes before the signature member, closed): returns an armored SSHSIG. */
  readonly sign?: (message: Buffer) => string;
}): string {
  const message = JSON.stringify({
    export_date: e.export_date,
    manifest_sha256: e.manifest_sha256,
    path: e.path,
    pruned_at: e.pruned_at,
    retention_days: e.retention_days,
    retention_source: e.retention_source,
    ...(e.relied_on !== undefined ? { relied_on: e.relied_on } : {}),
  });
  if (e.sign === undefined) return `${message}\n`;
  const signature = e.sign(Buffer.from(message, 'utf8'));
  return `${message.slice(0, -1)}${SIGNATURE_MEMBER}${JSON.stringify(signature)}}\n`;
}

/**
 * The bytes a signed line's signature covers: the line up to its `,"signature":` member, which must
 * be the last one and written as JSON.stringify writes it, closed by `}`. Null when it is not.
 */
export function prunedLineMessage(line: string, signature: string): string | null {
  const tail = `${SIGNATURE_MEMBER}${JSON.stringify(signature)}}`;
  return line.endsWith(tail) ? `${line.slice(0, -tail.length)}}` : null;
}

const HASH_HEX = /^[0-9a-f]{64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True when `date` is `YYYY-MM-DD` naming a real calendar day. */
function isCalendarDate(date: string): boolean {
  if (!DATE.test(date)) return false;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date;
}

/**
 * One line against the schema: an object whose `export_date` is a real date and whose
 * `manifest_sha256` is 64 lowercase hex digits or null; `path`, `pruned_at`, `relied_on` and
 * `signature` are taken only when they are strings; `retention_days` (a whole number, 0 to
 * 1,000,000) and `retention_source` (one of RETENTION_SOURCES) both or neither (lines written before
 * prune recorded its retention have neither). Undefined for anything else (a torn, edited or foreign line).
 */
export function parsePrunedLine(text: string): PrunedLine | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.export_date !== 'string' || !isCalendarDate(o.export_date)) return undefined;
  const sha = o.manifest_sha256;
  if (!(sha === null || (typeof sha === 'string' && HASH_HEX.test(sha)))) return undefined;
  const out: { -readonly [K in keyof PrunedLine]: PrunedLine[K] } = {
    export_date: o.export_date,
    manifest_sha256: sha,
  };
  for (const k of ['path', 'pruned_at', 'relied_on', 'signature'] as const) if (typeof o[k] === 'string') out[k] = o[k];
  if (o.retention_days === undefined && o.retention_source === undefined) return out;
  const days = o.retention_days;
  const source = o.retention_source;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > MAX_RETENTION_DAYS) return undefined;
  if (!(RETENTION_SOURCES as readonly unknown[]).includes(source)) return undefined;
  out.retention_days = days;
  out.retention_source = source as RetentionSource;
  return out;
}

/**
 * The ledger's text split into lines that meet the schema and the numbers of those that do not.
 * Every line ends with its newline: prune appends each line with it in one fsynced write, so bytes
 * after the last newline are a torn append or an edit, and invalid even when they parse (the next
 * append would run on from them). Any empty line is invalid too.
 */
export function parsePrunedLedger(text: string): { entries: NumberedPrunedLine[]; invalid: number[] } {
  const entries: NumberedPrunedLine[] = [];
  const invalid: number[] = [];
  const lines = text.split('\n');
  const unterminated = lines.pop() !== '';
  lines.forEach((l, i) => {
    const e = parsePrunedLine(l);
    if (e === undefined) invalid.push(i + 1);
    else if (e.signature === undefined) entries.push({ ...e, line: i + 1 });
    else entries.push({ ...e, line: i + 1, signedMessage: prunedLineMessage(l, e.signature) });
  });
  if (unterminated) invalid.push(lines.length + 1);
  return { entries, invalid };
}
