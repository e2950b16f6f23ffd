/**
 * The pack's two checksum manifests and its file set: manifest-sha256.txt covers every payload
 * file, tagmanifest-sha256.txt every tag file, and the pack holds exactly the files the format
 * defines (src/format/pack.ts PACK_FILES).
 */
import {
  PACK_FILES,
  PACK_FORMAT,
  PACK_PATH,
  packFileSpec,
  PAYLOAD_DIR,
  PAYLOAD_FILES,
  TAG_FILES,
} from '../format/pack.js';
import { type ManifestEntry, parseChecksumFile, rootText } from './checksum-file.js';
import type { PackFacts } from './pack-facts.js';
import type { Findings } from './report.js';

/** manifest-sha256.txt: every entry present with its hash; nothing unlisted under data/. */
export function judgePayloadManifest(facts: PackFacts, f: Findings): ManifestEntry[] | undefined {
  const name = PACK_PATH.manifest;
  const text = rootText(facts.tags.get(name), name, f);
  const entries = text === undefined ? undefined : parseChecksumFile(text, name, f, 'PACK_MANIFEST_INVALID');
  if (text === undefined && !facts.tags.has(name)) f.add('PACK_MANIFEST_INVALID', 'error', name, 'missing');
  for (const e of entries ?? []) {
    if (!e.path.startsWith(PAYLOAD_DIR)) {
      f.add('PACK_PATH_UNSAFE', 'error', name, `line ${e.line} lists ${e.path}, which is outside data/`, e.line);
      continue;
    }
    const got = facts.files.get(e.path);
    if (got === undefined)
      f.add('PACK_FILE_MISSING', 'error', e.path, `listed in ${name} but not in the pack (or not a regular file)`);
    else if (got.sha256 !== e.sha256)
      f.add('PACK_FILE_HASH_MISMATCH', 'error', e.path, `SHA-256 is ${got.sha256}, ${name} says ${e.sha256}`);
  }
  if (entries !== undefined) {
    const listed = new Set(entries.map((e) => e.path));
    for (const [p] of facts.files)
      if (p.startsWith(PAYLOAD_DIR) && !listed.has(p))
        f.add('PACK_FILE_UNLISTED', 'error', p, `a file under data/ that ${name} does not list`);
  }
  return entries;
}

/** tagmanifest-sha256.txt: exactly the tag files (a pack's, or a roll-up's when given), each with its hash. */
export function judgeTagManifest(facts: PackFacts, f: Findings, tagFiles: readonly string[] = TAG_FILES): void {
  const name = PACK_PATH.tagmanifest;
  const text = rootText(facts.tags.get(name), name, f);
  if (text === undefined) {
    if (!facts.tags.has(name)) f.add('PACK_TAGMANIFEST_INVALID', 'error', name, 'missing');
    return;
  }
  const tagListed = new Set<string>();
  for (const e of parseChecksumFile(text, name, f, 'PACK_TAGMANIFEST_INVALID')) {
    tagListed.add(e.path);
    if (!tagFiles.includes(e.path)) {
      f.add(
        'PACK_TAGMANIFEST_INVALID',
        'error',
        name,
        `line ${e.line} lists ${e.path}, which is not a tag file it may cover (${tagFiles.join(', ')})`,
        e.line,
      );
      continue;
    }
    const got = facts.files.get(e.path);
    if (got === undefined) f.add('PACK_FILE_MISSING', 'error', e.path, `listed in ${name} but not in the pack`);
    else if (got.sha256 !== e.sha256)
      f.add('PACK_TAG_HASH_MISMATCH', 'error', e.path, `SHA-256 is ${got.sha256}, ${name} says ${e.sha256}`);
  }
  for (const t of tagFiles) {
    if (!tagListed.has(t))
      f.add('PACK_TAGMANIFEST_INVALID', 'error', name, `does not list ${t}, so the signature does not cover it`);
  }
}

/**
 * Exactly the files the format defines: nothing extra (a 7th payload file, even listed in every
 * manifest, is not part of the format), nothing required missing.
 */
export function judgeFileSet(facts: PackFacts, entries: readonly ManifestEntry[] | undefined, f: Findings): void {
  for (const [p] of facts.files) {
    if (packFileSpec(p) === undefined) {
      f.add(
        'PACK_FILE_UNEXPECTED',
        'error',
        p,
        `not a file of an ${PACK_FORMAT} pack (${p.startsWith(PAYLOAD_DIR) ? `payload files are ${PAYLOAD_FILES.join(', ')}` : 'see docs/FORMAT.md, "Layout"'})`,
      );
    }
  }
  const listed = new Set((entries ?? []).map((e) => e.path));
  for (const spec of PACK_FILES) {
    const rel = `${PAYLOAD_DIR}${spec.name}`;
    if (spec.place === 'payload' && spec.required && !facts.files.has(rel) && !listed.has(rel)) {
      f.add('PACK_FILE_MISSING', 'error', rel, 'a payload file every pack has is missing (and not listed either)');
    }
  }
}
