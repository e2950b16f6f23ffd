/**
 * A text cell of the pack's CSVs (orders.csv, fills.csv, compliance_findings.csv) made safe for a
 * spreadsheet (docs/FORMAT.md, "Formula injection"), written once for every writer and reader.
 *
 * OWASP "CSV Injection": a spreadsheet runs a cell beginning with `=`, `+`, `-`, `@`, TAB or CR
 * as a formula, so such a cell gets a leading `'`. Excel in the locales whose list separator is
 * `;` (de-DE, fr-FR, it-IT, es-ES, nl-NL…) opens a `.csv` splitting it at `;`, and takes a quote
 * inside such a piece literally, so RFC 4180 quoting does not protect a formula after a `;`: under
 * CSV rules 2 a formula character right after `;` (or after `;"`, which a `;`-splitting reader
 * takes as an opening quote) gets a `'` too.
 */

/** The CSV cell rules this build writes (manifest.json `csv_rules`; a pack without it: 1). */
export const CSV_RULES = 2;

/** A CSV rules version this build can write: 1 (the first character only) or 2 (also after `;`). */
export type CsvRules = 1 | 2;

/** True when a text cell must be neutralised: it begins with = + - @ TAB or CR. */
export function isFormulaStart(c: number | undefined): boolean {
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d;
}

/** A formula character after `;`, or after `;"`. */
const AFTER_SEMICOLON = /;("?)(?=[=+\-@\t\r])/g;

/**
 * Prefixes `'` to text that a spreadsheet would run as a formula: at the start and, under rules
 * 2, after every `;` (`a;=1` becomes `a;'=1`, `a;"=1` becomes `a;"'=1`).
 */
export function neutraliseFormula(s: string, rules: CsvRules = CSV_RULES): string {
  const t = isFormulaStart(s.charCodeAt(0)) ? `'${s}` : s;
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
