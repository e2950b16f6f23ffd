/**
 * CsvCounter: record counts, the seq fingerprint and the first defect, compared with a plain
 * byte-at-a-time model of the same rules (the counter's loop before its speed-up), on random
 * CSV-like bytes cut into random chunks; and with Python's csv module on a realistic file.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvCounter, type CsvStats } from '../../src/verify/csv-count.js';
import { addSeq, emptySeqPrint } from '../../src/verify/seq-print.js';
import { tempDir } from '../helpers/tmp.js';
import { PYTHON } from '../helpers/python.js';

/** The rules, one byte at a time: RFC 4180 quoting, CR ignored outside quotes, seq read as a positive integer. */
function model(bytes: Buffer): CsvStats {
  let inQ = false;
  let qp = false;
  let atStart = true;
  let hasData = false;
  let field = 0;
  let record = 0;
  let cell: number[] = [];
  const header: string[] = [];
  let seqCol = -1;
  let seqVal = 0;
  let seqLen = 0;
  let seqBad = false;
  let defect: string | undefined;
  const seqs = emptySeqPrint();
  const note = (d: string): void => {
    defect ??= d;
  };
  const seqByte = (c: number): void => {
    if (c >= 0x30 && c <= 0x39 && !(seqLen === 0 && c === 0x30)) {
      seqVal = seqVal * 10 + (c - 0x30);
      seqLen++;
    } else seqBad = true;
  };
  const cellByte = (c: number): void => {
    if (record === 0) cell.push(c);
    else if (field === seqCol) seqByte(c);
  };
  const endField = (): void => {
    if (record === 0) header.push(Buffer.from(cell).toString('utf8'));
    cell = [];
  };
  const endRecord = (): void => {
    if (record === 0) {
      endField();
      seqCol = header.indexOf('seq');
    } else if (seqCol !== -1) {
      if (!seqBad && seqLen > 0 && seqLen <= 15) addSeq(seqs, seqVal);
      else note(`record ${record} has no valid seq`);
    }
    record++;
    field = 0;
    atStart = true;
    hasData = false;
    seqVal = 0;
    seqLen = 0;
    seqBad = false;
  };
  for (const c of bytes) {
    if (inQ) {
      if (qp) {
        qp = false;
        if (c === 0x22) {
          if (record === 0) cell.push(c);
          else if (field === seqCol) seqBad = true;
          continue;
        }
        inQ = false;
      } else {
        if (c === 0x22) qp = true;
        else cellByte(c);
        continue;
      }
    }
    if (c === 0x2c) {
      if (record === 0) endField();
      field++;
      atStart = true;
      hasData = true;
    } else if (c === 0x0a) endRecord();
    else if (c === 0x0d) {
      // CRLF
    } else if (c === 0x22) {
      if (atStart) {
        inQ = true;
        atStart = false;
        hasData = true;
      } else note('a double quote inside an unquoted field');
    } else {
      atStart = false;
      hasData = true;
      cellByte(c);
    }
  }
  if (inQ && !qp) note('the file ends inside a quoted field');
  if (hasData || field > 0) {
    note('the last record is not terminated by CRLF');
    endRecord();
  }
  if (bytes.length === 0) note('the file is empty (no header row)');
  else if (record === 0 && !hasData) note('no complete header row');
  return { records: Math.max(0, record - 1), header: record > 0 ? header : undefined, seqs, defect };
}

function count(bytes: Buffer, cuts: number[]): CsvStats {
  const c = new CsvCounter();
  let at = 0;
  for (const k of [...cuts.map((x) => x % (bytes.length + 1))].sort((a, b) => a - b)) {
    c.write(bytes.subarray(at, Math.max(at, k)));
    at = Math.max(at, k);
  }
  c.write(bytes.subarray(at));
  return c.finish();
}

describe('CsvCounter', () => {
  it('agrees with the byte-at-a-time model on random CSV-like bytes in random chunks (property)', () => {
    // Runs longer than 32 bytes too: a quoted cell's long text is searched natively (nextQuote).
    const token = fc.constantFrom(
      'a',
      'x',
      '1',
      '7',
      '0',
      ',',
      '"',
      '""',
      '\n',
      '\r\n',
      '\r',
      'é',
      '{""k"":1}',
      'w'.repeat(31),
      'w'.repeat(33),
      'long text '.repeat(40),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('iso_ts,seq,extra\n', 'seq,a\r\n', '"seq","b"\n', 'a,b\n', '', 'a,"s""q",seq\n'),
        fc.array(token, { maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (header, body, cuts) => {
          const bytes = Buffer.from(header + body.join(''), 'utf8');
          expect(count(bytes, cuts)).toEqual(model(bytes));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("counts a realistic file as Python's csv module does, and fingerprints its seq column", () => {
    const dir = tempDir();
    const path = join(dir, 'orders.csv');
    const rows = ['iso_ts,seq,event,extra'];
    const print = emptySeqPrint();
    for (let s = 1; s <= 500; s++) {
      rows.push(
        `2025-09-08T00:00:00.${String(s).padStart(6, '0')}Z,${s},OrderAccepted,"{""acct"":""A42"",""note"":""a, b\nc""}"`,
      );
      addSeq(print, s);
    }
    const bytes = Buffer.from(`${rows.join('\r\n')}\r\n`);
    writeFileSync(path, bytes);
    const py = execFileSync(
      PYTHON,
      ['-c', 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)', path],
      { encoding: 'utf8' },
    );
    const got = count(bytes, [100, 4096, 7000]);
    expect(got.records).toBe(Number(py.trim()));
    expect(got).toEqual({ records: 500, header: ['iso_ts', 'seq', 'event', 'extra'], seqs: print, defect: undefined });
  });
});
