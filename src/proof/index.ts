/** Proofs of single lines against a signed roll-up (docs/FORMAT.md, "Proofs"). */
export { proveLines, type LineSelector, type ProveOptions } from './prove.js';
export { verifyProof, type ProofProblem, type ProofReport, type SignatureState } from './verify-proof.js';
