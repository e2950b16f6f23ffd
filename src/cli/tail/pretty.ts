/**
 * One log line for people, like pino-pretty: time, category/event, seq, then the event's own
 * fields as key=value; the chain and provenance fields (prev, ts, host, pid) are left out or dimmed.
 * Colour only where paintFor allows it (a terminal, no NO_COLOR).
 */
import type { ChalkInstance } from 'chalk';
import { FIELD } from '../../format/log-line.js';
import { printable } from '../printable.js';
import type { NotEvent } from './recovered.js';

/** Envelope fields shown in the head of the line or not at all. */
const HIDDEN: ReadonlySet<string> = new Set([
  FIELD.ts,
  FIELD.isoTs,
  FIELD.seq,
  FIELD.category,
  FIELD.event,
  FIELD.prev,
  FIELD.host,
  FIELD.pid,
  FIELD.late,
]);

/** Category colours: what needs a look (alert, risk) stands out. */
function categoryColour(c: ChalkInstance, category: string): (s: string) => string {
  switch (category) {
    case 'alert':
      return c.red.bold;
    case 'risk':
      return c.yellow;
    case 'order':
      return c.cyan;
    case 'fill':
      return c.green;
    case 'auth':
      return c.magenta;
    case 'config':
      return c.blue;
    default:
      return c.white;
  }
}

/**
 * A field value as short text: plain when it is a simple word, JSON otherwise; printable either way
 * (JSON escapes C0 controls, not C1 controls or bidirectional overrides).
 */
function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[\w.:@/+-]+$/.test(v) ? v : printable(JSON.stringify(v));
  return printable(String(JSON.stringify(v)));
}

/** The line as an event (a JSON object), or undefined when it is not one. */
export function eventOf(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** How text that is not an event is shown: redacted like every other display (the logger never wrote it). */
export type RedactText = (s: string) => string;

/**
 * `tail --json`'s object for a line that is not an event: one JSON object per line always, the
 * text redacted and escaped (C0 by JSON, C1 and bidirectional controls by `printable`), never raw.
 * `notEvent`: a recovered torn write or a day's unterminated end (docs/FORMAT.md "Torn lines and
 * recovery"), said so (`"recovered": true`, `"unterminated": true`).
 */
export function notEventJson(raw: string, redact: RedactText, notEvent?: NotEvent): string {
  const marked = notEvent === undefined ? { not_event: true } : { not_event: true, [notEvent]: true };
  return printable(JSON.stringify({ ...marked, line: redact(raw) }));
}

const NOT_EVENT_MARK: Record<NotEvent, string> = {
  recovered: '(recovered torn write, not an event)',
  unterminated: "(unterminated torn write at the day's end, not an event)",
};

/**
 * A parsed line for people; a line that is not a JSON object, or a torn write (`notEvent`: never an
 * event, whatever it holds), is shown redacted and escaped, marked.
 */
export function prettyLine(c: ChalkInstance, raw: string, redact: RedactText = (s) => s, notEvent?: NotEvent): string {
  const ev = notEvent === undefined ? eventOf(raw) : undefined;
  if (ev === undefined) {
    const text = redact(raw);
    const mark = notEvent === undefined ? '(not an event)' : NOT_EVENT_MARK[notEvent];
    return `${c.red(mark)} ${printable(text.length > 200 ? `${text.slice(0, 200)}…` : text)}`;
  }
  const category = String(ev[FIELD.category] ?? '?');
  const name = printable(`${category}/${String(ev[FIELD.event] ?? '?')}`);
  const fields = Object.entries(ev)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${c.dim(`${printable(k)}=`)}${valueText(v)}`);
  const host = ev[FIELD.host];
  const where = host !== undefined ? c.dim(printable(` (${String(host)}:${String(ev[FIELD.pid] ?? '?')})`)) : '';
  const late = ev[FIELD.late] === true ? c.yellow(' late') : '';
  const time = c.dim(printable(String(ev[FIELD.isoTs] ?? '?')));
  return `${time} ${categoryColour(c, category)(name.padEnd(24))} ${c.dim(printable(`#${String(ev[FIELD.seq] ?? '?')}`))}${late}  ${fields.join(' ')}${where}`;
}

/** Filters from the command line, held against a raw line. */
export interface LineFilter {
  readonly category?: string;
  readonly event?: string;
  readonly order?: string;
}

/**
 * Whether a raw line passes the filters (a line that is not JSON passes only when there are none;
 * so does a torn write, `notEvent`: the filters select events, and it never is one).
 */
export function lineMatches(f: LineFilter, raw: string, notEvent?: NotEvent): boolean {
  if (f.category === undefined && f.event === undefined && f.order === undefined) return true;
  if (notEvent !== undefined) return false;
  let ev: Record<string, unknown>;
  try {
    ev = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (ev === null || typeof ev !== 'object') return false;
  if (f.category !== undefined && ev[FIELD.category] !== f.category) return false;
  if (f.event !== undefined && ev[FIELD.event] !== f.event) return false;
  if (f.order !== undefined && ev.order_id !== f.order) return false;
  return true;
}
