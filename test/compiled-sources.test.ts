/** Which imports of a test file get the compiled dist/ module (test/compiled-sources.ts). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledSources, compiledTwin, mocksModules } from './compiled-sources.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const at = (p: string): string => join(ROOT, p);

describe('tests import the compiled twin of src/', () => {
  it('maps a test file’s (or a helper’s) import of src/ to the same path under dist/', () => {
    expect(compiledTwin(ROOT, '../../src/verify/index.js', at('test/verify/pack.test.ts'))).toBe(
      at('dist/verify/index.js'),
    );
    expect(compiledTwin(ROOT, '../../../src/pack/export.js', at('test/verify/helpers/x.ts'))).toBe(
      at('dist/pack/export.js'),
    );
    expect(compiledTwin(ROOT, '../src/index.js', at('test/package.test.ts'))).toBe(at('dist/index.js'));
  });

  it('leaves everything else: imports among the sources, of test helpers, of packages, outside src/', () => {
    expect(compiledTwin(ROOT, './hash-jobs.js', at('src/verify/pack-dir.ts'))).toBeUndefined();
    expect(compiledTwin(ROOT, '../helpers/tmp.js', at('test/verify/pack.test.ts'))).toBeUndefined();
    expect(compiledTwin(ROOT, 'fast-check', at('test/verify/pack.test.ts'))).toBeUndefined();
    expect(compiledTwin(ROOT, '../../bin/auditpack.js', at('test/e2e/cli.test.ts'))).toBeUndefined();
    expect(compiledTwin(ROOT, '../../src/verify/index.js', undefined)).toBeUndefined();
  });

  it('keeps the sources for a file that mocks a module (a mock works only inside vite’s graph)', () => {
    expect(mocksModules("vi.mock('../../src/fsx/regular.js', async () => ({}))")).toBe(true);
    expect(mocksModules("vi.doMock('../../src/x.js')")).toBe(true);
    expect(mocksModules("vi.spyOn(Math, 'random')")).toBe(false);
    const plugin = compiledSources(ROOT);
    const mocking = at('test/verify/snapshot-file-one-open.test.ts');
    expect(plugin.resolveId('../../src/verify/compliance-bytes.js', mocking)).toBeUndefined();
    expect(plugin.resolveId('../../src/verify/index.js', at('test/verify/pack.test.ts'))).toBe(
      at('dist/verify/index.js'),
    );
  });
});
