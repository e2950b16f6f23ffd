/**
 * The checks of a pack (the format is docs/FORMAT.md "The export pack"), applied to facts
 * gathered from a pack directory or a `.tar.gz` stream. Every byte read from the pack is hostile:
 * text is parsed with bounds, JSON is size-limited before JSON.parse, every path is checked before
 * it is trusted, and each defect becomes a finding.
 */
import type { KeyObject } from 'node:crypto';
import { isHashHex } from '../chain/index.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { parsePublicKeyBlob } from '../signing/keys.js';
import { verifySshsig } from '../signing/sshsig.js';
import { WireReader } from '../signing/wire.js';
import type { CsvStats } from './csv-count.js';
import type { LogFacts } from './log-check.js';
import type { SeqPrint } from './seq-print.js';
import { printableName, type Findings } from './report.js';
import {
  PACK_FORMAT as PACK_FORMAT_NAME,
  type RecordedAlertFilter,
  BAG_INFO_LABELS,
  compareBytes,
  MANIFEST_FIELDS,
  PACK_FILES,
  packFileSpec,
  PAYLOAD_FILES,
  renderManifest,
  ROOT_FILE_BOUNDS,
  TAG_FILES,
} from '../format/pack.js';

/** A regular file found in the pack. */
export interface CollectedFile {
  readonly size: number;
  readonly sha256: string;
}

/** Everything gathered from a pack before judging it. */
export interface PackFacts {
  /** The pack directory's own name (`YYYY-MM-DD` or `YYYY-MM-DD.vN`), when known. */
  readonly dirName: string | undefined;
  /** Regular files by path relative to the pack root (`data/audit.jsonl`, `bagit.txt`…). */
  readonly files: Map<string, CollectedFile>;
  /** Bytes of the small files at the root; 'too-large' when over their bound. */
  readonly tags: Map<string, Buffer | 'too-large'>;
  readonly csv: Map<string, CsvStats>;
  /** data/alerts.jsonl: its line count and each line's SHA-256 (undefined past the bound). */
  readonly alerts:
    | { readonly lines: number; readonly hashes: string[] | undefined; readonly unterminated: boolean }
    | undefined;
  readonly log: LogFacts | undefined;
}

/** Trusted keys for the signature. */
export interface TrustedKeys {
  readonly keys: readonly { readonly key: KeyObject; readonly identity?: string }[];
}

/** The parts of manifest.json that other checks (the archive) use. */
export interface ManifestSummary {
  readonly exportDate: string | undefined;
  /** SHA-256 of the manifest.json bytes. */
  readonly manifestSha256: string | undefined;
  readonly previousPack: { readonly exportDate: string; readonly manifestSha256: string } | null | undefined;
  readonly supersedes: { readonly manifestSha256: string; readonly movedTo: string } | null | undefined;
  readonly chain:
    | { firstSeq: number | null; lastSeq: number | null; startPrev: string | null; endHash: string | null }
    | undefined;
  /** When the pack was made (manifest.json `created_at`), when well formed. */
  readonly createdAt?: string | undefined;
  /** A back-filled pack: the later pack it was inserted before. */
  readonly insertedBefore?: { readonly exportDate: string; readonly manifestSha256: string } | null | undefined;
  /** The recorded alert filter, when well formed. */
  readonly alertFilter?: RecordedAlertFilter | undefined;
}

/** Bounds on the small files at a pack's root (the pack format's table). */
export const TAG_FILE_BOUNDS: Readonly<Record<string, number>> = ROOT_FILE_BOUNDS;

/** A path segment a pack may use (names bagit-python accepts: ASCII letters, digits, `._-`). */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

/** True when `p` is a relative path of safe segments (no `..`, no absolute, no odd bytes). */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024) return false;
  return p.split('/').every((s) => SAFE_SEGMENT.test(s) && s !== '.' && s !== '..');
}

/** `YYYY-MM-DD` of a pack directory name (`YYYY-MM-DD` or `YYYY-MM-DD.vN`), or undefined. */
export function dateOfPackDirName(name: string): { date: string; version: number | undefined } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:\.v([1-9]\d{0,5}))?$/.exec(name);
  if (m === null || dayNumberOfIsoDate(m[1] as string) === undefined) return undefined;
  return { date: m[1] as string, version: m[2] === undefined ? undefined : Number(m[2]) };
}

interface ManifestEntry {
  readonly sha256: string;
  readonly path: string;
  readonly line: number;
}

/** Parses `<hex>  <path>` lines (sha256sum's format, BagIt manifests). Unsafe paths are findings. */
function parseChecksumFile(
  text: string,
  file: string,
  f: Findings,
  code: 'PACK_MANIFEST_INVALID' | 'PACK_TAGMANIFEST_INVALID',
): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith('\n'))
    f.add(code, 'error', file, 'the last line is not terminated by a newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m === null) {
      f.add(
        code,
        'error',
        file,
        `line ${i + 1} is not "<lowercase sha256><two spaces><path>": ${JSON.stringify(line.slice(0, 120))}`,
        i + 1,
      );
      continue;
    }
    const path = m[2] as string;
    if (!isSafeRelativePath(path)) {
      f.add(
        'PACK_PATH_UNSAFE',
        'error',
        file,
        `line ${i + 1} names an unsafe path ${JSON.stringify(printableName(path))} (absolute, "..", or odd characters); not opened`,
        i + 1,
      );
      continue;
    }
    if (seen.has(path)) {
      f.add(code, 'error', file, `line ${i + 1} lists ${path} a second time`, i + 1);
      continue;
    }
    const before = out[out.length - 1];
    if (before !== undefined && compareBytes(before.path, path) > 0) {
      f.add(
        code,
        'error',
        file,
        `line ${i + 1} (${path}) comes after ${before.path}: the lines are not sorted by path`,
      );
    }
    seen.add(path);
    out.push({ sha256: m[1] as string, path, line: i + 1 });
  }
  return out;
}

function text(buf: Buffer | 'too-large' | undefined, name: string, f: Findings): string | undefined {
  if (buf === undefined) return undefined;
  if (buf === 'too-large') {
    f.add(
      name === 'manifest.json'
        ? 'PACK_MANIFEST_JSON_INVALID'
        : name.startsWith('tag')
          ? 'PACK_TAGMANIFEST_INVALID'
          : name === 'manifest-sha256.txt'
            ? 'PACK_MANIFEST_INVALID'
            : 'PACK_BAG_INFO_INVALID',
      'error',
      name,
      `larger than the ${TAG_FILE_BOUNDS[name]} bytes such a file may have; not read`,
    );
    return undefined;
  }
  return buf.toString('utf8');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isSeqOrNull = (v: unknown): v is number | null => v === null || (isCount(v) && v >= 1);
const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= 10_000 && v.every((x) => typeof x === 'string');
/** Date.prototype.toISOString's form: what `created_at` and `modified` hold. */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isRealInstant = (s: string): boolean => {
  const t = Date.parse(s);
  return Number.isFinite(t) && new Date(t).toISOString() === s;
};
/** auditpack's version: semver (npm's form). */
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?$/;
const isHashOrNull = (v: unknown): v is string | null => v === null || isHashHex(v);

/** Judges the gathered facts. Returns what the archive needs from manifest.json. */
export function judgePack(
  facts: PackFacts,
  trust: TrustedKeys | undefined,
  f: Findings,
  manifestSha256: string | undefined,
): ManifestSummary {
  const dirInfo = facts.dirName === undefined ? undefined : dateOfPackDirName(facts.dirName);
  const payload = [...facts.files.entries()].filter(([p]) => p.startsWith('data/'));

  // bagit.txt
  const bagit = text(facts.tags.get('bagit.txt'), 'bagit.txt', f);
  if (bagit === undefined) {
    if (!facts.tags.has('bagit.txt'))
      f.add('PACK_BAGIT_INVALID', 'error', 'bagit.txt', 'missing: this is not a BagIt bag');
  } else if (!/^BagIt-Version: 1\.0\r?\nTag-File-Character-Encoding: UTF-8\r?\n$/.test(bagit)) {
    f.add(
      'PACK_BAGIT_INVALID',
      'error',
      'bagit.txt',
      'expected "BagIt-Version: 1.0" and "Tag-File-Character-Encoding: UTF-8"',
    );
  }

  // bag-info.txt: Payload-Oxum = total payload bytes . payload file count
  const bagInfo = text(facts.tags.get('bag-info.txt'), 'bag-info.txt', f);
  const info = new Map<string, string>();
  if (bagInfo === undefined) {
    if (!facts.tags.has('bag-info.txt')) f.add('PACK_BAG_INFO_INVALID', 'error', 'bag-info.txt', 'missing');
  } else {
    // Exactly the documented labels, in order, one "Label: value" per \n-terminated line.
    const lines = bagInfo.split('\n');
    const terminated = lines[lines.length - 1] === '';
    if (terminated) lines.pop();
    const labels: string[] = [];
    for (const line of lines) {
      const m = /^([A-Za-z][A-Za-z0-9-]*): (.*)$/.exec(line);
      labels.push(m === null ? '?' : (m[1] as string));
      if (m !== null && !info.has(m[1] as string)) info.set(m[1] as string, m[2] as string);
    }
    if (!terminated || labels.join('\n') !== BAG_INFO_LABELS.join('\n')) {
      f.add(
        'PACK_BAG_INFO_INVALID',
        'error',
        'bag-info.txt',
        `must be exactly the lines ${BAG_INFO_LABELS.join(', ')}, in this order, each "Label: value" ending in \\n; found ${labels.slice(0, 8).join(', ')}${terminated ? '' : ' (the last line is not terminated)'}`,
      );
    }
    const bagged = info.get('Bagging-Date');
    if (bagged !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(bagged) || dayNumberOfIsoDate(bagged) === undefined)) {
      f.add(
        'PACK_BAG_INFO_INVALID',
        'error',
        'bag-info.txt',
        `Bagging-Date ${JSON.stringify(bagged.slice(0, 40))} is not a date YYYY-MM-DD`,
      );
    }
    const oxum = info.get('Payload-Oxum');
    const bytes = payload.reduce((s, [, x]) => s + x.size, 0);
    if (oxum === undefined || !/^\d{1,17}\.\d{1,9}$/.test(oxum)) {
      f.add('PACK_BAG_INFO_INVALID', 'error', 'bag-info.txt', 'no valid Payload-Oxum (<bytes>.<files>)');
    } else if (oxum !== `${bytes}.${payload.length}`) {
      f.add(
        'PACK_OXUM_MISMATCH',
        'error',
        'bag-info.txt',
        `Payload-Oxum is ${oxum}, but data/ holds ${bytes} bytes in ${payload.length} files`,
      );
    }
  }

  // manifest-sha256.txt: every entry present with its hash; nothing unlisted under data/.
  const manText = text(facts.tags.get('manifest-sha256.txt'), 'manifest-sha256.txt', f);
  const manifestEntries =
    manText === undefined ? undefined : parseChecksumFile(manText, 'manifest-sha256.txt', f, 'PACK_MANIFEST_INVALID');
  if (manText === undefined && !facts.tags.has('manifest-sha256.txt'))
    f.add('PACK_MANIFEST_INVALID', 'error', 'manifest-sha256.txt', 'missing');
  const listed = new Set<string>();
  for (const e of manifestEntries ?? []) {
    listed.add(e.path);
    if (!e.path.startsWith('data/')) {
      f.add(
        'PACK_PATH_UNSAFE',
        'error',
        'manifest-sha256.txt',
        `line ${e.line} lists ${e.path}, which is outside data/`,
        e.line,
      );
      continue;
    }
    const got = facts.files.get(e.path);
    if (got === undefined)
      f.add(
        'PACK_FILE_MISSING',
        'error',
        e.path,
        'listed in manifest-sha256.txt but not in the pack (or not a regular file)',
      );
    else if (got.sha256 !== e.sha256)
      f.add(
        'PACK_FILE_HASH_MISMATCH',
        'error',
        e.path,
        `SHA-256 is ${got.sha256}, manifest-sha256.txt says ${e.sha256}`,
      );
  }
  if (manifestEntries !== undefined) {
    for (const [p] of payload)
      if (!listed.has(p))
        f.add('PACK_FILE_UNLISTED', 'error', p, 'a file under data/ that manifest-sha256.txt does not list');
  }

  // tagmanifest-sha256.txt
  const tagText = text(facts.tags.get('tagmanifest-sha256.txt'), 'tagmanifest-sha256.txt', f);
  const tagListed = new Set<string>();
  if (tagText === undefined) {
    if (!facts.tags.has('tagmanifest-sha256.txt'))
      f.add('PACK_TAGMANIFEST_INVALID', 'error', 'tagmanifest-sha256.txt', 'missing');
  } else {
    for (const e of parseChecksumFile(tagText, 'tagmanifest-sha256.txt', f, 'PACK_TAGMANIFEST_INVALID')) {
      tagListed.add(e.path);
      if (!TAG_FILES.includes(e.path)) {
        f.add(
          'PACK_TAGMANIFEST_INVALID',
          'error',
          'tagmanifest-sha256.txt',
          `line ${e.line} lists ${e.path}, which is not a tag file it may cover (${TAG_FILES.join(', ')})`,
          e.line,
        );
        continue;
      }
      const got = facts.files.get(e.path);
      if (got === undefined)
        f.add('PACK_FILE_MISSING', 'error', e.path, 'listed in tagmanifest-sha256.txt but not in the pack');
      else if (got.sha256 !== e.sha256)
        f.add(
          'PACK_TAG_HASH_MISMATCH',
          'error',
          e.path,
          `SHA-256 is ${got.sha256}, tagmanifest-sha256.txt says ${e.sha256}`,
        );
    }
    for (const t of TAG_FILES) {
      if (!tagListed.has(t))
        f.add(
          'PACK_TAGMANIFEST_INVALID',
          'error',
          'tagmanifest-sha256.txt',
          `does not list ${t}, so the signature does not cover it`,
        );
    }
  }
  // Exactly the files the format defines: nothing extra (a 7th payload file, even listed in every
  // manifest, is not part of the format), nothing required missing.
  for (const [p] of facts.files) {
    if (packFileSpec(p) === undefined) {
      f.add(
        'PACK_FILE_UNEXPECTED',
        'error',
        p,
        `not a file of an ${PACK_FORMAT_NAME} pack (${p.startsWith('data/') ? `payload files are ${PAYLOAD_FILES.join(', ')}` : 'see docs/FORMAT.md, "Layout"'})`,
      );
    }
  }
  for (const spec of PACK_FILES) {
    const rel = `data/${spec.name}`;
    if (spec.place === 'payload' && spec.required && !facts.files.has(rel) && !listed.has(rel)) {
      f.add('PACK_FILE_MISSING', 'error', rel, 'a payload file every pack has is missing (and not listed either)');
    }
  }

  // manifest.json
  const summary = judgeManifestJson(facts, f, manifestEntries, dirInfo?.date, info, manifestSha256);

  // The signature over tagmanifest-sha256.txt.
  judgeSignature(facts, trust, f);
  return summary;
}

function judgeManifestJson(
  facts: PackFacts,
  f: Findings,
  manifestEntries: ManifestEntry[] | undefined,
  dirDate: string | undefined,
  info: Map<string, string>,
  manifestSha256: string | undefined,
): ManifestSummary {
  const none: ManifestSummary = {
    exportDate: dirDate,
    manifestSha256,
    previousPack: undefined,
    supersedes: undefined,
    chain: undefined,
  };
  const raw = text(facts.tags.get('manifest.json'), 'manifest.json', f);
  if (raw === undefined) {
    if (!facts.tags.has('manifest.json')) f.add('PACK_MANIFEST_JSON_INVALID', 'error', 'manifest.json', 'missing');
    judgeLog(facts, f, undefined);
    return none;
  }
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch (err) {
    f.add(
      'PACK_MANIFEST_JSON_INVALID',
      'error',
      'manifest.json',
      `not valid JSON: ${(err as Error).message.slice(0, 160)}`,
    );
    judgeLog(facts, f, undefined);
    return none;
  }
  if (!isObj(m)) {
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', 'manifest.json', 'not a JSON object');
    judgeLog(facts, f, undefined);
    return none;
  }
  const bad = (field: string, what: string): void => {
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', 'manifest.json', `${field} ${what}`);
  };
  // The documented fields, no others, in canonical form: the bytes export writes for these values.
  const unknown = Object.keys(m).filter((k) => !(MANIFEST_FIELDS as readonly string[]).includes(k));
  // `partial` is the one optional field: present (true) only on a pack of a day that had not ended.
  const missing = MANIFEST_FIELDS.filter((k) => k !== 'partial' && !Object.hasOwn(m, k));
  if (Object.hasOwn(m, 'partial') && m.partial !== true) bad('partial', 'is present but not true');
  if (unknown.length > 0)
    bad(
      'has',
      `fields the format does not define: ${unknown
        .slice(0, 5)
        .map((k) => JSON.stringify(printableName(k).slice(0, 40)))
        .join(', ')}`,
    );
  if (missing.length > 0) bad('lacks', `the fields ${missing.join(', ')}`);
  const canonical = renderManifest(m);
  if (raw !== canonical) {
    const a = raw.split('\n');
    const b = canonical.split('\n');
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    f.add(
      'PACK_MANIFEST_JSON_INVALID',
      'error',
      'manifest.json',
      `is not in canonical form (the documented fields and key order, JSON.stringify(…, null, 2) and a final newline): line ${i + 1} is ${JSON.stringify((a[i] ?? '(end)').slice(0, 80))}, canonically ${JSON.stringify((b[i] ?? '(end)').slice(0, 80))}`,
    );
  }
  let createdAt: string | undefined;
  if (typeof m.created_at === 'string' && ISO_MS.test(m.created_at) && isRealInstant(m.created_at))
    createdAt = m.created_at;
  else bad('created_at', `is ${JSON.stringify(m.created_at)?.slice(0, 60)}, not an instant YYYY-MM-DDTHH:MM:SS.sssZ`);
  const version =
    typeof m.auditpack_version === 'string' && VERSION.test(m.auditpack_version) ? m.auditpack_version : undefined;
  if (version === undefined)
    bad(
      'auditpack_version',
      `is ${JSON.stringify(m.auditpack_version)?.slice(0, 60)}, not a version string such as "1.2.3"`,
    );
  else if (info.has('Auditpack-Version') && info.get('Auditpack-Version') !== version) {
    f.add(
      'PACK_BAG_INFO_INVALID',
      'error',
      'bag-info.txt',
      `Auditpack-Version is ${JSON.stringify(info.get('Auditpack-Version')?.slice(0, 40))} but manifest.json says ${version}`,
    );
  }
  if (createdAt !== undefined && info.has('Bagging-Date') && info.get('Bagging-Date') !== createdAt.slice(0, 10)) {
    f.add(
      'PACK_BAG_INFO_INVALID',
      'error',
      'bag-info.txt',
      `Bagging-Date is ${JSON.stringify(info.get('Bagging-Date')?.slice(0, 40))} but manifest.json created_at is ${createdAt} (the day the pack was made)`,
    );
  }
  let alertFilter: RecordedAlertFilter | undefined;
  const af = m.alert_filter;
  if (isObj(af) && isStringList(af.categories) && isStringList(af.events) && isStringList(af.severities)) {
    alertFilter = { categories: af.categories, events: af.events, severities: af.severities };
  } else bad('alert_filter', 'must be {categories, events, severities}, each a list of strings');
  let insertedBefore: ManifestSummary['insertedBefore'];
  const ib = m.inserted_before;
  if (ib === null) insertedBefore = null;
  else if (
    isObj(ib) &&
    typeof ib.export_date === 'string' &&
    dayNumberOfIsoDate(ib.export_date) !== undefined &&
    isHashHex(ib.manifest_sha256)
  ) {
    insertedBefore = { exportDate: ib.export_date, manifestSha256: ib.manifest_sha256 };
  } else if (ib !== undefined) bad('inserted_before', 'must be null or {export_date, manifest_sha256}');
  if (m.format !== 'auditpack-pack/1')
    bad('format', `is ${JSON.stringify(m.format)?.slice(0, 60)}, expected "auditpack-pack/1"`);
  let exportDate: string | undefined;
  if (typeof m.export_date === 'string' && dayNumberOfIsoDate(m.export_date) !== undefined) exportDate = m.export_date;
  else bad('export_date', 'is not a date YYYY-MM-DD');
  if (exportDate !== undefined && dirDate !== undefined && exportDate !== dirDate) {
    f.add(
      'PACK_DATE_MISMATCH',
      'error',
      'manifest.json',
      `export_date is ${exportDate} but the pack directory is named for ${dirDate}: a pack replayed under another day?`,
    );
  }
  for (const label of ['Export-Date', 'Bagging-Date'] as const) {
    const v = info.get(label);
    if (label === 'Export-Date' && exportDate !== undefined && v !== undefined && v !== exportDate) {
      f.add(
        'PACK_DATE_MISMATCH',
        'error',
        'bag-info.txt',
        `${label} is ${v} but manifest.json says export_date ${exportDate}`,
      );
    }
  }
  const ext = info.get('External-Identifier');
  if (exportDate !== undefined && ext !== undefined && ext !== `auditpack-${exportDate}`) {
    f.add(
      'PACK_DATE_MISMATCH',
      'error',
      'bag-info.txt',
      `External-Identifier is ${ext} but manifest.json says export_date ${exportDate}`,
    );
  }

  // files: agree with manifest-sha256.txt and with the files themselves.
  let totalSize = 0;
  let totalFiles = 0;
  if (!isObj(m.files)) bad('files', 'is not an object');
  else {
    const byPath = new Map((manifestEntries ?? []).map((e) => [e.path, e]));
    for (const [p, v] of Object.entries(m.files)) {
      if (!isSafeRelativePath(p) || !p.startsWith('data/')) {
        f.add(
          'PACK_PATH_UNSAFE',
          'error',
          'manifest.json',
          `files lists an unsafe path ${JSON.stringify(printableName(p))}; not opened`,
        );
        continue;
      }
      totalFiles++;
      if (
        !isObj(v) ||
        !isCount(v.size) ||
        !isHashHex(v.sha256) ||
        typeof v.modified !== 'string' ||
        !ISO_MS.test(v.modified) ||
        !isRealInstant(v.modified)
      ) {
        bad(
          `files["${p}"]`,
          'needs a size (whole number), a sha256 (64 lowercase hex) and modified (YYYY-MM-DDTHH:MM:SS.sssZ)',
        );
        continue;
      }
      totalSize += v.size;
      const e = byPath.get(p);
      if (manifestEntries !== undefined && e === undefined) {
        f.add(
          'PACK_MANIFEST_JSON_DISAGREES',
          'error',
          'manifest.json',
          `files lists ${p}, which manifest-sha256.txt does not`,
        );
      } else if (e !== undefined && e.sha256 !== v.sha256) {
        f.add(
          'PACK_MANIFEST_JSON_DISAGREES',
          'error',
          'manifest.json',
          `files["${p}"].sha256 differs from manifest-sha256.txt`,
        );
      }
      const got = facts.files.get(p);
      if (got !== undefined && got.size !== v.size)
        f.add('PACK_FILE_SIZE_MISMATCH', 'error', p, `${got.size} bytes, manifest.json says ${v.size}`);
    }
    for (const e of manifestEntries ?? []) {
      if (!Object.hasOwn(m.files, e.path)) {
        f.add(
          'PACK_MANIFEST_JSON_DISAGREES',
          'error',
          'manifest.json',
          `files does not list ${e.path}, which manifest-sha256.txt does`,
        );
      }
    }
  }
  if (!isObj(m.summary) || !isCount(m.summary.total_files) || !isCount(m.summary.total_size))
    bad('summary', 'needs total_files and total_size');
  else if (isObj(m.files) && (m.summary.total_files !== totalFiles || m.summary.total_size !== totalSize)) {
    f.add(
      'PACK_SUMMARY_MISMATCH',
      'error',
      'manifest.json',
      `summary says ${m.summary.total_files} files / ${m.summary.total_size} bytes; files lists ${totalFiles} / ${totalSize}`,
    );
  }

  // chain, events, rows: shapes here, values against the log in judgeLog.
  let chain: ManifestSummary['chain'];
  const c = m.chain;
  if (
    !isObj(c) ||
    !isSeqOrNull(c.first_seq) ||
    !isSeqOrNull(c.last_seq) ||
    !isHashOrNull(c.start_prev) ||
    !isHashOrNull(c.end_hash)
  ) {
    bad('chain', 'needs first_seq, last_seq (whole numbers or null), start_prev and end_hash (64 hex or null)');
  } else chain = { firstSeq: c.first_seq, lastSeq: c.last_seq, startPrev: c.start_prev, endHash: c.end_hash };

  let previousPack: ManifestSummary['previousPack'];
  const pp = m.previous_pack;
  if (pp === null) previousPack = null;
  else if (
    isObj(pp) &&
    typeof pp.export_date === 'string' &&
    dayNumberOfIsoDate(pp.export_date) !== undefined &&
    isHashHex(pp.manifest_sha256)
  ) {
    previousPack = { exportDate: pp.export_date, manifestSha256: pp.manifest_sha256 };
    if (exportDate !== undefined && pp.export_date >= exportDate)
      bad('previous_pack.export_date', `(${pp.export_date}) is not before export_date`);
  } else bad('previous_pack', 'must be null or {export_date, manifest_sha256}');

  let supersedes: ManifestSummary['supersedes'];
  const sp = m.supersedes;
  if (sp === null || sp === undefined) supersedes = null;
  else if (
    isObj(sp) &&
    isHashHex(sp.manifest_sha256) &&
    typeof sp.moved_to === 'string' &&
    isSafeRelativePath(sp.moved_to)
  ) {
    supersedes = { manifestSha256: sp.manifest_sha256, movedTo: sp.moved_to };
  } else bad('supersedes', 'must be null or {manifest_sha256, moved_to}');

  if (insertedBefore != null && exportDate !== undefined && insertedBefore.exportDate <= exportDate)
    bad('inserted_before.export_date', `(${insertedBefore.exportDate}) is not after export_date`);
  judgeLog(facts, f, { m, chain });
  return {
    exportDate: exportDate ?? dirDate,
    manifestSha256,
    previousPack,
    supersedes,
    chain,
    createdAt,
    insertedBefore,
    alertFilter,
  };
}

/** data/audit.jsonl against manifest.json; the CSVs and alerts against both. */
function judgeLog(
  facts: PackFacts,
  f: Findings,
  man: { m: Record<string, Json>; chain: ManifestSummary['chain'] } | undefined,
): void {
  const log = facts.log;
  if (log === undefined) return; // missing audit.jsonl is already PACK_FILE_MISSING (or unlisted)
  const chain = man?.chain;
  if (chain !== undefined) {
    if (chain.endHash !== log.endHash) {
      f.add(
        'PACK_CHAIN_END_MISMATCH',
        'error',
        'data/audit.jsonl',
        `the log's last complete line hashes to ${log.endHash ?? '(no line)'}, manifest.json chain.end_hash is ${chain.endHash ?? 'null'}: the log's tail was cut or extended`,
      );
    }
    if (chain.lastSeq !== log.lastSeq) {
      f.add(
        'PACK_CHAIN_END_MISMATCH',
        'error',
        'data/audit.jsonl',
        `the log's last seq is ${log.lastSeq ?? 'none'}, manifest.json chain.last_seq is ${chain.lastSeq ?? 'null'}`,
      );
    }
    if (chain.firstSeq !== log.firstSeq || chain.startPrev !== log.startPrev) {
      f.add(
        'PACK_CHAIN_START_MISMATCH',
        'error',
        'data/audit.jsonl',
        `the log starts at seq ${log.firstSeq ?? 'none'} (prev ${log.startPrev?.slice(0, 16) ?? 'none'}…), manifest.json chain says seq ${chain.firstSeq ?? 'null'} (prev ${chain.startPrev?.slice(0, 16) ?? 'null'}…)`,
      );
    }
  }
  const m = man?.m;
  if (m !== undefined) {
    const ev = m.events;
    if (
      !isObj(ev) ||
      !isCount(ev.total) ||
      !isObj(ev.by_category) ||
      !isCount(ev.malformed_lines) ||
      !isCount(ev.late)
    ) {
      f.add(
        'PACK_MANIFEST_JSON_INVALID',
        'error',
        'manifest.json',
        'events needs total, by_category, malformed_lines and late',
      );
    } else {
      const diffs: string[] = [];
      if (ev.total !== log.events) diffs.push(`total ${ev.total} vs ${log.events} in the log`);
      if (ev.malformed_lines !== log.malformed) diffs.push(`malformed_lines ${ev.malformed_lines} vs ${log.malformed}`);
      if (ev.late !== log.late) diffs.push(`late ${ev.late} vs ${log.late}`);
      const cats = new Set([...Object.keys(ev.by_category), ...Object.keys(log.byCategory)]);
      for (const cat of cats) {
        const a = Object.hasOwn(ev.by_category, cat) ? ev.by_category[cat] : 0;
        const b = log.byCategory[cat] ?? 0;
        if (a !== b)
          diffs.push(`by_category.${printableName(cat).slice(0, 40)} ${JSON.stringify(a)?.slice(0, 20)} vs ${b}`);
      }
      if (diffs.length > 0)
        f.add(
          'PACK_EVENT_COUNT_MISMATCH',
          'error',
          'manifest.json',
          `event counts disagree with data/audit.jsonl: ${diffs.slice(0, 8).join('; ')}`,
        );
    }
  }
  const rows = m !== undefined && isObj(m.rows) ? m.rows : undefined;
  if (
    m !== undefined &&
    (rows === undefined || !isCount(rows.orders) || !isCount(rows.fills) || !isCount(rows.alerts))
  ) {
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', 'manifest.json', 'rows needs orders, fills and alerts');
  }
  const csvCheck = (name: 'orders' | 'fills', fromLog: SeqPrint): void => {
    const path = `data/${name}.csv`;
    const stats = facts.csv.get(path);
    if (stats === undefined) return; // missing: reported by the manifest checks
    if (stats.defect !== undefined) f.add('PACK_CSV_INVALID', 'error', path, stats.defect);
    if (stats.header === undefined || !stats.header.includes('seq'))
      f.add('PACK_CSV_INVALID', 'error', path, 'no header row with a seq column');
    const want = rows !== undefined && isCount(rows[name]) ? (rows[name] as number) : undefined;
    if (want !== undefined && want !== stats.records) {
      f.add('PACK_ROW_COUNT_MISMATCH', 'error', path, `${stats.records} rows, manifest.json rows.${name} says ${want}`);
    }
    if (fromLog.count !== stats.records) {
      f.add(
        'PACK_ROW_COUNT_MISMATCH',
        'error',
        path,
        `${stats.records} rows, but data/audit.jsonl holds ${fromLog.count} ${name === 'orders' ? 'order' : 'fill'} events`,
      );
    } else if (
      stats.header?.includes('seq') === true &&
      (fromLog.sum !== stats.seqs.sum || fromLog.mix !== stats.seqs.mix)
    ) {
      f.add(
        'PACK_ROW_COUNT_MISMATCH',
        'error',
        path,
        `the rows' seq values are not those of the ${name === 'orders' ? 'order' : 'fill'} events in data/audit.jsonl`,
      );
    }
  };
  csvCheck('orders', log.orders);
  csvCheck('fills', log.fills);
  const alerts = facts.alerts;
  if (alerts !== undefined) {
    const want = rows !== undefined && isCount(rows.alerts) ? rows.alerts : undefined;
    if (alerts.unterminated)
      f.add('PACK_ALERT_NOT_IN_LOG', 'error', 'data/alerts.jsonl', 'the last line is not terminated by a newline');
    if (want !== undefined && want !== alerts.lines)
      f.add(
        'PACK_ROW_COUNT_MISMATCH',
        'error',
        'data/alerts.jsonl',
        `${alerts.lines} lines, manifest.json rows.alerts says ${want}`,
      );
    if (alerts.hashes === undefined) {
      f.add(
        'PACK_ALERT_NOT_IN_LOG',
        'info',
        'data/alerts.jsonl',
        'too many lines to cross-check against data/audit.jsonl in bounded memory; counted only',
      );
    } else if (log.alertsMatched < alerts.hashes.length) {
      f.add(
        'PACK_ALERT_NOT_IN_LOG',
        'error',
        'data/alerts.jsonl',
        `line ${log.alertsMatched + 1} is not, byte for byte, an event of data/audit.jsonl (in log order)`,
        log.alertsMatched + 1,
      );
    }
  }
}

/** The key carried inside an armored SSHSIG, or undefined when it cannot be read. */
function embeddedKey(armored: string): KeyObject | undefined {
  try {
    const b = armored.indexOf('-----BEGIN SSH SIGNATURE-----');
    const e = armored.indexOf('-----END SSH SIGNATURE-----');
    if (b === -1 || e < b) return undefined;
    const body = armored.slice(b + 29, e).replace(/\s+/g, '');
    const r = new WireReader(Buffer.from(body, 'base64'));
    r.bytes(6);
    r.uint32();
    return parsePublicKeyBlob(r.string());
  } catch {
    return undefined;
  }
}

/** The armor auditpack and ssh-keygen write for the signature blob inside `armored`. */
function canonicalArmor(armored: string): string {
  const b = armored.indexOf('-----BEGIN SSH SIGNATURE-----');
  const e = armored.indexOf('-----END SSH SIGNATURE-----');
  const b64 = Buffer.from(armored.slice(b + 29, e).replace(/\s+/g, ''), 'base64').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

function judgeSignature(facts: PackFacts, trust: TrustedKeys | undefined, f: Findings): void {
  const SIG = 'tagmanifest-sha256.txt.sig';
  const sigBuf = facts.tags.get(SIG);
  const tagBuf = facts.tags.get('tagmanifest-sha256.txt');
  const haveKeys = trust !== undefined && trust.keys.length > 0;
  if (sigBuf === undefined) {
    if (haveKeys) f.add('PACK_UNSIGNED', 'error', SIG, 'a trusted key was given but the pack carries no signature');
    return;
  }
  if (sigBuf === 'too-large') {
    f.add('PACK_SIGNATURE_INVALID', 'error', SIG, 'larger than a signature can be; not read');
    return;
  }
  if (tagBuf === undefined || tagBuf === 'too-large') {
    f.add('PACK_SIGNATURE_INVALID', 'error', SIG, 'there is no readable tagmanifest-sha256.txt for it to sign');
    return;
  }
  const armored = sigBuf.toString('utf8');
  const own = embeddedKey(armored);
  const selfCheck = own === undefined ? undefined : verifySshsig(tagBuf, armored, [own]);
  if (selfCheck === undefined || !selfCheck.ok) {
    f.add(
      'PACK_SIGNATURE_INVALID',
      'error',
      SIG,
      `does not verify over tagmanifest-sha256.txt: ${selfCheck?.reason ?? 'malformed signature'} (a signature of another file, or an edited tag manifest)`,
    );
    return;
  }
  // The armor must be exactly as written (70-column base64, as ssh-keygen and auditpack write it), so
  // that no byte of the file can change unnoticed: whitespace and base64 padding bits are malleable.
  if (armored !== canonicalArmor(armored)) {
    f.add(
      'PACK_SIGNATURE_INVALID',
      'error',
      SIG,
      'the signature verifies, but its file is not in canonical SSHSIG armor: it was edited',
    );
    return;
  }
  if (!haveKeys) {
    f.add(
      'PACK_SIGNATURE_NOT_CHECKED',
      'info',
      SIG,
      `signed by ${selfCheck.fingerprint ?? 'a key'}; give --pubkey or --allowed-signers to check who signed it`,
    );
    return;
  }
  const r = verifySshsig(
    tagBuf,
    armored,
    trust.keys.map((k) => k.key),
  );
  if (!r.ok)
    f.add(
      'PACK_SIGNATURE_UNTRUSTED',
      'error',
      SIG,
      `a valid signature, but by ${selfCheck.fingerprint ?? 'a key'}, which is not a trusted key`,
    );
}

/**
 * The signer report.html names: the fingerprint of the key inside a signature that verifies over
 * the tag manifest, null for an unsigned pack, undefined when the signature cannot be read (a
 * finding of its own).
 */
export function pageSignerOf(tags: ReadonlyMap<string, Buffer | 'too-large'>): string | null | undefined {
  const sigBuf = tags.get('tagmanifest-sha256.txt.sig');
  if (sigBuf === undefined) return null;
  const tagBuf = tags.get('tagmanifest-sha256.txt');
  if (sigBuf === 'too-large' || tagBuf === undefined || tagBuf === 'too-large') return undefined;
  const armored = sigBuf.toString('utf8');
  const own = embeddedKey(armored);
  const r = own === undefined ? undefined : verifySshsig(tagBuf, armored, [own]);
  return r?.ok === true ? r.fingerprint : undefined;
}
