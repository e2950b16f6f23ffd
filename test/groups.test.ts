/**
 * The heavy-group switch CI uses on its extra Node.js lines: it names what it skips, and refuses
 * names and files it does not know instead of quietly running something else.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TEST_GROUPS, skippedFiles } from './groups.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('AUDITPACK_TEST_SKIP', () => {
  it('unset or empty: nothing is skipped and nothing is said', () => {
    for (const v of [undefined, '', ' , ']) expect(skippedFiles(v, ROOT)).toEqual({ files: [], note: undefined });
  });

  it('every group lists files that exist, and skipping all of them names each group', () => {
    const names = Object.keys(TEST_GROUPS);
    const r = skippedFiles(names.join(','), ROOT);
    expect(r.files).toEqual(names.flatMap((n) => TEST_GROUPS[n]?.files ?? []));
    expect(r.note).toMatch(
      new RegExp(`^AUDITPACK_TEST_SKIP=${names.join(',')}: not running the ${names.join(' and ')} test groups? `),
    );
  });

  it('every test file that starts a Ceph radosgw is in the ceph group (one left out ran on every line)', () => {
    const starts = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/${f}`)
      .filter((f) => /\bstartCephS3\(/.test(readFileSync(join(ROOT, f), 'utf8')))
      .sort();
    expect(starts.length).toBeGreaterThan(0);
    expect([...(TEST_GROUPS.ceph?.files ?? [])].sort()).toEqual(starts);
  });

  it('an unknown group or a prototype key is an error, not a silent no-op', () => {
    expect(() => skippedFiles('ceph,cepf', ROOT)).toThrow(/no test group "cepf"/);
    expect(() => skippedFiles('constructor', ROOT)).toThrow(/no test group "constructor"/);
    expect(() => skippedFiles('__proto__', ROOT)).toThrow(/no test group "__proto__"/);
  });

  it('skips exactly the listed files of the named groups; a listed file that does not exist (renamed) is an error', () => {
    const root = tempDir();
    mkdirSync(join(root, 'test/e2e'), { recursive: true });
    for (const f of ['test/e2e/s3.test.ts', 'test/e2e/page.test.ts']) writeFileSync(join(root, f), '');
    const groups = {
      s3: { why: 'a server', files: ['test/e2e/s3.test.ts'] },
      page: { why: 'a browser', files: ['test/e2e/page.test.ts'] },
      gone: { why: 'renamed', files: ['test/e2e/old.test.ts'] },
    };
    expect(skippedFiles('s3', root, groups)).toEqual({
      files: ['test/e2e/s3.test.ts'],
      note: 'AUDITPACK_TEST_SKIP=s3: not running the s3 test group (test/e2e/s3.test.ts); the main CI line runs them',
    });
    expect(skippedFiles('page, s3', root, groups).files).toEqual(['test/e2e/page.test.ts', 'test/e2e/s3.test.ts']);
    expect(() => skippedFiles('s3,gone', root, groups)).toThrow(
      /group "gone" lists test\/e2e\/old\.test\.ts, which does not exist/,
    );
  });
});
