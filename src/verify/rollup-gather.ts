/**
 * Reading a roll-up pack without trusting it, in one pass per file: the small files at its root
 * and its JSON payload files are read (bounded), the merged CSVs are streamed record by record —
 * hashed, counted per host and checked for order as they go — and the rest is hashed. Memory is
 * bounded by the number of hosts, never by the number of rows.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CsvRecordReader, csvFields } from '../fsx/csv-records.js';
import { sha256File } from '../fsx/digest.js';
import { wrapFsError } from '../errors.js';
import { compareBytes, PAYLOAD_DIR } from '../format/pack.js';
import { ROLLUP_FILLS, ROLLUP_LAYOUT_FILES, ROLLUP_ORDERS } from '../format/rollup.js';
import type { CollectedFile } from './pack-facts.js';
import { readBounded } from './pack-walk.js';

/** Bytes read into memory of a file at a roll-up's root (bagit.txt, rollup.json, signatures…). */
const ROOT_BOUND = 1024 * 1024;
/** A merged CSV record's bound: far above any row a pack holds (a log line's cells); past it reading stops. */
const MAX_RECORD = 16 * 1024 * 1024;
/** Distinct host names counted per merged CSV; the rest are counted under one name no host can have. */
const MAX_HOSTS = 100_000;
/** The name the hosts past MAX_HOSTS are counted under (a host name never holds a space). */
export const OTHER_HOSTS = 'more hosts';
/** Bytes read into memory of a JSON payload file (hosts.json, findings.json, the compliance report). */
const JSON_BOUND = 256 * 1024 * 1024;

/** One merged CSV as streamed: its header, rows per host, and rows out of (iso_ts, host, seq) order. */
export interface MergedCsvStats {
  header: string | undefined;
  readonly rows: Map<string, number>;
  readonly outOfOrder: Map<string, number>;
  /** The first out-of-order record per host (1-based record number). */
  readonly firstOutOfOrder: Map<string, number>;
  /** Records that are not `iso_ts,host,seq,…` with a whole-number seq: numbers, first few. */
  readonly malformed: number[];
  malformedCount: number;
  /** Reading stopped at a record longer than a row can be (its number). */
  oversized: number | undefined;
}

/** Everything gathered from a roll-up before judging it. */
export interface RollupFacts {
  readonly files: Map<string, CollectedFile>;
  readonly tags: Map<string, Buffer | 'too-large'>;
  /** JSON payload files by path (`data/hosts.json`…); 'too-large' past the bound. */
  readonly json: Map<string, Buffer | 'too-large'>;
  readonly csv: Map<string, MergedCsvStats>;
}

interface Row {
  readonly iso: string;
  readonly host: string;
  readonly seq: number;
}

/** The merge's order: iso_ts, then host (as bytes), then seq. */
const less = (a: Row, b: Row): boolean =>
  a.iso !== b.iso ? a.iso < b.iso : a.host !== b.host ? compareBytes(a.host, b.host) < 0 : a.seq < b.seq;

/** Streams one merged CSV: hashes its bytes, counts rows per host, counts rows below the running maximum. */
function scanMergedCsv(path: string): { file: CollectedFile; stats: MergedCsvStats } {
  const h = createHash('sha256');
  const stats: MergedCsvStats = {
    header: undefined,
    rows: new Map(),
    outOfOrder: new Map(),
    firstOutOfOrder: new Map(),
    malformed: [],
    malformedCount: 0,
    oversized: undefined,
  };
  let reader: CsvRecordReader;
  try {
    reader = new CsvRecordReader(path, MAX_RECORD);
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  let size = 0;
  let n = 0;
  let max: Row | undefined;
  try {
    for (let rec = reader.next(); rec !== undefined; rec = reader.next()) {
      h.update(rec);
      size += rec.length;
      n++;
      if (n === 1) {
        stats.header = rec.toString('utf8').replace(/\r?\n$/, '');
        continue;
      }
      const [iso, host, seqText] = csvFields(rec, 3) as [string, string, string];
      const seq = /^\d{1,15}$/.test(seqText) ? Number(seqText) : Number.NaN;
      if (iso === '' || host === '' || Number.isNaN(seq)) {
        stats.malformedCount++;
        if (stats.malformed.length < 5) stats.malformed.push(n);
        continue;
      }
      // A forged file naming millions of hosts must not grow memory with them.
      const key = stats.rows.has(host) || stats.rows.size < MAX_HOSTS ? host : OTHER_HOSTS;
      stats.rows.set(key, (stats.rows.get(key) ?? 0) + 1);
      const row = { iso, host: key, seq };
      if (max !== undefined && less(row, max)) {
        stats.outOfOrder.set(host, (stats.outOfOrder.get(host) ?? 0) + 1);
        if (!stats.firstOutOfOrder.has(host)) stats.firstOutOfOrder.set(host, n);
      } else max = row;
    }
    if (reader.oversized) stats.oversized = n + 1;
  } finally {
    reader.close();
  }
  return { file: { size, sha256: h.digest('hex') }, stats };
}

const MERGED = new Set([`${PAYLOAD_DIR}${ROLLUP_ORDERS}`, `${PAYLOAD_DIR}${ROLLUP_FILLS}`]);

/** The digest recorded for a file outside the layout, which is not read: no SHA-256 equals it. */
const NOT_READ = '(not read: not a file of the layout)';

/** Reads every file `walk` found (regular files only, names already checked). */
export async function gatherRollup(dir: string, found: readonly { rel: string; size: number }[]): Promise<RollupFacts> {
  const facts: RollupFacts = { files: new Map(), tags: new Map(), json: new Map(), csv: new Map() };
  for (const { rel, size } of found) {
    // A file outside the layout is an error whatever it holds (judgeRollupFileSet), and is never
    // read: a sparse terabyte costs no disk and would take hours to hash (as for a pack, at58 F8).
    if (!ROLLUP_LAYOUT_FILES.has(rel)) {
      facts.files.set(rel, { size, sha256: NOT_READ });
      continue;
    }
    const abs = join(dir, rel);
    if (MERGED.has(rel)) {
      const { file, stats } = scanMergedCsv(abs);
      facts.files.set(rel, file);
      facts.csv.set(rel, stats);
      continue;
    }
    const atRoot = !rel.includes('/');
    const bound = atRoot ? ROOT_BOUND : rel.endsWith('.json') ? JSON_BOUND : 0;
    if (bound > 0 && size <= bound) {
      const bytes = await readBounded(abs, bound);
      facts.files.set(rel, { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      (atRoot ? facts.tags : facts.json).set(rel, bytes);
      continue;
    }
    if (bound > 0) (atRoot ? facts.tags : facts.json).set(rel, 'too-large');
    try {
      facts.files.set(rel, sha256File(abs));
    } catch (err) {
      throw wrapFsError(err, 'read', abs);
    }
  }
  return facts;
}
