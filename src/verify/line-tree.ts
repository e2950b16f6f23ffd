/**
 * A pack's `line_tree` held to its log: the RFC 6962 root over data/audit.jsonl's lines is computed
 * again in the verifier's one pass over the log and must equal what manifest.json records
 * (docs/FORMAT.md, "The line tree"). Inclusion proofs (`auditpack prove`) are made against that
 * root, so a root that does not match its log would let a proof vouch for lines the pack lacks.
 */
import type { ScannedLine } from '../chain/lines.js';
import { LineTreeAccumulator } from '../merkle/index.js';
import type { Findings } from './report.js';

const HEX64 = /^[0-9a-f]{64}$/;

/** Feeds every log line, in order; judges the manifest's line_tree at the end. */
export class LineTreeTap {
  private readonly tree = new LineTreeAccumulator();

  push(l: ScannedLine): void {
    this.tree.addLineHash(l.hash);
  }

  /** The tree of the lines pushed so far. */
  result(): { leaves: number; root: string } {
    return { leaves: this.tree.size, root: this.tree.root().toString('hex') };
  }

  /**
   * Adds PACK_LINE_TREE_MISMATCH when manifest.json records a line_tree that is malformed or not the
   * log's. A manifest without one (a pack made before the field existed) is not judged here.
   */
  /**
   * `got`: the log's tree when another reader of the same pass computed it (the payload
   * derivation's accumulator), so each line is hashed into a tree once.
   */
  judge(
    manifest: Buffer | 'too-large' | undefined,
    f: Findings,
    got: { leaves: number; root: string } = this.result(),
  ): void {
    if (!Buffer.isBuffer(manifest)) return;
    let lt: unknown;
    try {
      lt = (JSON.parse(manifest.toString('utf8')) as { line_tree?: unknown } | null)?.line_tree;
    } catch {
      return; // an unparsable manifest is judged elsewhere
    }
    if (lt === undefined) return;
    const rec = lt as { leaves?: unknown; root?: unknown } | null;
    if (rec === null || typeof rec !== 'object' || !Number.isSafeInteger(rec.leaves) || typeof rec.root !== 'string') {
      f.add(
        'PACK_LINE_TREE_MISMATCH',
        'error',
        'manifest.json',
        'line_tree must be {leaves: a whole number, root: 64 hex}',
      );
      return;
    }
    if (!HEX64.test(rec.root) || rec.leaves !== got.leaves || rec.root !== got.root) {
      f.add(
        'PACK_LINE_TREE_MISMATCH',
        'error',
        'manifest.json',
        `line_tree records ${String(rec.leaves)} lines with root ${rec.root.slice(0, 16)}…, but data/audit.jsonl has ${got.leaves} lines with root ${got.root.slice(0, 16)}…`,
      );
    }
  }
}
