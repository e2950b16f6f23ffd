/**
 * Archive actions on the record: every push, retention change, legal-hold change and failed
 * verification is also an event in the audit chain (SEC 17a-4(f)(3)(iii) asks for an audit
 * system of who did what to the records; the chain keeps it as long as the logs are kept).
 */
import { recordWriterEvent } from '../logger/child.js';
import { createAuditLogger } from '../logger/index.js';

/** One event to record. */
export interface ArchiveEvent {
  readonly category: 'system' | 'alert';
  readonly event: string;
  readonly fields: Record<string, unknown>;
}

/** Writes events durably to the logs dir (nothing when `eventLogDir` is false or there are none). */
export async function recordArchiveEvents(
  o: { eventLogDir: string | false; loggerClock?: () => number },
  events: readonly ArchiveEvent[],
): Promise<void> {
  if (o.eventLogDir === false || events.length === 0) return;
  const logger = createAuditLogger({
    logDir: o.eventLogDir,
    handleExit: false,
    durability: 'durable',
    ...(o.loggerClock ? { clock: o.loggerClock } : {}),
  });
  try {
    // Through the writer's door: the system names are reserved (src/format/writer-events.ts), and
    // logger.log would write them as a caller's Caller<Name>.
    await Promise.all(events.map((e) => recordWriterEvent(logger, e.category, e.event, e.fields)));
  } finally {
    await logger.close();
  }
}
