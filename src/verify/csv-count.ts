/**
 * Counting the records of a pack's RFC 4180 CSV (orders.csv, fills.csv) as it streams past, and
 * fingerprinting their `seq` column, so row counts can be checked against the log without keeping
 * the rows. Quoted fields may hold commas, quotes and line breaks. Bounded memory: only the header
 * (up to 64 KiB) and the current `seq` cell are kept.
 */
import { boundedIndexOf } from '../fsx/byte-sink.js';
import { addSeq, emptySeqPrint, type SeqPrint } from './seq-print.js';

const MAX_HEADER = 64 * 1024;

export interface CsvStats {
  /** Records after the header. */
  readonly records: number;
  readonly header: readonly string[] | undefined;
  /** Fingerprint of the `seq` column (when the header has one). */
  readonly seqs: SeqPrint;
  /** First defect found, for people (undefined when the file is well-formed). */
  readonly defect: string | undefined;
}

/** Push-based CSV record counter. */
export class CsvCounter {
  private inQuotes = false;
  private quotePending = false; // saw a quote inside a quoted field: either "" or the field's end
  private atFieldStart = true;
  private field = 0;
  private record = 0; // 0 = header
  private headerLen = 0;
  private headerFields: string[] = [];
  private headerCell: number[] = [];
  private seqCol = -1;
  private seqVal = 0;
  private seqLen = 0;
  private seqBad = false;
  private defect: string | undefined;
  private readonly seqs = emptySeqPrint();
  private lastByte = -1;
  private recordHasData = false;

  write(chunk: Buffer): void {
    let i = 0;
    // The header row, byte by byte (it is short); then the records in a tight loop.
    while (this.record === 0 && i < chunk.length) this.headerByte(chunk[i++] as number);
    if (i < chunk.length) this.records(chunk, i);
  }

  /**
   * The records: a loop over local variables. Only the `seq` cell is read; other cells are only
   * delimited, and their ordinary bytes are skipped in tight inner loops (inside quotes only a
   * quote matters), which is most of a pack's CSV bytes (the verify benchmark's profile). Same states and
   * transitions as headerByte.
   */
  private records(chunk: Buffer, start: number): void {
    let inQ = this.inQuotes;
    let qp = this.quotePending;
    let field = this.field;
    let atStart = this.atFieldStart;
    let hasData = this.recordHasData;
    let seqVal = this.seqVal;
    let seqLen = this.seqLen;
    let seqBad = this.seqBad;
    let record = this.record;
    const seqCol = this.seqCol;
    const n = chunk.length;
    let i = start;
    while (i < n) {
      if (inQ) {
        if (qp) {
          const c = chunk[i] as number;
          qp = false;
          if (c === 0x22) {
            if (field === seqCol) seqBad = true;
            i++;
            continue;
          }
          inQ = false; // the quote closed the field; c is handled below
        } else if (field !== seqCol) {
          // Inside a quoted cell other than seq: nothing but a quote changes anything.
          i = closingQuote(chunk, i, n);
          if (i < n) {
            qp = true;
            i++;
          }
          continue;
        } else {
          const c = chunk[i++] as number;
          if (c === 0x22) qp = true;
          else if (c >= 0x30 && c <= 0x39 && !(seqLen === 0 && c === 0x30)) {
            seqVal = seqVal * 10 + (c - 0x30);
            seqLen++;
          } else seqBad = true;
          continue;
        }
      }
      if (field !== seqCol) {
        // An unquoted cell other than seq: skip its ordinary bytes.
        const from = i;
        i = plainCellEnd(chunk, i, n);
        if (i > from) {
          atStart = false;
          hasData = true;
          if (i === n) break;
        }
      }
      const c = chunk[i++] as number;
      if (c === 0x2c) {
        field++;
        atStart = true;
        hasData = true;
      } else if (c === 0x0a) {
        if (seqCol !== -1) this.seqOfRecord(record, seqBad, seqLen, seqVal);
        record++;
        field = 0;
        atStart = true;
        hasData = false;
        seqVal = 0;
        seqLen = 0;
        seqBad = false;
      } else if (c === 0x0d) {
        // the first half of CRLF
      } else if (c === 0x22) {
        if (atStart) {
          inQ = true;
          atStart = false;
          hasData = true;
        } else this.note('a double quote inside an unquoted field');
      } else {
        atStart = false;
        hasData = true;
        if (field === seqCol) {
          if (c >= 0x30 && c <= 0x39 && !(seqLen === 0 && c === 0x30)) {
            seqVal = seqVal * 10 + (c - 0x30);
            seqLen++;
          } else seqBad = true;
        }
      }
    }
    this.inQuotes = inQ;
    this.quotePending = qp;
    this.field = field;
    this.atFieldStart = atStart;
    this.recordHasData = hasData;
    this.seqVal = seqVal;
    this.seqLen = seqLen;
    this.seqBad = seqBad;
    this.record = record;
  }

  /** One byte of the header row. */
  private headerByte(c: number): void {
    this.lastByte = c;
    if (this.inQuotes) {
      if (this.quotePending) {
        this.quotePending = false;
        if (c === 0x22) {
          this.cell(c);
          return;
        }
        this.inQuotes = false;
      } else {
        if (c === 0x22) this.quotePending = true;
        else this.cell(c);
        return;
      }
    }
    if (c === 0x2c) {
      this.endField();
      this.field++;
      this.atFieldStart = true;
      this.recordHasData = true;
    } else if (c === 0x0a) {
      this.endRecord();
    } else if (c === 0x0d) {
      // CRLF
    } else if (c === 0x22) {
      if (this.atFieldStart) {
        this.inQuotes = true;
        this.atFieldStart = false;
        this.recordHasData = true;
      } else this.note('a double quote inside an unquoted field');
    } else {
      this.atFieldStart = false;
      this.recordHasData = true;
      this.cell(c);
    }
  }

  finish(): CsvStats {
    if (this.inQuotes && !this.quotePending) this.note('the file ends inside a quoted field');
    if (this.quotePending) this.inQuotes = false;
    if (this.recordHasData || this.field > 0) {
      this.note('the last record is not terminated by CRLF');
      this.endRecord();
    }
    if (this.lastByte === -1) this.note('the file is empty (no header row)');
    else if (this.record === 0 && !this.recordHasData) this.note('no complete header row');
    return {
      records: Math.max(0, this.record - 1),
      header: this.record > 0 ? this.headerFields : undefined,
      seqs: this.seqs,
      defect: this.defect,
    };
  }

  private cell(c: number): void {
    if (this.headerLen++ < MAX_HEADER) this.headerCell.push(c);
  }

  private endField(): void {
    if (this.record === 0) {
      this.headerFields.push(Buffer.from(this.headerCell).toString('utf8'));
      this.headerCell = [];
    }
  }

  private endRecord(): void {
    if (this.record === 0) {
      this.endField();
      this.seqCol = this.headerFields.indexOf('seq');
    } else if (this.seqCol !== -1) this.seqOfRecord(this.record, this.seqBad, this.seqLen, this.seqVal);
    this.record++;
    this.field = 0;
    this.atFieldStart = true;
    this.seqVal = 0;
    this.seqLen = 0;
    this.seqBad = false;
    this.recordHasData = false;
  }

  /** A record's seq cell, read digit by digit: fingerprinted when valid (1 to 15 digits, no leading zero). */
  private seqOfRecord(record: number, bad: boolean, len: number, value: number): void {
    if (!bad && len > 0 && len <= 15) addSeq(this.seqs, value);
    else this.note(`record ${record} has no valid seq`);
  }

  private note(d: string): void {
    this.defect ??= d;
  }
}

/**
 * In a quoted cell from i: the index of its closing quote, or n when the chunk ends first. A
 * doubled quote ("") leaves the cell quoted; a quote that is the chunk's last byte closes it
 * unless the next chunk starts with a quote (quotePending decides then).
 */
function closingQuote(chunk: Buffer, i: number, n: number): number {
  for (;;) {
    i = nextQuote(chunk, i, n);
    if (i >= n) return n;
    if (i + 1 < n && chunk[i + 1] === 0x22) i += 2;
    else return i;
  }
}

/**
 * The index of the next `"` in `chunk[i, n)`, or n: the first bytes one by one (quotes come every
 * few bytes in a cell of JSON), then a native search (a long text inside the cell: byte by byte, the
 * count of a 4 KB-line pack's CSVs took ~2.4 s of verify's hashing thread).
 */
function nextQuote(chunk: Buffer, i: number, n: number): number {
  const probe = Math.min(n, i + 32);
  for (; i < probe; i++) if (chunk[i] === 0x22) return i;
  return i >= n ? n : boundedIndexOf(chunk, 0x22, i, n);
}

/**
 * In an unquoted cell from i: the index of the next byte that matters (, LF CR "), or n. They are
 * all <= 0x2c: one comparison a byte for most text, and an exact test only for the rest.
 */
function plainCellEnd(chunk: Buffer, i: number, n: number): number {
  for (;;) {
    while (i < n && (chunk[i] as number) > 0x2c) i++;
    if (i >= n) return n;
    const c = chunk[i] as number;
    if (c === 0x2c || c === 0x0a || c === 0x0d || c === 0x22) return i;
    i++;
  }
}
