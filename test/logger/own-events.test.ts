/**
 * The events auditpack's own commands write are known events: none carries a validation note
 * saying it is "not a known system event" (a note the product should only give a caller's typo).
 * The names are taken from the source of the writers, so a new one cannot be added unknown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWriterEvent, WRITER_EVENTS } from '../../src/format/writer-events.js';
import { recordWriterEvent } from '../../src/logger/child.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** `category`/`event` pairs written by the anchor and archive commands (the writers that log plain events). */
function ownEvents(): string[] {
  const found = new Set<string>();
  for (const dir of ['anchor', 'archive', 'format']) {
    for (const name of readdirSync(join(SRC, dir)).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(SRC, dir, name), 'utf8');
      // logger.log('system', 'Anchored', …) (the reserved ones, PackTimestamped…, go through recordWriterEvent)
      for (const m of text.matchAll(/\.log\('(system|alert)', '([A-Za-z]+)'/g)) found.add(`${m[1]}/${m[2]}`);
      // { category: 'system', event: 'PackArchived' } and `o.on ? 'ArchiveLegalHoldSet' : 'ArchiveLegalHoldReleased'`
      for (const m of text.matchAll(/category: '(system|alert)',\s*event: ([^,\n]+),/g))
        for (const e of (m[2] as string).matchAll(/'([A-Za-z]+)'/g)) found.add(`${m[1]}/${e[1]}`);
      // export const ANCHOR_FAILED_EVENT = 'AnchorFailed'; (written with the category 'system')
      if (name === 'anchor.ts')
        for (const m of text.matchAll(/export const ANCHOR\w*_EVENT = '([A-Za-z]+)'/g)) found.add(`system/${m[1]}`);
    }
  }
  return [...found].sort();
}

describe("auditpack's own events", () => {
  it('are known: logged, none carries a validation note', async () => {
    const events = ownEvents();
    // The scan finds them (it would pass vacuously otherwise).
    expect(events).toEqual(
      expect.arrayContaining([
        'system/Anchored',
        'system/AnchorFailed',
        'system/PackArchived',
        'system/ArchiveLegalHoldSet',
        'system/ArchiveLegalHoldReleased',
        'system/ArchiveVerified',
        'alert/ArchiveVerifyFailed',
      ]),
    );
    const sink = new MemorySink();
    const logger = createAuditLogger({ sink, handleExit: false });
    for (const e of events) {
      const [category, event] = e.split('/') as [string, string];
      // As the writers write them: the reserved ones through the writer's door.
      recordWriterEvent(logger, category, event, { n: 1 });
    }
    await logger.close();
    const recs = sink.allLines().map((l) => JSON.parse(l) as { category: string; event: string; validation?: unknown });
    expect(recs.map((r) => `${r.category}/${r.event}`)).toEqual(events);
    expect(recs.filter((r) => r.validation !== undefined)).toEqual([]);
  });
});

/** Files under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/**
 * Every `system` event name written anywhere in src/: `{ category: 'system', event: 'X' }`,
 * `(…'system', 'X'` (log, prepare, recordWriterEvent) and, in src/format, `X_EVENT = 'Name'` in a file
 * whose category constant is `'system'` (anchor.ts, heartbeat.ts) or in writer-events.ts.
 */
function systemEventsWritten(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const at = file.slice(SRC.length + 1);
    for (const m of text.matchAll(/category: 'system',\s*event: ([^,\n}]+)[,}]/g))
      for (const e of (m[1] as string).matchAll(/'([A-Za-z]+)'/g)) found.set(e[1] as string, at);
    for (const m of text.matchAll(/\((?:\s*\w+,)?\s*'system',\s*'([A-Za-z]+)'/g)) found.set(m[1] as string, at);
    if (at.startsWith('format/') && (/_CATEGORY = 'system'/.test(text) || at === 'format/writer-events.ts'))
      for (const m of text.matchAll(/export const \w*_EVENT = '([A-Za-z]+)'/g)) found.set(m[1] as string, at);
  }
  return found;
}

/** What auditpack writes under `system` as a caller would (its demo's own app), so not reserved. */
const CALLER_LIKE = new Set(['PricerAlive']);

describe("auditpack's own system events are reserved (at32 F1)", () => {
  it('every system event a writer in src/ writes is in WRITER_EVENTS', () => {
    const written = systemEventsWritten();
    // The scan finds each kind of writer (it would pass vacuously otherwise).
    for (const e of [
      'Anchored',
      'AnchorFailed',
      'PackArchived',
      'ArchiveVerified',
      'EventsRefused',
      'LoggerConfigInvalid',
    ])
      expect(written.has(e), e).toBe(true);
    for (const e of ['TornLineRecovered', 'PackPruned', 'PackKept', 'PackExported', 'Heartbeat', 'LogPruned'])
      expect(written.has(e), e).toBe(true);
    const unreserved = [...written].filter(([e]) => !CALLER_LIKE.has(e) && !WRITER_EVENTS.has(e));
    expect(unreserved).toEqual([]);
    expect(isWriterEvent('system', 'Anchored')).toBe(true);
  });

  it("a caller's event of such a name is written as Caller<Name> with a note, never under the name", async () => {
    const sink = new MemorySink();
    const logger = createAuditLogger({ sink, handleExit: false });
    const names = ['Anchored', 'AnchorFailed', 'PackArchived', 'LoggerConfigInvalid'];
    for (const e of names) logger.log('system', e, { note: 'caller' });
    await logger.close();
    const recs = sink.allLines().map((l) => JSON.parse(l) as { event: string; validation?: string[] });
    expect(recs.map((r) => r.event)).toEqual(names.map((e) => `Caller${e}`));
    expect(recs[0]?.validation).toEqual([
      'event: "Anchored" is reserved for auditpack\'s writer; written as "CallerAnchored"',
    ]);
  });
});
