/**
 * Log fixtures written straight from docs/FORMAT.md ("A line", "The chain"), without auditpack's
 * logger: proof that the format can be produced from the document, and a way to craft exact
 * byte-level cases (torn lines, late lines, splices) the real logger would never write.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ZEROS = '0'.repeat(64);

export function sha256(b: string | Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface FixtureEvent {
  /** epoch microseconds */
  micros: number;
  category: string;
  event: string;
  fields?: Record<string, unknown>;
  late?: boolean;
  host?: string;
  pid?: number;
}

/** Formats the head fields exactly as FORMAT.md shows them. */
function head(micros: number): string {
  const sec = Math.floor(micros / 1e6);
  const frac = String(micros - sec * 1e6).padStart(6, '0');
  const iso = `${new Date(sec * 1000).toISOString().slice(0, 19)}.${frac}Z`;
  return `{"ts":${sec}.${frac},"iso_ts":"${iso}"`;
}

/** One line (no "\n") with the given seq and prev. */
export function formatLine(ev: FixtureEvent, seq: number, prev: string): string {
  let body = `,"category":${JSON.stringify(ev.category)},"event":${JSON.stringify(ev.event)}`;
  for (const [k, v] of Object.entries(ev.fields ?? {})) body += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  return `${head(ev.micros)},"seq":${seq}${ev.late ? ',"late":true' : ''}${body},"host":${JSON.stringify(ev.host ?? 'trader-1')},"pid":${ev.pid ?? 4711},"prev":"${prev}"}`;
}

/**
 * The `system`/`TornLineRecovered` event a later writer appends for `fragment`, the torn line at
 * byte `offset` of `file` (docs/FORMAT.md, "Torn writes").
 */
export function recoveryEvent(file: string, offset: number, fragment: string, micros: number): FixtureEvent {
  return {
    micros,
    category: 'system',
    event: 'TornLineRecovered',
    fields: {
      file,
      fragment_offset: offset,
      fragment_bytes: Buffer.byteLength(fragment),
      fragment_sha256: sha256(fragment),
    },
  };
}

/** A chain of lines continuing from (seq, prev). */
export function chainLines(
  events: FixtureEvent[],
  startSeq = 1,
  startPrev = ZEROS,
): { lines: string[]; seq: number; prev: string } {
  const lines: string[] = [];
  let seq = startSeq;
  let prev = startPrev;
  for (const ev of events) {
    const line = formatLine(ev, seq, prev);
    lines.push(line);
    prev = sha256(line);
    seq++;
  }
  return { lines, seq, prev };
}

export const DAY1 = Date.UTC(2025, 8, 8) * 1000; // 2025-09-08T00:00Z in µs
export const HOUR = 3_600_000_000;

let orderN = 0;
/** A realistic mix of events at increasing times from `start`. */
export function tradingEvents(n: number, start = DAY1 + 7 * HOUR, stepMicros = 1_234_567): FixtureEvent[] {
  const out: FixtureEvent[] = [];
  for (let i = 0; i < n; i++) {
    const micros = start + i * stepMicros;
    const k = i % 7;
    const id = `A-${++orderN}`;
    if (k === 0)
      out.push({ micros, category: 'auth', event: 'Login', fields: { user: 'alice', source_ip: '10.0.0.7' } });
    else if (k === 1 || k === 2)
      out.push({
        micros,
        category: 'order',
        event: 'OrderAccepted',
        fields: { order_id: id, symbol: 'EURUSD', side: 'BUY', quantity: 100000, price: '1.10050' },
      });
    else if (k === 3)
      out.push({
        micros,
        category: 'fill',
        event: 'Filled',
        fields: { order_id: id, deal_id: `D-${i}`, symbol: 'EURUSD', side: 'BUY', quantity: 100000, price: '1.10051' },
      });
    else if (k === 4)
      out.push({
        micros,
        category: 'order',
        event: 'Rejected',
        fields: {
          order_id: id,
          symbol: 'GBPUSD',
          side: 'SELL',
          quantity: 5,
          price: '1.2',
          message: 'margin, "quoted"\nnext',
        },
      });
    else if (k === 5)
      out.push({
        micros,
        category: 'alert',
        event: 'AlertSent',
        fields: { alert_type: 'risk', message: 'drawdown 3%', severity: 'HIGH' },
      });
    else
      out.push({
        micros,
        category: 'config',
        event: 'ConfigChanged',
        fields: { config_type: 'risk', old_value: 1, new_value: 2, file_path: 'configs/risk.yaml' },
      });
  }
  return out;
}

/** Writes lines as a file (each "\n"-terminated). */
export function writeLines(path: string, lines: string[]): void {
  writeFileSync(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}

/** A logs directory of `days` consecutive days, `perDay` events each, chained across days. */
export function writeLogDir(dir: string, days: number, perDay: number): { files: string[]; lines: string[][] } {
  mkdirSync(dir, { recursive: true });
  let seq = 1;
  let prev = ZEROS;
  const files: string[] = [];
  const all: string[][] = [];
  for (let d = 0; d < days; d++) {
    const start = DAY1 + d * 24 * HOUR + 6 * HOUR;
    const r = chainLines(tradingEvents(perDay, start), seq, prev);
    seq = r.seq;
    prev = r.prev;
    const date = new Date((DAY1 + d * 24 * HOUR) / 1000).toISOString().slice(0, 10).replaceAll('-', '');
    const path = join(dir, `audit-${date}.jsonl`);
    writeLines(path, r.lines);
    files.push(path);
    all.push(r.lines);
  }
  return { files, lines: all };
}
