/**
 * The hash chain (hash.ts) and reading a log's lines with their offsets (lines.ts).
 */
export { type ChainHead, EMPTY_HEAD, GENESIS_HASH, hashLine, isHashHex } from './hash.js';
