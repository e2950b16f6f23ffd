/**
 * A forger without the signing key: edits an exported pack, then recomputes every hash the
 * format lets one recompute (payload manifest, manifest.json files and summary, Payload-Oxum, tag
 * manifest) and drops the signature. Whatever verify still finds, it finds from the format's rules.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** chmod u+w on a pack tree (exported packs are read-only). */
export function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isDirectory()) makeWritable(p);
    else if (st.isFile()) chmodSync(p, 0o644);
  }
}

export interface ForgeSteps {
  /** Edit payload files (the data/ directory is writable). */
  payload?: (dataDir: string) => void;
  /** Edit the parsed manifest.json after files and summary are recomputed. */
  manifest?: (m: Record<string, any>) => void;
  /** Edit manifest.json's text last (after it is rendered). */
  manifestText?: (text: string) => string;
  manifestSha?: (text: string) => string;
  bagInfo?: (text: string) => string;
  tagmanifest?: (text: string) => string;
  /** Keep the signature file (default: removed, the forger cannot sign). */
  keepSignature?: boolean;
}

/** Applies the steps to the pack at `dir` and fixes up every hash after them. */
export function forgePack(dir: string, steps: ForgeSteps): void {
  makeWritable(dir);
  steps.payload?.(join(dir, 'data'));
  const names = readdirSync(join(dir, 'data')).sort();
  let total = 0;
  const files: Record<string, { size: number; sha256: string; modified: string }> = {};
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, any>;
  for (const n of names) {
    const b = readFileSync(join(dir, 'data', n));
    total += b.length;
    files[`data/${n}`] = {
      size: b.length,
      sha256: sha(b),
      modified: m.files?.[`data/${n}`]?.modified ?? '2025-09-09T00:10:00.000Z',
    };
  }
  const manifestSha = names.map((n) => `${files[`data/${n}`]!.sha256}  data/${n}\n`).join('');
  writeFileSync(join(dir, 'manifest-sha256.txt'), steps.manifestSha ? steps.manifestSha(manifestSha) : manifestSha);
  m.files = files;
  m.summary = { total_files: names.length, total_size: total };
  steps.manifest?.(m);
  const text = `${JSON.stringify(m, null, 2)}\n`;
  writeFileSync(join(dir, 'manifest.json'), steps.manifestText ? steps.manifestText(text) : text);
  const info = readFileSync(join(dir, 'bag-info.txt'), 'utf8').replace(
    /Payload-Oxum: .*/,
    `Payload-Oxum: ${total}.${names.length}`,
  );
  writeFileSync(join(dir, 'bag-info.txt'), steps.bagInfo ? steps.bagInfo(info) : info);
  const tags = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest.json'];
  const tm = tags.map((t) => `${sha(readFileSync(join(dir, t)))}  ${t}\n`).join('');
  writeFileSync(join(dir, 'tagmanifest-sha256.txt'), steps.tagmanifest ? steps.tagmanifest(tm) : tm);
  if (steps.keepSignature !== true) rmSync(join(dir, 'tagmanifest-sha256.txt.sig'), { force: true });
}

/** SHA-256 of a pack's manifest.json. */
export function manifestHashOf(dir: string): string {
  return sha(readFileSync(join(dir, 'manifest.json')));
}
