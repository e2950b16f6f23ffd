/**
 * String values of a scanned JSON line (src/json/line-scanner.ts), decoded from the line's bytes.
 */
import { type EntryTable, Kind } from './line-scanner.js';

/** The decoded text of a string value (entry `i`), or undefined when it is not a string. */
export function stringValue(line: Buffer, table: EntryTable, i: number): string | undefined {
  if (i < 0 || table.kind[i] !== Kind.String) return undefined;
  const vs = table.valueStart[i] as number;
  const ve = table.valueEnd[i] as number;
  if (table.valueEscaped[i] === 1) return JSON.parse(line.toString('utf8', vs, ve)) as string;
  return line.toString('utf8', vs + 1, ve - 1);
}

/**
 * Decodes short string values that repeat (categories, event names) without allocating a string
 * per line: the bytes are compared with the few seen so far. Past `limit` distinct values it
 * simply decodes.
 */
export class StringInterner {
  private readonly bytes: Buffer[] = [];
  private readonly strings: string[] = [];
  constructor(private readonly limit = 64) {}

  /** The string value of entry `i` (undefined when not a string). */
  value(line: Buffer, table: EntryTable, i: number): string | undefined {
    if (i < 0 || table.kind[i] !== Kind.String) return undefined;
    if (table.valueEscaped[i] === 1) return stringValue(line, table, i);
    const s = (table.valueStart[i] as number) + 1;
    const e = (table.valueEnd[i] as number) - 1;
    const len = e - s;
    const known = this.bytes;
    for (let k = 0; k < known.length; k++) {
      const b = known[k] as Buffer;
      if (b.length !== len) continue;
      let j = 0;
      while (j < len && line[s + j] === b[j]) j++;
      if (j === len) return this.strings[k];
    }
    const str = line.toString('utf8', s, e);
    if (known.length < this.limit) {
      known.push(Buffer.from(line.subarray(s, e)));
      this.strings.push(str);
    }
    return str;
  }
}
