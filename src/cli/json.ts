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
