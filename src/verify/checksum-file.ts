/**
 * Reading the small text files at a pack's root: their bounded bytes as text, and the checksum
 * files (`<hex>  <path>` lines, sha256sum's format and BagIt's manifests). Every path named in them
 * is hostile until checked.
 */
import { compareBytes, PACK_PATH, ROOT_FILE_BOUNDS } from '../format/pack.js';
import { printableName, type Findings } from './report.js';

/** A path segment a pack may use (bagit-python-safe names). */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

/** True when `p` is a relative path of safe segments (no `..`, no absolute, no odd bytes). */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024) return false;
  return p.split('/').every((s) => SAFE_SEGMENT.test(s) && s !== '.' && s !== '..');
}

/** One line of a checksum file. */
export interface ManifestEntry {
  readonly sha256: string;
  readonly path: string;
  readonly line: number;
}

type ChecksumCode = 'PACK_MANIFEST_INVALID' | 'PACK_TAGMANIFEST_INVALID';

/** Parses `<hex>  <path>` lines (sha256sum's format, BagIt manifests). Unsafe paths are findings. */
export function parseChecksumFile(text: string, file: string, f: Findings, code: ChecksumCode): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith('\n'))
    f.add(code, 'error', file, 'the last line is not terminated by a newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const e = checksumLine(lines[i] as string, i + 1, file, f, code);
    if (e === undefined) continue;
    if (seen.has(e.path)) {
      f.add(code, 'error', file, `line ${e.line} lists ${e.path} a second time`, e.line);
      continue;
    }
    const before = out[out.length - 1];
    if (before !== undefined && compareBytes(before.path, e.path) > 0) {
      f.add(
        code,
        'error',
        file,
        `line ${e.line} (${e.path}) comes after ${before.path}: the lines are not sorted by path`,
      );
    }
    seen.add(e.path);
    out.push(e);
  }
  return out;
}

/** One `<hex>  <path>` line, or undefined (with a finding) when malformed or unsafe. */
function checksumLine(
  line: string,
  n: number,
  file: string,
  f: Findings,
  code: ChecksumCode,
): ManifestEntry | undefined {
  const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
  if (m === null) {
    f.add(
      code,
      'error',
      file,
      `line ${n} is not "<lowercase sha256><two spaces><path>": ${JSON.stringify(line.slice(0, 120))}`,
      n,
    );
    return undefined;
  }
  const path = m[2] as string;
  if (!isSafeRelativePath(path)) {
    f.add(
      'PACK_PATH_UNSAFE',
      'error',
      file,
      `line ${n} names an unsafe path ${JSON.stringify(printableName(path))} (absolute, "..", or odd characters); not opened`,
      n,
    );
    return undefined;
  }
  return { sha256: m[1] as string, path, line: n };
}

/** The code for a root file too large to read, by the file's role. */
function tooLargeCode(name: string) {
  if (name === PACK_PATH.manifestJson) return 'PACK_MANIFEST_JSON_INVALID';
  if (name.startsWith('tag')) return 'PACK_TAGMANIFEST_INVALID';
  if (name === PACK_PATH.manifest) return 'PACK_MANIFEST_INVALID';
  return 'PACK_BAG_INFO_INVALID';
}

/** A root file's text; undefined when absent, or (with a finding) when over its bound. */
export function rootText(buf: Buffer | 'too-large' | undefined, name: string, f: Findings): string | undefined {
  if (buf === undefined) return undefined;
  if (buf === 'too-large') {
    f.add(
      tooLargeCode(name),
      'error',
      name,
      `larger than the ${ROOT_FILE_BOUNDS[name]} bytes such a file may have; not read`,
    );
    return undefined;
  }
  return buf.toString('utf8');
}
