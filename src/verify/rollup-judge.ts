/**
 * The parts of a roll-up that are not its commitments: its file set and tag manifest (a roll-up's
 * tag files differ from a pack's), the second signature (over rollup.json, what proofs carry), the
 * merged CSVs held to hosts.json, and findings.json's shape.
 */
import { PAYLOAD_DIR, SIGNATURE_FILE } from '../format/pack.js';
import {
  ROLLUP_FILLS,
  ROLLUP_FINDINGS,
  ROLLUP_FORMAT,
  ROLLUP_HOST_COLUMN,
  ROLLUP_LAYOUT_FILES,
  ROLLUP_ORDERS,
  ROLLUP_PAYLOAD_FILES,
  ROLLUP_RECORD,
  type RollupRecord,
  ROLLUP_SIGNATURE,
} from '../format/rollup.js';
import { verifySshsig } from '../signing/sshsig.js';
import type { ManifestEntry } from './checksum-file.js';
import { canonicalArmor, embeddedKey } from './judge-signature.js';
import type { TrustedKeys } from './pack-facts.js';
import type { Findings } from './report.js';
import type { RollupFacts } from './rollup-gather.js';
import { judgeDerivedFindings } from './rollup-findings.js';
import type { HostFacts } from './rollup-record.js';

const PAYLOAD = new Set(ROLLUP_PAYLOAD_FILES.map((n) => `${PAYLOAD_DIR}${n}`));

/** Exactly a roll-up's files: its tag files, payload files and signatures; every payload file present. */
export function judgeRollupFileSet(
  facts: RollupFacts,
  listed: readonly ManifestEntry[] | undefined,
  f: Findings,
): void {
  for (const [p] of facts.files)
    if (!ROLLUP_LAYOUT_FILES.has(p))
      f.add(
        'PACK_FILE_UNEXPECTED',
        'error',
        p,
        `not a file of an ${ROLLUP_FORMAT} roll-up (docs/FORMAT.md, "Roll-ups")`,
      );
  // A listed file that is missing is the manifest's finding already.
  const named = new Set((listed ?? []).map((e) => e.path));
  for (const p of PAYLOAD)
    if (!facts.files.has(p) && !named.has(p))
      f.add('PACK_FILE_MISSING', 'error', p, 'a payload file every roll-up has is missing (and not listed either)');
}

/**
 * rollup.json.sig, the signature a proof carries: present exactly when the tag manifest is signed
 * (removing one of the two is an edit), valid over rollup.json, canonical, by a trusted key when
 * keys are given.
 */
export function judgeRecordSignature(facts: RollupFacts, trust: TrustedKeys | undefined, f: Findings): void {
  const sig = facts.tags.get(ROLLUP_SIGNATURE);
  const record = facts.tags.get(ROLLUP_RECORD);
  const tagSigned = facts.tags.has(SIGNATURE_FILE);
  if (sig === undefined) {
    if (tagSigned)
      f.add(
        'PACK_SIGNATURE_INVALID',
        'error',
        ROLLUP_SIGNATURE,
        `missing while ${SIGNATURE_FILE} is there: it was removed`,
      );
    return;
  }
  if (!tagSigned)
    f.add(
      'PACK_SIGNATURE_INVALID',
      'error',
      SIGNATURE_FILE,
      `missing while ${ROLLUP_SIGNATURE} is there: it was removed`,
    );
  if (sig === 'too-large' || record === undefined || record === 'too-large') {
    f.add('PACK_SIGNATURE_INVALID', 'error', ROLLUP_SIGNATURE, 'no readable signature or rollup.json for it to sign');
    return;
  }
  const armored = sig.toString('utf8');
  const own = embeddedKey(armored);
  const self = own === undefined ? undefined : verifySshsig(record, armored, [own]);
  if (self === undefined || !self.ok || armored !== canonicalArmor(armored)) {
    f.add(
      'PACK_SIGNATURE_INVALID',
      'error',
      ROLLUP_SIGNATURE,
      `does not verify over rollup.json in canonical armor: ${self?.reason ?? 'edited or malformed'}`,
    );
    return;
  }
  if (
    trust !== undefined &&
    !verifySshsig(
      record,
      armored,
      trust.keys.map((k) => k.key),
    ).ok
  )
    f.add(
      'PACK_SIGNATURE_UNTRUSTED',
      'error',
      ROLLUP_SIGNATURE,
      `a valid signature, but by ${self.fingerprint ?? 'a key'}, which is not a trusted key`,
    );
}

/** One merged CSV against hosts.json: its header, every row a verified host's, counts and order as recorded. */
function judgeMergedFile(
  facts: RollupFacts,
  name: string,
  hosts: readonly HostFacts[],
  f: Findings,
): Map<string, number> {
  const rel = `${PAYLOAD_DIR}${name}`;
  const s = facts.csv.get(rel);
  const ooo = new Map<string, number>();
  if (s === undefined) return ooo;
  const head = s.header?.split(',') ?? [];
  if (head[0] !== 'iso_ts' || head[1] !== ROLLUP_HOST_COLUMN || head[2] !== 'seq')
    f.add('ROLLUP_MERGED_INVALID', 'error', rel, `the header does not start iso_ts,${ROLLUP_HOST_COLUMN},seq`, 1);
  for (const n of s.malformed)
    f.add('ROLLUP_MERGED_INVALID', 'error', rel, 'a record without iso_ts, host and a whole-number seq', n);
  if (s.oversized !== undefined)
    f.add(
      'ROLLUP_MERGED_INVALID',
      'error',
      rel,
      'a record longer than 16 MiB (an unclosed quote?); the rest was not read',
      s.oversized,
    );
  const byName = new Map(hosts.map((h) => [h.host, h]));
  const kind = name === ROLLUP_ORDERS ? 'orders' : 'fills';
  for (const [host, n] of s.rows) {
    const h = byName.get(host);
    if (h === undefined || h.verdict !== 'ok')
      f.add(
        'ROLLUP_MERGED_INVALID',
        'error',
        rel,
        `${n} row(s) of host ${JSON.stringify(host).slice(0, 80)}, which is ${h === undefined ? 'not in hosts.json' : 'a failed host (its rows are left out)'}`,
      );
  }
  for (const h of hosts) {
    if (h.verdict !== 'ok' || h.rows === undefined) continue;
    const got = s.rows.get(h.host) ?? 0;
    if (got !== h.rows[kind])
      f.add(
        'ROLLUP_MERGED_COUNT_MISMATCH',
        'error',
        rel,
        `${got} row(s) of ${h.host}, hosts.json says its pack has ${h.rows[kind]}`,
      );
  }
  for (const [host, n] of s.outOfOrder) ooo.set(host, n);
  return ooo;
}

/** Both merged CSVs; rows out of (iso_ts, host, seq) order beyond what hosts.json records are moved rows. */
export function judgeMerged(facts: RollupFacts, hosts: readonly HostFacts[], f: Findings): number {
  const orders = judgeMergedFile(facts, ROLLUP_ORDERS, hosts, f);
  const fills = judgeMergedFile(facts, ROLLUP_FILLS, hosts, f);
  for (const h of hosts) {
    const n = (orders.get(h.host) ?? 0) + (fills.get(h.host) ?? 0);
    if (n <= h.outOfOrder) continue;
    const [name, first] = orders.has(h.host)
      ? [ROLLUP_ORDERS, facts.csv.get(`${PAYLOAD_DIR}${ROLLUP_ORDERS}`)?.firstOutOfOrder.get(h.host)]
      : [ROLLUP_FILLS, facts.csv.get(`${PAYLOAD_DIR}${ROLLUP_FILLS}`)?.firstOutOfOrder.get(h.host)];
    f.add(
      'ROLLUP_MERGED_ORDER',
      'error',
      `${PAYLOAD_DIR}${name}`,
      `${n} row(s) of ${h.host} out of (iso_ts, host, seq) order, hosts.json records ${h.outOfOrder}: rows were moved (first at record ${first ?? '?'})`,
      first,
    );
  }
  let rows = 0;
  for (const s of facts.csv.values()) for (const n of s.rows.values()) rows += n;
  return rows;
}

/** findings.json: `{"format", "date", "findings": [{code, severity, host, detail}]}`; the implied findings in it. */
export function judgeFindingsFile(
  facts: RollupFacts,
  record: RollupRecord,
  hosts: readonly HostFacts[] | undefined,
  f: Findings,
): void {
  const date = record.date;
  const rel = `${PAYLOAD_DIR}${ROLLUP_FINDINGS}`;
  const buf = facts.json.get(rel);
  if (buf === undefined) return; // a file-set finding of its own
  if (buf === 'too-large') {
    f.add('ROLLUP_FINDINGS_INVALID', 'error', rel, 'larger than 256 MiB; not read');
    return;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(buf.toString('utf8'));
  } catch {
    doc = undefined;
  }
  const o = doc as { format?: unknown; date?: unknown; findings?: unknown } | undefined;
  const list = o?.format === record.format && o.date === date && Array.isArray(o.findings) ? o.findings : undefined;
  const bad = list?.findIndex(
    (x: unknown) =>
      typeof x !== 'object' ||
      x === null ||
      typeof (x as { code?: unknown }).code !== 'string' ||
      !/^[A-Z][A-Z0-9_]{0,63}$/.test((x as { code: string }).code) ||
      !['error', 'warning'].includes((x as { severity?: unknown }).severity as string) ||
      !(typeof (x as { host?: unknown }).host === 'string' || (x as { host?: unknown }).host === null) ||
      typeof (x as { detail?: unknown }).detail !== 'string',
  );
  if (list === undefined || bad !== -1) {
    f.add(
      'ROLLUP_FINDINGS_INVALID',
      'error',
      rel,
      list === undefined
        ? `not {"format": "${record.format}", "date": "${date}", "findings": [...]}`
        : `finding ${bad} is not {code, severity, host, detail}`,
    );
    return;
  }
  judgeDerivedFindings(list, record, hosts, rel, f);
}
