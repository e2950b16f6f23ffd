/**
 * at47 F1: a line that a TornLineRecovered after it describes is a recovered fragment, whatever it
 * holds — a copy of the line before it, of a line further back, a prefix of the next line, a whole
 * event. Rule 4 (recovery) of docs/FORMAT.md "Verifying / A log file" comes before every other rule,
 * rule 7 (duplicates) among them, so the three readers of a log — `auditpack verify`,
 * tools/auditpack_check.py and export's reader (its counts, and the pack it makes) — give one answer.
 * A fragment never hides a real duplicate or a real deletion: the recovery is chained like any line.
 * A fragment no writer could have written (a copy repeats a seq) is LOG_TAIL_INVALID, in all readers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, DAY1, formatLine, HOUR, recoveryEvent, sha256, tradingEvents } from './helpers/log-fixture.js';
import { type CodedFinding as Finding, findingCodes as codes } from './helpers/finding-codes.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DATE = '2025-09-08';
const FILE = 'audit-20250908.jsonl';

/** A day file: `before` lines, then `fragment` and (when `describe`) the recovery of it, then `after` more lines. */
interface Shape {
  /** The fragment, from the lines before it (chained) and the next honest line's text (seq/prev after the recovery). */
  fragment: (before: string[], next: string) => string;
  /** The recovery describes the fragment (false: a recovery of other bytes). */
  describes?: boolean;
  /** The recovery's seq/prev: after the last line before the fragment (default), or after the one before that. */
  recoveryLinksBack?: number;
  /** Lines after the recovery (0: the recovery ends the file). */
  after: number;
  /** The fragment ends the file with no "\n" and no recovery (a torn tail). */
  tornTail?: boolean;
  /** No recovery at all: the line stays a plain line. */
  noRecovery?: boolean;
  /** No writer writes these bytes (a whole seq or prev that does not continue): LOG_TAIL_INVALID, not a warning. */
  notTorn?: boolean;
}

function writeDay(dir: string, s: Shape): string {
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const evs = tradingEvents(3 + s.after + 1, DAY1 + 7 * HOUR);
  const a = chainLines(evs.slice(0, 3));
  const body = a.lines.map((l) => `${l}\n`).join('');
  const back = s.recoveryLinksBack ?? 0;
  const recSeq = a.seq - back;
  const recPrev = back === 0 ? a.prev : sha256(a.lines[a.lines.length - 1 - back] as string);
  const nextText = formatLine(evs[3] as (typeof evs)[number], recSeq + 1, 'f'.repeat(64));
  const fragment = s.fragment(a.lines, nextText);
  const offset = Buffer.byteLength(body);
  if (s.tornTail === true) {
    writeFileSync(join(logs, FILE), `${body}${fragment}`);
    return logs;
  }
  const described = s.describes === false ? `${fragment}x` : fragment;
  const rec = s.noRecovery
    ? undefined
    : formatLine(recoveryEvent(FILE, offset, described, DAY1 + 9 * HOUR), recSeq, recPrev);
  const after = chainLines(
    evs.slice(3, 3 + s.after).map((e) => ({ ...e, micros: e.micros + 3 * HOUR })),
    rec === undefined ? a.seq : recSeq + 1,
    rec === undefined ? a.prev : sha256(rec),
  );
  const lines = [fragment, ...(rec === undefined ? [] : [rec]), ...after.lines];
  writeFileSync(join(logs, FILE), body + lines.map((l) => `${l}\n`).join(''));
  return logs;
}

function verifyTs(path: string, cwd: string): string[] {
  const r = runCli(['verify', path, '--json'], { cwd });
  return codes((JSON.parse(r.stdout) as { problems: Finding[] }).problems);
}

function verifyPy(path: string): string[] {
  return codes(pythonPackCheck(path).all);
}

/** The Anchored event `auditpack anchor` would write after `before` (an unchecked token: a fragment is never checked). */
function anchoredLine(before: string[]): string {
  const head = before[before.length - 1] as string;
  const fields = {
    head_seq: before.length,
    head_hash: sha256(head),
    tsa_url: 'https://tsa.example/x',
    tsa_time: '2025-09-08T07:00:03.000Z',
    tsa_serial: '01',
    tsa_response: 'MIIB'.repeat(400),
  };
  return formatLine(
    { micros: DAY1 + 7 * HOUR + 3e6, category: 'system', event: 'Anchored', fields },
    before.length + 1,
    sha256(head),
  );
}

/** The line a writer writes after `before`, whole (seq and prev continue from the last of them). */
function writersNext(before: string[]): string {
  const ev = { micros: DAY1 + 7 * HOUR + 5e6, category: 'auth', event: 'LoginSucceeded', fields: { user: 'u' } };
  return formatLine(ev, before.length + 1, sha256(before[before.length - 1] as string));
}

// A copy of an earlier line repeats a seq: no writer writes it (docs/FORMAT.md "Torn lines", rule 2),
// so it is LOG_TAIL_INVALID, still skipped as recovered (never a duplicate) by every reader.
const SHAPES: Record<string, Shape> = {
  'a copy of the line before it, mid-file (at47 F1)': { fragment: (b) => b[2] as string, after: 2, notTorn: true },
  'a copy of the line before it, the recovery ending the file': {
    fragment: (b) => b[2] as string,
    after: 0,
    notTorn: true,
  },
  'a copy of the line two back': { fragment: (b) => b[1] as string, after: 2, notTorn: true },
  'a copy of the first line': { fragment: (b) => b[0] as string, after: 1, notTorn: true },
  'a prefix of the next line': { fragment: (_b, next) => next.slice(0, 70), after: 2 },
  'a whole event cut before its newline': { fragment: (b) => writersNext(b), after: 2 },
  'a whole event whose seq skips one, cut before its newline': {
    fragment: (_b, next) => next,
    after: 2,
    notTorn: true,
  },
  // at50 F1: the anchor scan (log-anchors.ts) checked these as anchors (TIMESTAMP_MALFORMED / _INVALID).
  'the first 150 bytes of an Anchored event (auditpack anchor killed mid-write)': {
    fragment: (b) => anchoredLine(b).slice(0, 150),
    after: 2,
  },
  'a whole Anchored event cut before its newline': { fragment: (b) => anchoredLine(b), after: 2 },
  'an Anchored event without its closing brace': { fragment: (b) => anchoredLine(b).slice(0, -1), after: 1 },
  // at50 F2: a hand-made whole recovery line that describes nothing kept its LOG_RECOVERY_MISMATCH.
  'a whole TornLineRecovered line that describes no line': {
    fragment: (b) =>
      formatLine(recoveryEvent(FILE, 0, 'x', DAY1 + 7 * HOUR + 3e6), b.length + 1, sha256(b[b.length - 1] as string)),
    after: 2,
  },
};

/** Shapes that are tampering or a crash and must stay findings, in all readers alike. */
const FINDINGS: Record<string, [Shape, string[]]> = {
  'a copy of the line before it, the recovery describing other bytes': [
    { fragment: (b) => b[2] as string, describes: false, after: 2 },
    ['LOG_LINE_DUPLICATE@4', 'LOG_RECOVERY_MISMATCH@5'],
  ],
  'a copy of the line before it, no recovery (a real duplicate)': [
    { fragment: (b) => b[2] as string, noRecovery: true, after: 2 },
    ['LOG_LINE_DUPLICATE@4'],
  ],
  // The recovery links to line 2, past line 3: line 3 is out of place (or the recovery hides its deletion).
  'a copy of the line before it, the recovery linking past the line before it': [
    { fragment: (b) => b[2] as string, recoveryLinksBack: 1, after: 2 },
    ['LOG_LINE_OUT_OF_PLACE@3', 'LOG_TAIL_INVALID@4'],
  ],
  // Not yet recovered: an unterminated tail in both, never a duplicate; its seq repeats, so no crash left it.
  'a torn tail repeating the line before it': [
    { fragment: (b) => b[2] as string, tornTail: true, after: 0 },
    ['LOG_TAIL_INVALID@4'],
  ],
  'a torn tail that is the next whole line': [
    { fragment: (b) => writersNext(b), tornTail: true, after: 0 },
    ['LOG_TORN_TAIL@4'],
  ],
};

describe('a recovered fragment: verify, the Python checker and export agree (rule 4 before rule 7)', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    it(`${name}: skipped as recovered by all three, and export's pack verifies`, () => {
      const dir = tempDir();
      const logs = writeDay(dir, shape);
      const ts = verifyTs(logs, dir);
      expect(ts).toEqual(verifyPy(logs));
      expect(ts).toEqual([shape.notTorn === true ? 'LOG_TAIL_INVALID@4' : 'LOG_TORN_LINE_RECOVERED@4']);
      const r = runCli(['export', '--date', DATE, '--retention-days', '100000', '--compress', '--json'], { cwd: dir });
      expect([0, 3], r.stderr).toContain(r.code); // 3: written, with a warning (a malformed line)
      // The pack as a directory and as a .tar.gz (at50 F1: only the directory's anchors are checked).
      for (const pack of [join(dir, 'artifacts', DATE), join(dir, 'artifacts', `${DATE}.tar.gz`)]) {
        // The Python checker does not say a .tar.gz is unsigned (pinned by no one): TS does, for both forms.
        const tsPack = verifyTs(pack, dir).filter((c) => c !== 'PACK_UNSIGNED_UNPINNED@-');
        expect(tsPack.filter((c) => !/^LOG_(TORN_LINE_RECOVERED|TAIL_INVALID)@/.test(c))).toEqual([]);
        expect(tsPack).toEqual(verifyPy(pack).filter((c) => c !== 'PACK_UNSIGNED_UNPINNED@-'));
      }
    });
  }
  for (const [name, [shape, want]] of Object.entries(FINDINGS)) {
    it(`${name}: the same findings in both checkers`, () => {
      const dir = tempDir();
      const logs = writeDay(dir, shape);
      const ts = verifyTs(logs, dir);
      expect(ts).toEqual(verifyPy(logs));
      expect(ts).toEqual(want);
    });
  }
});
