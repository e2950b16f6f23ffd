/**
 * An Anchored event whose head is more than 64 KiB back, where a read window of findHead starts at
 * a "\n": walking back, the window's first line is empty (`stop` 1) and `lastIndexOf(10, -1)`
 * searched from the buffer's END (a negative offset counts from the end), so the walk began again
 * at the window's end, for ever: verify hung, synchronously, on an honest log whose anchor came
 * after 64 KiB of other writers' lines, or on a hand-made one (anyone can run a TSA). Run in a child
 * process with a time limit, so that a hang fails the test instead of stopping the suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorStatement, type GrantedTimestamp, requestTimestamp } from '../../src/anchor/index.js';
import { hashLine } from '../../src/chain/index.js';
import { makeTsaPki, startTsa, type TestTsa } from '../helpers/tsa.js';

const ANCHORS = pathToFileURL(fileURLToPath(new URL('../../dist/verify/log-anchors.js', import.meta.url))).href;
const REPORT = pathToFileURL(fileURLToPath(new URL('../../dist/verify/report.js', import.meta.url))).href;

let root: string;
let tsa: TestTsa;
/** The head every file here names: its first line. */
const HEAD = line(1, 10);
let granted: GrantedTimestamp;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'auditpack-anchor-window-'));
  mkdirSync(join(root, 'pki'));
  tsa = await startTsa(makeTsaPki(join(root, 'pki'), 'Desk'));
  granted = await requestTimestamp({ url: tsa.url, data: anchorStatement(1, hashLine(HEAD)) });
});
afterAll(async () => {
  await tsa?.close();
  rmSync(root, { recursive: true, force: true });
});

function line(seq: number, pad: number): string {
  return `{"v":1,"seq":${seq},"ts":1757289600000,"iso_ts":"2025-09-08T00:00:00.000Z","category":"test","event":"E","note":"${'x'.repeat(pad)}","prev":"${'0'.repeat(64)}"}`;
}

/** Lines 1..n, the last padded so that `window` bytes before the Anchored line is a "\n". */
function filler(window: number): string {
  const lines = [HEAD];
  let size = lines[0]?.length ?? 0;
  while (size < window + 2000) {
    lines.push(line(lines.length + 1, 100 + (lines.length % 37)));
    size += (lines.at(-1) as string).length + 1;
  }
  size += 1; // the first line's "\n"
  // The "\n" ending line k is at byte `ends[k]`; pick one so that the last line's length fits.
  const ends: number[] = [];
  let at = -1;
  for (const l of lines) ends.push((at += l.length + 1));
  const base = line(lines.length + 1, 0).length + 1;
  const nl = ends.find((e) => e + window - size - base >= 50 && e + window - size - base <= 500) as number;
  lines.push(line(lines.length + 1, nl + window - size - base));
  const text = `${lines.join('\n')}\n`;
  expect(text[Buffer.byteLength(text) - window]).toBe('\n');
  return text;
}

describe('findHead: a read window that starts at a line\'s "\\n"', () => {
  for (const window of [64 * 1024, 256 * 1024]) {
    it(`${window / 1024} KiB back: the head is found (no hang), its hash checked`, async () => {
      const text = filler(window);
      const seq = text.split('\n').length;
      const anchored = `{"v":1,"seq":${seq},"ts":1757289600000,"iso_ts":"2025-09-08T00:00:00.000Z","category":"system","event":"Anchored","head_seq":1,"head_hash":"${hashLine(HEAD)}","tsa_time":"${granted.facts.genTime.toISOString()}","tsa_serial":"${granted.facts.serial}","tsa_response":"${granted.response.toString('base64')}","prev":"${'0'.repeat(64)}"}\n`;
      const path = join(root, `w${window}.jsonl`);
      writeFileSync(path, text + anchored);
      const code = `const { checkLogAnchors } = await import(${JSON.stringify(ANCHORS)});
const { Findings } = await import(${JSON.stringify(REPORT)});
const f = new Findings();
const n = await checkLogAnchors(${JSON.stringify(path)}, 'f', f, {}, { date: undefined, fromDayStart: false });
console.log(JSON.stringify({ n, problems: f.toArray() }));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, 'checkLogAnchors did not return within 30 s').toBeNull();
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { n: number; problems: { code: string; severity: string }[] };
      expect(out.n).toBe(1);
      expect(out.problems.filter((p) => p.code === 'LOG_ANCHOR_MISMATCH')).toEqual([]);
    }, 60_000);
  }
});
