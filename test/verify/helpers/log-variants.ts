/**
 * Random logs for equivalence tests: a valid chain of events from a few processes (some clocks going
 * back, some late lines, categories that count towards a pack's CSVs and alerts), then random edits
 * of its bytes — lines deleted, duplicated, swapped, moved, garbage inserted, bytes flipped, the tail
 * cut. Used to check that two ways of reading a log (views or copies, any chunk size, one thread or
 * a file split in two) report exactly the same findings and facts.
 */
import fc from 'fast-check';
import { chainLines, DAY1, HOUR, type FixtureEvent } from './log-fixture.js';

const KINDS: { category: string; event: string; fields: Record<string, unknown> }[] = [
  {
    category: 'order',
    event: 'OrderAccepted',
    fields: { order_id: 'A-1', symbol: 'EURUSD', side: 'BUY', quantity: 100000, price: '1.10050' },
  },
  {
    category: 'fill',
    event: 'Filled',
    fields: { order_id: 'A-1', deal_id: 'D-1', symbol: 'EURUSD', side: 'BUY', quantity: 100000, price: '1.10051' },
  },
  { category: 'alert', event: 'AlertSent', fields: { alert_type: 'risk', message: 'drawdown 3%', severity: 'HIGH' } },
  { category: 'auth', event: 'Login', fields: { user: 'alice', source_ip: '10.0.0.7' } },
  { category: 'system', event: 'Started', fields: { note: 'a "quoted" name, é and a \n newline' } },
];

export type Edit =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number; to: number }
  | { op: 'swap'; at: number; to: number }
  | { op: 'move'; at: number; to: number }
  | { op: 'garbage'; at: number; text: string }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'cut'; bytes: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('move' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({
    op: fc.constant('garbage' as const),
    at: fc.nat(),
    text: fc.constantFrom('', 'garbage', '{"seq":3}', '{"ts":1,"iso_ts":"x"}', '\u0000\u00ff'),
  }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('cut' as const), bytes: fc.integer({ min: 1, max: 400 }) }),
);

/** A log: its day (`YYYY-MM-DD`), the file's bytes, and each untouched line's text (for alerts.jsonl). */
export interface LogVariant {
  readonly date: string;
  readonly bytes: Buffer;
  readonly lines: readonly string[];
}

/** Random valid days of 1–60 events, then 0–3 random edits. */
export function logVariant(): fc.Arbitrary<LogVariant> {
  const ev = fc.record({
    kind: fc.nat({ max: KINDS.length - 1 }),
    step: fc.integer({ min: -3_000_000, max: 60_000_000 }), // µs; negative: a clock going back
    pid: fc.constantFrom(4711, 4711, 4711, 99, 100),
    late: fc.boolean().map((b) => b && Math.random() < 0.2),
  });
  return fc
    .record({
      evs: fc.array(ev, { minLength: 1, maxLength: 60 }),
      edits: fc.array(edit, { maxLength: 3 }),
      startSeq: fc.constantFrom(1, 1, 1000),
    })
    .map(({ evs, edits, startSeq }) => {
      let t = DAY1 + 6 * HOUR;
      const events: FixtureEvent[] = evs.map((e) => {
        t += e.step;
        const k = KINDS[e.kind]!;
        // A late line carries a time of the day before.
        return {
          micros: e.late ? t - 24 * HOUR : t,
          category: k.category,
          event: k.event,
          fields: k.fields,
          pid: e.pid,
          late: e.late,
        };
      });
      const { lines } = chainLines(events, startSeq, startSeq === 1 ? '0'.repeat(64) : 'ab'.repeat(32));
      const edited = [...lines];
      let cut = 0;
      for (const e of edits) {
        const n = edited.length;
        if (n === 0) break;
        const at = e.op === 'cut' ? 0 : e.at % n;
        if (e.op === 'delete') edited.splice(at, 1);
        else if (e.op === 'duplicate') edited.splice(e.to % (n + 1), 0, edited[at]!);
        else if (e.op === 'swap') [edited[at], edited[e.to % n]] = [edited[e.to % n]!, edited[at]!];
        else if (e.op === 'move') edited.splice(e.to % n, 0, ...edited.splice(at, 1));
        else if (e.op === 'garbage') edited.splice(at, 0, e.text);
        else if (e.op === 'flip') {
          const s = edited[at]!;
          const i = (e.at * 7919) % Math.max(1, s.length);
          edited[at] = s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << e.bit)) + s.slice(i + 1);
        } else cut += e.bytes;
      }
      const whole = Buffer.from(edited.length === 0 ? '' : `${edited.join('\n')}\n`, 'utf8');
      return { date: '2025-09-08', bytes: whole.subarray(0, Math.max(0, whole.length - cut)), lines };
    });
}
