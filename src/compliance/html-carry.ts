/**
 * The page's "Carried in" section: the state the day's checks started from (docs/FORMAT.md,
 * "Compliance state") and where it came from. A finding of today can rest on yesterday's lines (a
 * kill switch turned on at 23:00, a GTC order accepted yesterday and overfilled today), so a reader
 * must see what was open at midnight and whether it was vouched for (the previous pack), guessed (a
 * replay of the previous log alone) or unknown (nothing carried). Every value is escaped: the state
 * quotes the log, which is attacker-controlled.
 */
import type { CarriedOrder, StartingState } from './carry.js';
import type { CarriedIn } from './carry-source.js';
import type { Evidence } from './types.js';
import { fmt } from './values.js';

/** Rows shown per list of the carried state; the file holds them all. */
export const MAX_CARRIED_ROWS = 200;

type Esc = (s: string) => string;

/** What `source` means, in words a reader can act on. */
const SOURCE_WORDS: Record<CarriedIn['source'], string> = {
  pack: 'from the previous day’s pack (its data/compliance_state.json, as its manifest-sha256.txt lists it)',
  log: 'from a replay of the previous day’s log alone: what was open before that day is not known',
  none: 'nothing was carried: a kill switch, session or order open at midnight is not known to these checks',
  rollup: 'from the previous day’s roll-up (its merged data/compliance_state.json)',
  hosts:
    'the union of the start states of the roll-up’s host packs (each from its own pack’s data/compliance_state_start.json)',
};

/** An ISO time (milliseconds, UTC) of a time in microseconds since the epoch; `–` when out of range. */
function isoOfUs(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return Number.isNaN(d.getTime()) ? '–' : d.toISOString();
}

const evidenceCell = (e: Esc, v: Evidence): string =>
  `${e(v.file)}:${v.line} seq&nbsp;${v.seq}<br><code title="SHA-256 of the line">${e(v.line_sha256.slice(0, 16))}…</code>`;

/** A table of at most MAX_CARRIED_ROWS rows, with how many were left out. */
function table<T>(
  title: string,
  head: readonly string[],
  items: { readonly length: number; slice(start: number, end: number): T[] },
  row: (x: T) => string[],
): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, MAX_CARRIED_ROWS);
  const more =
    items.length > shown.length
      ? `<p class="muted">${items.length - shown.length} more in data/compliance_state_start.json.</p>`
      : '';
  return `<h3>${title} (${items.length})</h3><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${shown
    .map(
      (x) =>
        `<tr>${row(x)
          .map((c) => `<td>${c}</td>`)
          .join('')}</tr>`,
    )
    .join('')}</tbody></table>${more}`;
}

const num = (n: number | null): string => (n === null ? '–' : String(n));

function orderRow(e: Esc, o: CarriedOrder): string[] {
  return [
    e(o.order_id),
    e(o.symbol ?? ''),
    e(o.time_in_force),
    `${num(o.filled)} / ${num(o.quantity)}${o.overfilled ? ' (overfilled)' : ''}`,
    num(o.price),
    e(o.status),
    e(isoOfUs(o.t_us)),
    evidenceCell(e, o.evidence),
  ];
}

/** The counts of the carried state, one card each. */
function counts(s: StartingState): [string, number][] {
  return [
    ['kill switches on', s.kill_switch.length],
    ['open orders', s.open_orders.length],
    ['sessions', s.sessions.length],
    ['reviews', s.decisions.length],
    ['risk checks', s.risk_checks.length],
    ['overrides', s.overrides.length],
    ['closed orders remembered', s.closed_orders.length],
    ['recent orders (duplicates)', s.recent_orders.length],
    ['failed-login windows', s.failed_logins.length],
    ['message-rate windows', s.strategy_rates.length + s.venue_rates.length],
    // Only when some are carried (rules 29): the page of an older state renders as it did.
    ...(s.config_changes === undefined || s.config_changes.length === 0
      ? []
      : [['config changes waiting for a snapshot', s.config_changes.length] as [string, number]]),
  ];
}

/**
 * The section, or '' for a report that records no carried-in state (made before the state was
 * carried). `state` is the start state (data/compliance_state_start.json); without it only where
 * the state came from is shown.
 */
export function carriedSection(e: Esc, carried: CarriedIn | undefined, state: StartingState | undefined): string {
  if (carried === undefined) return '';
  const head = `<h2>Carried in from ${e(carried.date)}</h2>
<p>The checks started from the state at the end of ${e(carried.date)}, ${SOURCE_WORDS[carried.source] ?? e(carried.source)}.</p>
<p class="muted">${e(carried.note)}<br>State SHA-256 <code>${e(carried.state_sha256)}</code> (data/compliance_state_start.json)${carried.log_sha256 === null ? '' : `; replayed log SHA-256 <code>${e(carried.log_sha256)}</code>`}.</p>`;
  if (state === undefined) return head;
  const cards = `<div class="grid">${counts(state)
    .map(([k, v]) => `<div class="card"><b>${fmt(v)}</b>${e(k)}</div>`)
    .join('')}</div>`;
  const lists = [
    table('Kill switches on at midnight', ['scope', 'turned on by'], state.kill_switch, (k) => [
      `<code>${e(k.scope)}</code>`,
      evidenceCell(e, k.evidence),
    ]),
    table(
      'Orders open at midnight',
      ['order', 'symbol', 'time in force', 'filled / quantity', 'price', 'status', 'accepted', 'evidence'],
      state.open_orders,
      (o) => orderRow(e, o),
    ),
    table('Reviews of signals', ['signal', 'decision', 'approves', 'time', 'evidence'], state.decisions, (d) => [
      e(d.signal_id),
      e(d.decision),
      d.approved ? 'yes' : 'no',
      e(isoOfUs(d.t_us)),
      evidenceCell(e, d.evidence),
    ]),
    table(
      'Risk checks still valid',
      ['order or signal', 'result', 'failed checks', 'time', 'evidence'],
      state.risk_checks,
      (r) => [
        e(r.key.slice(2)),
        r.pass ? 'pass' : 'reject',
        e(r.failed.join(', ')),
        e(isoOfUs(r.t_us)),
        evidenceCell(e, r.evidence),
      ],
    ),
    table('Users logged in', ['user', 'login'], state.sessions, (s) => [e(s.user), e(isoOfUs(s.login_us))]),
    table(
      'Config changes waiting for a snapshot (judged today)',
      ['changed', 'reason or ticket', 'evidence'],
      state.config_changes ?? [],
      (c) => [e(c.iso), c.has_reason ? 'yes' : 'no', evidenceCell(e, c.evidence)],
    ),
  ]
    .filter((t) => t !== '')
    .join('\n');
  return `${head}\n${cards}${lists === '' ? '' : `\n${lists}`}`;
}
