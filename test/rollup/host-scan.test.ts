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
