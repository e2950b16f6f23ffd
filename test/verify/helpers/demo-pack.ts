/**
 * The demo's day, made by the built CLI (`auditpack demo`) in `root`: a pack with a compliance
 * report, a config snapshot and a config_in_force.json naming it. Returns the pack's path.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/auditpack.js', import.meta.url));

export function demoPack(root: string): string {
  const r = spawnSync(process.execPath, [BIN, 'demo', '--log-dir', 'logs', '--artifacts-dir', 'art'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (r.status !== 0) throw new Error(`auditpack demo exited ${r.status}: ${r.stderr}`);
  const day = readdirSync(join(root, 'art')).find((n) => /^\d{4}-\d{2}-\d{2}$/.test(n));
  if (day === undefined) throw new Error('auditpack demo made no pack');
  return join(root, 'art', day);
}
