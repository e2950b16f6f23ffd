/**
 * The shape of the house, asserted from the code itself: the imports of every file in src/ (read
 * with a small regex, no compiler), the layer order written in docs/ARCHITECTURE.md, file sizes,
 * and what index.ts files hold. A failure names the files; the fix is to move code, not the rule.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const MAX_FILE_LINES = 500;

function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(relative(ROOT, p).split(sep).join('/'));
  }
  return out;
}

/** The text without comments that start a line (JSDoc blocks, `//` lines): imports never hide there. */
function code(text: string): string {
  return text.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
}

const STATIC_IMPORT = /(?:^|[\n;])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/g;
const BARE_IMPORT = /(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative module specifiers a file imports or re-exports, statically or with import(). */
function importSpecifiers(text: string): string[] {
  const src = code(text);
  const specs: string[] = [];
  for (const re of [STATIC_IMPORT, BARE_IMPORT, DYNAMIC_IMPORT])
    for (const m of src.matchAll(re)) if ((m[1] as string).startsWith('.')) specs.push(m[1] as string);
  return specs;
}

/** Files in src/ (as `src/a/b.ts`) and the files each imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const targets = importSpecifiers(readFileSync(join(ROOT, file), 'utf8')).map((spec) =>
      normalize(join(dirname(file), spec))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts'),
    );
    graph.set(file, targets);
  }
  return graph;
}

/** The unit of layering: the folder under src/, or the file's name for a file directly in src/. */
function unitOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? (parts[1] as string) : (parts[1] as string).replace(/\.ts$/, '');
}

/** The layer order from docs/ARCHITECTURE.md: the lines `N  unit unit …` of its "layers" block. */
function documentedLayers(): Map<string, number> {
  const doc = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
  const block = /```text layers\n([\s\S]*?)```/.exec(doc);
  if (block === null) throw new Error('docs/ARCHITECTURE.md has no ```text layers block');
  const layers = new Map<string, number>();
  for (const line of (block[1] as string).split('\n')) {
    const m = /^\s*(\d+)\s+(.+)$/.exec(line);
    if (m === null) continue;
    for (const unit of (m[2] as string).split(/\s+/).filter((u) => /^[a-z][a-z0-9-]*$/.test(u)))
      layers.set(unit, Number(m[1]));
  }
  return layers;
}

/** Cycles of the graph (strongly connected components of more than one file, or a file importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import reader', () => {
  it('finds static, multi-line, type-only, re-export, bare and dynamic imports, and skips comments', () => {
    const text = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      '  type C,',
      "} from '../b/c.js';",
      "import type { D } from './d.js';",
      "export { e } from './e.js';",
      "export * from './f.js';",
      "import './g.js';",
      "const h = await import('./h.js');",
      "import { readFileSync } from 'node:fs';",
      "/** import { x } from './not-this.js'; */",
      "// export * from './nor-this.js';",
      "const s = 'configs/**/*.yaml'; import { i } from './i.js';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      './a.js',
      '../b/c.js',
      './d.js',
      './e.js',
      './f.js',
      './i.js',
      './g.js',
      './h.js',
    ]);
  });

  it('resolves every relative import in src/ to a file that exists', () => {
    const graph = importGraph();
    const files = new Set(graph.keys());
    const missing = [...graph].flatMap(([f, ts]) => ts.filter((t) => !files.has(t)).map((t) => `${f} -> ${t}`));
    expect(missing).toEqual([]);
    // The reader sees the real graph, not an empty one.
    expect(files.size).toBeGreaterThan(50);
    expect([...graph.values()].reduce((n, ts) => n + ts.length, 0)).toBeGreaterThan(200);
  });
});

describe('the house', () => {
  it('has no circle between files', () => {
    expect(cycles(importGraph()), 'break the circle: move what both files need into a third, lower file').toEqual([]);
  });

  it('places every folder of src/ in a documented layer (docs/ARCHITECTURE.md)', () => {
    const layers = documentedLayers();
    const units = [...new Set(sourceFiles().map(unitOf))];
    expect(
      units.filter((u) => !layers.has(u)),
      'each folder of src/ needs a line in the layers block of docs/ARCHITECTURE.md (and a row in its table)',
    ).toEqual([]);
  });

  it('has no import from a folder to a folder above it', () => {
    const layers = documentedLayers();
    const upward: string[] = [];
    for (const [file, targets] of importGraph()) {
      const from = unitOf(file);
      for (const target of targets) {
        const to = unitOf(target);
        const [lf, lt] = [layers.get(from), layers.get(to)];
        if (from !== to && lf !== undefined && lt !== undefined && lt > lf)
          upward.push(`${file} (${from}, layer ${lf}) -> ${target} (${to}, layer ${lt})`);
      }
    }
    expect(upward, 'move the shared code down to the lower folder (or below it), never import upwards').toEqual([]);
  });

  it(`has no file in src/ over ${MAX_FILE_LINES} lines`, () => {
    const big = sourceFiles()
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1 }))
      .filter((x) => x.lines > MAX_FILE_LINES)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(big, 'split the file by responsibility').toEqual([]);
  });

  it('has index.ts files that only re-export', () => {
    const reexport = /^\s*export\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*['"][^'"]+['"]\s*;?/gm;
    const offenders = sourceFiles()
      .filter((f) => f.endsWith('/index.ts'))
      .filter(
        (f) =>
          code(readFileSync(join(ROOT, f), 'utf8'))
            .replace(reexport, '')
            .trim() !== '',
      );
    expect(offenders, 'move the implementation into a named file and re-export it').toEqual([]);
  });
});

describe('docs/ARCHITECTURE.md', () => {
  const doc = (): string => readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');

  it('gives only paths that exist', () => {
    const paths = [...doc().matchAll(/`((?:src|test|bench|docs|tools|scripts)\/[\w./-]*)`/g)].map(
      (m) => m[1] as string,
    );
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('names only functions and classes that are defined in the file it gives for them', () => {
    const refs = [...doc().matchAll(/`([A-Za-z_$][\w$.]*)(?:\(\))?` \(`?((?:src|test|bench)\/[\w./-]+\.ts)`?\)/g)];
    expect(refs.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const [, name, file] of refs) {
      const path = join(ROOT, file as string);
      const short = (name as string).split('.').pop() as string;
      const defined = new RegExp(
        `\\b(?:function\\*?|class|const|let|interface|type)\\s+${short}\\b|^\\s*(?:(?:async|private|static|public|readonly|get)\\s+)*${short}\\s*[(<]`,
        'm',
      );
      if (!existsSync(path) || !defined.test(readFileSync(path, 'utf8'))) wrong.push(`${name} (${file})`);
    }
    expect(wrong).toEqual([]);
  });
});
