/**
 * `--json` output is snake_case, like the formats it reports on (manifest.json says `first_seq`, so
 * the report about it does too). Library results are camelCase TypeScript objects; commands whose
 * results have no data-keyed maps pass them through `snakeKeys` before printing.
 */

/** `manifestSha256` → `manifest_sha256`, `firstSeq` → `first_seq`; snake_case keys stay as they are. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * A copy of `value` with every object key in snake_case, at every depth. Only for values whose keys
 * are all field names: a map keyed by data (file paths, an event's own fields) must not be passed.
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[snakeCase(k)] = snakeKeys(v);
  return out;
}

/** A report's `manifest` as the library gives it (ManifestSummary): camelCase, fields it could not read undefined. */
interface ReportShape {
  readonly manifest?: { readonly exportDate?: unknown; readonly manifestSha256?: unknown; readonly chain?: unknown };
  readonly parts?: readonly object[];
}

/**
 * A verify report as `--json` prints it (schemas/verify.json), at every depth of `parts`. A pack's
 * `manifest` always has `export_date`, `manifest_sha256` and `chain`: null for what manifest.json did
 * not give (an unreadable or corrupt `.tar.gz`, a manifest without them), never left out, so that a
 * consumer reads the same keys whatever the pack; and no `manifest` at all when nothing of it was read.
 */
export function verifyReportJson(report: object): unknown {
  return snakeKeys(shapeManifests(report));
}

function shapeManifests(report: object): object {
  const r = report as ReportShape;
  const out: Record<string, unknown> = { ...report };
  if (r.parts !== undefined) out.parts = r.parts.map(shapeManifests);
  const m = r.manifest;
  if (m === undefined) return out;
  if (m.exportDate === undefined && m.manifestSha256 === undefined && m.chain === undefined) delete out.manifest;
  else
    out.manifest = {
      ...m,
      exportDate: m.exportDate ?? null,
      manifestSha256: m.manifestSha256 ?? null,
      chain: m.chain ?? null,
    };
  return out;
}
