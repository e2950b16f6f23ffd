/**
 * A roll-up's commitments (docs/FORMAT.md "rollup.json and the roll-up tree"): rollup.json in its
 * exact form with a chain hash that is the hash of what it names, hosts.json the file it records,
 * the RFC 6962 root recomputed from the verified hosts' pack hashes, and the link to the roll-up of
 * the day before when that one is at hand. Every value is attacker-controlled until checked.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareBytes, PAYLOAD_DIR } from '../format/pack.js';
import {
  HOST_NAME,
  hostLeafData,
  isRollupFormat,
  renderRollupRecord,
  ROLLUP_FORMAT,
  ROLLUP_FORMAT_V2,
  ROLLUP_HOSTS,
  ROLLUP_RECORD,
  rollupChainHash,
  type RollupRecord,
  rollupV3FieldsError,
} from '../format/rollup.js';
import { readRegularSync } from '../fsx/regular.js';
import { merkleRoot } from '../merkle/index.js';
import { dayNumberOfIsoDate } from '../rotation/days.js';
import type { Findings } from './report.js';
import type { RollupFacts } from './rollup-gather.js';

const HEX64 = /^[0-9a-f]{64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A `YYYY-MM-DD` that names a real day: 2025-02-30 has the shape and is no day (the day before it is none). */
const isDay = (v: unknown): v is string => typeof v === 'string' && dayNumberOfIsoDate(v) !== undefined;
const HOSTS_PATH = `${PAYLOAD_DIR}${ROLLUP_HOSTS}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the rest of the checks need of one hosts.json entry. */
export interface HostFacts {
  readonly host: string;
  readonly verdict: 'ok' | 'failed';
  readonly rows: { readonly orders: number; readonly fills: number } | undefined;
  readonly outOfOrder: number;
  readonly manifestSha256: string;
  /** What the roll-up's findings about the host follow from (FORMAT.md "Verifying a roll-up"). */
  readonly partial: boolean;
  readonly silent: number;
  readonly heartbeats: number;
  readonly events: number;
  readonly lineTree: boolean;
}

/** Why a parsed rollup.json is not a record of this format, or undefined when it is one. */
export function recordShapeError(r: Record<string, unknown>): string | undefined {
  if (!isRollupFormat(r.format))
    return `format is ${JSON.stringify(r.format)?.slice(0, 60)}, not ${ROLLUP_FORMAT} or ${ROLLUP_FORMAT_V2} (an older roll-up's tree also held packs that failed: roll the day up again)`;
  if (!isDay(r.date)) return 'date is not a real day YYYY-MM-DD';
  if (typeof r.created_at !== 'string') return 'created_at is not a string';
  if (!Number.isSafeInteger(r.hosts) || (r.hosts as number) < 0) return 'hosts is not a whole number';
  for (const k of ['tree_root', 'chain_hash', 'hosts_sha256'])
    if (typeof r[k] !== 'string' || !HEX64.test(r[k] as string)) return `${k} is not 64 lowercase hex digits`;
  const v3 = rollupV3FieldsError(r);
  if (v3 !== undefined) return v3;
  const p = r.previous;
  if (p === null) return undefined;
  if (!isObject(p) || typeof p.date !== 'string' || typeof p.chain_hash !== 'string')
    return 'previous is neither null nor {date, chain_hash}';
  if (!isDay(p.date)) return 'previous.date is not a real day YYYY-MM-DD';
  if (!HEX64.test(p.chain_hash)) return 'previous.chain_hash is not 64 lowercase hex digits';
  if (p.date >= r.date) return `previous.date ${p.date} is not before the roll-up's date`;
  return undefined;
}

/** rollup.json: present, this format, in its exact bytes, its chain hash the hash of what it names. */
export function judgeRecord(facts: RollupFacts, f: Findings, dirDate: string | undefined): RollupRecord | undefined {
  const buf = facts.tags.get(ROLLUP_RECORD);
  if (buf === undefined || buf === 'too-large') {
    f.add(
      'ROLLUP_RECORD_INVALID',
      'error',
      ROLLUP_RECORD,
      buf === undefined ? 'missing' : 'larger than 1 MiB; not read',
    );
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    f.add('ROLLUP_RECORD_INVALID', 'error', ROLLUP_RECORD, 'not JSON');
    return undefined;
  }
  const why = isObject(parsed) ? recordShapeError(parsed) : 'not a JSON object';
  if (why !== undefined) {
    f.add('ROLLUP_RECORD_INVALID', 'error', ROLLUP_RECORD, why);
    return undefined;
  }
  const r = parsed as unknown as RollupRecord;
  if (renderRollupRecord(r) !== buf.toString('utf8'))
    f.add(
      'ROLLUP_RECORD_INVALID',
      'error',
      ROLLUP_RECORD,
      'not in its exact form (fields, order, spacing): it was edited',
    );
  if (dirDate !== undefined && dirDate !== r.date)
    f.add(
      'ROLLUP_RECORD_INVALID',
      'error',
      ROLLUP_RECORD,
      `the roll-up of ${r.date} is in a directory named ${dirDate}`,
    );
  const want = rollupChainHash(r);
  if (want !== r.chain_hash)
    f.add(
      'ROLLUP_CHAIN_HASH_MISMATCH',
      'error',
      ROLLUP_RECORD,
      `chain_hash is ${r.chain_hash}, but what rollup.json names hashes to ${want}`,
    );
  const hostsFile = facts.files.get(HOSTS_PATH);
  if (hostsFile !== undefined && hostsFile.sha256 !== r.hosts_sha256)
    f.add(
      'ROLLUP_HOSTS_MISMATCH',
      'error',
      HOSTS_PATH,
      `SHA-256 is ${hostsFile.sha256}, rollup.json records ${r.hosts_sha256}: a verdict or a host was changed`,
    );
  return r;
}

/** One hosts.json entry's facts, or why it is malformed. */
function hostOf(e: unknown): HostFacts | string {
  if (!isObject(e)) return 'an entry is not an object';
  const { host, verdict, manifest_sha256: sha, rows, merged_out_of_order: ooo } = e;
  if (typeof host !== 'string' || !HOST_NAME.test(host))
    return `host ${JSON.stringify(host)?.slice(0, 80)} is not a host name`;
  if (verdict !== 'ok' && verdict !== 'failed') return `${host}: verdict is neither "ok" nor "failed"`;
  if (typeof sha !== 'string' || !HEX64.test(sha)) return `${host}: manifest_sha256 is not 64 lowercase hex digits`;
  if (!Number.isSafeInteger(ooo) || (ooo as number) < 0) return `${host}: merged_out_of_order is not a whole number`;
  if (!Array.isArray(e.problems)) return `${host}: problems is not a list`;
  const counted = isObject(rows) && Number.isSafeInteger(rows.orders) && Number.isSafeInteger(rows.fills);
  if (verdict === 'ok' && !counted) return `${host}: rows is not {orders, fills} for a verified host`;
  return {
    host,
    verdict,
    rows: counted ? { orders: rows.orders as number, fills: rows.fills as number } : undefined,
    outOfOrder: ooo as number,
    manifestSha256: sha,
    partial: e.partial === true,
    silent: Array.isArray(e.silent) ? e.silent.length : 0,
    heartbeats: Number.isSafeInteger(e.heartbeats) ? (e.heartbeats as number) : 0,
    events: Number.isSafeInteger(e.events) ? (e.events as number) : 0,
    lineTree: e.line_tree !== null && e.line_tree !== undefined,
  };
}

/**
 * The hosts of a parsed hosts.json for the record `r` (its format and date), or why it is not one:
 * each entry well formed, sorted by name with each host once, each verified host's `leaf` its place.
 * `prove` holds a roll-up to the same judge before it makes a proof from it.
 */
export function hostsDocHosts(doc: unknown, r: Pick<RollupRecord, 'format' | 'date'>): HostFacts[] | string {
  if (!isObject(doc) || doc.format !== r.format || doc.date !== r.date || !Array.isArray(doc.hosts))
    return `not {"format": "${r.format}", "date": "${r.date}", "hosts": [...]}`;
  const out: HostFacts[] = [];
  for (const [i, e] of doc.hosts.entries()) {
    const h = hostOf(e);
    if (typeof h === 'string') return h;
    const prev = out[out.length - 1];
    if (prev !== undefined && compareBytes(prev.host, h.host) >= 0)
      return `hosts are not sorted by name, each once (${prev.host} before ${h.host})`;
    const leaf = (e as Record<string, unknown>).leaf;
    const want = h.verdict === 'ok' ? out.filter((x) => x.verdict === 'ok').length : null;
    if (leaf !== want) return `entry ${i} (${h.host}): leaf is ${JSON.stringify(leaf)}, its place gives ${want}`;
    out.push(h);
  }
  return out;
}

/** The hosts of hosts.json, or undefined (with a finding) when it cannot be read as one. */
function readHosts(facts: RollupFacts, r: RollupRecord, f: Findings): HostFacts[] | undefined {
  const buf = facts.json.get(HOSTS_PATH);
  const bad = (why: string): undefined => {
    f.add('ROLLUP_HOSTS_INVALID', 'error', HOSTS_PATH, why);
    return undefined;
  };
  if (buf === undefined) return bad('missing');
  if (buf === 'too-large') return bad('larger than 256 MiB; not read');
  let doc: unknown;
  try {
    doc = JSON.parse(buf.toString('utf8'));
  } catch {
    return bad('not JSON');
  }
  const hosts = hostsDocHosts(doc, r);
  return typeof hosts === 'string' ? bad(hosts) : hosts;
}

/** hosts.json well formed, its verified hosts as many as rollup.json says, their tree root rollup.json's. */
export function judgeHostsFile(facts: RollupFacts, r: RollupRecord, f: Findings): HostFacts[] | undefined {
  const hosts = readHosts(facts, r, f);
  if (hosts === undefined) return undefined;
  const inTree = hosts.filter((h) => h.verdict === 'ok');
  if (inTree.length !== r.hosts)
    f.add(
      'ROLLUP_HOSTS_MISMATCH',
      'error',
      HOSTS_PATH,
      `${inTree.length} verified host(s), rollup.json says ${r.hosts}: a host was dropped, added or its verdict changed`,
    );
  const root = merkleRoot(inTree.map((h) => hostLeafData(h.host, h.manifestSha256))).toString('hex');
  if (root !== r.tree_root)
    f.add(
      'ROLLUP_TREE_MISMATCH',
      'error',
      ROLLUP_RECORD,
      `tree_root is ${r.tree_root}, but the verified hosts' pack hashes in hosts.json give ${root} (RFC 6962, sorted by host)`,
    );
  return hosts;
}

/** The newest roll-up before `date` beside this one (a `YYYY-MM-DD` directory holding rollup.json). */
function newestEarlier(parent: string, date: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return undefined;
  }
  // Newest first, stopping at the first roll-up: a stat per day skipped, not per day before it (a
  // roll-ups directory of years, verified day by day, would otherwise cost days² stats).
  const earlier = names.filter((n) => DATE.test(n) && n < date).sort();
  for (let i = earlier.length - 1; i >= 0; i--)
    if (existsSync(join(parent, earlier[i] as string, ROLLUP_RECORD))) return earlier[i];
  return undefined;
}

/** What a well-formed and consistent roll-up record on disk says of its place in the chain. */
export interface RecordLink {
  readonly date: string;
  readonly chainHash: string;
  readonly previous: RollupRecord['previous'];
  readonly createdAt: string;
}

/** The chain facts of the roll-up record at `path`, or why it is not a well-formed and consistent one. */
export function recordLinkAt(path: string): RecordLink | string {
  let r: Record<string, unknown>;
  try {
    // A FIFO in its place is refused, never waited on; a symbolic link is never read through.
    const parsed: unknown = JSON.parse(readRegularSync(path).toString('utf8'));
    if (!isObject(parsed)) return 'is not a JSON object';
    r = parsed;
  } catch (err) {
    return `cannot be read: ${(err as Error).message}`;
  }
  const why = recordShapeError(r);
  if (why !== undefined) return why;
  const rec = r as unknown as RollupRecord;
  if (rollupChainHash(rec) !== rec.chain_hash) return 'holds a chain_hash that is not the hash of what it names';
  return { date: rec.date, chainHash: rec.chain_hash, previous: rec.previous, createdAt: rec.created_at };
}

/**
 * The link to the day before: the previous roll-up, when it is at hand in the parent directory,
 * has the chain hash rollup.json names, and no roll-up beside them falls between the two.
 */
export function judgePrevious(parent: string, r: RollupRecord, f: Findings): void {
  const newest = newestEarlier(parent, r.date);
  const p = r.previous;
  if (p === null) {
    if (newest !== undefined)
      f.add(
        'ROLLUP_PREVIOUS_MISMATCH',
        'error',
        ROLLUP_RECORD,
        `previous is null (a chain's first day), but the roll-up of ${newest} is beside it`,
      );
    return;
  }
  if (newest !== undefined && newest > p.date)
    f.add(
      'ROLLUP_PREVIOUS_MISMATCH',
      'error',
      ROLLUP_RECORD,
      `previous is ${p.date}, but the roll-up of ${newest} is beside it and later`,
    );
  const path = join(parent, p.date, ROLLUP_RECORD);
  if (!existsSync(path)) {
    // An earlier roll-up beside this one, before the previous it names: the day between was there
    // (the chain links it) and is gone, a deletion, not a copy made without the days before.
    if (newest !== undefined && newest < p.date) {
      f.add(
        'ROLLUP_DAY_MISSING',
        'error',
        ROLLUP_RECORD,
        `the previous roll-up (${p.date}, chain_hash ${p.chain_hash}) is missing, but the earlier roll-up of ${newest} is beside it: a day was removed from the chain`,
      );
      return;
    }
    f.add(
      'ROLLUP_PREVIOUS_UNCHECKED',
      'warning',
      ROLLUP_RECORD,
      `the previous roll-up (${p.date}) is not beside this one: the link to it (chain_hash ${p.chain_hash}) was not checked`,
    );
    return;
  }
  const got = recordLinkAt(path);
  if (typeof got === 'string')
    f.add('ROLLUP_PREVIOUS_MISMATCH', 'error', ROLLUP_RECORD, `the previous roll-up's rollup.json (${p.date}) ${got}`);
  else if (got.chainHash !== p.chain_hash)
    f.add(
      'ROLLUP_PREVIOUS_MISMATCH',
      'error',
      ROLLUP_RECORD,
      `previous.chain_hash is ${p.chain_hash}, but the roll-up of ${p.date} beside it has ${got.chainHash}`,
    );
}
