/**
 * The checks of a pack (issue 5; the format is docs/FORMAT.md "The export pack"), applied to facts
 * gathered from a pack directory or a `.tar.gz` stream. Every byte read from the pack is hostile:
 * text is parsed with bounds, JSON is size-limited before JSON.parse, every path is checked before
 * it is trusted, and each defect becomes a finding.
 */
import { PACK_TOKEN_FILE, PACK_TSA_CERTS_FILE } from '../anchor/format.js';
import { MAX_TOKEN_BYTES } from '../anchor/token.js';
import type { KeyObject } from 'node:crypto';
import { isHashHex } from '../chain/index.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { parsePublicKeyBlob } from '../signing/keys.js';
import { verifySshsig } from '../signing/sshsig.js';
import { WireReader } from '../signing/wire.js';
import type { CsvStats } from './csv-count.js';
import type { LogFacts, SeqPrint } from './log-check.js';
import { printableName, type Findings } from './report.js';

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
  readonly alerts: { readonly lines: number; readonly hashes: string[] | undefined; readonly unterminated: boolean } | undefined;
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
  readonly chain: { firstSeq: number | null; lastSeq: number | null; startPrev: string | null; endHash: string | null } | undefined;
}

/** Bounds on the small files at a pack's root. */
export const TAG_FILE_BOUNDS: Readonly<Record<string, number>> = Object.freeze({
  'bagit.txt': 4 * 1024,
  'bag-info.txt': 64 * 1024,
  'manifest-sha256.txt': 1024 * 1024,
  'tagmanifest-sha256.txt': 64 * 1024,
  'manifest.json': 4 * 1024 * 1024,
  'tagmanifest-sha256.txt.sig': 64 * 1024,
  [PACK_TOKEN_FILE]: MAX_TOKEN_BYTES,
  [PACK_TSA_CERTS_FILE]: 256 * 1024,
});

/** Tag files the tag manifest must list. */
const REQUIRED_TAGS = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest.json'];

/** A path segment a pack may use (TOOLCHAIN.md: bagit-python-safe names). */
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
function parseChecksumFile(text: string, file: string, f: Findings, code: 'PACK_MANIFEST_INVALID' | 'PACK_TAGMANIFEST_INVALID'): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith('\n')) f.add(code, 'error', file, 'the last line is not terminated by a newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (m === null) {
      f.add(code, 'error', file, `line ${i + 1} is not "<sha256>  <path>": ${JSON.stringify(line.slice(0, 120))}`, i + 1);
      continue;
    }
    const path = m[2] as string;
    if (!isSafeRelativePath(path)) {
      f.add('PACK_PATH_UNSAFE', 'error', file, `line ${i + 1} names an unsafe path ${JSON.stringify(printableName(path))} (absolute, "..", or odd characters); not opened`, i + 1);
      continue;
    }
    if (seen.has(path)) {
      f.add(code, 'error', file, `line ${i + 1} lists ${path} a second time`, i + 1);
      continue;
    }
    seen.add(path);
    out.push({ sha256: (m[1] as string).toLowerCase(), path, line: i + 1 });
  }
  return out;
}

function text(buf: Buffer | 'too-large' | undefined, name: string, f: Findings): string | undefined {
  if (buf === undefined) return undefined;
  if (buf === 'too-large') {
    f.add(name === 'manifest.json' ? 'PACK_MANIFEST_JSON_INVALID' : name.startsWith('tag') ? 'PACK_TAGMANIFEST_INVALID' : name === 'manifest-sha256.txt' ? 'PACK_MANIFEST_INVALID' : 'PACK_BAG_INFO_INVALID', 'error', name, `larger than the ${TAG_FILE_BOUNDS[name]} bytes such a file may have; not read`);
    return undefined;
  }
  return buf.toString('utf8');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isSeqOrNull = (v: unknown): v is number | null => v === null || (isCount(v) && v >= 1);
const isHashOrNull = (v: unknown): v is string | null => v === null || isHashHex(v);

/** Judges the gathered facts. Returns what the archive needs from manifest.json. */
export function judgePack(facts: PackFacts, trust: TrustedKeys | undefined, f: Findings, manifestSha256: string | undefined): ManifestSummary {
  const dirInfo = facts.dirName === undefined ? undefined : dateOfPackDirName(facts.dirName);
  const payload = [...facts.files.entries()].filter(([p]) => p.startsWith('data/'));

  // bagit.txt
  const bagit = text(facts.tags.get('bagit.txt'), 'bagit.txt', f);
  if (bagit === undefined) {
    if (!facts.tags.has('bagit.txt')) f.add('PACK_BAGIT_INVALID', 'error', 'bagit.txt', 'missing: this is not a BagIt bag');
  } else if (!/^BagIt-Version: 1\.0\r?\nTag-File-Character-Encoding: UTF-8\r?\n$/.test(bagit)) {
    f.add('PACK_BAGIT_INVALID', 'error', 'bagit.txt', 'expected "BagIt-Version: 1.0" and "Tag-File-Character-Encoding: UTF-8"');
  }

  // bag-info.txt: Payload-Oxum = total payload bytes . payload file count
  const bagInfo = text(facts.tags.get('bag-info.txt'), 'bag-info.txt', f);
  const info = new Map<string, string>();
  if (bagInfo === undefined) {
    if (!facts.tags.has('bag-info.txt')) f.add('PACK_BAG_INFO_INVALID', 'error', 'bag-info.txt', 'missing');
  } else {
    for (const line of bagInfo.split(/\r?\n/)) {
      const m = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
      if (m !== null && !info.has(m[1] as string)) info.set(m[1] as string, (m[2] as string).trim());
    }
    const oxum = info.get('Payload-Oxum');
    const bytes = payload.reduce((s, [, x]) => s + x.size, 0);
    if (oxum === undefined || !/^\d{1,17}\.\d{1,9}$/.test(oxum)) {
      f.add('PACK_BAG_INFO_INVALID', 'error', 'bag-info.txt', 'no valid Payload-Oxum (<bytes>.<files>)');
    } else if (oxum !== `${bytes}.${payload.length}`) {
      f.add('PACK_OXUM_MISMATCH', 'error', 'bag-info.txt', `Payload-Oxum is ${oxum}, but data/ holds ${bytes} bytes in ${payload.length} files`);
    }
  }

  // manifest-sha256.txt: every entry present with its hash; nothing unlisted under data/.
  const manText = text(facts.tags.get('manifest-sha256.txt'), 'manifest-sha256.txt', f);
  const manifestEntries = manText === undefined ? undefined : parseChecksumFile(manText, 'manifest-sha256.txt', f, 'PACK_MANIFEST_INVALID');
  if (manText === undefined && !facts.tags.has('manifest-sha256.txt')) f.add('PACK_MANIFEST_INVALID', 'error', 'manifest-sha256.txt', 'missing');
  const listed = new Set<string>();
  for (const e of manifestEntries ?? []) {
    listed.add(e.path);
    if (!e.path.startsWith('data/')) {
      f.add('PACK_PATH_UNSAFE', 'error', 'manifest-sha256.txt', `line ${e.line} lists ${e.path}, which is outside data/`, e.line);
      continue;
    }
    const got = facts.files.get(e.path);
    if (got === undefined) f.add('PACK_FILE_MISSING', 'error', e.path, 'listed in manifest-sha256.txt but not in the pack (or not a regular file)');
    else if (got.sha256 !== e.sha256) f.add('PACK_FILE_HASH_MISMATCH', 'error', e.path, `SHA-256 is ${got.sha256}, manifest-sha256.txt says ${e.sha256}`);
  }
  if (manifestEntries !== undefined) {
    for (const [p] of payload) if (!listed.has(p)) f.add('PACK_FILE_UNLISTED', 'error', p, 'a file under data/ that manifest-sha256.txt does not list');
  }

  // tagmanifest-sha256.txt
  const tagText = text(facts.tags.get('tagmanifest-sha256.txt'), 'tagmanifest-sha256.txt', f);
  const tagListed = new Set<string>();
  if (tagText === undefined) {
    if (!facts.tags.has('tagmanifest-sha256.txt')) f.add('PACK_TAGMANIFEST_INVALID', 'error', 'tagmanifest-sha256.txt', 'missing');
  } else {
    for (const e of parseChecksumFile(tagText, 'tagmanifest-sha256.txt', f, 'PACK_TAGMANIFEST_INVALID')) {
      tagListed.add(e.path);
      if (e.path.startsWith('data/') || e.path === 'tagmanifest-sha256.txt') {
        f.add('PACK_TAGMANIFEST_INVALID', 'error', 'tagmanifest-sha256.txt', `line ${e.line} lists ${e.path}, which is not a tag file it may cover`, e.line);
        continue;
      }
      const got = facts.files.get(e.path);
      if (got === undefined) f.add('PACK_FILE_MISSING', 'error', e.path, 'listed in tagmanifest-sha256.txt but not in the pack');
      else if (got.sha256 !== e.sha256) f.add('PACK_TAG_HASH_MISMATCH', 'error', e.path, `SHA-256 is ${got.sha256}, tagmanifest-sha256.txt says ${e.sha256}`);
    }
    for (const t of REQUIRED_TAGS) {
      if (!tagListed.has(t)) f.add('PACK_TAGMANIFEST_INVALID', 'error', 'tagmanifest-sha256.txt', `does not list ${t}, so the signature does not cover it`);
    }
  }
  for (const [p] of facts.files) {
    // The signature and the time-stamp token cover the tag manifest, so it cannot list them (FORMAT.md).
    if (p.startsWith('data/') || p === 'tagmanifest-sha256.txt' || p === 'tagmanifest-sha256.txt.sig' || p === PACK_TOKEN_FILE || p === PACK_TSA_CERTS_FILE || tagListed.has(p)) continue;
    f.add('PACK_FILE_UNLISTED', 'warning', p, 'a file outside data/ that tagmanifest-sha256.txt does not cover');
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
  const none: ManifestSummary = { exportDate: dirDate, manifestSha256, previousPack: undefined, supersedes: undefined, chain: undefined };
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
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', 'manifest.json', `not valid JSON: ${(err as Error).message.slice(0, 160)}`);
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
  if (m.format !== 'auditpack-pack/1') bad('format', `is ${JSON.stringify(m.format)?.slice(0, 60)}, expected "auditpack-pack/1"`);
  let exportDate: string | undefined;
  if (typeof m.export_date === 'string' && dayNumberOfIsoDate(m.export_date) !== undefined) exportDate = m.export_date;
  else bad('export_date', 'is not a date YYYY-MM-DD');
  if (exportDate !== undefined && dirDate !== undefined && exportDate !== dirDate) {
    f.add('PACK_DATE_MISMATCH', 'error', 'manifest.json', `export_date is ${exportDate} but the pack directory is named for ${dirDate}: a pack replayed under another day?`);
  }
  for (const label of ['Export-Date', 'Bagging-Date'] as const) {
    const v = info.get(label);
    if (label === 'Export-Date' && exportDate !== undefined && v !== undefined && v !== exportDate) {
      f.add('PACK_DATE_MISMATCH', 'error', 'bag-info.txt', `${label} is ${v} but manifest.json says export_date ${exportDate}`);
    }
  }
  const ext = info.get('External-Identifier');
  if (exportDate !== undefined && ext !== undefined && ext !== `auditpack-${exportDate}`) {
    f.add('PACK_DATE_MISMATCH', 'error', 'bag-info.txt', `External-Identifier is ${ext} but manifest.json says export_date ${exportDate}`);
  }

  // files: agree with manifest-sha256.txt and with the files themselves.
  let totalSize = 0;
  let totalFiles = 0;
  if (!isObj(m.files)) bad('files', 'is not an object');
  else {
    const byPath = new Map((manifestEntries ?? []).map((e) => [e.path, e]));
    for (const [p, v] of Object.entries(m.files)) {
      if (!isSafeRelativePath(p) || !p.startsWith('data/')) {
        f.add('PACK_PATH_UNSAFE', 'error', 'manifest.json', `files lists an unsafe path ${JSON.stringify(printableName(p))}; not opened`);
        continue;
      }
      totalFiles++;
      if (!isObj(v) || !isCount(v.size) || !isHashHex(v.sha256)) {
        bad(`files["${p}"]`, 'needs a size (whole number) and a sha256 (64 lowercase hex)');
        continue;
      }
      totalSize += v.size;
      const e = byPath.get(p);
      if (manifestEntries !== undefined && e === undefined) {
        f.add('PACK_MANIFEST_JSON_DISAGREES', 'error', 'manifest.json', `files lists ${p}, which manifest-sha256.txt does not`);
      } else if (e !== undefined && e.sha256 !== v.sha256) {
        f.add('PACK_MANIFEST_JSON_DISAGREES', 'error', 'manifest.json', `files["${p}"].sha256 differs from manifest-sha256.txt`);
      }
      const got = facts.files.get(p);
      if (got !== undefined && got.size !== v.size) f.add('PACK_FILE_SIZE_MISMATCH', 'error', p, `${got.size} bytes, manifest.json says ${v.size}`);
    }
    for (const e of manifestEntries ?? []) {
      if (!Object.prototype.hasOwnProperty.call(m.files, e.path)) {
        f.add('PACK_MANIFEST_JSON_DISAGREES', 'error', 'manifest.json', `files does not list ${e.path}, which manifest-sha256.txt does`);
      }
    }
  }
  if (!isObj(m.summary) || !isCount(m.summary.total_files) || !isCount(m.summary.total_size)) bad('summary', 'needs total_files and total_size');
  else if (isObj(m.files) && (m.summary.total_files !== totalFiles || m.summary.total_size !== totalSize)) {
    f.add('PACK_SUMMARY_MISMATCH', 'error', 'manifest.json', `summary says ${m.summary.total_files} files / ${m.summary.total_size} bytes; files lists ${totalFiles} / ${totalSize}`);
  }

  // chain, events, rows: shapes here, values against the log in judgeLog.
  let chain: ManifestSummary['chain'];
  const c = m.chain;
  if (!isObj(c) || !isSeqOrNull(c.first_seq) || !isSeqOrNull(c.last_seq) || !isHashOrNull(c.start_prev) || !isHashOrNull(c.end_hash)) {
    bad('chain', 'needs first_seq, last_seq (whole numbers or null), start_prev and end_hash (64 hex or null)');
  } else chain = { firstSeq: c.first_seq, lastSeq: c.last_seq, startPrev: c.start_prev, endHash: c.end_hash };

  let previousPack: ManifestSummary['previousPack'];
  const pp = m.previous_pack;
  if (pp === null) previousPack = null;
  else if (isObj(pp) && typeof pp.export_date === 'string' && dayNumberOfIsoDate(pp.export_date) !== undefined && isHashHex(pp.manifest_sha256)) {
    previousPack = { exportDate: pp.export_date, manifestSha256: pp.manifest_sha256 };
    if (exportDate !== undefined && pp.export_date >= exportDate) bad('previous_pack.export_date', `(${pp.export_date}) is not before export_date`);
  } else bad('previous_pack', 'must be null or {export_date, manifest_sha256}');

  let supersedes: ManifestSummary['supersedes'];
  const sp = m.supersedes;
  if (sp === null || sp === undefined) supersedes = null;
  else if (isObj(sp) && isHashHex(sp.manifest_sha256) && typeof sp.moved_to === 'string' && isSafeRelativePath(sp.moved_to)) {
    supersedes = { manifestSha256: sp.manifest_sha256, movedTo: sp.moved_to };
  } else bad('supersedes', 'must be null or {manifest_sha256, moved_to}');

  judgeLog(facts, f, { m, chain });
  return { exportDate: exportDate ?? dirDate, manifestSha256, previousPack, supersedes, chain };
}

/** data/audit.jsonl against manifest.json; the CSVs and alerts against both. */
function judgeLog(facts: PackFacts, f: Findings, man: { m: Record<string, Json>; chain: ManifestSummary['chain'] } | undefined): void {
  const log = facts.log;
  if (log === undefined) return; // missing audit.jsonl is already PACK_FILE_MISSING (or unlisted)
  const chain = man?.chain;
  if (chain !== undefined) {
    if (chain.endHash !== log.endHash) {
      f.add('PACK_CHAIN_END_MISMATCH', 'error', 'data/audit.jsonl', `the log's last complete line hashes to ${log.endHash ?? '(no line)'}, manifest.json chain.end_hash is ${chain.endHash ?? 'null'}: the log's tail was cut or extended`);
    }
    if (chain.lastSeq !== log.lastSeq) {
      f.add('PACK_CHAIN_END_MISMATCH', 'error', 'data/audit.jsonl', `the log's last seq is ${log.lastSeq ?? 'none'}, manifest.json chain.last_seq is ${chain.lastSeq ?? 'null'}`);
    }
    if (chain.firstSeq !== log.firstSeq || chain.startPrev !== log.startPrev) {
      f.add('PACK_CHAIN_START_MISMATCH', 'error', 'data/audit.jsonl', `the log starts at seq ${log.firstSeq ?? 'none'} (prev ${log.startPrev?.slice(0, 16) ?? 'none'}…), manifest.json chain says seq ${chain.firstSeq ?? 'null'} (prev ${chain.startPrev?.slice(0, 16) ?? 'null'}…)`);
    }
  }
  const m = man?.m;
  if (m !== undefined) {
    const ev = m.events;
    if (!isObj(ev) || !isCount(ev.total) || !isObj(ev.by_category) || !isCount(ev.malformed_lines) || !isCount(ev.late)) {
      f.add('PACK_MANIFEST_JSON_INVALID', 'error', 'manifest.json', 'events needs total, by_category, malformed_lines and late');
    } else {
      const diffs: string[] = [];
      if (ev.total !== log.events) diffs.push(`total ${ev.total} vs ${log.events} in the log`);
      if (ev.malformed_lines !== log.malformed) diffs.push(`malformed_lines ${ev.malformed_lines} vs ${log.malformed}`);
      if (ev.late !== log.late) diffs.push(`late ${ev.late} vs ${log.late}`);
      const cats = new Set([...Object.keys(ev.by_category), ...Object.keys(log.byCategory)]);
      for (const cat of cats) {
        const a = Object.prototype.hasOwnProperty.call(ev.by_category, cat) ? ev.by_category[cat] : 0;
        const b = log.byCategory[cat] ?? 0;
        if (a !== b) diffs.push(`by_category.${printableName(cat).slice(0, 40)} ${JSON.stringify(a)?.slice(0, 20)} vs ${b}`);
      }
      if (diffs.length > 0) f.add('PACK_EVENT_COUNT_MISMATCH', 'error', 'manifest.json', `event counts disagree with data/audit.jsonl: ${diffs.slice(0, 8).join('; ')}`);
    }
  }
  const rows = m !== undefined && isObj(m.rows) ? m.rows : undefined;
  if (m !== undefined && (rows === undefined || !isCount(rows.orders) || !isCount(rows.fills) || !isCount(rows.alerts))) {
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', 'manifest.json', 'rows needs orders, fills and alerts');
  }
  const csvCheck = (name: 'orders' | 'fills', fromLog: SeqPrint): void => {
    const path = `data/${name}.csv`;
    const stats = facts.csv.get(path);
    if (stats === undefined) return; // missing: reported by the manifest checks
    if (stats.defect !== undefined) f.add('PACK_CSV_INVALID', 'error', path, stats.defect);
    if (stats.header === undefined || !stats.header.includes('seq')) f.add('PACK_CSV_INVALID', 'error', path, 'no header row with a seq column');
    const want = rows !== undefined && isCount(rows[name]) ? (rows[name] as number) : undefined;
    if (want !== undefined && want !== stats.records) {
      f.add('PACK_ROW_COUNT_MISMATCH', 'error', path, `${stats.records} rows, manifest.json rows.${name} says ${want}`);
    }
    if (fromLog.count !== stats.records) {
      f.add('PACK_ROW_COUNT_MISMATCH', 'error', path, `${stats.records} rows, but data/audit.jsonl holds ${fromLog.count} ${name === 'orders' ? 'order' : 'fill'} events`);
    } else if (stats.header?.includes('seq') === true && (fromLog.sum !== stats.seqs.sum || fromLog.mix !== stats.seqs.mix)) {
      f.add('PACK_ROW_COUNT_MISMATCH', 'error', path, `the rows' seq values are not those of the ${name === 'orders' ? 'order' : 'fill'} events in data/audit.jsonl`);
    }
  };
  csvCheck('orders', log.orders);
  csvCheck('fills', log.fills);
  const alerts = facts.alerts;
  if (alerts !== undefined) {
    const want = rows !== undefined && isCount(rows.alerts) ? rows.alerts : undefined;
    if (alerts.unterminated) f.add('PACK_ALERT_NOT_IN_LOG', 'error', 'data/alerts.jsonl', 'the last line is not terminated by a newline');
    if (want !== undefined && want !== alerts.lines) f.add('PACK_ROW_COUNT_MISMATCH', 'error', 'data/alerts.jsonl', `${alerts.lines} lines, manifest.json rows.alerts says ${want}`);
    if (alerts.hashes === undefined) {
      f.add('PACK_ALERT_NOT_IN_LOG', 'info', 'data/alerts.jsonl', 'too many lines to cross-check against data/audit.jsonl in bounded memory; counted only');
    } else if (log.alertsMatched < alerts.hashes.length) {
      f.add('PACK_ALERT_NOT_IN_LOG', 'error', 'data/alerts.jsonl', `line ${log.alertsMatched + 1} is not, byte for byte, an event of data/audit.jsonl (in log order)`, log.alertsMatched + 1);
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
    f.add('PACK_SIGNATURE_INVALID', 'error', SIG, `does not verify over tagmanifest-sha256.txt: ${selfCheck?.reason ?? 'malformed signature'} (a signature of another file, or an edited tag manifest)`);
    return;
  }
  // The armor must be exactly as written (70-column base64, as ssh-keygen and auditpack write it), so
  // that no byte of the file can change unnoticed: whitespace and base64 padding bits are malleable.
  if (armored !== canonicalArmor(armored)) {
    f.add('PACK_SIGNATURE_INVALID', 'error', SIG, 'the signature verifies, but its file is not in canonical SSHSIG armor: it was edited');
    return;
  }
  if (!haveKeys) {
    f.add('PACK_SIGNATURE_NOT_CHECKED', 'info', SIG, `signed by ${selfCheck.fingerprint ?? 'a key'}; give --pubkey or --allowed-signers to check who signed it`);
    return;
  }
  const r = verifySshsig(tagBuf, armored, trust.keys.map((k) => k.key));
  if (!r.ok) f.add('PACK_SIGNATURE_UNTRUSTED', 'error', SIG, `a valid signature, but by ${selfCheck.fingerprint ?? 'a key'}, which is not a trusted key`);
}
