/**
 * The forger of a pack's last line: edits the last line of data/audit.jsonl and recomputes what the
 * pack itself derives from it — the chain end hash, the line tree root, report.html (which shows the
 * end hash), the payload and tag manifests — so the pack alone is consistent again. Nothing inside
 * a pack pins its last line's bytes (no later line links to it): only the signature, the live log
 * after it, and the log's own record of the export (PackExported) can.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mth } from '../../helpers/rfc6962.js';
import { type ForgeSteps, forgePack } from './forge.js';

const sha = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

/** Result of a forged tail: the old and new end hash. */
export interface ForgedTail {
  readonly oldEndHash: string;
  readonly newEndHash: string;
}

/**
 * Edits the pack's last log line with `edit` (the line's `prev` stays, so the chain inside holds)
 * and fixes up every hash after it. `steps` are passed on (keepSignature to re-sign afterwards).
 */
export function forgeLastLine(dir: string, edit: (line: string) => string, steps: ForgeSteps = {}): ForgedTail {
  const logPath = join(dir, 'data', 'audit.jsonl');
  const lines = readFileSync(logPath, 'utf8').split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('the forger expects a terminated last line');
  lines.pop();
  const last = lines[lines.length - 1] as string;
  const forged = edit(last);
  lines[lines.length - 1] = forged;
  const oldEndHash = sha(last).toString('hex');
  const newEndHash = sha(forged).toString('hex');
  const root = mth(lines.map((l) => sha(l))).toString('hex');
  forgePack(dir, {
    ...steps,
    payload: (data) => {
      writeFileSync(logPath, `${lines.join('\n')}\n`);
      const page = join(data, 'report.html');
      writeFileSync(page, readFileSync(page, 'utf8').replaceAll(oldEndHash, newEndHash));
      steps.payload?.(data);
    },
    manifest: (m) => {
      m.chain.end_hash = newEndHash;
      if (m.line_tree !== undefined) m.line_tree.root = root;
      steps.manifest?.(m);
    },
  });
  return { oldEndHash, newEndHash };
}
