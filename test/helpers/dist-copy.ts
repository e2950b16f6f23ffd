import { cpSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from './tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A copy of the compiled library (dist/, built by the vitest global setup) with node_modules linked,
 * in which the worker module `rel` (e.g. 'pack/scan-worker.js') is replaced by `source`; the real
 * module stays beside it as `<name>.real.js`. Returns a function giving file URLs inside the copy.
 */
export function distCopyWith(rel: string, source: string | undefined): (path: string) => string {
  const root = tempDir();
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'src'), join(root, 'src'), { recursive: true }); // what the source maps point at
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  const path = join(root, 'dist', rel);
  renameSync(path, path.replace(/\.js$/, '.real.js'));
  if (source !== undefined) writeFileSync(path, source);
  return (p) => pathToFileURL(join(root, 'dist', p)).href;
}

/** A worker module that serves through the real one and ends its thread (exit code 9) at job `n`, before handling it. */
export function dyingWorker(realName: string, n: number): string {
  return `
    import { parentPort } from 'node:worker_threads';
    const on = parentPort.on.bind(parentPort);
    let n = 0;
    parentPort.on = (event, listener) => on(event, (m) => {
      if (++n === ${n}) process.exit(9);
      listener(m);
    });
    await import('./${realName}');
  `;
}
