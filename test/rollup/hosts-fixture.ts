/**
 * A simulated firm: several hosts, each with its own log directory and artifacts directory, written
 * by the real logger (two writers per host, distinct pids, sharing the host's log through its lock),
 * clocks a little apart, exported by the real exporter. Heartbeats are written at the logger's format
 * every 15 simulated minutes (the timer itself is tested in test/logger/heartbeat.test.ts).
 */
import { recordWriterEvent } from '../../src/logger/child.js';
import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/export.js';

export const DATE = '2025-09-09';
export const NEXT = '2025-09-10';
const HOUR = 3_600_000_000;
const MIN = 60_000_000;

/** Epoch µs of hh:00 on a day. */
export const at = (date: string, hour: number): number => Date.parse(`${date}T00:00:00Z`) * 1000 + hour * HOUR;

export interface SimHost {
  readonly name: string;
  /** The host's clock error, µs (negative: behind). */
  readonly skewUs: number;
  /** Hours [from, to) in which the host writes nothing at all. */
  readonly silent?: readonly [number, number];
}

interface Writer {
  readonly log: ReturnType<typeof createAuditLogger>;
  set(trueUs: number): void;
}

function writersFor(dir: string, h: SimHost): Writer[] {
  return [101, 102].map((pid) => {
    let now = 0;
    const log = createAuditLogger({
      logDir: join(dir, h.name, 'logs'),
      handleExit: false,
      host: h.name,
      pid,
      heartbeatMinutes: 0,
      clock: () => now,
    });
    return { log, set: (t: number) => (now = t + h.skewUs) };
  });
}

const inSilence = (h: SimHost, t: number, date: string): boolean =>
  h.silent !== undefined && t >= at(date, h.silent[0]) && t < at(date, h.silent[1]);

/**
 * Writes one day for every host: heartbeats from each writer every 15 minutes from 09:00 to 12:00,
 * and `orders` orders accepted on the first host and filled on the second, 2 ms later in true time.
 */
export async function writeFirmDay(
  dir: string,
  hosts: readonly SimHost[],
  date: string,
  orders: number,
): Promise<void> {
  const w = new Map(hosts.map((h) => [h.name, writersFor(dir, h)]));
  const events: { t: number; host: SimHost; writer: number; write: (l: Writer['log']) => void }[] = [];
  for (const h of hosts)
    for (let t = at(date, 9); t <= at(date, 12); t += 15 * MIN)
      for (const wi of [0, 1])
        events.push({
          t: t + wi * 1000,
          host: h,
          writer: wi,
          // The logger's own heartbeat event (reserved for the writer), at the simulated instant.
          write: (l) => recordWriterEvent(l, 'system', 'Heartbeat', { interval_s: 900 }),
        });
  const [a, b] = hosts as [SimHost, SimHost];
  for (let i = 0; i < orders; i++) {
    const t = at(date, 9) + 30 * MIN + i * 7 * MIN;
    const id = `${date}-O${i}`;
    const fields = { orderId: id, symbol: 'EURUSD', side: 'BUY', quantity: 1000 + i, price: '1.10050' };
    events.push({ t, host: a, writer: i % 2, write: (l) => l.order('OrderAccepted', fields) });
    events.push({
      t: t + 2000,
      host: b,
      writer: i % 2,
      write: (l) => l.fill({ ...fields, dealId: `D${i}`, price: '1.10051' }),
    });
    // Every host also trades on its own, so each has orders in the merged file.
    for (const h of hosts.slice(2))
      events.push({
        t: t + 500,
        host: h,
        writer: 0,
        write: (l) => l.order('OrderAccepted', { ...fields, orderId: `${h.name}-${id}` }),
      });
  }
  events.sort((x, y) => x.t - y.t);
  for (const e of events) {
    if (inSilence(e.host, e.t, date)) continue;
    const wr = (w.get(e.host.name) as Writer[])[e.writer] as Writer;
    wr.set(e.t);
    e.write(wr.log);
  }
  for (const ws of w.values()) for (const x of ws) await x.log.close();
}

/** Exports every host's day into its own artifacts directory (signed with `signingKeys`' key of the host, if any); returns the directories by host. */
export async function exportFirmDay(
  dir: string,
  hosts: readonly SimHost[],
  date: string,
  lateHost?: string,
  signingKeys?: ReadonlyMap<string, KeyObject>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const h of hosts) {
    const artifacts = join(dir, h.name, 'artifacts');
    mkdirSync(join(dir, h.name, 'logs'), { recursive: true });
    const signingKey = signingKeys?.get(h.name);
    await exportPack({
      logDir: join(dir, h.name, 'logs'),
      artifactsDir: artifacts,
      date,
      version: '0.1.0',
      snapshot: false,
      recordEvent: false,
      ...(signingKey === undefined ? {} : { signingKey }),
      // Packs are made at 01:00 after the day, or at 09:00 for the late host.
      now: () => Date.parse(`${date}T00:00:00Z`) + (h.name === lateHost ? 33 : 25) * 3_600_000,
    });
    out.set(h.name, artifacts);
  }
  return out;
}
