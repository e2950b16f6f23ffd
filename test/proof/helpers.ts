/** Proofs built by hand for the verify-proof tests (no src/ code computes them). */
import { createHash, type KeyObject } from 'node:crypto';
import { signSshsig } from '../../src/signing/index.js';

export const H = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

/**
 * A 1-line, 1-host proof of an invented fill (or of `opts.line`), its roll-up signed by `key` (or
 * unsigned); `opts.note` goes into the manifest. Built by hand: no src/ code computes it.
 */
export function forgedProof(key: KeyObject | null, opts: { line?: string; note?: string } = {}): string {
  const line =
    opts.line ?? JSON.stringify({ ts: 1796000450, seq: 3, category: 'fill', event: 'Filled', order_id: 'O1' });
  const manifest = `${JSON.stringify({ format: 'auditpack-manifest/1', export_date: '2026-11-30', ...(opts.note === undefined ? {} : { note: opts.note }), line_tree: { leaves: 1, root: H(Buffer.concat([Buffer.from([0]), H(line)])).toString('hex') } }, null, 2)}\n`;
  const root = H(Buffer.concat([Buffer.from([0]), Buffer.from('beta\0'), H(manifest)])).toString('hex');
  const hostsSha = 'ab'.repeat(32);
  const chain = H(`auditpack-rollup/2\n2026-11-30\n1\n${root}\n${hostsSha}\n${'0'.repeat(64)}\n`).toString('hex');
  const rollup = `${JSON.stringify({ format: 'auditpack-rollup/2', date: '2026-11-30', hosts: 1, tree_root: root, previous: null, chain_hash: chain, hosts_sha256: hostsSha }, null, 2)}\n`;
  const signature = key === null ? null : signSshsig(Buffer.from(rollup), key);
  const lines = [{ line, index: 0, path: [] }];
  return JSON.stringify({
    format: 'auditpack-proof/1',
    rollup,
    signature,
    hosts: [{ host: 'beta', manifest, index: 0, path: [], lines }],
  });
}
