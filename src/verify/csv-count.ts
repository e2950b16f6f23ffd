/**
 * Counting the records of a pack's RFC 4180 CSV (orders.csv, fills.csv) as it streams past, and
 * fingerprinting their `seq` column, so row counts can be checked against the log without keeping
 * the rows. Quoted fields may hold commas, quotes and line breaks. Bounded memory: only the header
 * (up to 64 KiB) and the current `seq` cell are kept.
 */
import { addSeq, emptySeqPrint, type SeqPrint } from './log-check.js';

const MAX_HEADER = 64 * 1024;
const MAX_SEQ_CELL = 32;

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
  private seqCell = '';
  private seqOverflow = false;
  private defect: string | undefined;
  private readonly seqs = emptySeqPrint();
  private lastByte = -1;
  private recordHasData = false;

  write(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      this.lastByte = c;
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === 0x22) {
            this.cell(c);
            continue;
          }
          this.inQuotes = false; // the quote closed the field; handle c below
        } else {
          if (c === 0x22) this.quotePending = true;
          else this.cell(c);
          continue;
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
        // part of CRLF; a bare CR outside quotes is tolerated as a line end's first half
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
  }

  finish(): CsvStats {
    if (this.inQuotes && !this.quotePending) this.note('the file ends inside a quoted field');
    if (this.quotePending) this.inQuotes = false;
    if (this.recordHasData || this.field > 0) {
      this.note('the last record is not terminated by CRLF');
      this.endRecord();
    }
    if (this.lastByte === -1) this.note('the file is empty (no header row)');
    return {
      records: Math.max(0, this.record - 1),
      header: this.record > 0 ? this.headerFields : undefined,
      seqs: this.seqs,
      defect: this.defect,
    };
  }

  private cell(c: number): void {
    if (this.record === 0) {
      if (this.headerLen++ < MAX_HEADER) this.headerCell.push(c);
    } else if (this.field === this.seqCol) {
      if (this.seqCell.length < MAX_SEQ_CELL) this.seqCell += String.fromCharCode(c);
      else this.seqOverflow = true;
    }
  }

  private endField(): void {
    if (this.record === 0) {
      this.headerFields.push(Buffer.from(this.headerCell).toString('utf8'));
      this.headerCell = [];
    }
  }

  private endRecord(): void {
    this.endField();
    if (this.record === 0) {
      this.seqCol = this.headerFields.indexOf('seq');
    } else if (this.seqCol !== -1) {
      const s = this.seqCell;
      if (!this.seqOverflow && /^[1-9]\d{0,15}$/.test(s) && Number.isSafeInteger(Number(s))) addSeq(this.seqs, Number(s));
      else this.note(`record ${this.record} has no valid seq`);
    }
    this.record++;
    this.field = 0;
    this.atFieldStart = true;
    this.seqCell = '';
    this.seqOverflow = false;
    this.recordHasData = false;
  }

  private note(d: string): void {
    this.defect ??= d;
  }
}
