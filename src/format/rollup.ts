/**
 * The roll-up and proof formats, written once (docs/FORMAT.md, "Roll-ups" and "Proofs"): the files
 * of a roll-up pack, the leaf of a host pack in the roll-up tree, the roll-up record and its chain
 * hash, and the proof file. `auditpack rollup`, `prove` and `verify-proof` all import them here.
 */
import { createHash } from 'node:crypto';
import { compareBytes, PACK_PATH } from './pack.js';

/**
 * `format` of rollup.json. Version 2: the tree holds only host packs that verified, and the chain
 * hash commits to hosts.json. A version 1 roll-up also committed packs that failed verification, so
 * a proof against one could vouch for a tampered line: verify-proof refuses version 1.
 */
export const ROLLUP_FORMAT = 'auditpack-rollup/2';
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
/** The tag files a roll-up's tagmanifest-sha256.txt lists (rollup.json among them), sorted. */
export const ROLLUP_TAG_FILES: readonly string[] = Object.freeze(
  [PACK_PATH.bagit, PACK_PATH.bagInfo, PACK_PATH.manifest, ROLLUP_RECORD].sort(compareBytes),
);
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

/**
 * The roll-up's chain hash: SHA-256 of the ASCII text
 * `auditpack-rollup/2\n<date>\n<hosts>\n<tree_root>\n<hosts_sha256>\n<previous chain_hash or 64 zeros>\n`.
 * Each day's commits to the day before, so roll-ups form a chain like packs do; hosts.json (every
 * verdict, the failed hosts included) is committed too, so a verdict cannot be edited afterwards.
 */
export function rollupChainHash(
  date: string,
  hosts: number,
  treeRoot: string,
  hostsSha256: string,
  previous: string | null,
): string {
  const text = `${ROLLUP_FORMAT}\n${date}\n${hosts}\n${treeRoot}\n${hostsSha256}\n${previous ?? NO_PREVIOUS}\n`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** rollup.json. */
export interface RollupRecord {
  readonly format: typeof ROLLUP_FORMAT;
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
}

/** rollup.json's exact bytes: fields in this order, 2-space JSON, final newline. */
export function renderRollupRecord(r: RollupRecord): string {
  const o = {
    format: r.format,
    date: r.date,
    created_at: r.created_at,
    hosts: r.hosts,
    tree_root: r.tree_root,
    previous: r.previous === null ? null : { date: r.previous.date, chain_hash: r.previous.chain_hash },
    chain_hash: r.chain_hash,
    hosts_sha256: r.hosts_sha256,
  };
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
