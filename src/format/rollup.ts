/**
 * The roll-up and proof formats, written once (docs/FORMAT.md, "Roll-ups" and "Proofs"): the files
 * of a roll-up pack, the leaf of a host pack in the roll-up tree, the roll-up record and its chain
 * hash, and the proof file. `auditpack rollup`, `prove` and `verify-proof` all import them here.
 */
import { createHash } from 'node:crypto';
import { compareBytes, PACK_PATH, PAYLOAD_DIR, SIGNATURE_FILE, TAGMANIFEST } from './pack.js';

/**
 * `format` of rollup.json. Version 3: the chain hash also commits to the expected hosts (the hosts
 * file) and to every other payload file (findings.json, the merged CSVs, the merged compliance
 * report), so an unsigned roll-up's finding cannot be removed under a recomputed manifest while the
 * next day's roll-up still links to it, and `verify` re-derives the findings hosts.json and the
 * expected hosts imply. Version 2 committed hosts.json only; it still verifies, with a warning.
 * A version 1 roll-up also committed packs that failed verification, so a proof against one could
 * vouch for a tampered line: verify-proof refuses version 1.
 */
export const ROLLUP_FORMAT = 'auditpack-rollup/3';
/** The previous roll-up format: read and verified, never written. */
export const ROLLUP_FORMAT_V2 = 'auditpack-rollup/2';
/** The roll-up formats `verify`, `prove` and `verify-proof` read. */
export type RollupFormat = typeof ROLLUP_FORMAT | typeof ROLLUP_FORMAT_V2;
export const isRollupFormat = (v: unknown): v is RollupFormat => v === ROLLUP_FORMAT || v === ROLLUP_FORMAT_V2;
/** `format` of a proof file. */
export const PROOF_FORMAT = 'auditpack-proof/1';
/** The roll-up record at the root of a roll-up pack (a tag file, and what is signed for proofs). */
export const ROLLUP_RECORD = 'rollup.json';
/** The OpenSSH signature of rollup.json. */
export const ROLLUP_SIGNATURE = 'rollup.json.sig';
/** Payload files of a roll-up pack, under data/. */
export const ROLLUP_HOSTS = 'hosts.json';
export const ROLLUP_FINDINGS = 'findings.json';
export const ROLLUP_ORDERS = 'orders.csv';
export const ROLLUP_FILLS = 'fills.csv';
/** The compliance checks over the merged stream: the report and its findings CSV (as in a pack). */
export const ROLLUP_COMPLIANCE_REPORT = 'compliance_report.json';
export const ROLLUP_COMPLIANCE_FINDINGS = 'compliance_findings.csv';
/** The merged checks' state at the end of the day, and the one they started from (Compliance state). */
export const ROLLUP_COMPLIANCE_STATE = 'compliance_state.json';
export const ROLLUP_COMPLIANCE_STATE_START = 'compliance_state_start.json';
/** Payload files of roll-ups made since the merged state is carried (older roll-ups lack them). */
export const ROLLUP_STATE_FILES: readonly string[] = Object.freeze(
  [ROLLUP_COMPLIANCE_STATE, ROLLUP_COMPLIANCE_STATE_START].sort(compareBytes),
);
/** A roll-up's payload files (under data/), sorted as its manifest lists them. */
export const ROLLUP_PAYLOAD_FILES: readonly string[] = Object.freeze(
  [
    ROLLUP_HOSTS,
    ROLLUP_FINDINGS,
    ROLLUP_ORDERS,
    ROLLUP_FILLS,
    ROLLUP_COMPLIANCE_REPORT,
    ROLLUP_COMPLIANCE_FINDINGS,
  ].sort(compareBytes),
);
/**
 * The payload files a version 3 rollup.json commits to by digest, all but hosts.json (which
 * `hosts_sha256` commits to), each with its rollup.json field, sorted by file name.
 */
export const ROLLUP_COMMITTED_FILES = Object.freeze([
  { file: ROLLUP_COMPLIANCE_FINDINGS, field: 'compliance_findings_sha256' },
  { file: ROLLUP_COMPLIANCE_REPORT, field: 'compliance_report_sha256' },
  { file: ROLLUP_FILLS, field: 'fills_sha256' },
  { file: ROLLUP_FINDINGS, field: 'findings_sha256' },
  { file: ROLLUP_ORDERS, field: 'orders_sha256' },
] as const);
/** A version 3 rollup.json field holding a payload file's SHA-256. */
export type RollupCommittedField = (typeof ROLLUP_COMMITTED_FILES)[number]['field'];
/** The tag files a roll-up's tagmanifest-sha256.txt lists (rollup.json among them), sorted. */
export const ROLLUP_TAG_FILES: readonly string[] = Object.freeze(
  [PACK_PATH.bagit, PACK_PATH.bagInfo, PACK_PATH.manifest, ROLLUP_RECORD].sort(compareBytes),
);
/**
 * Every file a roll-up may hold, by its path in the bag: the tag files, the tag manifest, both
 * signatures and the payload files (the merged state files included). A file outside it is an error
 * whatever it holds, so `verify` never reads one (a sparse terabyte costs no disk).
 */
export const ROLLUP_LAYOUT_FILES: ReadonlySet<string> = new Set([
  ...ROLLUP_TAG_FILES,
  TAGMANIFEST,
  SIGNATURE_FILE,
  ROLLUP_SIGNATURE,
  ...[...ROLLUP_PAYLOAD_FILES, ...ROLLUP_STATE_FILES].map((n) => `${PAYLOAD_DIR}${n}`),
]);
/** The merged CSVs: the host pack's columns with `host` after `iso_ts`. */
export const ROLLUP_HOST_COLUMN = 'host';

/**
 * In a roll-ups directory: the lock every `rollup` holds while it reads or changes anything there,
 * the prefix of its build directories (a killed run's are removed by the next), and the name a
 * replaced roll-up of a day is kept under (`<date>.v<N>`).
 */
export const ROLLUP_LOCK = '.rollup.lock';
export const ROLLUP_TMP_PREFIX = '.tmp-';
export const rollupVersionName = (date: string, n: number): string => `${date}.v${n}`;

/** A host name as it may appear in a roll-up: a DNS-like label set, never a path or control byte. */
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** The chain hash standing in for "no previous roll-up". */
export const NO_PREVIOUS = '0'.repeat(64);

/**
 * The leaf data of a host pack in the roll-up tree: UTF-8 host name, one 0x00 byte, then the 32-byte
 * SHA-256 of the host pack's manifest.json. The host name is bound in, so a proof cannot move a pack
 * to another host.
 */
export function hostLeafData(host: string, manifestSha256Hex: string): Buffer {
  return Buffer.concat([Buffer.from(host, 'utf8'), Buffer.from([0]), Buffer.from(manifestSha256Hex, 'hex')]);
}

/** What a roll-up's chain hash is the hash of: rollup.json's fields but created_at and chain_hash. */
export type RollupChainFields = Pick<
  RollupRecord,
  'format' | 'date' | 'hosts' | 'tree_root' | 'hosts_sha256' | 'previous' | 'expected_hosts' | RollupCommittedField
>;

/**
 * The roll-up's chain hash: SHA-256 of the ASCII text
 * `<format>\n<date>\n<hosts>\n<tree_root>\n<hosts_sha256>\n<previous chain_hash or 64 zeros>\n`, and for
 * version 3 then `expected <count, or "none">\n`, each expected host and `\n` (sorted, as bytes), and
 * `<sha256>  <file name>\n` for each file of ROLLUP_COMMITTED_FILES (sorted by name). Each day's commits to the
 * day before, so roll-ups form a chain like packs do; hosts.json (every verdict, the failed hosts
 * included), and from version 3 every other claim of the roll-up, are committed too. Host names hold
 * no newline (HOST_NAME), so the text has one reading.
 */
export function rollupChainHash(r: RollupChainFields): string {
  let text = `${r.format}\n${r.date}\n${r.hosts}\n${r.tree_root}\n${r.hosts_sha256}\n${r.previous?.chain_hash ?? NO_PREVIOUS}\n`;
  if (r.format === ROLLUP_FORMAT) {
    const expected = r.expected_hosts ?? null;
    text += `expected ${expected === null ? 'none' : expected.length}\n`;
    for (const h of expected ?? []) text += `${h}\n`;
    for (const c of ROLLUP_COMMITTED_FILES) text += `${r[c.field] ?? ''}  ${c.file}\n`;
  }
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** rollup.json. */
export interface RollupRecord {
  readonly format: RollupFormat;
  readonly date: string;
  readonly created_at: string;
  /** Number of host packs in the tree (its leaves): the received packs that verified. */
  readonly hosts: number;
  /** RFC 6962 root over the verified host packs' leaves, sorted by host name (as bytes). */
  readonly tree_root: string;
  /** The previous roll-up: its date and chain hash, or null for the first. */
  readonly previous: { readonly date: string; readonly chain_hash: string } | null;
  readonly chain_hash: string;
  /** SHA-256 of data/hosts.json (per-host verdicts and facts). */
  readonly hosts_sha256: string;
  /** Version 3: the hosts file's hosts (sorted as bytes, each once), or null when none was given. */
  readonly expected_hosts?: readonly string[] | null;
  /** Version 3: SHA-256 of data/compliance_findings.csv, and so on for each of ROLLUP_COMMITTED_FILES. */
  readonly compliance_findings_sha256?: string;
  readonly compliance_report_sha256?: string;
  readonly fills_sha256?: string;
  readonly findings_sha256?: string;
  readonly orders_sha256?: string;
}

/** rollup.json's exact bytes: fields in this order, 2-space JSON, final newline. */
export function renderRollupRecord(r: RollupRecord): string {
  const o: Record<string, unknown> = {
    format: r.format,
    date: r.date,
    created_at: r.created_at,
    hosts: r.hosts,
    tree_root: r.tree_root,
    previous: r.previous === null ? null : { date: r.previous.date, chain_hash: r.previous.chain_hash },
    chain_hash: r.chain_hash,
    hosts_sha256: r.hosts_sha256,
  };
  if (r.format === ROLLUP_FORMAT) {
    o.expected_hosts = r.expected_hosts === null || r.expected_hosts === undefined ? null : [...r.expected_hosts];
    for (const c of ROLLUP_COMMITTED_FILES) o[c.field] = r[c.field];
  }
  return `${JSON.stringify(o, null, 2)}\n`;
}

/** One proven line in a proof file. */
export interface ProofLine {
  /** The line's text (without "\n"); leaf data = SHA-256 of its UTF-8 bytes. */
  readonly line: string;
  /** Leaf index in the host pack's line tree (line number − 1). */
  readonly index: number;
  /** RFC 6962 audit path, leaf first, hex. */
  readonly path: readonly string[];
}

/** One host pack in a proof file. */
export interface ProofHost {
  readonly host: string;
  /** The host pack's manifest.json text: its line_tree is the root the lines are proven against. */
  readonly manifest: string;
  /** Leaf index of the host in the roll-up tree, and the audit path to tree_root. */
  readonly index: number;
  readonly path: readonly string[];
  readonly lines: readonly ProofLine[];
}

/** A proof file (docs/FORMAT.md, "Proofs"). */
export interface ProofFile {
  readonly format: typeof PROOF_FORMAT;
  /** rollup.json's text, exactly. */
  readonly rollup: string;
  /** rollup.json.sig (armored SSHSIG), or null for an unsigned roll-up. */
  readonly signature: string | null;
  readonly hosts: readonly ProofHost[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Why version 3's own fields of a parsed rollup.json are malformed, or undefined when they are well
 * formed (or the record is of version 2). Attacker-controlled: checked before they are hashed.
 */
export function rollupV3FieldsError(r: Readonly<Record<string, unknown>>): string | undefined {
  if (r.format !== ROLLUP_FORMAT) return undefined;
  const e = r.expected_hosts;
  if (e !== null) {
    if (!Array.isArray(e)) return 'expected_hosts is neither null nor a list';
    for (const [i, h] of e.entries()) {
      if (typeof h !== 'string' || !HOST_NAME.test(h)) return `expected_hosts[${i}] is not a host name`;
      if (i > 0 && compareBytes(e[i - 1] as string, h) >= 0) return 'expected_hosts are not sorted by name, each once';
    }
  }
  for (const c of ROLLUP_COMMITTED_FILES) {
    const v = r[c.field];
    if (typeof v !== 'string' || !HEX64.test(v)) return `${c.field} is not 64 lowercase hex digits`;
  }
  return undefined;
}
