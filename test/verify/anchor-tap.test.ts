import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanLines } from '../../src/chain/lines.js';
import { AnchorTap, checkLogAnchors } from '../../src/verify/log-anchors.js';
import { Findings } from '../../src/verify/report.js';

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
  const tap = new AnchorTap();
  await scanLines(path, (l) => tap.push(l), { view: true, noFollow: true });
  const tapped = new Findings();
  const nTapped = await checkLogAnchors(path, name, tapped, {}, { date: '2025-09-08', fromDayStart: false }, tap);
  expect(nTapped).toBe(nSearched);
  expect(tapped.toArray()).toEqual(searched.toArray());
  return searched.toArray().length;
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
    expect(tap.count).toBe(4); // lines 2, 3, 4 and 7: not the long one, not the unterminated one
  });

  it('past the bound of anchors checked a file: the same count, the same warning', async () => {
    const many = Array.from({ length: 5003 }, (_, i) => anchorLike(i + 1)).join('\n');
    await both('many.jsonl', `${many}\n`);
  });

  it('on a log without anchors and on an empty log', async () => {
    await both('none.jsonl', '{"v":1,"seq":1}\n{"v":1,"seq":2}\n');
    await both('empty.jsonl', '');
  });
});
