/**
 * Recovery first for the readers that take a few kinds of events from a log's lines (docs/FORMAT.md
 * "Torn lines and recovery", "Verifying" rule 4): a PackPruned, PackExported, PackTimestamped,
 * PackKept, LogPruned, review or ConfigSnapshot line cut just before its "\n" and recovered by the
 * TornLineRecovered right after it (as the logger writes one) is a torn fragment, never an event.
 * One day file per event kind, read by every reader of that kind: the pack taps (fed line by line
 * as verify's log pass feeds them), the live-file readers, and the Python checker's stamp_events.
 * The control: the same file whose recovery describes other bytes keeps the event.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanLines } from '../../src/chain/lines.js';
import { recordedExports } from '../../src/pack/unrecorded.js';
import { liveReviewEvents, ReviewEventTap } from '../../src/review/index.js';
import { readLiveLog } from '../../src/verify/archive-live.js';
import { ExportEventTap, PruneEventTap } from '../../src/verify/chain-events.js';
import { ConfigSnapshotTap } from '../../src/verify/config-in-force.js';
import { KeptEventTap, keptNotesInFile } from '../../src/verify/kept-events.js';
import { readKeptLogs } from '../../src/retention/removals.js';
import { dayNumberOfIsoDate } from '../../src/rotation/index.js';
import type { LedgerEntry } from '../../src/verify/archive-ledger.js';
import { inPackLogs } from '../../src/verify/archive-policy.js';
import { RetiredEvidence } from '../../src/verify/archive-prune-retired.js';
import { lineHashAt } from '../../src/verify/archive-vouch.js';
import { otherInPackLogs } from '../../src/verify/config-in-force-pack.js';
import type { PolicyQuestion } from '../../src/verify/provenance.js';
import { verifyPack } from '../../src/verify/pack.js';
import type { PackReport } from '../../src/verify/pack-report.js';
import { PYTHON } from '../helpers/python.js';
import { tarPack } from './helpers/pack-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import {
  chainLines,
  DAY1,
  type FixtureEvent,
  formatLine,
  HOUR,
  recoveryEvent,
  sha256,
  tradingEvents,
} from './helpers/log-fixture.js';

const DATE = '2025-09-08';
const FILE = 'audit-20250908.jsonl';
const SHA = 'e'.repeat(64);
const ID = '20250908T080000.000000Z-000';
const at = DAY1 + 8 * HOUR;

/** The event whose line is cut before its "\n" and recovered, by kind. */
const EVENTS: Record<string, FixtureEvent> = {
  PackPruned: {
    micros: at,
    category: 'system',
    event: 'PackPruned',
    fields: { date: '2025-09-01', path: '2025-09-01', manifest_sha256: SHA },
  },
  PackExported: {
    micros: at,
    category: 'system',
    event: 'PackExported',
    fields: { date: '2025-09-07', manifest_sha256: SHA, last_seq: 3, end_hash: SHA },
  },
  PackTimestamped: {
    micros: at,
    category: 'system',
    event: 'PackTimestamped',
    fields: { date: '2025-09-07', manifest_sha256: SHA, tsa_time: '2025-09-08T08:00:00Z', tsa_serial: '01' },
  },
  PackKept: { micros: at, category: 'system', event: 'PackKept', fields: { date: '2025-09-01', path: '2025-09-01' } },
  LogPruned: {
    micros: at,
    category: 'system',
    event: 'LogPruned',
    fields: {
      date: '2025-09-01',
      file: 'audit-20250901.jsonl',
      sha256: SHA,
      kept_unverified: [{ date: '2025-08-30', path: '2025-08-30' }],
    },
  },
  ReviewApproved: {
    micros: at,
    category: 'review',
    event: 'ReviewApproved',
    fields: { date: '2025-09-07', manifest_sha256: SHA, record_seq: 2, record_sha256: SHA, actor: 'bob' },
  },
  ConfigSnapshot: {
    micros: at,
    category: 'config',
    event: 'ConfigSnapshot',
    fields: { snapshot_id: ID, record_sha256: SHA },
  },
};

/**
 * A logs directory with one day file: three events, `kind`'s event with no "\n" when it was cut,
 * the recovery a later writer appends (describing other bytes when `!describes`), one more event.
 */
interface Day {
  logs: string;
  path: string;
  /** The artifacts directory holding a current pack of DATE whose log is this file. */
  artifacts: string;
  fragment: string;
  seq: number;
}

function day(kind: string, describes: boolean): Day {
  const logs = join(tempDir(), 'logs');
  mkdirSync(logs, { recursive: true });
  const evs = tradingEvents(4, DAY1 + 7 * HOUR);
  const a = chainLines(evs.slice(0, 3));
  const body = a.lines.map((l) => `${l}\n`).join('');
  // The cut line is whole: seq and prev continue the chain, only its "\n" is missing.
  const fragment = formatLine(EVENTS[kind] as FixtureEvent, a.seq, a.prev);
  const rec = formatLine(
    recoveryEvent(FILE, Buffer.byteLength(body), describes ? fragment : `${fragment}x`, DAY1 + 9 * HOUR),
    a.seq,
    a.prev,
  );
  const after = formatLine({ ...(evs[3] as FixtureEvent), micros: DAY1 + 10 * HOUR }, a.seq + 1, sha256(rec));
  const path = join(logs, FILE);
  const bytes = `${body}${fragment}\n${rec}\n${after}\n`;
  writeFileSync(path, bytes);
  const artifacts = join(logs, '..', 'artifacts');
  mkdirSync(join(artifacts, DATE, 'data'), { recursive: true });
  writeFileSync(join(artifacts, DATE, 'data', 'audit.jsonl'), bytes);
  return { logs, path, artifacts, fragment, seq: a.seq };
}

/** Feeds the file's lines to the pack taps as verify's log pass does (its recovery file named). */
async function taps(path: string) {
  const t = {
    prune: new PruneEventTap('log'),
    exports: new ExportEventTap('log'),
    review: new ReviewEventTap('log'),
    kept: new KeptEventTap(),
    config: new ConfigSnapshotTap(),
  };
  for (const x of Object.values(t)) x.watch.file = FILE;
  await scanLines(path, (l) => {
    for (const x of Object.values(t)) x.push(l);
  });
  return t;
}

function python(expr: string): unknown {
  const tools = fileURLToPath(new URL('../../tools', import.meta.url));
  const script = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(tools)})`,
    'import auditpack_check as c',
    `print(json.dumps(${expr}))`,
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}
const pythonStamps = (path: string) =>
  python(`[s[2] for s in c.stamp_events(open(${JSON.stringify(path)}, "rb").read(), "${DATE}")]`) as unknown[];
const pythonLineHashAt = (d: Day) =>
  python(`c.line_hash_at(${JSON.stringify(join(d.artifacts, DATE, 'data', 'audit.jsonl'))}, ${d.seq})`);

/** verify's report of the pack holding the day file as its log (a directory, or its .tar.gz). */
function packReport(d: Day, tar: boolean): Promise<PackReport> {
  return verifyPack(tar ? tarPack(d.artifacts, DATE) : join(d.artifacts, DATE));
}

/** RetiredEvidence's verdict on a ledger line of the pack the PackPruned event names, pruned on DATE (its log kept). */
async function retiredVerdict(d: Day): Promise<string> {
  const e: LedgerEntry = {
    exportDate: '2025-09-01',
    manifestSha256: SHA,
    path: '2025-09-01',
    line: 1,
    rawSha: SHA,
    prunedAt: undefined,
    fields: { export_date: '2025-09-01', manifest_sha256: SHA, path: '2025-09-01' },
  };
  const ctx = {
    packDays: new Set<string>(),
    logDir: d.logs,
    packDirs: [],
    packKept: [],
    spans: [],
    artifactsDir: d.artifacts,
  };
  return (await new RetiredEvidence(ctx).judge(e, DATE)).kind;
}

const PACK_KEPT = Buffer.from('"PackKept"');

/** reader: what it found of the event (a count), for the day file of its kind. */
const READERS: [string, string, (d: Day) => Promise<number>][] = [
  ['PruneEventTap', 'PackPruned', async (d) => (await taps(d.path)).prune.events.length],
  ['ExportEventTap (exports)', 'PackExported', async (d) => (await taps(d.path)).exports.events.length],
  ['ExportEventTap (stamps)', 'PackTimestamped', async (d) => (await taps(d.path)).exports.stamps.length],
  ['ReviewEventTap', 'ReviewApproved', async (d) => (await taps(d.path)).review.events.length],
  ['KeptEventTap (PackKept)', 'PackKept', async (d) => (await taps(d.path)).kept.list().length],
  ['KeptEventTap (LogPruned)', 'LogPruned', async (d) => (await taps(d.path)).kept.list().length],
  ['ConfigSnapshotTap', 'ConfigSnapshot', async (d) => (await taps(d.path)).config.logged.size],
  ['keptNotesInFile (PackKept)', 'PackKept', async (d) => (await keptNotesInFile(d.path)).length],
  ['keptNotesInFile (LogPruned)', 'LogPruned', async (d) => (await keptNotesInFile(d.path)).length],
  ['liveReviewEvents', 'ReviewApproved', async (d) => (await liveReviewEvents(d.logs, DATE)).events.length],
  ['readLiveLog (prunes)', 'PackPruned', async (d) => (await readLiveLog(d.logs, DATE, undefined)).pruneEvents.length],
  [
    'readLiveLog (exports)',
    'PackExported',
    async (d) => (await readLiveLog(d.logs, DATE, undefined)).exportEvents.length,
  ],
  [
    'readLiveLog (stamps)',
    'PackTimestamped',
    async (d) => (await readLiveLog(d.logs, DATE, undefined)).stampEvents.length,
  ],
  [
    'recordedExports (unrecorded.ts)',
    'PackExported',
    async (d) => (await recordedExports(d.logs, '2025-09-07', 0)).size,
  ],
  ['Python stamp_events', 'PackTimestamped', async (d) => pythonStamps(d.path).length],
  [
    'verifyPack, a directory (its prune tap)',
    'PackPruned',
    async (d) => (await packReport(d, false)).pruneEvents.length,
  ],
  [
    'verifyPack, a .tar.gz (its export tap)',
    'PackExported',
    async (d) => (await packReport(d, true)).exportEvents?.length ?? -1,
  ],
  [
    'verifyPack, a directory (its review tap)',
    'ReviewApproved',
    async (d) => (await packReport(d, false)).reviewEvents.length,
  ],
  ['Python line_hash_at', 'PackExported', async (d) => Number(pythonLineHashAt(d) === sha256(d.fragment))],
  [
    'lineHashAt (archive-vouch.ts)',
    'PackExported',
    async (d) => Number((await lineHashAt(join(d.artifacts, DATE), d.seq)) === sha256(d.fragment)),
  ],
  [
    'readKeptLogs (removals)',
    'LogPruned',
    async (d) => (await readKeptLogs(d.logs, [FILE], [PACK_KEPT]))?.removals.length ?? -1,
  ],
  [
    'readKeptLogs (lines)',
    'PackKept',
    async (d) => (await readKeptLogs(d.logs, [FILE], [PACK_KEPT]))?.lines.get(FILE)?.length ?? -1,
  ],
  [
    'RetiredEvidence (kept log of the prune day)',
    'PackPruned',
    async (d) => Number((await retiredVerdict(d)) === 'recorded'),
  ],
  [
    'inPackLogs (archive-policy.ts)',
    'ConfigSnapshot',
    async (d) =>
      Number(await inPackLogs(d.artifacts, new Set([DATE]), { snapshotId: ID, recordSha256: SHA } as PolicyQuestion)),
  ],
  [
    'otherInPackLogs (config-in-force-pack.ts)',
    'ConfigSnapshot',
    async (d) => {
      const u = { path: 'risk.yaml', snapshot_id: ID, record_sha256: SHA };
      return Number(
        (await otherInPackLogs(d.artifacts, new Set([DATE]), dayNumberOfIsoDate(DATE) as number, u)) === 'recorded',
      );
    },
  ],
];

describe('a recovered whole event line is no event to any reader of its kind (rule 4 first)', () => {
  it.each(READERS)('%s: a %s line recovered gives nothing; described wrongly, it stays', async (_, kind, read) => {
    expect(await read(day(kind, true))).toBe(0);
    expect(await read(day(kind, false))).toBe(1);
  });
});
