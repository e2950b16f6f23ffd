/**
 * Whether two redacted texts may be copies of one file (fx58a): redaction keeps a config file's
 * lines (src/redaction/config-text.ts: layout and line count kept, a value replaced by the censor),
 * so two copies of one file redacted under different rules, then both redacted again by export,
 * agree line by line but for spans either replaced by the censor. Each line is read as a pattern
 * in which the censor stands for any text; two lines agree when some line matches both patterns.
 * Lines split at every YAML line break (`\r\n`, `\r`, `\n`): a censor never hides a line break.
 * Linear in the texts' length (no backtracking on hostile input).
 */
import { DEFAULT_CENSOR } from '../redaction/index.js';

const LINE_BREAK = /\r\n|\r|\n/;

/** Whether the pattern `pieces` (literals between censors) matches the censor-free line `s`. */
function matches(pieces: readonly string[], s: string): boolean {
  const first = pieces[0] as string;
  const last = pieces[pieces.length - 1] as string;
  if (pieces.length === 1) return first === s;
  if (first.length + last.length > s.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  let at = first.length;
  const end = s.length - last.length;
  for (const p of pieces.slice(1, -1)) {
    const i = s.indexOf(p, at);
    if (i === -1 || i + p.length > end) return false;
    at = i + p.length;
  }
  return true;
}

/** Whether some line matches both `a` and `b`, the censor in either standing for any text. */
function linesAgree(a: string, b: string): boolean {
  if (a === b) return true;
  const pa = a.split(DEFAULT_CENSOR);
  const pb = b.split(DEFAULT_CENSOR);
  if (pa.length === 1) return matches(pb, a);
  if (pb.length === 1) return matches(pa, b);
  // Both hold a censor: the texts before their first censors, and after their last, must not contradict.
  const [fa, fb] = [pa[0] as string, pb[0] as string];
  const [la, lb] = [pa[pa.length - 1] as string, pb[pb.length - 1] as string];
  return (fa.startsWith(fb) || fb.startsWith(fa)) && (la.endsWith(lb) || lb.endsWith(la));
}

/** Whether texts `a` and `b` may be redacted copies of one file: same line count, every line pair agreeing. */
export function censoredCopiesAgree(a: string, b: string): boolean {
  const la = a.split(LINE_BREAK);
  const lb = b.split(LINE_BREAK);
  return la.length === lb.length && la.every((line, i) => linesAgree(line, lb[i] as string));
}
