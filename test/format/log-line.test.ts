/**
 * The log line is written once (src/format/log-line.ts): what the writer assembles from its
 * pieces is what the reader (src/format/event-line.ts) accepts, byte for byte as docs/FORMAT.md
 * shows it, and no other file in src/ spells the line's bytes itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { EventReader } from '../../src/format/event-line.js';
import {
  assembleLine,
  categoryEventText,
  createHeadFormatter,
  LINE_HEAD,
  provenanceText,
  RECOVERY,
  recoveryBody,
  recoveryFields,
  RESERVED_FIELDS,
  TAIL_LENGTH,
  TAIL_RE,
} from '../../src/format/log-line.js';

const PREV = 'ab'.repeat(32);

describe('the log line, written and read through one module', () => {
  it('assembles the bytes FORMAT.md shows, in the documented field order', () => {
    const head = createHeadFormatter()(1757491200_590693);
    const body = `${categoryEventText('order', 'OrderAccepted')},"order_id":"A-1"${provenanceText('h1', 7)}`;
    const line = assembleLine({ head, body }, 42, PREV, true);
    expect(line).toBe(
      `{"ts":1757491200.590693,"iso_ts":"2025-09-10T08:00:00.590693Z","seq":42,"late":true,"category":"order","event":"OrderAccepted","order_id":"A-1","host":"h1","pid":7,"prev":"${PREV}"}`,
    );
    expect(line.startsWith(LINE_HEAD)).toBe(true);
    expect(TAIL_RE.exec(line.slice(-TAIL_LENGTH))?.[1]).toBe(PREV);
    expect(Object.keys(JSON.parse(line))).toEqual([
      'ts',
      'iso_ts',
      'seq',
      'late',
      'category',
      'event',
      'order_id',
      'host',
      'pid',
      'prev',
    ]);
  });

  it("the writer thread's recovery event is an event the reader recognises as a recovery", () => {
    const fields = recoveryFields('audit-20250910.jsonl', 10, 3, hashLine('abc'));
    const body = recoveryBody(JSON.stringify(fields).slice(1, -1), provenanceText('h1', 7));
    const line = Buffer.from(assembleLine({ head: createHeadFormatter()(1757491200_000001), body }, 2, PREV, false));
    const r = new EventReader().read(line, 0, line.length);
    expect(r.ok && r.ev.recovery).toBe(true);
    expect(JSON.parse(line.toString())).toMatchObject({
      category: RECOVERY.category,
      event: RECOVERY.event,
      ...fields,
    });
  });

  it('reserves every envelope name a line carries', () => {
    const line = assembleLine(
      {
        head: createHeadFormatter()(1),
        body: `${categoryEventText('a', 'B')},"actor":"x","redacted":[],"validation":[]${provenanceText('h', 1)}`,
      },
      1,
      PREV,
      true,
    );
    for (const k of Object.keys(JSON.parse(line))) expect(RESERVED_FIELDS.has(k)).toBe(true);
  });
});

/** Byte forms of the line that only src/format may write. */
const LINE_LITERALS = [
  '{"ts":',
  '"iso_ts":',
  '"seq":',
  '"late":true',
  '"category":',
  '"event":',
  '"actor":',
  '"redacted":',
  '"validation":',
  '"host":',
  '"pid":',
  '"prev":',
  '"TornLineRecovered"',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('no line-format literal outside src/format', () => {
  it('finds none in code (comments may quote the format)', () => {
    const root = join(import.meta.dirname, '../../src');
    const found: string[] = [];
    for (const file of sourceFiles(root)) {
      const rel = relative(root, file);
      if (rel.startsWith('format/')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const code = text.trim();
          if (code.startsWith('*') || code.startsWith('/*') || code.startsWith('//')) return;
          for (const lit of LINE_LITERALS) if (code.includes(lit)) found.push(`${rel}:${i + 1}: ${lit}`);
        });
    }
    expect(found).toEqual([]);
  });
});
