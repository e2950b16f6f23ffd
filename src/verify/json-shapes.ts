/**
 * Shape tests for values parsed from hostile JSON (manifest.json): each says what a field must be
 * before any check relies on it.
 */
import { isHashHex } from '../chain/index.js';

/** A parsed JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const isObj = (v: unknown): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
export const isSeqOrNull = (v: unknown): v is number | null => v === null || (isCount(v) && v >= 1);
export const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= 10_000 && v.every((x) => typeof x === 'string');
export const isHashOrNull = (v: unknown): v is string | null => v === null || isHashHex(v);

/** Date.prototype.toISOString's form: what `created_at` and `modified` hold. */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for an instant written as Date.prototype.toISOString writes it (a real time, milliseconds). */
export function isIsoInstant(v: unknown): v is string {
  if (typeof v !== 'string' || !ISO_MS.test(v)) return false;
  const t = Date.parse(v);
  return Number.isFinite(t) && new Date(t).toISOString() === v;
}

/** auditpack's version: semver (npm's form). */
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?$/;

/** True for a version string such as "1.2.3" or "1.2.3-rc.1". */
export function isVersion(v: unknown): v is string {
  return typeof v === 'string' && VERSION.test(v);
}
