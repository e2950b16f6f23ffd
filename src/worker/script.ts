/**
 * Where a worker thread's module is. A thread always runs compiled JavaScript: next to the caller
 * when the caller is compiled (dist/, what users run), or, when the caller runs as TypeScript
 * source (the test suite, which builds dist/ first), the same module in the compiled tree. No
 * TypeScript loader is ever put into a thread, so production never needs a development dependency
 * and the tests run the threads that users run (docs/decisions.md, "One worker-thread primitive").
 */
import { existsSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The module to start, or why there is none. */
export type ScriptLookup = { readonly url: URL } | { readonly missing: string };

/** True when this module itself runs from TypeScript source rather than from the compiled tree. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Finds the compiled module for `script` (a `.js` URL next to the calling module, e.g.
 * `new URL('./scan-worker.js', import.meta.url)`).
 */
export function findWorkerScript(script: URL): ScriptLookup {
  if (script.protocol !== 'file:') return { missing: `not a file URL: ${script.href}` };
  const path = fileURLToPath(script);
  if (existsSync(path)) return { url: script };
  if (!FROM_SOURCE) return { missing: `worker module not found: ${path}` };
  const srcRoot = fileURLToPath(new URL('../', import.meta.url));
  const rel = relative(srcRoot, path);
  if (rel.startsWith(`..${sep}`) || rel === '..') return { missing: `worker module not found: ${path}` };
  const compiled = fileURLToPath(new URL(`../../dist/${rel.split(sep).join('/')}`, import.meta.url));
  if (existsSync(compiled)) return { url: pathToFileURL(compiled) };
  return { missing: `running from source and the compiled worker is not built (npm run build): ${compiled}` };
}
