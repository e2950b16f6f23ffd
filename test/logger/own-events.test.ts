/**
 * The events auditpack's own commands write are known events: none carries a validation note
 * saying it is "not a known system event" (a note the product should only give a caller's typo).
 * The names are taken from the source of the writers, so a new one cannot be added unknown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
      logger.log(category, event, { n: 1 });
    }
    await logger.close();
    const recs = sink.allLines().map((l) => JSON.parse(l) as { category: string; event: string; validation?: unknown });
    expect(recs.map((r) => `${r.category}/${r.event}`)).toEqual(events);
    expect(recs.filter((r) => r.validation !== undefined)).toEqual([]);
  });
});
