/**
 * The roll-up's scan of a host log: only the logger's own heartbeat (top-level `system`/`Heartbeat`)
 * declares how long the host may be silent. A caller's event that merely carries the same bytes, in
 * a nested value, must not widen the allowance or hide a silence.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanHostLog } from '../../src/rollup/host-scan.js';
import { tempDir } from '../helpers/tmp.js';
import { formatLine, recoveryEvent, ZEROS } from '../verify/helpers/log-fixture.js';

const T0 = 1_796_000_000;
const line = (ts: number, seq: number, category: string, event: string, fields: object = {}): string =>
  JSON.stringify({
    ts,
    iso_ts: new Date(ts * 1000).toISOString(),
    seq,
    category,
    event,
    host: 'h1',
    pid: 1,
    ...fields,
  });

/** Heartbeats every 60 s for 10 min, then 2 h of silence, then 10 min more; `extra` lines after the first. */
function writeLog(extra: string[]): string {
  const lines: string[] = [];
  let seq = 0;
  for (const t of [...Array(10).keys()].map((i) => i * 60).concat([...Array(10).keys()].map((i) => 7800 + i * 60))) {
    lines.push(line(T0 + t, seq++, 'system', 'Heartbeat', { interval_s: 60 }));
    if (seq === 1) lines.push(...extra);
  }
  const file = join(tempDir(), 'audit.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('scanHostLog heartbeats', () => {
  it('a 2 h silence under 60 s heartbeats is a gap', async () => {
    const s = await scanHostLog(writeLog([]));
    expect([s.heartbeats, s.heartbeatSeconds, s.silentCount]).toEqual([20, 60, 1]);
  });

  it("a caller's event holding the heartbeat's bytes in a nested value is not a heartbeat", async () => {
    const nested = line(T0 + 30, 100, 'system', 'Note', {
      x: { category: 'system', event: 'Heartbeat' },
      interval_s: 86_400,
    });
    const renamed = line(T0 + 31, 101, 'system', 'CallerHeartbeat', { interval_s: 86_400 });
    const otherCategory = line(T0 + 32, 102, 'order', 'Heartbeat', {
      note: '"category":"system","event":"Heartbeat"',
      interval_s: 86_400,
    });
    const s = await scanHostLog(writeLog([nested, renamed, otherCategory]));
    expect([s.heartbeats, s.heartbeatSeconds, s.silentCount]).toEqual([20, 60, 1]);
  });

  it('a host whose only "heartbeat" is a caller event has none: no allowance is declared', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const fake = line(T0 + 1, 1, 'system', 'Note', { x: { category: 'system', event: 'Heartbeat' }, interval_s: 60 });
    writeFileSync(file, `${[line(T0, 0, 'order', 'OrderAccepted'), fake].join('\n')}\n`);
    const s = await scanHostLog(file);
    expect([s.host, s.heartbeats, s.heartbeatSeconds]).toEqual(['h1', 0, undefined]);
  });

  it("one process's long interval does not widen the allowance for a process alive across the gap", async () => {
    const lines: string[] = [];
    let seq = 0;
    const beat = (t: number, pid: number, iv: number) =>
      line(T0 + t, seq++, 'system', 'Heartbeat', { interval_s: iv, pid });
    lines.push(beat(0, 2, 86_400)); // a process configured with a day-long interval
    for (let t = 0; t < 600; t += 60) lines.push(beat(t, 1, 60));
    for (let t = 7800; t < 8400; t += 60) lines.push(beat(t, 1, 60)); // pid 1 lives across the 2 h
    const file = join(tempDir(), 'audit.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const s = await scanHostLog(file);
    expect([s.heartbeatSeconds, s.silentCount, s.silent[0]?.seconds]).toEqual([86_400, 1, 7800 - 540]);

    // pid 1 exits before the gap and pid 3 starts after it: only pid 2 lives across, its interval holds.
    const exited = lines.map((l) => (JSON.parse(l).ts >= T0 + 7800 ? l.replace('"pid":1', '"pid":3') : l));
    writeFileSync(file, `${exited.join('\n')}\n`);
    expect((await scanHostLog(file)).silentCount).toBe(0);
  });
});

describe('scanHostLog: other hosts', () => {
  it('a log naming a new host in every heartbeat keeps the first five names, and counts them all', async () => {
    const lines = [line(T0, 0, 'system', 'Heartbeat', { interval_s: 60 })];
    // Names out of order: the five kept are the first by name, whatever the order read.
    for (let i = 1; i <= 50_000; i++)
      lines.push(line(T0 + i, i, 'system', 'Heartbeat', { interval_s: 60, host: `h${(i * 7919) % 50_000}-x` }));
    const file = join(tempDir(), 'audit.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const s = await scanHostLog(file);
    expect(s.host).toBe('h1');
    expect(s.otherHosts).toEqual(['h0-x', 'h1-x', 'h10-x', 'h100-x', 'h1000-x']);
    expect(s.otherHostBeats).toBe(50_000);
  });
});

/**
 * `lines` joined as a log file, each line of `fragments` (by index) followed by the TornLineRecovered
 * the writer appends when it recovers it (docs/FORMAT.md "Torn lines and recovery"), timed as the line
 * before the fragment (so that only the fragment's own time could split a gap).
 */
function writeRecovered(lines: string[], fragments: ReadonlySet<number>, file = 'audit-20261203.jsonl'): string {
  let text = '';
  lines.forEach((l, i) => {
    const offset = Buffer.byteLength(text);
    text += `${l}\n`;
    if (!fragments.has(i)) return;
    const micros = JSON.parse(lines[Math.max(0, i - 1)] as string).ts * 1e6;
    text += `${formatLine({ ...recoveryEvent(file, offset, l, micros), host: 'h1', pid: 1 }, i + 1, ZEROS)}\n`;
  });
  const path = join(tempDir(), 'audit.jsonl');
  writeFileSync(path, text);
  return path;
}

describe('scanHostLog: a recovered torn fragment is never an event', () => {
  const beats = (from: number, n: number) =>
    [...Array(n).keys()].map((i) => line(T0 + from + i * 60, i, 'system', 'Heartbeat', { interval_s: 60 }));

  it("a recovered Heartbeat's day-long interval_s hides no silence, and counts as no heartbeat", async () => {
    const frag = line(T0 + 600, 10, 'system', 'Heartbeat', { interval_s: 86_400 });
    const lines = [...beats(0, 10), frag, ...beats(7800, 10)];
    const s = await scanHostLog(writeRecovered(lines, new Set([10])), undefined, 'audit-20261203.jsonl');
    expect([s.heartbeats, s.heartbeatSeconds, s.silentCount, s.silent[0]?.seconds]).toEqual([20, 60, 1, 7800 - 540]);
    // The same line unrecovered is a heartbeat: it widens the allowance (the scan reads it at all).
    const plain = await scanHostLog(writeRecovered(lines, new Set()));
    expect([plain.heartbeats, plain.heartbeatSeconds, plain.silentCount]).toEqual([21, 86_400, 0]);
  });

  it("a recovered fragment's time splits no gap and its host names no host", async () => {
    const frag = line(T0 + 4000, 10, 'system', 'Heartbeat', { interval_s: 60, host: 'intruder' });
    const first = line(T0 - 60, 0, 'order', 'OrderAccepted', { host: 'elsewhere' });
    const lines = [first, ...beats(0, 10), frag, ...beats(7800, 10)];
    const s = await scanHostLog(writeRecovered(lines, new Set([0, 11])), 'h1', 'audit-20261203.jsonl');
    expect([s.host, s.namedSeen, s.otherHosts, s.otherHostBeats]).toEqual(['h1', true, [], 0]);
    expect([s.silentCount, s.silent[0]?.seconds]).toEqual([1, 7800 - 540]);
  });

  it("a recovery naming another day's file recovers nothing: the line stays a heartbeat", async () => {
    const frag = line(T0 + 600, 10, 'system', 'Heartbeat', { interval_s: 86_400 });
    const lines = [...beats(0, 10), frag, ...beats(7800, 10)];
    const file = writeRecovered(lines, new Set([10]), 'audit-20261202.jsonl');
    expect((await scanHostLog(file, undefined, 'audit-20261203.jsonl')).heartbeatSeconds).toBe(86_400);
  });
});
