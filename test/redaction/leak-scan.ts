/** Where a planted secret (a `LEAK…` word) survived: every file under `dirs`, read whole. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `path: LEAK…` for each planted secret found in a file under any of `dirs`. */
export function leaksUnder(...dirs: string[]): string[] {
  const found: string[] = [];
  const scan = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) scan(p);
      else for (const m of readFileSync(p, 'latin1').match(/LEAK[A-Za-z0-9]+/g) ?? []) found.push(`${p}: ${m}`);
    }
  };
  for (const d of dirs) scan(d);
  return found;
}
