/**
 * Only bytes a writer could have written pass as a torn write (docs/FORMAT.md, "Torn lines and
 * recovery"): a prefix of the writer's head up to `"seq":N,`, a whole seq one more than the line
 * before, a whole `,"prev":"<hex>"}` naming that line, and at most one real UTF-8 character cut at
 * the end. Each fragment is judged as an unterminated tail and as a line a TornLineRecovered after
 * it describes, by `auditpack verify` and by tools/auditpack_check.py alike. Before, prose after
 * `{"ts":`, a head of another shape, a whole line with a forged seq or prev, and stray bytes at or
 * above 0x80 all read as an honest crash (a warning), recovered or not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { chainLines, DAY1, formatLine, HOUR, recoveryEvent, sha256, tradingEvents } from './helpers/log-fixture.js';
import { type CodedFinding as Finding, findingCodes as codes } from './helpers/finding-codes.js';
import { pythonPackCheck } from './helpers/python-check.js';

const FILE = 'audit-20250908.jsonl';

/** What the writer would have written next after `before` (seq and prev right), with a non-ASCII field. */
function nextLine(before: string[], seq = before.length + 1, prev = sha256(before.at(-1) as string)): string {
  const ev = { micros: DAY1 + 8 * HOUR, category: 'order', event: 'OrderAccepted', fields: { note: 'café 🚀 ok' } };
  return formatLine(ev, seq, prev);
}

const b = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
/** The bytes of `line` up to (not including) the first byte of the first occurrence of `mark`, plus `k` of its bytes. */
function cutIn(line: string, mark: string, k: number): Buffer {
  const at = Buffer.from(line, 'utf8').indexOf(Buffer.from(mark, 'utf8'));
  return Buffer.from(line, 'utf8').subarray(0, at + k);
}

/** Fragments from the lines before them; `torn`: a write cut off by a crash could leave them. */
const CASES: Record<string, { frag: (before: string[]) => Buffer; torn: boolean }> = {
  'three bytes of a head': { frag: () => b('{"t'), torn: true },
  'a head cut in iso_ts': { frag: (l) => b(nextLine(l).slice(0, 40)), torn: true },
  'a head cut in the seq digits': { frag: (l) => b(nextLine(l).replace(/"seq":\d+.*/, '"seq":')), torn: true },
  'a line cut in its body': { frag: (l) => b(nextLine(l).slice(0, 100)), torn: true },
  'a whole line without its newline': { frag: (l) => b(nextLine(l)), torn: true },
  'a line cut after the lead byte of é': { frag: (l) => cutIn(nextLine(l), 'é', 1), torn: true },
  'a line cut two bytes into a 4-byte character': { frag: (l) => cutIn(nextLine(l), '🚀', 2), torn: true },
  // (a) Not the writer's head.
  'prose after {"ts":': { frag: () => b('{"ts":"prose and more prose'), torn: false },
  'a head of another shape': { frag: () => b('{"ts":1,"foo":"bar"'), torn: false },
  'ts with a leading zero': { frag: () => b('{"ts":01757318400.000000,"iso'), torn: false },
  'seq with a leading zero': { frag: (l) => b(nextLine(l).replace(/"seq":/, '"seq":0')), torn: false },
  'a space in the head': { frag: (l) => b(nextLine(l).replace('"iso_ts":', '"iso_ts": ')), torn: false },
  'a whole event with seq before iso_ts': {
    frag: (l) => b(nextLine(l).replace(',"seq":4', '').replace(',"iso_ts":', ',"seq":4,"iso_ts":')),
    torn: false,
  },
  // (b) A whole seq or prev that does not continue from the line before.
  'a whole line with a forged seq': { frag: (l) => b(nextLine(l, l.length + 5)), torn: false },
  'a whole line repeating the line before it': { frag: (l) => b(l.at(-1) as string), torn: false },
  'a whole line with a forged prev': { frag: (l) => b(nextLine(l, l.length + 1, 'e'.repeat(64))), torn: false },
  'a head with a forged seq, cut in the body': { frag: (l) => b(nextLine(l, 99).slice(0, 90)), torn: false },
  // (c) Bytes at or above 0x80 that start no character.
  'a head then two continuation bytes': {
    frag: (l) => Buffer.concat([b(nextLine(l).slice(0, 90)), Buffer.from([0xbf, 0xbf])]),
    torn: false,
  },
  'a line cut after E0 80 (no character starts so)': {
    frag: (l) => Buffer.concat([b(nextLine(l).slice(0, 90)), Buffer.from([0xe0, 0x80])]),
    torn: false,
  },
  'a line cut after ED A0 (a surrogate)': {
    frag: (l) => Buffer.concat([b(nextLine(l).slice(0, 90)), Buffer.from([0xed, 0xa0])]),
    torn: false,
  },
};

/** Three chained lines, the fragment, then (recovered) its recovery and one more line. */
function writeDay(dir: string, frag: (before: string[]) => Buffer, recovered: boolean): string {
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const evs = tradingEvents(4, DAY1 + 7 * HOUR);
  const a = chainLines(evs.slice(0, 3));
  const body = Buffer.from(a.lines.map((l) => `${l}\n`).join(''), 'utf8');
  const f = frag(a.lines);
  if (!recovered) {
    writeFileSync(join(logs, FILE), Buffer.concat([body, f]));
    return logs;
  }
  const ev = recoveryEvent(FILE, body.length, '', DAY1 + 9 * HOUR);
  ev.fields = { ...ev.fields, fragment_bytes: f.length, fragment_sha256: sha256(f) };
  const rec = formatLine(ev, a.seq, a.prev);
  const after = formatLine({ ...(evs[3] as (typeof evs)[number]), micros: DAY1 + 10 * HOUR }, a.seq + 1, sha256(rec));
  writeFileSync(join(logs, FILE), Buffer.concat([body, f, b(`\n${rec}\n${after}\n`)]));
  return logs;
}

function verdicts(logs: string, cwd: string): { ts: string[]; py: string[] } {
  const r = runCli(['verify', logs, '--json'], { cwd });
  return {
    ts: codes((JSON.parse(r.stdout) as { problems: Finding[] }).problems),
    py: codes(pythonPackCheck(logs).all),
  };
}

describe('a fragment passes as a torn write only when a writer could have written it, in both checkers', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: ${c.torn ? 'a torn write' : 'LOG_TAIL_INVALID'}, as a tail and recovered`, () => {
      const dir = tempDir();
      const tail = verdicts(writeDay(join(dir, 't'), c.frag, false), dir);
      expect(tail.ts).toEqual([c.torn ? 'LOG_TORN_TAIL@4' : 'LOG_TAIL_INVALID@4']);
      expect(tail.py).toEqual(tail.ts);
      const rec = verdicts(writeDay(join(dir, 'r'), c.frag, true), dir);
      expect(rec.ts).toEqual([c.torn ? 'LOG_TORN_LINE_RECOVERED@4' : 'LOG_TAIL_INVALID@4']);
      expect(rec.py).toEqual(rec.ts);
    });
  }

  it("a fragment that is its file's first line is not compared with a line before it (there is none)", () => {
    const dir = tempDir();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    // A whole line of seq 7 whose prev names nothing here: the chain before this file is not on disk.
    const frag = nextLine(['x'], 7, 'a'.repeat(64));
    writeFileSync(join(logs, FILE), frag);
    const v = verdicts(logs, dir);
    expect(v.ts).toContain('LOG_TORN_TAIL@1');
    expect(v.py).toEqual(v.ts);
  });
});
