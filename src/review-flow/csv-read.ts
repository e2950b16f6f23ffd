/**
 * Reading a CSV a reviewer filled in and sent back (RFC 4180, as a spreadsheet saves it: CRLF or
 * LF, an optional UTF-8 BOM, quoted fields spanning lines). The file is hostile: bounded in rows
 * and cell size, and a malformed file is a reason, never an exception.
 */

/** Rows of cells, or why the text is not CSV. */
export type CsvParse = { readonly rows: string[][] } | { readonly error: string };

const MAX_ROWS = 100_000;
const MAX_CELL_CHARS = 100_000;

/** Parses CSV text into rows (a final empty line is no row). */
export function parseCsv(text: string): CsvParse {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let line = 1;
  const endCell = (): string | undefined => {
    if (cell.length > MAX_CELL_CHARS) return `line ${line}: a cell longer than ${MAX_CELL_CHARS} characters`;
    row.push(cell);
    cell = '';
    return undefined;
  };
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '"' && cell === '') {
      const end = quotedEnd(s, i + 1);
      if (end === -1) return { error: `line ${line}: a quoted field that never ends` };
      cell = s.slice(i + 1, end).replace(/""/g, '"');
      line += countNewlines(cell);
      i = end + 1;
      const next = s[i];
      if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n')
        return { error: `line ${line}: text after a closing quote` };
      if (cell === '') cell = '\u0000empty'; // a quoted empty cell: keep it apart from "no cell yet"
      continue;
    }
    if (c === ',' || c === '\n' || (c === '\r' && s[i + 1] === '\n')) {
      if (cell === '\u0000empty') cell = '';
      const err = endCell();
      if (err !== undefined) return { error: err };
      if (c !== ',') {
        rows.push(row);
        row = [];
        line += 1;
        if (rows.length > MAX_ROWS) return { error: `more than ${MAX_ROWS} rows` };
      }
      i += c === '\r' ? 2 : 1;
      continue;
    }
    if (c === '"') return { error: `line ${line}: a quote inside an unquoted field` };
    cell += c;
    i += 1;
    if (cell.length > MAX_CELL_CHARS) return { error: `line ${line}: a cell longer than ${MAX_CELL_CHARS} characters` };
  }
  if (cell !== '' || row.length > 0) {
    if (cell === '\u0000empty') cell = '';
    row.push(cell);
    rows.push(row);
  }
  return { rows };
}

/** Index of the closing quote of a quoted field starting at `from`, or -1. */
function quotedEnd(s: string, from: number): number {
  let j = from;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q === -1) return -1;
    if (s[q + 1] === '"') {
      j = q + 2;
      continue;
    }
    return q;
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === '\n') n += 1;
  return n;
}

/** A cell as a spreadsheet user meant it: a leading `'` (the text marker, and the export's formula escape) removed. */
export function cellText(cell: string | undefined): string {
  const c = (cell ?? '').trim();
  return c.startsWith("'") ? c.slice(1) : c;
}
