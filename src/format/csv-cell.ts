/**
 * A text cell of the pack's CSVs (orders.csv, fills.csv, compliance_findings.csv) made safe for a
 * spreadsheet (docs/FORMAT.md, "Formula injection"), written once for every writer and reader.
 *
 * OWASP "CSV Injection": a spreadsheet runs a cell beginning with `=`, `+`, `-`, `@`, TAB or CR
 * as a formula, so such a cell gets a leading `'`. Excel in the locales whose list separator is
 * `;` (de-DE, fr-FR, it-IT, es-ES, nl-NL…) opens a `.csv` splitting it at `;`, and takes a quote
 * inside such a piece literally, so RFC 4180 quoting does not protect a formula after a `;`: under
 * CSV rules 2 a formula character right after `;` (or after `;"`, which a `;`-splitting reader
 * takes as an opening quote) gets a `'` too. Such a reader also ends the record at a CR or LF
 * inside a cell (the comma-CSV's quote around the cell is no longer at the start of a `;` field,
 * so it is taken literally): under CSV rules 3 a formula character right after CR or LF (or after
 * CR or LF and `"`) gets a `'` too, as the first cell of the row that reader starts there.
 */

/** The CSV cell rules this build writes (manifest.json `csv_rules`; a pack without it: 1). */
export const CSV_RULES = 3;

/**
 * A CSV rules version this build can write: 1 (the first character only), 2 (also after `;`) or
 * 3 (also after CR or LF).
 */
export type CsvRules = 1 | 2 | 3;

/** The `csv_rules` values a manifest may record (a pack without the field: rules 1). */
export const RECORDED_CSV_RULES: readonly CsvRules[] = Object.freeze([2, 3]);

/** True when a text cell must be neutralised: it begins with = + - @ TAB or CR. */
export function isFormulaStart(c: number | undefined): boolean {
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d;
}

/** A formula character after `;`, or after `;"`. */
const AFTER_SEMICOLON = /;("?)(?=[=+\-@\t\r])/g;
/** A formula character after `;`, CR or LF, or after one of them and `"`. */
const AFTER_BREAK = /([;\r\n])("?)(?=[=+\-@\t\r])/g;
const HAS_BREAK = /[;\r\n]/;

/**
 * Prefixes `'` to text that a spreadsheet would run as a formula: at the start; under rules 2,
 * after every `;` (`a;=1` becomes `a;'=1`, `a;"=1` becomes `a;"'=1`); under rules 3, after every
 * CR and LF too (`a\n=1` becomes `a\n'=1`, `a\r\n"=1` becomes `a\r\n"'=1`).
 */
export function neutraliseFormula(s: string, rules: CsvRules = CSV_RULES): string {
  const t = isFormulaStart(s.charCodeAt(0)) ? `'${s}` : s;
  if (rules >= 3) return HAS_BREAK.test(t) ? t.replace(AFTER_BREAK, "$1$2'") : t;
  return rules >= 2 && t.includes(';') ? t.replace(AFTER_SEMICOLON, ";$1'") : t;
}

/** Quotes a field when RFC 4180 requires it (a comma, a quote, CR or LF). */
export function csvField(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 44 || c === 13 || c === 10) return `"${s.replaceAll('"', '""')}"`;
  }
  return s;
}
