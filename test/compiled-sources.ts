/**
 * Test files import auditpack's modules as `../../src/<path>.js`; this vite plugin hands them the
 * compiled `dist/<path>.js` instead, which vitest leaves to Node.js's own loader (`server.deps.external`
 * in vitest.config.ts). Through vite, every test file paid for its own transform-and-evaluate of a
 * few hundred source modules (vitest's "import" time: 269 s of CI's main line, about 2.3 s of CPU a
 * file importing the verifier, the export and compliance); natively about a quarter of that
 * (docs/TESTING.md). dist/ is built from the same sources by the global setup before any file runs
 * (and the worker threads already ran it), and each file still gets its own process and so its own
 * copy of every module: a test that relies on module state keeps it to itself.
 *
 * Left to the sources, through vite: a test file that calls `vi.mock` (a mock replaces a module
 * only inside vite's module graph), and everything when AUDITPACK_TEST_SOURCES=1 (a debugger's
 * breakpoints in the .ts files).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** Set to 1 to import src/ through vite as before (no compiled copies). */
export const SOURCES_VAR = 'AUDITPACK_TEST_SOURCES';

/** Where `source`, imported by `importer`, is redirected: its dist/ twin, or undefined to leave it. */
export function compiledTwin(root: string, source: string, importer: string | undefined): string | undefined {
  if (importer === undefined || !source.startsWith('.') || !source.endsWith('.js')) return undefined;
  const src = join(root, 'src') + sep;
  if (!importer.startsWith(join(root, 'test') + sep)) return undefined; // src importing src: dist's own
  const target = resolve(dirname(importer), source);
  if (!target.startsWith(src)) return undefined;
  return join(root, 'dist', target.slice(src.length));
}

/** Whether a test file mocks a module (and so must import the sources through vite). */
export function mocksModules(text: string): boolean {
  return /\bvi\.(mock|doMock)\(/.test(text);
}

/** The vite plugin (a `resolveId` hook ahead of vite's own resolution). */
export function compiledSources(root: string) {
  const mocking = new Map<string, boolean>();
  const mocks = (file: string): boolean => {
    let m = mocking.get(file);
    if (m === undefined) mocking.set(file, (m = mocksModules(readFileSync(file, 'utf8'))));
    return m;
  };
  return {
    name: 'auditpack-compiled-sources',
    enforce: 'pre' as const,
    resolveId(source: string, importer: string | undefined): string | undefined {
      const twin = compiledTwin(root, source, importer);
      return twin === undefined || mocks(importer as string) ? undefined : twin;
    },
  };
}
