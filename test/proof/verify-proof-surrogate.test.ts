/**
 * A proof's texts are hashed as UTF-8, and a lone surrogate (JSON `"\ud800"`) has no UTF-8: hashing
 * writes U+FFFD in its place. A proven line (or a manifest) holding U+FFFD, edited to hold a lone
 * surrogate, hashed the same and verified under the trusted key, listing as proven a text that no
 * line held (at62 F4). Such a text is refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyProof } from '../../src/proof/index.js';
import { forgedProof } from './helpers.js';

const firm = generateKeyPairSync('ed25519');
const line = JSON.stringify({ seq: 3, category: 'order', event: 'OrderAccepted', order_id: 'O1', note: 'caf\ufffd' });
/** The proof text with its raw U+FFFD written as the JSON escape of a lone surrogate instead. */
const lone = (text: string): string => text.replace('\ufffd', '\\ud800');

describe('verify-proof and lone surrogates', () => {
  it('a line holding U+FFFD is proven; the same line with a lone surrogate is not', () => {
    const text = forgedProof(firm.privateKey, { line });
    const honest = verifyProof(text, { publicKeys: [firm.publicKey] });
    expect([honest.ok, honest.lines.map((l) => l.line)]).toEqual([true, [line]]);
    const edited = verifyProof(lone(text), { publicKeys: [firm.publicKey] });
    expect(edited.ok).toBe(false);
    expect(edited.lines).toEqual([]);
    expect(edited.problems.map((p) => p.code)).toEqual(['PROOF_LINE_NOT_INCLUDED', 'PROOF_LINE_NOT_INCLUDED']);
    expect(edited.problems[0]?.detail).toMatch(/lone surrogate/);
  });

  it('a manifest holding U+FFFD is in the tree; with a lone surrogate it is refused', () => {
    const text = forgedProof(firm.privateKey, { note: 'caf\ufffd' });
    expect(verifyProof(text, { publicKeys: [firm.publicKey] }).ok).toBe(true);
    const edited = verifyProof(lone(text), { publicKeys: [firm.publicKey] });
    expect(edited.ok).toBe(false);
    expect(edited.problems.map((p) => p.code)).toContain('PROOF_HOST_INVALID');
  });
});
