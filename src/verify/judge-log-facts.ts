/**
 * data/audit.jsonl against manifest.json (the chain span and the event counts), and the CSVs and
 * data/alerts.jsonl against both: row counts, the rows' seq fingerprint, and each alert found
 * byte for byte among the log's events.
 */
import { PACK_PATH } from '../format/pack.js';
import { isCount, isObj, type Json } from './json-shapes.js';
import type { LogFacts } from './log-facts.js';
import type { ManifestSummary, PackFacts } from './pack-facts.js';
import { printableName, type Findings } from './report.js';
import type { SeqPrint } from './seq-print.js';

type Manifest = Record<string, Json>;
type Rows = Record<string, Json> | undefined;

/** Every check of the log's facts; `man` is undefined when manifest.json could not be read. */
export function judgeLogFacts(
  facts: PackFacts,
  f: Findings,
  man: { m: Manifest; chain: ManifestSummary['chain'] } | undefined,
): void {
  const log = facts.log;
  if (log === undefined) return; // missing audit.jsonl is already PACK_FILE_MISSING (or unlisted)
  if (man?.chain !== undefined) judgeChainSpan(man.chain, log, f);
  const m = man?.m;
  if (m !== undefined) judgeEventCounts(m, log, f);
  const rows = m !== undefined && isObj(m.rows) ? m.rows : undefined;
  if (m !== undefined && (rows === undefined || !isCount(rows.orders) || !isCount(rows.fills) || !isCount(rows.alerts)))
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', PACK_PATH.manifestJson, 'rows needs orders, fills and alerts');
  judgeCsvRows(facts, 'orders', log.orders, rows, f);
  judgeCsvRows(facts, 'fills', log.fills, rows, f);
  judgeAlerts(facts, log, rows, f);
}

/** manifest.json `chain` against the log's first and last lines. */
function judgeChainSpan(chain: NonNullable<ManifestSummary['chain']>, log: LogFacts, f: Findings): void {
  if (chain.endHash !== log.endHash) {
    f.add(
      'PACK_CHAIN_END_MISMATCH',
      'error',
      PACK_PATH.log,
      `the log's last complete line hashes to ${log.endHash ?? '(no line)'}, manifest.json chain.end_hash is ${chain.endHash ?? 'null'}: the log's tail was cut or extended`,
    );
  }
  if (chain.lastSeq !== log.lastSeq) {
    f.add(
      'PACK_CHAIN_END_MISMATCH',
      'error',
      PACK_PATH.log,
      `the log's last seq is ${log.lastSeq ?? 'none'}, manifest.json chain.last_seq is ${chain.lastSeq ?? 'null'}`,
    );
  }
  if (chain.firstSeq !== log.firstSeq || chain.startPrev !== log.startPrev) {
    f.add(
      'PACK_CHAIN_START_MISMATCH',
      'error',
      PACK_PATH.log,
      `the log starts at seq ${log.firstSeq ?? 'none'} (prev ${log.startPrev?.slice(0, 16) ?? 'none'}…), manifest.json chain says seq ${chain.firstSeq ?? 'null'} (prev ${chain.startPrev?.slice(0, 16) ?? 'null'}…)`,
    );
  }
}

/** manifest.json `events` against the events the log holds. */
function judgeEventCounts(m: Manifest, log: LogFacts, f: Findings): void {
  const ev = m.events;
  if (!isObj(ev) || !isCount(ev.total) || !isObj(ev.by_category) || !isCount(ev.malformed_lines) || !isCount(ev.late)) {
    f.add(
      'PACK_MANIFEST_JSON_INVALID',
      'error',
      PACK_PATH.manifestJson,
      'events needs total, by_category, malformed_lines and late',
    );
    return;
  }
  const diffs: string[] = [];
  if (ev.total !== log.events) diffs.push(`total ${ev.total} vs ${log.events} in the log`);
  if (ev.malformed_lines !== log.malformed) diffs.push(`malformed_lines ${ev.malformed_lines} vs ${log.malformed}`);
  if (ev.late !== log.late) diffs.push(`late ${ev.late} vs ${log.late}`);
  const byCategory = ev.by_category;
  const cats = new Set([...Object.keys(byCategory), ...Object.keys(log.byCategory)]);
  for (const cat of cats) {
    const a = Object.hasOwn(byCategory, cat) ? byCategory[cat] : 0;
    const b = log.byCategory[cat] ?? 0;
    if (a !== b)
      diffs.push(`by_category.${printableName(cat).slice(0, 40)} ${JSON.stringify(a)?.slice(0, 20)} vs ${b}`);
  }
  if (diffs.length > 0)
    f.add(
      'PACK_EVENT_COUNT_MISMATCH',
      'error',
      PACK_PATH.manifestJson,
      `event counts disagree with data/audit.jsonl: ${diffs.slice(0, 8).join('; ')}`,
    );
}

/** A CSV's rows against manifest.json `rows` and against the order or fill events of the log. */
function judgeCsvRows(facts: PackFacts, name: 'orders' | 'fills', fromLog: SeqPrint, rows: Rows, f: Findings): void {
  const path = PACK_PATH[name];
  const stats = facts.csv.get(path);
  if (stats === undefined) return; // missing: reported by the manifest checks
  if (stats.defect !== undefined) f.add('PACK_CSV_INVALID', 'error', path, stats.defect);
  if (stats.header === undefined || !stats.header.includes('seq'))
    f.add('PACK_CSV_INVALID', 'error', path, 'no header row with a seq column');
  const want = rows !== undefined && isCount(rows[name]) ? (rows[name] as number) : undefined;
  if (want !== undefined && want !== stats.records) {
    f.add('PACK_ROW_COUNT_MISMATCH', 'error', path, `${stats.records} rows, manifest.json rows.${name} says ${want}`);
  }
  const kind = name === 'orders' ? 'order' : 'fill';
  if (fromLog.count !== stats.records) {
    f.add(
      'PACK_ROW_COUNT_MISMATCH',
      'error',
      path,
      `${stats.records} rows, but data/audit.jsonl holds ${fromLog.count} ${kind} events`,
    );
  } else if (
    stats.header?.includes('seq') === true &&
    (fromLog.sum !== stats.seqs.sum || fromLog.mix !== stats.seqs.mix)
  ) {
    f.add(
      'PACK_ROW_COUNT_MISMATCH',
      'error',
      path,
      `the rows' seq values are not those of the ${kind} events in data/audit.jsonl`,
    );
  }
}

/** data/alerts.jsonl: its line count, and each line found in order among the log's events. */
function judgeAlerts(facts: PackFacts, log: LogFacts, rows: Rows, f: Findings): void {
  const alerts = facts.alerts;
  if (alerts === undefined) return;
  const path = PACK_PATH.alerts;
  const want = rows !== undefined && isCount(rows.alerts) ? rows.alerts : undefined;
  if (alerts.unterminated)
    f.add('PACK_ALERT_NOT_IN_LOG', 'error', path, 'the last line is not terminated by a newline');
  if (want !== undefined && want !== alerts.lines)
    f.add('PACK_ROW_COUNT_MISMATCH', 'error', path, `${alerts.lines} lines, manifest.json rows.alerts says ${want}`);
  if (alerts.hashes === undefined) {
    f.add(
      'PACK_ALERT_NOT_IN_LOG',
      'info',
      path,
      'too many lines to cross-check against data/audit.jsonl in bounded memory; counted only',
    );
  } else if (log.alertsMatched < alerts.hashes.length) {
    f.add(
      'PACK_ALERT_NOT_IN_LOG',
      'error',
      path,
      `line ${log.alertsMatched + 1} is not, byte for byte, an event of data/audit.jsonl (in log order)`,
      log.alertsMatched + 1,
    );
  }
}
