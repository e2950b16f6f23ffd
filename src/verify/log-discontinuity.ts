/**
 * What a LogDiscontinuity event says (docs/FORMAT.md, "Lost heads"): the writer found the head it
 * had last written gone — its day file cut short, emptied or removed by hand — and wrote this
 * before chaining on from what was left. The chain around it is intact by construction; the events
 * between the head found and the head cached are not in it.
 */
import type { ScannedLine } from '../chain/lines.js';

/** The finding's detail for a LogDiscontinuity line (its fields read defensively: hostile input). */
export function discontinuityDetail(line: ScannedLine): string {
  let r: Record<string, unknown> = {};
  try {
    const v = JSON.parse((line.bytes as Buffer).toString('utf8')) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) r = v as Record<string, unknown>;
  } catch {
    // The line was read as an event, so it parses; if not, the detail names nothing.
  }
  const num = (k: string): number | undefined => (Number.isSafeInteger(r[k]) ? (r[k] as number) : undefined);
  const str = (k: string): string => (typeof r[k] === 'string' ? (r[k] as string).slice(0, 80) : '?');
  const cachedSeq = num('cached_seq');
  const foundSeq = num('found_seq');
  const foundSize = num('found_size');
  const lost =
    cachedSeq === undefined || foundSeq === undefined
      ? 'events were lost'
      : foundSeq < cachedSeq
        ? `events seq ${foundSeq + 1}..${cachedSeq} as written are lost (later lines reuse those seq)`
        : `the line at seq ${cachedSeq} was replaced`;
  const was =
    foundSize === undefined
      ? 'gone'
      : `${foundSize} bytes, ${foundSize < (num('cached_size') ?? 0) ? 'shorter' : 'not ending in that line'}`;
  return (
    `LogDiscontinuity: the writer's last head (${str('cached_file')}, seq ${cachedSeq ?? '?'}, sha256 ` +
    `${str('cached_sha256').slice(0, 16)}…, ${num('cached_size') ?? '?'} bytes) was no longer on disk (the file: ${was}); ` +
    `the chain went on from seq ${foundSeq ?? '?'}: ${lost}`
  );
}
