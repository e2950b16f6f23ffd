/**
 * Every `--json` output an end-to-end test produces is checked against its shipped JSON Schema
 * (schemas/*.json, draft 2020-12) and for snake_case keys, so a shape can only change together
 * with its schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const dir = new URL('../../schemas/', import.meta.url);
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  validateFormats: false,
});
const validators = new Map<string, ValidateFunction>();
for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  validators.set(f.replace(/\.json$/, ''), ajv.compile(JSON.parse(readFileSync(new URL(f, dir), 'utf8'))));
}

/** The schema names shipped. */
export const SCHEMA_NAMES: readonly string[] = [...validators.keys()];

/** Which schema a command line's `--json` output follows. */
export function schemaFor(args: readonly string[], out: unknown): string {
  const o = out as { ok?: unknown; error?: unknown } | null;
  if (o !== null && typeof o === 'object' && o.ok === false && 'error' in o) return 'error';
  const words = args.filter((a) => !a.startsWith('-'));
  const [cmd, sub] = words;
  if (cmd === 'archive') return `archive-${sub}`;
  if (cmd === 'review' && args[1] === 'status') return 'review-status';
  if (cmd === 'snapshot' && args[1] === 'list') return 'snapshot-list';
  if (cmd === 'snapshot' && args[1] === 'diff') return 'snapshot-diff';
  if (cmd === 'check' && args.includes('--order')) return 'check-order';
  return cmd ?? '';
}

/** Keys that hold data (file paths, an event's own fields), not field names: not held to snake_case. */
const DATA_MAPS = new Set(['files', 'diffs', 'fields']);

/** Paths of keys that are not snake_case. */
export function nonSnakeKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonSnakeKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/^[a-z0-9_]+$/.test(k) ? [] : [`${path}.${k}`]),
    ...(DATA_MAPS.has(k) ? [] : nonSnakeKeys(v, `${path}.${k}`)),
  ]);
}

/** Throws unless `stdout` of `auditpack ...args` (run with --json) is JSON that follows its schema. */
export function checkJsonOutput(args: readonly string[], stdout: string, status: number | null): void {
  // tail --json prints the log's own lines, untouched: docs/FORMAT.md is their schema.
  if (!args.includes('--json') || status === null || stdout === '' || args[0] === 'tail') return;
  let out: unknown;
  try {
    out = JSON.parse(stdout);
  } catch {
    throw new Error(`auditpack ${args.join(' ')} --json printed something that is not JSON:\n${stdout.slice(0, 400)}`);
  }
  const name = schemaFor(args, out);
  const validate = validators.get(name);
  if (validate === undefined) throw new Error(`no schema schemas/${name}.json for auditpack ${args.join(' ')}`);
  if (!validate(out))
    throw new Error(
      `auditpack ${args.join(' ')}: output does not follow schemas/${name}.json: ${ajv.errorsText(validate.errors)}`,
    );
  const bad = nonSnakeKeys(out);
  if (bad.length > 0)
    throw new Error(`auditpack ${args.join(' ')}: keys not in snake_case: ${bad.slice(0, 10).join(', ')}`);
}
