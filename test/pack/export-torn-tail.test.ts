/**
 * A writer killed mid-write at the end of the day, then the day's export before any other writer:
 * the export recovers the torn tail under the log lock, by the writer's own code, before it reads
 * the file, so the pack holds the fragment and the TornLineRecovered describing it (docs/FORMAT.md,
 * "Torn lines and recovery"). Before, the export's own PackExported write recovered it after the
 * pack was cut: an event in no pack, to which the next day's first line chained.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recoverDayTail } from '../../src/pack/day-tail.js';
import { exportPack, type ExportPackOptions } from '../../src/pack/index.js';
import { dayNumberOfIsoDate } from '../../src/rotation/index.js';
import { tempDir } from '../helpers/tmp.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from './helpers.js';
import { nextLineBytes } from './helpers/torn-write.js';

const CHILD = fileURLToPath(new URL('../helpers/append-in-progress-child.mjs', import.meta.url));
const D = '2025-09-08';
const FILE = 'audit-20250908.jsonl';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const lines = (b: Buffer): string[] => b.toString('utf8').split('\n');

function options(root: string, o: Partial<ExportPackOptions> = {}): ExportPackOptions {
  const at = Date.parse('2025-09-09T00:10:00Z');
  return {
    date: D,
    logDir: join(root, 'logs'),
    artifactsDir: join(root, 'artifacts'),
    version: '0.1.0',
    now: () => at,
    loggerClock: () => at * 1000,
    ...o,
  };
}

/** Three events of day `date`, then the first `keep` bytes of the fourth line (a write cut short). */
async function tornDay(root: string, date = D, keep = 40): Promise<{ logDir: string; next: Buffer }> {
  const logDir = join(root, 'logs');
  await writeDay(logDir, date, SAMPLE_EVENTS.slice(0, 3));
  const next = await nextLineBytes(logDir, date, SAMPLE_EVENTS[3] as (typeof SAMPLE_EVENTS)[number], '23:59:58');
  appendFileSync(join(logDir, `audit-${date.replaceAll('-', '')}.jsonl`), next.subarray(0, keep));
  return { logDir, next };
}

/** The pack's last line as an event, and the line before it. */
function packTail(packDir: string): { last: Record<string, unknown>; before: string; text: Buffer } {
  const text = readFileSync(join(packDir, 'data', 'audit.jsonl'));
  const l = lines(text);
  expect(l.at(-1)).toBe('');
  return { last: JSON.parse(l.at(-2) as string), before: l.at(-3) as string, text };
}

describe('export of a day whose file ends in a torn write', () => {
  it('the pack holds the fragment and its recovery; the log file is the pack byte for byte after the export', async () => {
    const root = tempDir();
    const { logDir, next } = await tornDay(root);
    const r = await exportPack(options(root));
    const { last, before, text } = packTail(r.path);
    const fragment = next.subarray(0, 40);
    expect(before).toBe(fragment.toString('utf8'));
    expect(last).toMatchObject({
      category: 'system',
      event: 'TornLineRecovered',
      seq: 4,
      file: FILE,
      fragment_bytes: 40,
      fragment_sha256: sha(fragment),
      ts: Date.parse('2025-09-09T00:10:00Z') / 1000,
    });
    expect(r.malformed.map((m) => m.reason)).toEqual(['recovered-fragment']);
    expect(r.manifest.chain).toMatchObject({ last_seq: 4, end_hash: sha(lines(text).at(-2) as string) });
    // The export's own event went to the next day's file: the day's file gained nothing after the pack.
    expect(readFileSync(join(logDir, FILE)).equals(text)).toBe(true);
    const after = readFileSync(join(logDir, 'audit-20250909.jsonl'), 'utf8');
    expect(after).toContain('"event":"PackExported"');
    expect(after).not.toContain('TornLineRecovered');
  }, 60_000);

  it('an append in progress under a live writer (it holds the lock) is waited for, never recovered', async () => {
    const root = tempDir();
    const { logDir, next } = await tornDay(root);
    // A live writer holds the lock and finishes its line 700 ms later. (Export waits for the lock
    // before this too, to check the day's head: the recovery must not rely on that.)
    const child = spawn(process.execPath, [CHILD, logDir, FILE, next.subarray(40).toString('hex'), '700'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((res) => child.on('exit', res));
    await new Promise<void>((res) => child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && res()));
    await recoverDayTail(logDir, dayNumberOfIsoDate(D) as number, () => microsAt('2025-09-09'));
    const text = readFileSync(join(logDir, FILE), 'utf8');
    expect(text.endsWith(next.toString('utf8'))).toBe(true);
    expect(text).not.toContain('TornLineRecovered');
    expect(await exited).toBe(0);
  }, 60_000);

  it('today as a partial pack recovers its torn tail too; a tail in an older day file no writer recovers is left and reported', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    await writeDay(logDir, '2025-09-07', SAMPLE_EVENTS.slice(0, 3));
    await writeDay(logDir, D, SAMPLE_EVENTS.slice(3, 6));
    // A tail in a day file a newer one follows: no writer leaves it (a writer recovers before it writes on).
    appendFileSync(join(logDir, 'audit-20250907.jsonl'), '{"ts":1');
    const torn = await nextLineBytes(logDir, D, SAMPLE_EVENTS[6] as (typeof SAMPLE_EVENTS)[number], '10:00:00');
    appendFileSync(join(logDir, FILE), torn.subarray(0, 25));
    const noon = Date.parse(`${D}T12:00:00Z`);
    const today = await exportPack(
      options(root, { partial: true, now: () => noon, loggerClock: () => microsAt(D, '12:00:00') }),
    );
    expect(packTail(today.path).last).toMatchObject({
      event: 'TornLineRecovered',
      fragment_sha256: sha(torn.subarray(0, 25)),
    });
    expect(today.manifest.partial).toBe(true);
    const older = readFileSync(join(logDir, 'audit-20250907.jsonl'));
    const r = await exportPack(
      options(root, { date: '2025-09-07', now: () => noon, loggerClock: () => microsAt(D, '12:00:01') }),
    );
    expect(readFileSync(join(logDir, 'audit-20250907.jsonl')).equals(older)).toBe(true);
    expect(r.malformed.map((m) => m.reason)).toEqual(['unterminated']);
  }, 60_000);
});
