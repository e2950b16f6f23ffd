import { describe, expect, it } from 'vitest';
import { PACK_TOKEN_COVERS } from '../../src/format/anchor.js';
import { PACK_PATH, packFileSpec, parseArchiveName, parsePackName, TAGMANIFEST } from '../../src/format/pack.js';
import { dayNumberOfIsoDate, isoDate } from '../../src/rotation/index.js';

describe('pack names (src/format/pack.ts)', () => {
  it('parses a current pack, a superseded version and its archive', () => {
    expect(parsePackName('2026-03-04')).toEqual({ date: '2026-03-04', version: null });
    expect(parsePackName('2026-03-04.v12')).toEqual({ date: '2026-03-04', version: 12 });
    expect(parseArchiveName('2026-03-04.tar.gz')).toEqual({ date: '2026-03-04', version: null });
    expect(parseArchiveName('2026-03-04.v2.tar.gz')).toEqual({ date: '2026-03-04', version: 2 });
  });

  it('refuses names that are not a real day or a plain version', () => {
    for (const n of [
      '2026-02-30',
      '2026-13-01',
      '2026-3-04',
      '2026-03-04.v0',
      '2026-03-04.v01',
      '2026-03-04.v1234567',
      '2026-03-04.V1',
      ' 2026-03-04',
      '2026-03-04/',
      '2026-03-04.tar.gz',
      '../2026-03-04',
    ]) {
      expect(parsePackName(n), n).toBeUndefined();
    }
    for (const n of [
      '2026-03-04',
      '2026-03-04.tgz',
      '2026-02-30.tar.gz',
      '2026-03-04.v0.tar.gz',
      '2026-03-04.tar.gz.tar.gz',
    ])
      expect(parseArchiveName(n), n).toBeUndefined();
  });

  it('agrees with the rotation calendar on every day, early years included', () => {
    for (const d of ['0000-01-01', '0099-12-31', '1900-02-29', '2000-02-29', '2024-02-29', '9999-12-31']) {
      expect(parsePackName(d)?.date, d).toBe(dayNumberOfIsoDate(d) === undefined ? undefined : d);
    }
    for (let day = dayNumberOfIsoDate('0000-01-01')!; day <= dayNumberOfIsoDate('9999-12-31')!; day += 997)
      expect(parsePackName(isoDate(day))?.date).toBe(isoDate(day));
  });

  it('names only files of the pack table', () => {
    for (const p of Object.values(PACK_PATH)) expect(packFileSpec(p), p).toBeDefined();
  });

  it('a pack token covers the tag manifest (the anchor format names it separately)', () => {
    expect(PACK_TOKEN_COVERS).toBe(TAGMANIFEST);
  });
});
