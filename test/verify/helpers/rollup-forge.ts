/**
 * What a forger of a roll-up can do without the signing key (test/verify): rewrite rollup.json with
 * its chain hash recomputed, and make every manifest and digest agree again, signatures dropped.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLLUP_COMMITTED_FILES, type RollupChainFields, rollupChainHash } from '../../../src/format/rollup.js';

const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * What a forger without the key can do: every manifest and hash made to agree again (rollup.json's
 * payload digests and chain hash too, unless `record` is false), the signatures dropped.
 */
export function reseal(day: string, record = true): void {
  if (record) refreshRecord(day);
  const data = readdirSync(join(day, 'data')).sort();
  let total = 0;
  const lines = data.map((n) => {
    const b = readFileSync(join(day, 'data', n));
    total += b.length;
    return `${hex(b)}  data/${n}\n`;
  });
  writeFileSync(join(day, 'manifest-sha256.txt'), lines.join(''));
  const info = readFileSync(join(day, 'bag-info.txt'), 'utf8').replace(
    /Payload-Oxum: .*/,
    `Payload-Oxum: ${total}.${data.length}`,
  );
  writeFileSync(join(day, 'bag-info.txt'), info);
  const tags = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'rollup.json'];
  writeFileSync(
    join(day, 'tagmanifest-sha256.txt'),
    tags.map((t) => `${hex(readFileSync(join(day, t)))}  ${t}\n`).join(''),
  );
  for (const s of ['tagmanifest-sha256.txt.sig', 'rollup.json.sig']) rmSync(join(day, s), { force: true });
}

/** rollup.json's digests of the payload files (version 3) and its chain hash made to agree with them. */
export function refreshRecord(day: string): void {
  const p = join(day, 'rollup.json');
  let r: Record<string, any>;
  try {
    r = JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return;
  }
  if (r?.format !== 'auditpack-rollup/3') return;
  for (const c of ROLLUP_COMMITTED_FILES) r[c.field] = hex(readFileSync(join(day, 'data', c.file)));
  r.chain_hash = rollupChainHash(r as RollupChainFields);
  writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`);
}

/** Rewrites rollup.json with `edit`, its chain hash recomputed (as a forger would). */
export function editRecord(day: string, edit: (r: Record<string, any>) => void): void {
  const p = join(day, 'rollup.json');
  const r = JSON.parse(readFileSync(p, 'utf8')) as Record<string, any>;
  edit(r);
  r.chain_hash = rollupChainHash(r as RollupChainFields);
  writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`);
}
