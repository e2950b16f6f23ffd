/**
 * The signatures of pruned.jsonl lines (docs/FORMAT.md, "What a prune leaves behind"). A prune
 * holding the signing key signs each line it writes; the PackPruned event and the ledger line are
 * otherwise both the writer's word (the live log is chained but not signed), so with trusted keys
 * only a signed line vouches that a pack went by retention.
 */
import { parsePrunedLine, type PrunedLine } from '../format/pruned-ledger.js';
import { PRUNED_LEDGER } from '../format/pack.js';
import { verifySshsig } from '../signing/sshsig.js';
import type { LedgerEntry } from './archive-ledger.js';
import { canonicalArmor, embeddedKey } from './judge-signature.js';
import type { TrustedKeys } from './pack-facts.js';
import type { Findings } from './report.js';

const FIELDS = [
  'export_date',
  'manifest_sha256',
  'path',
  'pruned_at',
  'retention_days',
  'retention_source',
  'relied_on',
] as const;

/** Each line's signature: valid over the line as written and, given keys, by a trusted one; unsigned lines are errors then. */
export function checkPruneSignatures(
  pruned: readonly LedgerEntry[],
  trust: TrustedKeys | undefined,
  f: Findings,
): void {
  for (const e of pruned) {
    const where = `line ${e.line} (${e.path ?? e.exportDate})`;
    if (e.signature === undefined) {
      if (trust !== undefined)
        f.add(
          'ARCHIVE_PRUNE_UNSIGNED',
          'error',
          PRUNED_LEDGER,
          `${where} carries no signature, and a trusted key was given: anyone who can write the artifacts directory and the logs could have written it (and its PackPruned event) to hide a deleted pack`,
          e.line,
        );
      continue;
    }
    const bad = signatureProblem(e, trust);
    if (bad !== undefined) f.add('ARCHIVE_PRUNE_SIGNATURE_INVALID', 'error', PRUNED_LEDGER, `${where}: ${bad}`, e.line);
  }
}

/** Why a signed line's signature does not vouch for it; undefined when it does. */
function signatureProblem(e: LedgerEntry, trust: TrustedKeys | undefined): string | undefined {
  const armored = e.signature as string;
  const message = e.signedMessage;
  if (message === null || message === undefined)
    return "the signature is not the line's last member as prune writes it; nothing it could sign";
  const signed = parsePrunedLine(message);
  if (signed === undefined || !sameFields(signed, e.fields))
    return "the fields the signature covers are not the line's";
  const own = embeddedKey(armored);
  const self = own === undefined ? undefined : verifySshsig(Buffer.from(message, 'utf8'), armored, [own]);
  if (self === undefined || !self.ok)
    return `the signature does not verify over the line: ${self?.reason ?? 'malformed signature'}`;
  if (armored !== canonicalArmor(armored))
    return 'the signature verifies, but it is not in canonical SSHSIG armor: it was edited';
  if (trust === undefined) return undefined;
  const t = verifySshsig(
    Buffer.from(message, 'utf8'),
    armored,
    trust.keys.map((k) => k.key),
  );
  return t.ok ? undefined : `a valid signature, but by ${self.fingerprint ?? 'a key'}, which is not a trusted key`;
}

function sameFields(a: PrunedLine, b: PrunedLine): boolean {
  return FIELDS.every((k) => a[k] === b[k]);
}
