/**
 * manifest.json `files` and `summary`: each payload file with its size, hash and time, agreeing
 * with manifest-sha256.txt and with the files themselves, and totals that add up.
 */
import { isHashHex } from '../chain/index.js';
import { PACK_PATH, PAYLOAD_DIR } from '../format/pack.js';
import { isSafeRelativePath, type ManifestEntry } from './checksum-file.js';
import { isCount, isIsoInstant, isObj, type Json } from './json-shapes.js';
import type { BadField } from './judge-manifest-links.js';
import type { PackFacts } from './pack-facts.js';
import { printableName, type Findings } from './report.js';

type Manifest = Record<string, Json>;

/** `files` against manifest-sha256.txt and the pack, then `summary` against `files`. */
export function judgeFilesField(
  m: Manifest,
  entries: readonly ManifestEntry[] | undefined,
  facts: PackFacts,
  f: Findings,
  bad: BadField,
): void {
  let totals = { files: 0, size: 0 };
  if (!isObj(m.files)) bad('files', 'is not an object');
  else {
    totals = judgeFileEntries(m.files, entries, facts, f, bad);
    for (const e of entries ?? []) {
      if (!Object.hasOwn(m.files, e.path)) {
        f.add(
          'PACK_MANIFEST_JSON_DISAGREES',
          'error',
          PACK_PATH.manifestJson,
          `files does not list ${e.path}, which ${PACK_PATH.manifest} does`,
        );
      }
    }
  }
  if (!isObj(m.summary) || !isCount(m.summary.total_files) || !isCount(m.summary.total_size))
    bad('summary', 'needs total_files and total_size');
  else if (isObj(m.files) && (m.summary.total_files !== totals.files || m.summary.total_size !== totals.size)) {
    f.add(
      'PACK_SUMMARY_MISMATCH',
      'error',
      PACK_PATH.manifestJson,
      `summary says ${m.summary.total_files} files / ${m.summary.total_size} bytes; files lists ${totals.files} / ${totals.size}`,
    );
  }
}

/** Each entry of `files`; returns the count and total size of the well-formed ones. */
function judgeFileEntries(
  files: Record<string, Json>,
  entries: readonly ManifestEntry[] | undefined,
  facts: PackFacts,
  f: Findings,
  bad: BadField,
): { files: number; size: number } {
  const totals = { files: 0, size: 0 };
  const byPath = new Map((entries ?? []).map((e) => [e.path, e]));
  for (const [p, v] of Object.entries(files)) {
    if (!isSafeRelativePath(p) || !p.startsWith(PAYLOAD_DIR)) {
      f.add(
        'PACK_PATH_UNSAFE',
        'error',
        PACK_PATH.manifestJson,
        `files lists an unsafe path ${JSON.stringify(printableName(p))}; not opened`,
      );
      continue;
    }
    totals.files++;
    if (!isObj(v) || !isCount(v.size) || !isHashHex(v.sha256) || !isIsoInstant(v.modified)) {
      bad(
        `files["${p}"]`,
        'needs a size (whole number), a sha256 (64 lowercase hex) and modified (YYYY-MM-DDTHH:MM:SS.sssZ)',
      );
      continue;
    }
    totals.size += v.size;
    const e = byPath.get(p);
    if (entries !== undefined && e === undefined) {
      f.add(
        'PACK_MANIFEST_JSON_DISAGREES',
        'error',
        PACK_PATH.manifestJson,
        `files lists ${p}, which ${PACK_PATH.manifest} does not`,
      );
    } else if (e !== undefined && e.sha256 !== v.sha256) {
      f.add(
        'PACK_MANIFEST_JSON_DISAGREES',
        'error',
        PACK_PATH.manifestJson,
        `files["${p}"].sha256 differs from ${PACK_PATH.manifest}`,
      );
    }
    const got = facts.files.get(p);
    if (got !== undefined && got.size !== v.size)
      f.add('PACK_FILE_SIZE_MISMATCH', 'error', p, `${got.size} bytes, manifest.json says ${v.size}`);
  }
  return totals;
}
