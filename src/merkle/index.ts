/**
 * RFC 6962 Merkle tree hashes and inclusion proofs over a stream of leaves (tree.ts).
 */
export {
  EMPTY_ROOT,
  type LeafRange,
  leafHash,
  lineLeafHash,
  MerkleAccumulator,
  MerkleProver,
  merkleRoot,
  nodeHash,
  proofRanges,
  verifyInclusion,
} from './tree.js';
export { LineTreeAccumulator, type LineSubtrees, lineSubtrees } from './line-tree.js';
