/**
 * A ConfigSnapshot, PackExported or LogPruned line that a TornLineRecovered right after it describes
 * is a recovered torn write, never an event (docs/FORMAT.md "Torn lines and recovery", rule 4; at50
 * F5): the readers that find these lines by a byte search (ConfigEventIndex's day and kept-file
 * reads, a vouched pack copy's lines, the Python checker's log_events) leave it out, by the rule
 * verify and export use (recoversFragment / recovery_problem), and keep a line whose recovery
 * describes other bytes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigEventIndex } from '../../src/snapshot/config-events.js';
import { linesOf } from '../../src/snapshot/config-event-lines.js';
import { PYTHON } from '../helpers/python.js';
import { configEvent, handDay, handLogs, sha256 } from '../helpers/snapshot-day.js';

const FILE = 'audit-20260104.jsonl';
const X = { snapshot_id: '20260103T060000.000000Z-000', record_sha256: 'c'.repeat(64) };

/** A TornLineRecovered line describing `frag` at byte `offset` of FILE (`sha` overrides its hash). */
const recovery = (frag: string, offset: number, sha = sha256(frag)): string =>
  `{"ts":1767513600.500000,"iso_ts":"2026-01-04T08:00:00.500000Z","seq":3,"category":"system","event":"TornLineRecovered","file":"${FILE}","fragment_offset":${offset},"fragment_bytes":${Buffer.byteLength(frag)},"fragment_sha256":"${sha}","host":"h","pid":1,"prev":"${'a'.repeat(64)}"}`;

/** The hand day with A's event, then B's event recovered (or described wrongly: `wrong`), then an exported line. */
function day(wrong: boolean): { dir: string; bytes: Buffer } {
  const a = configEvent(handDay.A, {});
  const b = configEvent(handDay.B, {});
  const dir0 = handLogs([a]);
  const head = readFileSync(join(dir0, FILE));
  const off = head.length;
  const exported = JSON.stringify({
    category: 'system',
    event: 'PackExported',
    date: '2026-01-03',
    config_of_record: X,
  });
  const offE = off + Buffer.byteLength(b) + 1 + Buffer.byteLength(recovery(b, off)) + 1;
  const dir = handLogs([
    a,
    b,
    recovery(b, off, wrong ? 'f'.repeat(64) : undefined),
    exported,
    recovery(exported, offE, wrong ? 'f'.repeat(64) : undefined),
  ]);
  return { dir, bytes: readFileSync(join(dir, FILE)) };
}

const ids = (events: readonly { snapshot_id: string }[] | undefined) => events?.map((e) => e.snapshot_id);

function pythonLogEvents(bytes: Buffer, event: string, category: string): unknown[] {
  const tools = fileURLToPath(new URL('../../tools', import.meta.url));
  const script = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(tools)})`,
    'import auditpack_check as c',
    `print(json.dumps([e.get("snapshot_id", e.get("date")) for e in c.log_events(sys.stdin.buffer.read(), ${JSON.stringify(event)}, ${JSON.stringify(category)})]))`,
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script], { input: bytes, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown[];
}

describe('a recovered ConfigSnapshot/PackExported line is no event to the byte-search readers (at50 F5)', () => {
  it('ConfigEventIndex: the day holds A alone; the recovered PackExported gives no config_of_record', async () => {
    const { dir } = day(false);
    const index = new ConfigEventIndex({ logDir: dir });
    expect(ids(await index.eventsOf(handDay.DAY))).toEqual([handDay.A.snapshot_id]);
    // The recovered PackExported of the day before (its config_of_record X) is no record of it.
    expect(await index.configOfRecord(handDay.DAY - 1)).toEqual({ kind: 'none' });
    const { dir: kept } = day(true);
    expect(await new ConfigEventIndex({ logDir: kept }).configOfRecord(handDay.DAY - 1)).toMatchObject({
      kind: 'event',
      snapshot: X,
    });
  });

  it('a recovery that describes other bytes recovers nothing: both lines stay events', async () => {
    const { dir } = day(true);
    const index = new ConfigEventIndex({ logDir: dir });
    expect(ids(await index.eventsOf(handDay.DAY))).toEqual([handDay.A.snapshot_id, handDay.B.snapshot_id]);
  });

  it("a vouched pack copy's lines (linesOf) leave it out the same way", () => {
    expect(ids(linesOf(day(false).bytes, FILE).config.order)).toEqual([handDay.A.snapshot_id]);
    expect(ids(linesOf(day(true).bytes, FILE).config.order)).toEqual([handDay.A.snapshot_id, handDay.B.snapshot_id]);
  });

  it("the Python checker's log_events agrees", () => {
    expect(pythonLogEvents(day(false).bytes, 'ConfigSnapshot', 'config')).toEqual([handDay.A.snapshot_id]);
    expect(pythonLogEvents(day(false).bytes, 'PackExported', 'system')).toEqual([]);
    expect(pythonLogEvents(day(true).bytes, 'ConfigSnapshot', 'config')).toEqual([
      handDay.A.snapshot_id,
      handDay.B.snapshot_id,
    ]);
    expect(pythonLogEvents(day(true).bytes, 'PackExported', 'system')).toEqual(['2026-01-03']);
  });
});
