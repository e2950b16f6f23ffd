/**
 * The clean corpus the tamper matrix starts from, made by the real logger and exporter: three days
 * written by two processes at once, crossing midnight, with a late event, a torn line recovered by
 * a later writer (the torn write a whole event cut just before its "\n"), and signed packs with
 * .tar.gz copies. Every case of tamper-cases.ts edits a fresh copy of it.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createAuditLogger } from '../../../src/logger/index.js';
import { exportPack } from '../../../src/pack/export.js';
import { prune } from '../../../src/retention/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { sha256 } from './log-fixture.js';

export const DAYS = ['2025-09-08', '2025-09-09', '2025-09-10'] as const;
export const logName = (day: string): string => `audit-${day.replaceAll('-', '')}.jsonl`;

export interface Corpus {
  readonly root: string;
  readonly publicKey: KeyObject;
}

const at = (iso: string): number => Date.parse(iso) * 1000;

/** Builds the corpus once (about a second). */
export async function buildCorpus(): Promise<Corpus> {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifacts = join(root, 'artifacts');
  // Two processes with their own clocks; B runs 2 s behind A, so around midnight B writes late events.
  let ta = at('2025-09-08T22:00:00Z');
  let tb = ta - 2_000_000;
  const a = createAuditLogger({ logDir, handleExit: false, clock: () => ta, host: 'desk-1', pid: 101, actor: 'svc-a' });
  const b = createAuditLogger({ logDir, handleExit: false, clock: () => tb, host: 'desk-2', pid: 202 });
  const step = async (n: number, gap: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      ta += gap;
      tb += gap;
      a.order('OrderAccepted', {
        orderId: `A${ta}`,
        symbol: 'EURUSD',
        side: 'BUY',
        quantity: 100000,
        price: '1.10050',
      });
      a.fill({
        orderId: `A${ta}`,
        dealId: `D${ta}`,
        symbol: 'EURUSD',
        side: 'BUY',
        quantity: 100000,
        price: '1.10051',
      });
      b.order('Rejected', {
        orderId: `B${tb}`,
        symbol: 'GBPUSD',
        side: 'SELL',
        quantity: 5,
        price: '1.2',
        reason: 'margin, "quoted"\nnext',
      });
      if (i % 3 === 0) b.alert({ alertType: 'risk', message: 'drawdown 3%', severity: 'HIGH' });
      await a.flush();
      await b.flush();
    }
  };
  await step(6, 600_000_000); // day 1, 22:10 … 23:00
  ta = at('2025-09-08T23:59:59.500000Z');
  tb = ta - 2_000_000;
  await step(3, 700_000); // A crosses midnight first; B's next events are late in the new file
  ta = at('2025-09-09T09:00:00Z');
  tb = ta;
  await step(5, 60_000_000);
  await a.close();
  await b.close();
  // A torn write on day 2: a whole event whose "\n" never reached the disk.
  const day2 = join(logDir, logName(DAYS[1]));
  const lines = readFileSync(day2, 'utf8').split('\n').slice(0, -1);
  const last = JSON.parse(lines.at(-1) as string) as { seq: number };
  const frag = `{"ts":1757412000.000000,"iso_ts":"2025-09-09T10:00:00.000000Z","seq":${last.seq + 1},"category":"order","event":"OrderAccepted","order_id":"TORN","host":"desk-1","pid":101,"prev":"${sha256(lines.at(-1) as string)}"}`;
  appendFileSync(day2, frag);
  let tc = at('2025-09-09T10:00:01Z');
  const c = createAuditLogger({ logDir, handleExit: false, clock: () => (tc += 1_000_000), host: 'desk-3', pid: 303 });
  for (let i = 0; i < 4; i++)
    c.order('OrderAccepted', { orderId: `C${i}`, symbol: 'USDJPY', side: 'BUY', quantity: 1, price: '150.1' });
  await c.flush();
  tc = at('2025-09-10T08:00:00Z');
  for (let i = 0; i < 6; i++) c.auth(i % 2 ? 'Login' : 'LoginFailed', { user: 'bob', sourceIp: '10.0.0.9' });
  await c.close();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const common = {
    logDir,
    artifactsDir: artifacts,
    version: '0.1.0',
    signingKey: privateKey,
    snapshot: false as const,
    recordEvent: false,
    compress: true,
  };
  for (const date of DAYS) await exportPack({ ...common, date });
  await exportPack({ ...common, date: DAYS[1], force: true }); // a re-export: 2025-09-09.v1 kept and linked
  // The same archive after retention: the oldest pack and log pruned, recorded in pruned.jsonl and
  // as PackPruned/LogPruned events in the log (a new day file, the day of the prune).
  cpSync(logDir, join(root, 'pruned', 'logs'), { recursive: true });
  cpSync(artifacts, join(root, 'pruned', 'artifacts'), { recursive: true });
  makeWritable(join(root, 'pruned'));
  const pruneDay = Date.parse('2025-09-11T06:00:00Z');
  let tp = pruneDay * 1000;
  await prune({
    artifactsDir: join(root, 'pruned', 'artifacts'),
    retentionDays: 2,
    logs: { logDir: join(root, 'pruned', 'logs'), retentionDays: 2 },
    now: pruneDay,
    loggerClock: () => (tp += 1000),
    signingKey: privateKey,
  });
  // A second archive of the same days (docs/FORMAT.md "Back-filling a missed day", "What a prune
  // leaves behind"): the middle day exported last (a back-fill), the first day pruned, then the next
  // day exported, so the PackPruned event is in a pack. Exports and prunes are recorded in a copy of
  // the logs, dated the days after.
  const logsB = join(root, 'logs-b');
  cpSync(logDir, logsB, { recursive: true });
  const artB = join(root, 'artifacts-b');
  let tr = at('2025-09-11T00:10:00Z');
  const rec = {
    logDir: logsB,
    artifactsDir: artB,
    version: '0.1.0',
    signingKey: privateKey,
    snapshot: false as const,
    now: () => tr / 1000,
    loggerClock: () => (tr += 1000),
  };
  for (const date of [DAYS[0], DAYS[2], DAYS[1]]) await exportPack({ ...rec, date });
  tr = at('2025-09-11T00:20:00Z');
  await prune({
    artifactsDir: artB,
    retentionDays: 2,
    now: tr / 1000,
    eventLogDir: logsB,
    loggerClock: () => (tr += 1000),
    signingKey: privateKey,
  });
  tr = at('2025-09-12T00:10:00Z');
  await exportPack({ ...rec, date: '2025-09-11' });
  return { root, publicKey };
}

/** A writable copy of the corpus for one case. */
export function copyCorpus(c: Corpus): string {
  const dir = tempDir();
  cpSync(c.root, dir, { recursive: true });
  makeWritable(dir);
  return dir;
}

function makeWritable(p: string): void {
  const st = statSync(p);
  chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(p)) makeWritable(join(p, n));
}

/** A log file's complete lines (without "\n") and its unterminated tail. */
export function readLines(path: string): { lines: Buffer[]; tail: Buffer } {
  const data = readFileSync(path);
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
    lines.push(data.subarray(start, nl));
    start = nl + 1;
  }
  return { lines, tail: data.subarray(start) };
}

export function writeLinesRaw(path: string, lines: readonly Buffer[], tail: Buffer = Buffer.alloc(0)): void {
  writeFileSync(path, Buffer.concat([...lines.flatMap((l) => [l, Buffer.from('\n')]), tail]));
}

const PREV_TAIL = /"prev":"[0-9a-f]{64}"\}$/;

/**
 * Re-links every line from `fromFile`/`fromLine` (0-based) to the end of the log, as a forger who
 * can write the log would: each `prev` becomes the hash of the line before it (across files).
 * Lines whose tail is not `"prev":"<hex>"}` are left as they are.
 */
export function rechain(logDir: string, fromDay: string, fromLine: number): void {
  const days = readdirSync(logDir)
    .filter((n) => /^audit-\d{8}\.jsonl$/.test(n))
    .sort();
  let prevHash: string | undefined;
  for (const name of days) {
    if (name < logName(fromDay)) continue;
    const path = join(logDir, name);
    const { lines, tail } = readLines(path);
    const first = name === logName(fromDay) ? fromLine : 0;
    if (prevHash === undefined && first > 0) prevHash = sha256(lines[first - 1] as Buffer);
    for (let i = first; i < lines.length; i++) {
      const text = (lines[i] as Buffer).toString('latin1');
      if (prevHash !== undefined && PREV_TAIL.test(text) && !isRecoveredFragment(lines, i)) {
        lines[i] = Buffer.from(text.replace(PREV_TAIL, `"prev":"${prevHash}"}`), 'latin1');
      }
      if (!isRecoveredFragment(lines, i)) prevHash = sha256(lines[i] as Buffer);
    }
    writeLinesRaw(path, lines, tail);
  }
}

/** Whether line i is described by a TornLineRecovered right after it (its hash is kept out of the chain). */
function isRecoveredFragment(lines: readonly Buffer[], i: number): boolean {
  const next = lines[i + 1]?.toString('utf8');
  if (next === undefined || !next.includes('"TornLineRecovered"')) return false;
  try {
    return (JSON.parse(next) as { fragment_bytes?: number }).fragment_bytes === (lines[i] as Buffer).length;
  } catch {
    return false;
  }
}

/** Rewrites a pack's manifests after an edit, as a forger without the signing key would (and drops the signature). */
export function refreshPack(pack: string): void {
  const files = readdirSync(join(pack, 'data')).sort();
  const man = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8')) as {
    files: Record<string, { size: number; sha256: string }>;
    summary: { total_size: number };
  };
  let total = 0;
  let manifest = '';
  for (const f of files) {
    const b = readFileSync(join(pack, 'data', f));
    total += b.length;
    manifest += `${sha256(b)}  data/${f}\n`;
    const e = man.files[`data/${f}`];
    if (e !== undefined) {
      e.size = b.length;
      e.sha256 = sha256(b);
    }
  }
  man.summary.total_size = total;
  writeFileSync(join(pack, 'manifest-sha256.txt'), manifest);
  writeFileSync(join(pack, 'manifest.json'), `${JSON.stringify(man, null, 2)}\n`);
  const info = readFileSync(join(pack, 'bag-info.txt'), 'utf8').replace(
    /Payload-Oxum: .*/,
    `Payload-Oxum: ${total}.${files.length}`,
  );
  writeFileSync(join(pack, 'bag-info.txt'), info);
  let tag = '';
  for (const f of ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest.json'])
    tag += `${sha256(readFileSync(join(pack, f)))}  ${f}\n`;
  writeFileSync(join(pack, 'tagmanifest-sha256.txt'), tag);
  const sig = join(pack, 'tagmanifest-sha256.txt.sig');
  if (existsSync(sig)) rmSync(sig); // cannot re-sign: the forger leaves the pack unsigned
}

export { mkdirSync };
