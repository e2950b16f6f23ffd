/**
 * The events of the packs' logs an archive holds (src/verify/pack-dir.ts, pack-tar.ts) share one
 * room, the review events one and the PackPruned/PackExported events another: for the latter each
 * pack's log kept 100,000, and 8 hostile packs took 529 MB (1.1 GB with --json). For the review
 * events: each pack's log was capped at 1,000,000 events, silently, and an archive held every pack's
 * (a hostile artifacts directory of 8 packs of 200,000 events took 1.4 GB, then died of a spread of
 * the record's 1.6 million mismatches as arguments: INTERNAL, exit 70). Past the room the events
 * are counted and said (REVIEW_PACK_LOG_UNCHECKED), never kept.
 */
import { appendFileSync, chmodSync, cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReviewEvent } from '../../src/review/index.js';
import { verifyArchive } from '../../src/verify/index.js';
import { DATE, makeFixture } from '../review/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');
/** `per` review events of DATE's pack version `hex(7)` (none: its record is missing), from seq `from`. */
function reviewed(from: number, per: number): string {
  let s = '';
  for (let n = from; n < from + per; n++)
    s += `{"seq":${n},"category":"review","event":"ReviewSubmitted","date":"${DATE}","manifest_sha256":"${hex(7)}","record_seq":${n},"record_sha256":"${hex(n)}","actor":"x@y"}\n`;
  return s;
}

/** `per` PackPruned events from seq `from`. */
function pruned(from: number, per: number): string {
  let s = '';
  for (let n = from; n < from + per; n++)
    s += `{"seq":${n},"category":"system","event":"PackPruned","date":"2025-07-01","path":"p${n}","manifest_sha256":null}\n`;
  return s;
}

/** A real pack and `more` copies of it dated 2025-08-01 …, each log holding `per` review (or other) events more. */
async function archive(more: number, per: number, events = reviewed) {
  const f = await makeFixture(tempDir());
  const names = [...Array.from({ length: more }, (_, k) => `2025-08-0${k + 1}`), DATE];
  for (const [k, name] of names.entries()) {
    const dir = join(f.artifacts, name);
    if (name !== DATE) cpSync(f.pack, dir, { recursive: true });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'data'), 0o755);
    chmodSync(join(dir, 'data/audit.jsonl'), 0o644);
    appendFileSync(join(dir, 'data/audit.jsonl'), events(k * 1_000_000, per));
  }
  return f;
}

const kept = (r: { parts?: readonly unknown[] }): number =>
  (r.parts ?? []).reduce<number>((n, p) => n + ((p as { reviewEvents?: ReviewEvent[] }).reviewEvents?.length ?? 0), 0);

describe("the packs' logs share one room for review events", () => {
  it('events over it across packs, each under it: counted in the pack where it ran out', async () => {
    const f = await archive(2, 40);
    const r = await verifyArchive(f.artifacts, { reviewEventRoom: { left: 100 } });
    expect(kept(r)).toBe(100);
    const unchecked = r.problems.filter((p) => p.code === 'REVIEW_PACK_LOG_UNCHECKED');
    expect(unchecked).toEqual([expect.objectContaining({ severity: 'warning', file: `${DATE}/data/audit.jsonl` })]);
    expect(unchecked[0]?.detail).toMatch(/: 20 were not held to the review records/);
  });

  it('what is kept does not grow with the packs', async () => {
    const counts: number[] = [];
    for (const more of [0, 3])
      counts.push(kept(await verifyArchive((await archive(more, 30)).artifacts, { reviewEventRoom: { left: 50 } })));
    expect(counts).toEqual([30, 50]);
  });

  it('a record lacking 150,000 chained events is findings, not a stack overflow', async () => {
    const f = await archive(0, 75_000);
    mkdirSync(f.logs, { recursive: true });
    appendFileSync(join(f.logs, 'audit-20251001.jsonl'), reviewed(5_000_000, 75_000));
    const r = await verifyArchive(f.artifacts, { logDir: f.logs });
    const file = `reviews/${DATE}/${hex(7)}.jsonl`;
    const mismatch = r.problems.filter((p) => p.code === 'REVIEW_EVENT_MISMATCH' && p.file === file);
    expect(mismatch.length).toBeGreaterThan(0);
    const cut = r.problems.find((p) => p.code === 'FINDINGS_TRUNCATED' && p.file === file);
    expect(cut?.detail).toMatch(/\(150000 in all\)/);
  }, 60_000);
});

describe("the packs' logs share one room for PackPruned and PackExported events", () => {
  it('events over it across packs, each under it: counted in the pack where it ran out', async () => {
    const f = await archive(2, 40, pruned);
    const r = await verifyArchive(f.artifacts, { chainEventRoom: { left: 100 } });
    const parts = (r.parts ?? []) as unknown as { pruneEvents?: unknown[] }[];
    expect(parts.reduce((n, p) => n + (p.pruneEvents?.length ?? 0), 0)).toBe(100);
    const unchecked = r.problems.filter((p) => p.code === 'ARCHIVE_PACK_EVENTS_UNCHECKED');
    expect(unchecked).toEqual([expect.objectContaining({ severity: 'warning', file: `${DATE}/data/audit.jsonl` })]);
    expect(unchecked[0]?.detail).toMatch(/: 20 were not held to the archive/);
  });
});
