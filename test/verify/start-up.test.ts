/**
 * What loading `verify` costs: every module its static imports reach is loaded and compiled at the
 * start of each verify, whatever the pack holds. The snapshot store's git and glob packages
 * (simple-git and its debug, fast-glob) serve only the writing side (taking a snapshot, finding
 * config files), as the logger serves only the writing of logs; reached through barrels they added
 * about 0.1 s of CPU to every verify process. The imports are read with a small regex from src/, as
 * test/architecture.test.ts does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Value imports and re-exports, not `import type` (erased) nor `import()` (loaded when called). */
const VALUE_IMPORT = /(?:^|[\n;])\s*(?:import|export)\s+(?!type\b)[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/g;
const BARE_IMPORT = /(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * For each package and each src/ file reached from `entry`, the chain of files that reaches it.
 * `dynamic`: also follow the entry's own `import()`s, except `skip` (a command's lazily loaded parts).
 */
function reached(entry: string, dynamic = false, skip: readonly string[] = []): Map<string, string[]> {
  const from = new Map<string, string | undefined>([[entry, undefined]]);
  const found = new Map<string, string[]>();
  const chain = (file: string): string[] => {
    const out: string[] = [];
    for (let f: string | undefined = file; f !== undefined; f = from.get(f)) out.unshift(f);
    return out;
  };
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const text = readFileSync(join(ROOT, file), 'utf8').replace(/^\s*\/\*[\s\S]*?\*\//gm, '');
    for (const re of dynamic && file === entry
      ? [VALUE_IMPORT, BARE_IMPORT, DYNAMIC_IMPORT]
      : [VALUE_IMPORT, BARE_IMPORT])
      for (const m of text.matchAll(re)) {
        const spec = m[1] as string;
        if (skip.includes(spec)) continue;
        if (!spec.startsWith('.')) {
          if (!spec.startsWith('node:') && !found.has(spec)) found.set(spec, chain(file));
          continue;
        }
        const target = relative(ROOT, normalize(join(ROOT, dirname(file), spec.replace(/\.js$/, '.ts'))))
          .split(sep)
          .join('/');
        if (from.has(target) || !existsSync(join(ROOT, target))) continue;
        from.set(target, file);
        found.set(target, chain(target));
        queue.push(target);
      }
  }
  return found;
}

const LOGGER = 'src/logger/logger.ts';
const WRITING_SIDE = ['simple-git', 'fast-glob', LOGGER];

describe('loading verify', () => {
  it('reads the imports it walks (a barrel that reaches the snapshot store is seen)', () => {
    expect(reached('src/snapshot/index.ts').get('simple-git')).toBeDefined();
    expect(reached('src/anchor/index.ts').get(LOGGER)).toBeDefined();
    expect(reached('src/cli/commands/verify.ts', true).get(LOGGER)).toBeDefined(); // through the roll-up's
  });

  it('does not load the snapshot store\u2019s git and glob packages nor the logger', () => {
    const found = reached('src/verify/index.ts');
    const writingSide = WRITING_SIDE.map((p) => [p, found.get(p)]).filter(([, c]) => c !== undefined);
    expect(writingSide, 'import the module you need, not a barrel that reaches src/snapshot/create.ts').toEqual([]);
  });

  it('the verify command loads none of them either, unless it verifies a roll-up with its hosts', () => {
    const found = reached('src/cli/commands/verify.ts', true, ['../rollup-sources.js', '../../rollup/index.js']);
    const writingSide = WRITING_SIDE.map((p) => [p, found.get(p)]).filter(([, c]) => c !== undefined);
    expect(writingSide, 'import the module you need (src/anchor/token.ts), not a barrel').toEqual([]);
  });
});
