/**
 * The anchoring formats (docs/FORMAT.md, "Time-stamp tokens"), written once here, at the bottom: the writers
 * (export, `auditpack anchor`) and the verifier import them.
 *
 * A pack's token is over the bytes of `tagmanifest-sha256.txt` and lives beside it, like the
 * signature, in files that no manifest lists: the token cannot be listed in the file it covers,
 * and a token added later (`auditpack anchor --pack`) must not change a byte that the signature
 * or the next day's `previous_pack` link already covers.
 */

/** The RFC 3161 TimeStampResp (DER, as the TSA sent it) over the bytes of tagmanifest-sha256.txt. */
export const PACK_TOKEN_FILE = 'tagmanifest-sha256.txt.tsr';
/** The certificates the token carries, PEM: for `openssl ts -verify -untrusted` and for people. */
export const PACK_TSA_CERTS_FILE = 'tsa-certs.pem';
/** The file a pack token covers. */
export const PACK_TOKEN_COVERS = 'tagmanifest-sha256.txt';

/** Category and event of a chain anchor. */
export const ANCHOR_CATEGORY = 'system';
export const ANCHOR_EVENT = 'Anchored';
/** Logged when `auditpack anchor` could not get a token (the gap it leaves is explained in the chain). */
export const ANCHOR_FAILED_EVENT = 'AnchorFailed';

/**
 * The bytes a chain anchor's token is over: one line naming the head it pins. Built from the
 * event's own `head_seq` and `head_hash`, so a verifier (or `openssl ts -verify -data`) can rebuild
 * it from the log alone.
 */
export function anchorStatement(headSeq: number, headHash: string): Buffer {
  return Buffer.from(`auditpack-anchor/1 seq ${headSeq} sha256 ${headHash}\n`, 'utf8');
}
