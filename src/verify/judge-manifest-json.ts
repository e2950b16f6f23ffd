/**
 * manifest.json (docs/FORMAT.md, "manifest.json"): size-bounded before JSON.parse, exactly the
 * documented fields in canonical form, each field's shape, and agreement with bag-info.txt, the
 * pack directory's name and manifest-sha256.txt.
 */
import { RECORDED_CSV_RULES } from '../format/csv-cell.js';
import { lineDepthExceeds, MAX_LINE_DEPTH } from '../json/line-scanner.js';
import { MANIFEST_FIELDS, PACK_FORMAT, PACK_PATH, renderManifest } from '../format/pack.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { type ManifestEntry, rootText } from './checksum-file.js';
import { isIsoInstant, isObj, isVersion, type Json } from './json-shapes.js';
import { judgeFilesField } from './judge-manifest-files.js';
import {
  type BadField,
  checkInsertedBefore,
  readAlertFilter,
  readChain,
  readInsertedBefore,
  readPreviousPack,
  readSupersedes,
} from './judge-manifest-links.js';
import type { ManifestSummary, PackFacts } from './pack-facts.js';
import { printableName, type Findings } from './report.js';

type Manifest = Record<string, Json>;
const NAME = PACK_PATH.manifestJson;

/** What judging manifest.json yields: the archive's summary, and the parsed object for the log check. */
export interface JudgedManifest {
  readonly summary: ManifestSummary;
  readonly parsed: { readonly m: Manifest; readonly chain: ManifestSummary['chain'] } | undefined;
}

/** Judges manifest.json against the rest of the pack. */
export function judgeManifestJson(
  facts: PackFacts,
  f: Findings,
  entries: readonly ManifestEntry[] | undefined,
  dirDate: string | undefined,
  info: ReadonlyMap<string, string>,
  manifestSha256: string | undefined,
): JudgedManifest {
  const read = readManifestJson(facts, f);
  if (read === undefined) {
    const none = { exportDate: dirDate, manifestSha256, previousPack: undefined, supersedes: undefined };
    return { summary: { ...none, chain: undefined }, parsed: undefined };
  }
  const { m, raw } = read;
  const bad: BadField = (field, what) => f.add('PACK_MANIFEST_JSON_INVALID', 'error', NAME, `${field} ${what}`);
  judgeFieldSet(m, raw, f, bad);
  const createdAt = judgeProvenance(m, info, f, bad);
  const alertFilter = readAlertFilter(m, bad);
  const insertedBefore = readInsertedBefore(m, bad);
  const exportDate = judgeExportDate(m, dirDate, info, f, bad);
  judgeFilesField(m, entries, facts, f, bad);
  const chain = readChain(m, bad);
  const previousPack = readPreviousPack(m, exportDate, bad);
  const supersedes = readSupersedes(m, bad);
  checkInsertedBefore(insertedBefore, exportDate, bad);
  const summary: ManifestSummary = {
    exportDate: exportDate ?? dirDate,
    manifestSha256,
    previousPack,
    supersedes,
    chain,
    createdAt,
    insertedBefore,
    alertFilter,
  };
  return { summary, parsed: { m, chain } };
}

/** The parsed object and its text, or undefined (with a finding) when missing, too large or not an object. */
function readManifestJson(facts: PackFacts, f: Findings): { m: Manifest; raw: string } | undefined {
  const raw = rootText(facts.tags.get(NAME), NAME, f);
  if (raw === undefined) {
    if (!facts.tags.has(NAME)) f.add('PACK_MANIFEST_JSON_INVALID', 'error', NAME, 'missing');
    return undefined;
  }
  // Read as deep as a log line may nest, before parsing: JSON.parse reads thousands of levels that
  // JSON.stringify (the canonical-form check) then overflows the stack on (at58 F3).
  const b = Buffer.from(raw, 'utf8');
  if (lineDepthExceeds(b, 0, b.length)) {
    f.add(
      'PACK_MANIFEST_JSON_INVALID',
      'error',
      NAME,
      `nests objects and arrays more than ${MAX_LINE_DEPTH} levels deep`,
    );
    return undefined;
  }
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch (err) {
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', NAME, `not valid JSON: ${(err as Error).message.slice(0, 160)}`);
    return undefined;
  }
  if (!isObj(m)) {
    f.add('PACK_MANIFEST_JSON_INVALID', 'error', NAME, 'not a JSON object');
    return undefined;
  }
  return { m, raw };
}

/** The documented fields, no others, in canonical form: the bytes export writes for these values. */
function judgeFieldSet(m: Manifest, raw: string, f: Findings, bad: BadField): void {
  const unknown = Object.keys(m).filter((k) => !(MANIFEST_FIELDS as readonly string[]).includes(k));
  // `partial` is optional (present, true, only on a pack of a day that had not ended), and so is
  // `line_tree` and `csv_rules` (absent in packs made before they existed).
  const optional: readonly string[] = ['partial', 'line_tree', 'csv_rules'];
  const missing = MANIFEST_FIELDS.filter((k) => !optional.includes(k) && !Object.hasOwn(m, k));
  if (Object.hasOwn(m, 'partial') && m.partial !== true) bad('partial', 'is present but not true');
  if (Object.hasOwn(m, 'csv_rules') && !RECORDED_CSV_RULES.some((r) => r === m.csv_rules))
    bad(
      'csv_rules',
      `is ${JSON.stringify(m.csv_rules)?.slice(0, 40)}, not ${RECORDED_CSV_RULES.join(' or ')} (the versions that record it)`,
    );
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
  if (raw === canonical) return;
  const a = raw.split('\n');
  const b = canonical.split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  f.add(
    'PACK_MANIFEST_JSON_INVALID',
    'error',
    NAME,
    `is not in canonical form (the documented fields and key order, JSON.stringify(…, null, 2) and a final newline): line ${i + 1} is ${JSON.stringify((a[i] ?? '(end)').slice(0, 80))}, canonically ${JSON.stringify((b[i] ?? '(end)').slice(0, 80))}`,
  );
}

/** created_at and auditpack_version, and bag-info.txt's copies of them; returns created_at when well formed. */
function judgeProvenance(
  m: Manifest,
  info: ReadonlyMap<string, string>,
  f: Findings,
  bad: BadField,
): string | undefined {
  const createdAt = isIsoInstant(m.created_at) ? m.created_at : undefined;
  if (createdAt === undefined)
    bad('created_at', `is ${JSON.stringify(m.created_at)?.slice(0, 60)}, not an instant YYYY-MM-DDTHH:MM:SS.sssZ`);
  const version = isVersion(m.auditpack_version) ? m.auditpack_version : undefined;
  if (version === undefined)
    bad(
      'auditpack_version',
      `is ${JSON.stringify(m.auditpack_version)?.slice(0, 60)}, not a version string such as "1.2.3"`,
    );
  else if (info.has('Auditpack-Version') && info.get('Auditpack-Version') !== version) {
    f.add(
      'PACK_BAG_INFO_INVALID',
      'error',
      PACK_PATH.bagInfo,
      `Auditpack-Version is ${JSON.stringify(info.get('Auditpack-Version')?.slice(0, 40))} but manifest.json says ${version}`,
    );
  }
  if (createdAt !== undefined && info.has('Bagging-Date') && info.get('Bagging-Date') !== createdAt.slice(0, 10)) {
    f.add(
      'PACK_BAG_INFO_INVALID',
      'error',
      PACK_PATH.bagInfo,
      `Bagging-Date is ${JSON.stringify(info.get('Bagging-Date')?.slice(0, 40))} but manifest.json created_at is ${createdAt} (the day the pack was made)`,
    );
  }
  return createdAt;
}

/** format and export_date, and the day named by the directory and by bag-info.txt. */
function judgeExportDate(
  m: Manifest,
  dirDate: string | undefined,
  info: ReadonlyMap<string, string>,
  f: Findings,
  bad: BadField,
): string | undefined {
  if (m.format !== PACK_FORMAT)
    bad('format', `is ${JSON.stringify(m.format)?.slice(0, 60)}, expected "${PACK_FORMAT}"`);
  const exportDate =
    typeof m.export_date === 'string' && dayNumberOfIsoDate(m.export_date) !== undefined ? m.export_date : undefined;
  if (exportDate === undefined) {
    bad('export_date', 'is not a date YYYY-MM-DD');
    return undefined;
  }
  const mismatch = (file: string, what: string) => f.add('PACK_DATE_MISMATCH', 'error', file, what);
  if (dirDate !== undefined && exportDate !== dirDate)
    mismatch(
      NAME,
      `export_date is ${exportDate} but the pack directory is named for ${dirDate}: a pack replayed under another day?`,
    );
  const label = info.get('Export-Date');
  if (label !== undefined && label !== exportDate)
    mismatch(PACK_PATH.bagInfo, `Export-Date is ${label} but manifest.json says export_date ${exportDate}`);
  const ext = info.get('External-Identifier');
  if (ext !== undefined && ext !== `auditpack-${exportDate}`)
    mismatch(PACK_PATH.bagInfo, `External-Identifier is ${ext} but manifest.json says export_date ${exportDate}`);
  return exportDate;
}
