/**
 * A value read from the snapshot store passed through the redactor. The store is a directory
 * anyone with write access can plant a record in (or one written under older rules sits there):
 * what it holds is redacted again before it reaches a pack or a person.
 */
import { compileRedactor, type RedactionOptions, type Redactor } from '../redaction/index.js';

/**
 * A copy of `value` with every string and every key passed through the redactor (reason, actor,
 * file names, diffs, ...), and whether anything changed. A record auditpack wrote was redacted
 * when written and comes back unchanged.
 */
export function redactedCopy<T>(value: T, redactor: Redactor): { value: T; changed: boolean } {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = redactor.redactString(v);
      if (r !== v) changed = true;
      return r;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    // Keys are file names from the store: a null prototype, so "__proto__" is a key like any other.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, x] of Object.entries(v)) out[walk(k) as string] = walk(x);
    return out;
  };
  return { value: walk(value) as T, changed };
}

/**
 * The redactor a reading function applies to what it returns: none when the caller did not ask
 * (the record as stored), the built-in rules for `true`, the caller's rules for an options object.
 */
export function readingRedactor(redaction: boolean | RedactionOptions | undefined): Redactor | undefined {
  if (redaction === undefined) return undefined;
  return compileRedactor(redaction === true ? {} : redaction === false ? { enabled: false } : redaction);
}

/** `value` through `readingRedactor(redaction)`, or `value` itself when no redaction was asked for. */
export function redactedForReading<T>(value: T, redaction: boolean | RedactionOptions | undefined): T {
  const redactor = readingRedactor(redaction);
  return redactor === undefined ? value : redactedCopy(value, redactor).value;
}
