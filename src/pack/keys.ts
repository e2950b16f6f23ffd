/**
 * Recognising the top-level keys the export cares about, by comparing bytes (no string per key).
 */
import { EXTRACTED_FIELDS } from '../compliance/extract.js';
import type { EntryTable } from '../json/line-scanner.js';

/** Keys with a meaning to the export, by id. */
export const KEY = Object.freeze({
  ts: 0,
  iso_ts: 1,
  seq: 2,
  category: 3,
  event: 4,
  prev: 5,
  late: 6,
  severity: 7,
  order_id: 8,
  deal_id: 9,
  symbol: 10,
  side: 11,
  quantity: 12,
  price: 13,
} as const);
export type KeyName = keyof typeof KEY;
export const KEY_NAMES = Object.freeze(Object.keys(KEY) as KeyName[]);
const KEY_COUNT = KEY_NAMES.length;

/**
 * Every key the export or the compliance checks read, with its id in each (-1 where it has none):
 * one comparison of a line's keys serves the rows and the checks' records.
 */
interface Known {
  readonly bytes: Buffer;
  readonly id: number;
  readonly field: number;
}
const KNOWN = new Map<string, Known>();
for (const name of new Set<string>([...KEY_NAMES, ...EXTRACTED_FIELDS]))
  KNOWN.set(name, {
    bytes: Buffer.from(name, 'latin1'),
    id: (KEY as Record<string, number>)[name] ?? -1,
    field: (EXTRACTED_FIELDS as readonly string[]).indexOf(name),
  });
const BY_LENGTH: Known[][] = [];
for (const k of KNOWN.values()) (BY_LENGTH[k.bytes.length] ??= []).push(k);

/** Per line: for each known key, the index of its last entry in the table (JSON.parse keeps the last), or -1. */
export class KeyIndex {
  /** entry index by key id, -1 when absent. */
  readonly at: Int32Array = new Int32Array(KEY_COUNT);
  /** key id by entry index, -1 for other keys. */
  ids: Int16Array = new Int16Array(64);
  /** The compliance checks' field id (index in EXTRACTED_FIELDS) by entry index, -1 for other keys. */
  fields: Int16Array = new Int16Array(64);

  /** Fills `at` and `ids` for the entries of `line` in `table`. */
  index(line: Uint8Array, table: EntryTable): void {
    this.at.fill(-1);
    if (this.ids.length < table.count) {
      this.ids = new Int16Array(table.keyStart.length);
      this.fields = new Int16Array(table.keyStart.length);
    }
    for (let i = 0; i < table.count; i++) {
      const ks = (table.keyStart[i] as number) + 1;
      const ke = (table.keyEnd[i] as number) - 1;
      let known: Known | undefined;
      if (table.keyEscaped[i] === 1) {
        // A key written with escapes ("cat\u0065gory") is the same key to JSON.parse.
        known = KNOWN.get(JSON.parse(Buffer.from(line.subarray(ks - 1, ke + 1)).toString('utf8')) as string);
      } else {
        const bucket = BY_LENGTH[ke - ks];
        if (bucket !== undefined) {
          for (const cand of bucket) {
            let j = 0;
            const b = cand.bytes;
            while (j < b.length && line[ks + j] === b[j]) j++;
            if (j === b.length) {
              known = cand;
              break;
            }
          }
        }
      }
      const id = known === undefined ? -1 : known.id;
      this.ids[i] = id;
      this.fields[i] = known === undefined ? -1 : known.field;
      if (id >= 0) this.at[id] = i;
    }
  }
}
