/**
 * A pack's own hashes, re-checked: every tag file against tagmanifest-sha256.txt and every payload
 * file against manifest-sha256.txt. Used before export builds an archive from an existing pack
 * (an archive of an altered pack would carry the alteration) — the auditor's full check is
 * src/verify.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { PACK_PATH, TAGMANIFEST } from '../format/pack.js';
import { readRegularFile, sha256File } from '../fsx/digest.js';

const LINE = /^([0-9a-f]{64}) {2}([A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)?)$/;

/** undefined when every listed file is there and matches; otherwise why not. */
export function packHashProblem(packDir: string): string | undefined {
  for (const manifest of [TAGMANIFEST, PACK_PATH.manifest]) {
    let text: string;
    try {
      text = readRegularFile(join(packDir, manifest), 'utf8');
    } catch (err) {
      return `${manifest} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    }
    const lines = text.split('\n').filter((l) => l !== '');
    if (lines.length === 0) return `${manifest} is empty`;
    for (const line of lines) {
      const m = LINE.exec(line);
      if (!m || (m[2] as string).split('/').includes('..')) return `${manifest} has a malformed line`;
      const path = join(packDir, m[2] as string);
      try {
        if (!lstatSync(path).isFile()) return `${m[2]} is not a regular file`;
      } catch {
        return `${m[2]} is missing`;
      }
      if (sha256File(path).sha256 !== m[1]) return `${m[2]} does not match ${manifest}`;
    }
  }
  return undefined;
}
