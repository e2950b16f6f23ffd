/**
 * The text fields of docs/FORMAT.md "Trading events" (symbol, user, trader, strategy, venue,
 * signal_id, decision, scope) when an event gives them another JSON type. A number is its decimal
 * text, as JSON.parse gives it (`str`, `idOf`); any other value given (a list, an object, true or
 * false) names nothing the checks can compare. A hostile or sloppy writer must not leave a rule by
 * writing `"symbol":["USDRUB"]` or `"user":{"id":"x"}`, so such a value is held as matching (a
 * restricted symbol, a strategy, venue or symbol whose kill switch is on, a user not logged in, a
 * signal not reviewed, a forbidden decision), never as not matching (docs/compliance.md, "Fields
 * that are no text").
 */
import type { EventTime } from './event-time.js';
import { type EngineState, type FailedLogins, type LogEvent, SECOND } from './engine-state.js';
import { isRestricted } from './names.js';
import { jsonShown } from './shown.js';
import type { Evidence } from './types.js';

/**
 * A value given (neither absent nor JSON null) that is no text for the checks: a list, an object,
 * true or false, a number JSON.parse cannot hold (`1e400`). An empty string is absent.
 */
export function notText(v: unknown): boolean {
  return v !== undefined && v !== null && typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v));
}

/** A value as the event gave it, for a description: as JSON, at most 40 characters. */
export function given(v: unknown): string {
  return jsonShown(v, 40);
}

/** A text that says something: null when absent, no text, or nothing but white space (`" "`). */
export function nonBlank(v: string | null): string | null {
  return v !== null && v.trim() !== '' ? v : null;
}

const SCOPED = ['strategy', 'venue', 'symbol'] as const;

/**
 * The kill switch a new order is held to when a name a switch is looked up by is no text: the
 * first switch on for any strategy (or venue, or symbol), with what the order gave; undefined when
 * none applies.
 */
export function heldSwitch(s: EngineState, e: LogEvent): { ev: Evidence; why: string } | undefined {
  for (const kind of SCOPED) {
    if (!notText(e[kind])) continue;
    const prefix = `${kind}:`;
    for (const [key, k] of s.killSwitch)
      if (key.startsWith(prefix))
        return { ev: k.ev, why: ` (its ${kind} ${given(e[kind])} is no text: held as ${key})` };
  }
  return undefined;
}

/**
 * An order or fill whose symbol is given but no text, while the policy restricts symbols: held as
 * on a restricted symbol, unless its order was on one (named when it was accepted).
 */
export function heldRestricted(
  s: EngineState,
  e: LogEvent,
  id: string | null,
  what: string,
  orderSymbol: string | null,
  iso: EventTime,
  ev: Evidence,
): void {
  if (s.p.restricted_symbols.length === 0 || !notText(e.symbol) || isRestricted(s.p, orderSymbol)) return;
  const text = `${what} on symbol ${given(e.symbol)}, no text: held as restricted`;
  s.add('restricted_symbol', iso, id === null ? [] : [id], orderSymbol, text, [ev]);
}

/**
 * A new order whose signal_id or user (trader) is given but no text: held as not reviewed (when
 * reviews are required) and as not logged in (when logins are).
 */
export function heldReviewAndLogin(
  s: EngineState,
  e: LogEvent,
  id: string,
  symbol: string | null,
  signal: string | null,
  user: string | null,
  iso: EventTime,
  ev: Evidence,
): void {
  const p = s.p;
  if (p.require_review && signal === null && notText(e.signal_id))
    s.add(
      'review_missing',
      iso,
      [id],
      symbol,
      `order ${id} for signal ${given(e.signal_id)}, no text: held as not reviewed`,
      [ev],
    );
  const who = notText(e.user) ? e.user : e.trader;
  if (p.require_login && user === null && notText(who))
    s.add('order_without_login', iso, [id], symbol, `order ${id} by ${given(who)}, no text: held as not logged in`, [
      ev,
    ]);
}

/**
 * Where the failed logins of a `LoginFailed` whose user is given but no text are kept: such a failure
 * may be any user's, so it is held as every user's (a NUL starts no user name a log gives as text).
 */
export const NO_TEXT_USER = '\u0000(a user that is no text)';

/** The failed logins an order's user is held to, for the burst check. */
export interface FailedBurst {
  /** Their times, in order, within the burst window before the latest. */
  readonly times: readonly number[];
  /** The user's own entry (it keeps the burst last flagged), if any. */
  readonly entry: FailedLogins | undefined;
  /** How many of them were of a user that is no text. */
  readonly held: number;
}

/** The user's own failed logins and those of a user that is no text (held as this user's). */
export function failedBurst(s: EngineState, user: string): FailedBurst | undefined {
  const own = s.failed.get(user);
  const any = user === NO_TEXT_USER ? undefined : s.failed.get(NO_TEXT_USER);
  if (any === undefined) return own === undefined ? undefined : { times: own.times, entry: own, held: 0 };
  const from = Math.max(any.tUs, own?.tUs ?? any.tUs) - s.p.failed_login_burst.window_s * SECOND;
  const held = any.times.filter((t) => t >= from);
  const times = [...(own?.times ?? []).filter((t) => t >= from), ...held].sort((a, b) => a - b);
  return { times, entry: own, held: held.length };
}
