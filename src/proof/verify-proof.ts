/**
 * `verifyProof`: checks a proof file with nothing else at hand (docs/FORMAT.md, "Proofs"): each line
 * against its host pack's line tree, each host pack against the roll-up tree, the roll-up's chain
 * hash, and its signature (by a trusted key when keys are given). The whole file is hostile input:
 * every problem is a finding, never an exception. Without keys a signature is checked against the
 * key it carries only: `signature` then says `untrusted`, and a caller that needs the roll-up to be
 * the firm's must refuse that (anyone can make a key and sign a roll-up they computed).
 */
import { createHash, type KeyObject } from 'node:crypto';
import {
  HOST_NAME,
  hostLeafData,
  isRollupFormat,
  PROOF_FORMAT,
  ROLLUP_FORMAT,
  ROLLUP_FORMAT_V2,
  type RollupChainFields,
  rollupChainHash,
  rollupV3FieldsError,
} from '../format/rollup.js';
import { leafHash, lineLeafHash, verifyInclusion } from '../merkle/index.js';
import { fingerprint, keyInsideSshsig, verifySshsig } from '../signing/index.js';

export interface ProofProblem {
  readonly code: string;
  readonly detail: string;
}

export interface ProofReport {
  readonly ok: boolean;
  readonly date: string | null;
  readonly chainHash: string | null;
  /** Fingerprint of the key that signed the roll-up, when its signature holds (trusted or not); else null. */
  readonly signer: string | null;
  /**
   * `trusted`: signed by one of the given keys. `untrusted`: the signature holds against the key it
   * carries, which is not a given key (or no keys were given). `invalid`: it does not hold. `none`: unsigned.
   */
  readonly signature: SignatureState;
  /** The proven lines, per host, parsed. */
  readonly lines: readonly { host: string; index: number; line: string }[];
  readonly problems: readonly ProofProblem[];
}

export type SignatureState = 'trusted' | 'untrusted' | 'invalid' | 'none';

const HEX64 = /^[0-9a-f]{64}$/;
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const parse = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};
/**
 * A lone surrogate (a UTF-16 half, JSON `"\ud800"`): UTF-8 has no bytes for it, so hashing writes
 * U+FFFD in its place and a text holding one hashes like another that holds U+FFFD. No line, manifest
 * or record was ever such a text: one is refused, never listed as proven.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const hexList = (v: unknown): Buffer[] | undefined =>
  Array.isArray(v) && v.length <= 64 && v.every((x) => typeof x === 'string' && HEX64.test(x))
    ? v.map((x) => Buffer.from(x as string, 'hex'))
    : undefined;

interface Rollup {
  date: string;
  hosts: number;
  tree_root: string;
  chain_hash: string;
}

function checkRollup(text: unknown, bad: (c: string, d: string) => void): Rollup | undefined {
  const r = typeof text === 'string' && !LONE_SURROGATE.test(text) ? parse(text) : undefined;
  // An older format's tree also committed packs that failed verification: it cannot vouch for a line.
  if (!isObj(r) || !isRollupFormat(r.format) || typeof r.date !== 'string' || !Number.isSafeInteger(r.hosts)) {
    bad('PROOF_ROLLUP_INVALID', `rollup is not a ${ROLLUP_FORMAT} or ${ROLLUP_FORMAT_V2} record`);
    return undefined;
  }
  const prev = r.previous;
  const prevHash = isObj(prev) && typeof prev.chain_hash === 'string' ? prev.chain_hash : null;
  const v3 = rollupV3FieldsError(r);
  if (v3 !== undefined) {
    bad('PROOF_ROLLUP_INVALID', `rollup: ${v3}`);
    return undefined;
  }
  const hexField = (v: unknown): v is string => typeof v === 'string' && HEX64.test(v);
  if (!hexField(r.tree_root) || typeof r.chain_hash !== 'string' || !hexField(r.hosts_sha256)) {
    bad('PROOF_ROLLUP_INVALID', 'rollup lacks tree_root, hosts_sha256 or chain_hash');
    return undefined;
  }
  const fields = { ...r, previous: prevHash === null ? null : { date: '', chain_hash: prevHash } };
  if (rollupChainHash(fields as unknown as RollupChainFields) !== r.chain_hash)
    bad('PROOF_ROLLUP_INVALID', 'chain_hash is not the hash of the record it commits to');
  return { date: r.date, hosts: r.hosts as number, tree_root: r.tree_root, chain_hash: r.chain_hash };
}

function checkSignature(
  record: string,
  sig: unknown,
  keys: readonly KeyObject[] | undefined,
  bad: (c: string, d: string) => void,
): { signer: string | null; signature: SignatureState } {
  if (sig === null || sig === undefined) {
    if (keys !== undefined) bad('PROOF_UNSIGNED', 'the roll-up is not signed, but a trusted key was given');
    return { signer: null, signature: 'none' };
  }
  if (typeof sig !== 'string') {
    bad('PROOF_SIGNATURE_INVALID', 'signature is not text');
    return { signer: null, signature: 'invalid' };
  }
  const data = Buffer.from(record, 'utf8');
  if (keys !== undefined) {
    const t = verifySshsig(data, sig, keys);
    if (t.ok) return { signer: t.fingerprint ?? null, signature: 'trusted' };
  }
  // Checked against the key it carries: integrity, and the signer's fingerprint to name.
  const carried = keyInsideSshsig(sig);
  const v = verifySshsig(data, sig, carried === undefined ? [] : [carried]);
  if (!v.ok || carried === undefined) {
    bad('PROOF_SIGNATURE_INVALID', `the roll-up signature does not hold: ${v.reason ?? 'invalid'}`);
    return { signer: null, signature: 'invalid' };
  }
  const signer = v.fingerprint ?? fingerprint(carried);
  if (keys !== undefined)
    bad('PROOF_SIGNER_UNTRUSTED', `the roll-up is signed by ${signer}, which is not one of the trusted keys`);
  return { signer, signature: 'untrusted' };
}

/** Checks one host's leaf and each of its lines; returns the lines that hold. */
function checkHost(
  h: unknown,
  r: Rollup,
  bad: (c: string, d: string) => void,
): { host: string; index: number; line: string }[] {
  if (
    !isObj(h) ||
    typeof h.host !== 'string' ||
    !HOST_NAME.test(h.host) ||
    typeof h.manifest !== 'string' ||
    LONE_SURROGATE.test(h.manifest)
  ) {
    bad('PROOF_HOST_INVALID', 'a host entry lacks host or manifest (or its manifest is not text UTF-8 can hold)');
    return [];
  }
  const host = h.host;
  const mSha = createHash('sha256').update(h.manifest, 'utf8').digest('hex');
  const path = hexList(h.path);
  const leaf = leafHash(hostLeafData(host, mSha));
  if (path === undefined || !verifyInclusion(leaf, h.index as number, r.hosts, path, Buffer.from(r.tree_root, 'hex'))) {
    bad('PROOF_HOST_NOT_INCLUDED', `${host}'s pack (manifest ${mSha.slice(0, 16)}…) is not in the roll-up's tree`);
    return [];
  }
  const m = parse(h.manifest);
  const lt = isObj(m) && isObj(m.line_tree) ? m.line_tree : undefined;
  if (lt === undefined || !Number.isSafeInteger(lt.leaves) || typeof lt.root !== 'string' || !HEX64.test(lt.root)) {
    bad('PROOF_HOST_INVALID', `${host}'s manifest records no line_tree`);
    return [];
  }
  if (isObj(m) && m.export_date !== r.date)
    bad('PROOF_HOST_INVALID', `${host}'s pack is of ${String(m.export_date)}, the roll-up of ${r.date}`);
  const out: { host: string; index: number; line: string }[] = [];
  for (const l of Array.isArray(h.lines) ? h.lines : []) {
    const lp = isObj(l) ? hexList(l.path) : undefined;
    if (!isObj(l) || typeof l.line !== 'string' || lp === undefined) {
      bad('PROOF_LINE_NOT_INCLUDED', `${host}: a malformed line entry`);
      continue;
    }
    if (LONE_SURROGATE.test(l.line)) {
      bad(
        'PROOF_LINE_NOT_INCLUDED',
        `${host}: line ${String(l.index)} holds a lone surrogate, which no line's UTF-8 can`,
      );
      continue;
    }
    const lineSha = createHash('sha256').update(l.line, 'utf8').digest('hex');
    const ok = verifyInclusion(
      lineLeafHash(lineSha),
      l.index as number,
      lt.leaves as number,
      lp,
      Buffer.from(lt.root, 'hex'),
    );
    if (!ok) {
      bad('PROOF_LINE_NOT_INCLUDED', `${host}: line ${String(l.index)} is not in the pack's line tree`);
      continue;
    }
    // The line is in the pack the roll-up names for `host`; a line that says another host is not
    // that host's (a pack rolled up under another host's name, or a log directory shared between hosts).
    const own = parse(l.line);
    if (isObj(own) && typeof own.host === 'string' && own.host !== host)
      bad(
        'PROOF_LINE_HOST_MISMATCH',
        `${host}: line ${String(l.index)} is in ${host}'s pack but says host ${JSON.stringify(own.host).slice(0, 80)}`,
      );
    else out.push({ host, index: l.index as number, line: l.line });
  }
  if (out.length === 0 && (!Array.isArray(h.lines) || h.lines.length === 0))
    bad('PROOF_LINE_NOT_INCLUDED', `${host}: no line is proven`);
  return out;
}

/** Checks a proof file's text. `publicKeys`: the roll-up must be signed by one of them. */
export function verifyProof(text: string, opts: { publicKeys?: readonly KeyObject[] } = {}): ProofReport {
  const problems: ProofProblem[] = [];
  const bad = (code: string, detail: string): void => {
    if (problems.length < 1000) problems.push({ code, detail });
  };
  const p = parse(text);
  if (!isObj(p) || p.format !== PROOF_FORMAT || typeof p.rollup !== 'string' || !Array.isArray(p.hosts)) {
    bad('PROOF_MALFORMED', `not a ${PROOF_FORMAT} file`);
    return { ok: false, date: null, chainHash: null, signer: null, signature: 'none', lines: [], problems };
  }
  const r = checkRollup(p.rollup, bad);
  const { signer, signature } = checkSignature(p.rollup, p.signature, opts.publicKeys, bad);
  const lines = r === undefined ? [] : p.hosts.slice(0, 10_000).flatMap((h) => checkHost(h, r, bad));
  if (lines.length === 0) bad('PROOF_LINE_NOT_INCLUDED', 'the proof proves no line');
  return {
    ok: problems.length === 0,
    date: r?.date ?? null,
    chainHash: r?.chain_hash ?? null,
    signer,
    signature,
    lines,
    problems,
  };
}
