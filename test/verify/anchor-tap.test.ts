import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LineSplitter, type ScannedLine, scanLines } from '../../src/chain/lines.js';
import { AnchorTap } from '../../src/verify/anchor-lines.js';
import { checkLogAnchors } from '../../src/verify/log-anchors.js';
import { Findings } from '../../src/verify/report.js';
import { DAY1, formatLine, recoveryEvent } from './helpers/log-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'auditpack-anchor-tap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MARK = '"category":"system","event":"Anchored",';
const anchorLike = (seq: number, tail = ''): string =>
  `{"v":1,"seq":${seq},"ts":1757289600000,"iso_ts":"2025-09-08T00:00:00.000Z","prev":"${'0'.repeat(64)}",${MARK}"head_seq":1,"head_hash":"${'a'.repeat(64)}","tsa_response":"AAAA"${tail}}`;

/** The anchors of `text` checked by searching the file, and from a tap fed by one pass: equal. */
async function both(name: string, text: string): Promise<number> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const searched = new Findings();
  const nSearched = await checkLogAnchors(path, name, searched, {}, { date: '2025-09-08', fromDayStart: false });
  // Fed lines only (each searched), and fed the chunks too (one search a chunk, as verify does), at
  // chunk sizes that put the marker across chunk boundaries (the marker is 40 bytes). A large file
  // only the way verify feeds it: each run checks every anchor's token again.
  const sizes = [undefined, 7, 39, 40, 41, 4096];
  const runs =
    text.length > 65536
      ? [{ chunkBytes: undefined, chunks: true }]
      : [{ chunkBytes: undefined, chunks: false }, ...sizes.map((chunkBytes) => ({ chunkBytes, chunks: true }))];
  for (const { chunkBytes, chunks } of runs) {
    const tap = new AnchorTap();
    await scanLines(path, (l) => tap.push(l), {
      view: true,
      noFollow: true,
      chunkBytes,
      onChunk: chunks ? (c) => tap.chunk(c) : undefined,
    });
    const tapped = new Findings();
    const nTapped = await checkLogAnchors(path, name, tapped, {}, { date: '2025-09-08', fromDayStart: false }, tap);
    expect(nTapped).toBe(nSearched);
    expect(tapped.toArray()).toEqual(searched.toArray());
  }
  return searched.toArray().length;
}

/** Offsets of the lines a tap keeps, fed the chunks of `text` cut at `cuts`, or fed lines only. */
function tapped(text: Buffer, cuts: number[] | undefined): number[] {
  const tap = new AnchorTap();
  const got: number[] = [];
  const split = new LineSplitter((l: ScannedLine) => {
    const before = tap.count;
    tap.push(l);
    if (tap.count > before) got.push(l.offset);
  });
  const points =
    cuts === undefined
      ? [0, text.length]
      : [0, ...cuts.filter((c) => c < text.length).sort((a, b) => a - b), text.length];
  for (let i = 1; i < points.length; i++) {
    const c = text.subarray(points[i - 1], points[i]);
    if (cuts !== undefined) tap.chunk(c);
    split.write(c);
  }
  split.end();
  return got;
}

describe('anchors found in the log pass (AnchorTap) are the ones a search of the file finds', () => {
  it('on hostile shapes: nested marker, CR, a line over the bound, an unterminated last line', async () => {
    const lines = [
      '{"v":1,"seq":1}',
      anchorLike(2),
      `{"v":1,"seq":3,"fields":{${MARK}"x":1}}`,
      `${anchorLike(4)}\r`,
      anchorLike(5, `,"pad":"${'p'.repeat(70 * 1024)}"`),
      'not json at all',
      anchorLike(7),
    ];
    // Each anchor found is checked and fails (no real token): findings show which lines were found.
    expect(await both('hostile.jsonl', `${lines.join('\n')}\n${anchorLike(8)}`)).toBeGreaterThan(0);
    const tap = new AnchorTap();
    await scanLines(join(dir, 'hostile.jsonl'), (l) => tap.push(l), { view: true });
    // Lines 2, 4 and 7: not the marker nested in a value (line 3: no anchor, at32 F2), not the long
    // one, not the unterminated one.
    expect(tap.count).toBe(3);
  });

  it('past the bound of anchors checked a file: the same count, the same warning', async () => {
    const many = Array.from({ length: 5003 }, (_, i) => anchorLike(i + 1)).join('\n');
    await both('many.jsonl', `${many}\n`);
  });

  it('on a log without anchors and on an empty log', async () => {
    await both('none.jsonl', '{"v":1,"seq":1}\n{"v":1,"seq":2}\n');
    await both('empty.jsonl', '');
  });

  it('fed chunks cut anywhere, it finds the lines a search of each line finds', () => {
    const piece = fc.constantFrom(MARK, MARK.slice(0, 20), MARK.slice(20), '\n', '{"seq":1,', 'x', '"', ',');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat(2000), { maxLength: 12 }), (pieces, cuts) => {
        const text = Buffer.from(pieces.join(''));
        expect(tapped(text, cuts)).toEqual(tapped(text, undefined));
      }),
      { numRuns: 500 },
    );
  });

  // at50 F1: a line that the next line recovers is a torn fragment, never an event (FORMAT.md rule 4).
  it('skips an anchor line that the next line recovers, where the two lines fall in the chunks or not', async () => {
    const FILE = 'audit-20250908.jsonl';
    const anchor = anchorLike(3);
    const CHUNK = 1024 * 1024; // findAnchors' read size: the recovery may start or end past it
    for (const [k, shift] of [0, -1, -40, -200, 5].entries()) {
      // Padding lines so that the anchor line ends `shift` bytes from the end of the first chunk.
      const padBytes = Math.max(0, CHUNK - (anchor.length + 1) + shift);
      const pad = padBytes === 0 ? '' : `${'p'.repeat(999)}\n`.repeat(Math.floor(padBytes / 1000));
      const head = `${pad}${'q'.repeat(Math.max(0, padBytes - pad.length - 1))}\n`;
      const offset = Buffer.byteLength(head);
      const rec = (frag: string) => formatLine(recoveryEvent(FILE, offset, frag, DAY1 + 5e6), 3, 'f'.repeat(64));
      const recovered = `${head}${anchor}\n${rec(anchor)}\n{"after":1}\n`;
      const other = `${head}${anchor}\n${rec(`${anchor}x`)}\n{"after":1}\n`;
      const torn = `${head}${anchor}\n${rec(anchor)}`; // the recovery itself unterminated: no recovery
      for (const [name, text, want] of [
        ['recovered', recovered, 0],
        ['other', other, 1],
        ['torn', torn, 1],
      ] as const) {
        const path = join(dir, `rec-${k}-${name}.jsonl`);
        writeFileSync(path, text);
        const f = new Findings();
        const ctx = { date: '2025-09-08', fromDayStart: false };
        expect(await checkLogAnchors(path, FILE, f, {}, ctx), `${name} ${shift}`).toBe(want);
        for (const chunkBytes of [undefined, 41, 4096]) {
          const tap = new AnchorTap();
          tap.recoveryFile = FILE;
          await scanLines(path, (l) => tap.push(l), {
            view: true,
            noFollow: true,
            chunkBytes,
            onChunk: (c) => tap.chunk(c),
          });
          expect(tap.count, `${name} ${shift} tap ${chunkBytes}`).toBe(want);
          expect(await checkLogAnchors(path, FILE, new Findings(), {}, ctx, tap)).toBe(want);
        }
      }
    }
  });
});
