/**
 * A report's "does not parse" policy notes, held to the text the report records beside them
 * (`unparsed_policies`) and to the pack's own snapshot record (at51 F1). Such a note takes a snapshot's
 * policy out of the re-run: the policy before it stays in force, and so do the findings that policy
 * lets through. A note alone is a forger's word: an unsigned pack re-made with "snapshot S … does not
 * parse" beside S's record, logged in the pack's own chained log, dropped S's stricter policy and
 * verified. So the note must come with the text that did not parse, and verify holds it: that text is
 * the policy file's, it does not parse (the export's parser, run here), and when S is the snapshot
 * `data/config_snapshot.json` records, it is that record's stored copy of the file (its `hash`, and
 * the SHA-256 of the copy, as for a recorded policy: bindToSnapshot). A forger cannot make a text
 * that hashes to the recorded copy and does not parse when the copy parses. A note naming another
 * snapshot (one the pack holds no record of) is held to its text alone: nothing in the pack pins it.
 * A text the export redacted again (it holds `[REDACTED]`, and is not the stored copy: the export
 * added rules of the user's, at52 F-C) is not held to the copy the pack does not hold: it is unbound,
 * as a `policies` entry redacted again is. A forger can put `[REDACTED]` over a span of a policy that
 * parses to make it not parse, so such a note is said (COMPLIANCE_POLICY_UNBOUND), not proved.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_POLICY_PATH, policyFromText } from '../compliance/index.js';
import { unparsedNoteId } from '../compliance/policy-notes.js';
import { AuditpackError } from '../errors.js';
import { PACK_PATH } from '../format/pack.js';
import { DEFAULT_CENSOR } from '../redaction/index.js';
import { bindToSnapshot, type PolicyProvenance, type SnapshotFacts } from './provenance.js';

interface Unparsed {
  readonly snapshot_id: string;
  readonly path: string;
  readonly sha256: string;
  readonly text: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** The report's unparsed_policies entries that have the recorded shape (a hostile report's others are ignored). */
function unparsedOf(v: unknown): Unparsed[] {
  if (!Array.isArray(v)) return [];
  return v.filter((u): u is Unparsed => {
    const o = u as Record<string, unknown> | null;
    return (
      typeof o === 'object' &&
      o !== null &&
      typeof o.snapshot_id === 'string' &&
      typeof o.path === 'string' &&
      typeof o.sha256 === 'string' &&
      typeof o.text === 'string'
    );
  });
}

/** Whether the export's parser takes `text` as a policy (verify re-runs with the same parser). */
function parses(text: string): boolean {
  try {
    policyFromText(text, { from: null, source: 'snapshot', snapshot_id: null, path: DEFAULT_POLICY_PATH });
    return true;
  } catch (err) {
    if (err instanceof AuditpackError && err.code === 'CONFIG_INVALID') return false;
    throw err;
  }
}

/**
 * What contradicts each "does not parse" note of the report's `notes` (its policy_notes), held to
 * `unparsed` (its unparsed_policies, as read): COMPLIANCE_REPORT_MISMATCH, one text each: no recorded text for it while `snap` is the snapshot it names, a text that is not the
 * policy file's or not the record's copy, or a text that parses; and (`unbound`) the notes whose
 * text of `snap`'s snapshot was redacted again, which the pack cannot hold to the copy.
 */
export function unparsedProvenance(
  notes: readonly string[],
  unparsed: unknown,
  snap: SnapshotFacts | undefined,
): PolicyProvenance {
  const out: string[] = [];
  const unbound: string[] = [];
  const texts = unparsedOf(unparsed);
  for (const note of notes) {
    const id = unparsedNoteId(note);
    if (id === undefined) continue;
    const name = `the policy note saying snapshot ${id.slice(0, 80)}'s ${DEFAULT_POLICY_PATH} does not parse`;
    const own = snap !== undefined && snap.id === id;
    const u = texts.find((t) => t.snapshot_id === id);
    if (u === undefined) {
      if (own)
        out.push(
          `${name}: the report records no text of it (unparsed_policies), yet ${PACK_PATH.configSnapshot} is that snapshot's record: nothing shows that its policy does not parse, and the note takes it out of the re-run`,
        );
      continue;
    }
    if (u.path !== DEFAULT_POLICY_PATH) {
      out.push(
        `${name}: its recorded text is of ${JSON.stringify(u.path).slice(0, 120)}, not of ${DEFAULT_POLICY_PATH}`,
      );
      continue;
    }
    if (!u.text.includes(DEFAULT_CENSOR) && sha256(u.text) !== u.sha256)
      out.push(`${name}: its recorded text does not hash to its recorded sha256 ${u.sha256.slice(0, 80)}`);
    if (own) {
      const p = { from: null, source: 'snapshot', snapshot_id: id, path: u.path, sha256: u.sha256, text: u.text };
      const bound = bindToSnapshot(p, false, [], snap);
      if (bound.contradiction !== undefined) out.push(`${name}: ${bound.contradiction}`);
      else if (bound.unbound !== undefined) unbound.push(`${name}: ${bound.unbound}`);
    }
    if (parses(u.text))
      out.push(
        `${name}: its recorded text parses, so that snapshot's policy was in force from its event, and the note takes it out of the re-run`,
      );
  }
  return { contradictions: out, unbound };
}
