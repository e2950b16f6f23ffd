/**
 * Reading a host pack's orders.csv / fills.csv record by record with bounded memory, and the few
 * fields the merge needs. The files are RFC 4180 with CRLF (docs/FORMAT.md "orders.csv and
 * fills.csv"); a CRLF inside quotes does not end a record.
 */
import { closeSync, readSync } from 'node:fs';
import { openRegularSync } from './regular.js';

const CHUNK = 64 * 1024;

/** Yields whole records (with their CRLF) of a CSV file, one at a time, reading 64 KiB at a time. */
export class CsvRecordReader {
  private readonly fd: number;
  private buf = Buffer.alloc(0);
  private pos = 0;
  private quoted = false;
  private scan = 0;
  private eof = false;
  /** True once a record grew past `maxRecordBytes`: reading stopped there (a hostile file, never one we wrote). */
  oversized = false;

  /** `maxRecordBytes` bounds the memory one record may take (an unclosed quote makes the rest one record). */
  constructor(
    path: string,
    private readonly maxRecordBytes = Number.POSITIVE_INFINITY,
  ) {
    this.fd = openRegularSync(path); // a FIFO is refused, never waited on; a link never followed
  }

  /** The next record, or undefined at the end (a last record without CRLF is returned as is). */
  next(): Buffer | undefined {
    for (;;) {
      for (let i = this.scan; i < this.buf.length; i++) {
        const c = this.buf[i];
        if (c === 0x22) this.quoted = !this.quoted;
        else if (c === 0x0a && !this.quoted) {
          const rec = Buffer.from(this.buf.subarray(this.pos, i + 1));
          this.pos = i + 1;
          this.scan = this.pos;
          return rec;
        }
      }
      this.scan = this.buf.length;
      if (this.buf.length - this.pos > this.maxRecordBytes) {
        this.oversized = true;
        return undefined;
      }
      if (this.eof) {
        if (this.pos >= this.buf.length) return undefined;
        const rest = Buffer.from(this.buf.subarray(this.pos));
        this.pos = this.buf.length;
        return rest;
      }
      this.fill();
    }
  }

  private fill(): void {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const n = readSync(this.fd, chunk, 0, CHUNK, null);
    if (n === 0) this.eof = true;
    const kept = this.buf.subarray(this.pos);
    this.scan -= this.pos;
    this.buf = Buffer.concat([kept, chunk.subarray(0, n)]);
    this.pos = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The first `n` fields of a record, unquoted ("" for a missing one). */
export function csvFields(rec: Buffer, n: number): string[] {
  const s = rec.toString('utf8');
  const out: string[] = [];
  let i = 0;
  while (out.length < n && i <= s.length) {
    if (s[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q === -1) {
          v += s.slice(i);
          i = s.length;
          break;
        }
        v += s.slice(i, q);
        if (s[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      i = s.indexOf(',', i) === -1 ? s.length + 1 : s.indexOf(',', i) + 1;
    } else {
      let e = s.indexOf(',', i);
      if (e === -1) e = s.length;
      out.push(s.slice(i, e).replace(/\r?\n$/, ''));
      i = e + 1;
    }
  }
  while (out.length < n) out.push('');
  return out;
}
