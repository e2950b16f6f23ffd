import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../src/cli/', import.meta.url).pathname;

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => m[1] as string);
}

describe('src/cli layering', () => {
  it('no command imports the entry point or another command', () => {
    const commands = readdirSync(join(root, 'commands')).filter((f) => f.endsWith('.ts'));
    expect(commands.length).toBeGreaterThan(5);
    for (const f of commands) {
      const bad = importsOf(join('commands', f)).filter((i) => i === '../main.js' || /^\.\/[^/]+\.js$/.test(i));
      expect(bad, f).toEqual([]);
    }
  });

  it('the shared cli modules import neither main.ts, the registry nor a command', () => {
    const low = readdirSync(root).filter((f) => f.endsWith('.ts') && !['main.ts', 'registry.ts'].includes(f));
    for (const f of low) {
      const bad = importsOf(f).filter((i) => i === './main.js' || i === './registry.js' || i.startsWith('./commands/'));
      expect(bad, f).toEqual([]);
    }
  });
});
