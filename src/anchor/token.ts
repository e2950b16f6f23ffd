/**
 * RFC 3161 time-stamp tokens: parsing and verifying, with pkijs for the ASN.1 and the CMS signature
 * and Node's X509Certificate for the certificate path (pkijs builds the request too: tsa-client.ts).
 *
 * Every byte of a token is attacker-controlled for a verifier: parse failures are problems with a
 * code, never exceptions, and nothing in a token is trusted until its path ends at an anchor the
 * user gave. What is checked, in order (RFC 3161 §2.4.2, RFC 5652 §5.6, RFC 5280 §6):
 *   1. a TimeStampResp with status granted, holding SignedData whose content is a TSTInfo;
 *   2. the message imprint: SHA-256, equal to the digest the caller expects;
 *   3. the CMS signature by the signer certificate (the signed attributes' message digest over
 *      the TSTInfo, then the signature over the signed attributes);
 *   4. the signer certificate's extended key usage: present, critical, and only id-kp-timeStamping
 *      (RFC 3161 §2.3);
 *   5. a certificate path from the signer to a trust anchor, each link's signature checked, every
 *      certificate valid at the token's genTime and every issuer a CA.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readRegularFile } from '../fsx/digest.js';
import type * as Asn1js from 'asn1js';
import type { Certificate, ContentInfo, SignedData } from 'pkijs';
import { AuditpackError, quotePath } from '../errors.js';
import { shownText } from './shown-text.js';

/** pkijs and asn1js, loaded on first use: importing auditpack (a trading app's logger) must not pay for them. */
export interface Asn1Libs {
  readonly pkijs: typeof import('pkijs');
  readonly asn1js: typeof Asn1js;
}
let libs: Promise<Asn1Libs> | undefined;

/** Loads pkijs and asn1js once. */
export function loadAsn1Libs(): Promise<Asn1Libs> {
  libs ??= Promise.all([import('pkijs'), import('asn1js')]).then(([pkijs, asn1js]) => ({ pkijs, asn1js }));
  return libs;
}

/** The object identifier of SHA-256 (NIST). */
export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_EKU = '2.5.29.37';
const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

/**
 * A time-stamp response is a few KB; anything far larger is not one (bounds parsing). Its base64
 * (43,692 characters at most) also stays under the logger's 65,536-character string bound.
 */
export const MAX_TOKEN_BYTES = 32 * 1024;

/** What can be wrong with a token. Stable: these are verification finding codes too. */
export type TimestampProblemCode =
  | 'TIMESTAMP_MALFORMED'
  | 'TIMESTAMP_IMPRINT_MISMATCH'
  | 'TIMESTAMP_SIGNATURE_INVALID'
  | 'TIMESTAMP_EKU_INVALID'
  | 'TIMESTAMP_UNTRUSTED';

/** One thing wrong with a token. */
export interface TimestampProblem {
  readonly code: TimestampProblemCode;
  readonly message: string;
}

/** The facts of a token that parsed. */
export interface TimestampFacts {
  /** When the TSA says it stamped (TSTInfo genTime). */
  readonly genTime: Date;
  /** The message imprint's hash algorithm OID and value (lowercase hex). */
  readonly imprintAlgorithm: string;
  readonly imprint: string;
  /** TSTInfo serialNumber (hex) and policy OID. */
  readonly serial: string;
  readonly policy: string;
  /** TSTInfo nonce (hex), when the request had one. */
  readonly nonce: string | undefined;
  /** The certificates carried in the token, DER. */
  readonly certificates: readonly Buffer[];
  /** The signer's certificate subject, when it was found among them. */
  readonly signer: string | undefined;
}

/** Result of verifyTimestamp: ok only when there are no problems and the path reached an anchor. */
export interface TimestampVerification {
  readonly ok: boolean;
  readonly facts: TimestampFacts | undefined;
  readonly problems: readonly TimestampProblem[];
  /** True when trust anchors were given and the path was checked (ok or not). */
  readonly chainChecked: boolean;
}

interface Parsed {
  readonly facts: TimestampFacts;
  readonly signed: SignedData;
}

/**
 * A refusal's statusString (RFC 3161 §2.4.2, PKIFreeText): free text from the TSA or a proxy before
 * it, quoted in a problem that `anchor` records in the chain and `export` prints. Redacted: a
 * service that echoes the credentials it refused must not put them in the log.
 */
function refusalText(strings: readonly string[]): string {
  return shownText(strings.join('; '));
}

/** Parses a DER TimeStampResp (as a TSA sends it); a problem instead of an exception. */
export async function parseTimestampResponse(der: Uint8Array): Promise<Parsed | TimestampProblem> {
  const L = await loadAsn1Libs();
  const { asn1js } = L;
  const { TimeStampResp, SignedData, TSTInfo, Certificate } = L.pkijs;
  const bad = (message: string): TimestampProblem => ({ code: 'TIMESTAMP_MALFORMED', message });
  if (der.length === 0 || der.length > MAX_TOKEN_BYTES) return bad(`${der.length} bytes: not a time-stamp response`);
  try {
    const asn = asn1js.fromBER(toArrayBuffer(der));
    if (asn.offset === -1 || asn.offset !== der.length) return bad('not DER (or trailing bytes after the response)');
    const resp = new TimeStampResp({ schema: asn.result });
    const status = resp.status.status;
    if (status !== 0 && status !== 1)
      return bad(
        `the TSA refused: PKIStatus ${status}${resp.status.statusStrings?.length ? ` (${refusalText(resp.status.statusStrings.map((s) => s.valueBlock.value))})` : ''}`,
      );
    const ci: ContentInfo | undefined = resp.timeStampToken;
    if (ci === undefined) return bad('granted, but holds no token');
    if (ci.contentType !== OID_SIGNED_DATA) return bad(`token content type ${ci.contentType}, not SignedData`);
    const signed = new SignedData({ schema: ci.content });
    if (signed.encapContentInfo.eContentType !== OID_TST_INFO)
      return bad(`signed content type ${signed.encapContentInfo.eContentType}, not TSTInfo`);
    const econtent = signed.encapContentInfo.eContent;
    if (econtent === undefined) return bad('no TSTInfo inside the token');
    const tst = TSTInfo.fromBER(econtent.getValue());
    if (signed.signerInfos.length !== 1) return bad(`${signed.signerInfos.length} signers; a token has exactly one`);
    const certificates: Buffer[] = [];
    for (const c of signed.certificates ?? []) {
      if (!(c instanceof Certificate)) continue;
      const der = Buffer.from(c.toSchema().toBER());
      if (!certificates.some((d) => d.equals(der))) certificates.push(der);
    }
    const nonce = tst.nonce === undefined ? undefined : hex(tst.nonce.valueBlock.valueHexView);
    const signerCert = findSigner(L, signed);
    const facts: TimestampFacts = {
      genTime: tst.genTime,
      imprintAlgorithm: tst.messageImprint.hashAlgorithm.algorithmId,
      imprint: hex(tst.messageImprint.hashedMessage.valueBlock.valueHexView),
      serial: hex(tst.serialNumber.valueBlock.valueHexView),
      policy: tst.policy,
      nonce,
      certificates,
      signer:
        signerCert === undefined ? undefined : new X509Certificate(Buffer.from(signerCert.toSchema().toBER())).subject,
    };
    if (Number.isNaN(facts.genTime.getTime())) return bad('genTime is not a time');
    return { facts, signed };
  } catch (err) {
    return bad(`cannot parse: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Options of verifyTimestamp. */
export interface VerifyTimestampOptions {
  /** The bytes the token must be over (its message imprint is their SHA-256). */
  readonly data: Uint8Array;
  /** Trust anchors (`--tsa-ca`). Without them the signature is checked but not who made it. */
  readonly trustAnchors?: readonly X509Certificate[] | undefined;
  /** Further certificates that may complete the path (untrusted, like `openssl ts -verify -untrusted`). */
  readonly untrusted?: readonly X509Certificate[] | undefined;
}

/** Verifies a DER TimeStampResp against an expected digest and trust anchors. See the module comment. */
export async function verifyTimestamp(
  der: Uint8Array,
  options: VerifyTimestampOptions,
): Promise<TimestampVerification> {
  const expected = sha256Hex(options.data);
  const parsed = await parseTimestampResponse(der);
  const L = await loadAsn1Libs();
  if (!('facts' in parsed)) return { ok: false, facts: undefined, problems: [parsed], chainChecked: false };
  const { facts, signed } = parsed;
  const problems: TimestampProblem[] = [];
  if (facts.imprintAlgorithm !== OID_SHA256) {
    problems.push({
      code: 'TIMESTAMP_IMPRINT_MISMATCH',
      message: `message imprint uses algorithm ${facts.imprintAlgorithm}, not SHA-256`,
    });
  } else if (facts.imprint !== expected) {
    problems.push({
      code: 'TIMESTAMP_IMPRINT_MISMATCH',
      message: `token is over SHA-256 ${facts.imprint}, the data's is ${expected} (a token for other data, or changed data)`,
    });
    return { ok: false, facts, problems, chainChecked: false };
  }

  // The signer certificate may come from the token or from the untrusted extras.
  const extras = (options.untrusted ?? []).map((c) => L.pkijs.Certificate.fromBER(toArrayBuffer(c.raw)));
  if (findSigner(L, signed) === undefined && extras.length > 0)
    signed.certificates = [...(signed.certificates ?? []), ...extras];
  const signerPki = findSigner(L, signed);
  if (signerPki === undefined) {
    problems.push({
      code: 'TIMESTAMP_SIGNATURE_INVALID',
      message: 'the signer certificate is neither in the token nor among the given certificates',
    });
    return { ok: false, facts, problems, chainChecked: false };
  }
  try {
    // pkijs also checks the imprint against the data (again) and the signed message digest.
    const r = await signed.verify({
      signer: 0,
      checkChain: false,
      extendedMode: true,
      data: toArrayBuffer(options.data),
    });
    if (r.signatureVerified !== true)
      problems.push({
        code: 'TIMESTAMP_SIGNATURE_INVALID',
        message: `the TSA signature does not verify: ${r.message}`,
      });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    problems.push({ code: 'TIMESTAMP_SIGNATURE_INVALID', message: `the TSA signature does not verify: ${message}` });
  }
  const eku = ekuProblem(L, signerPki);
  if (eku !== undefined) problems.push(eku);

  const anchors = options.trustAnchors;
  if (anchors === undefined) return { ok: problems.length === 0, facts, problems, chainChecked: false };
  const signer = new X509Certificate(Buffer.from(signerPki.toSchema().toBER()));
  const pool = [...facts.certificates.map((d) => new X509Certificate(d)), ...(options.untrusted ?? [])];
  const path = buildPath(signer, pool, anchors, facts.genTime);
  if (path !== undefined) problems.push({ code: 'TIMESTAMP_UNTRUSTED', message: path });
  return { ok: problems.length === 0, facts, problems, chainChecked: true };
}

/** The signer's certificate among the SignedData's, by its SignerIdentifier (issuer and serial, or key id). */
function findSigner({ pkijs, asn1js }: Asn1Libs, signed: SignedData): Certificate | undefined {
  const sid = signed.signerInfos[0]?.sid;
  if (sid === undefined) return undefined;
  for (const c of signed.certificates ?? []) {
    if (!(c instanceof pkijs.Certificate)) continue;
    if ('serialNumber' in sid && 'issuer' in sid) {
      if (c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber)) return c;
    } else if (sid instanceof asn1js.OctetString) {
      const ski = c.extensions?.find((e) => e.extnID === '2.5.29.14')?.parsedValue as Asn1js.OctetString | undefined;
      if (ski?.isEqual(sid)) return c;
    }
  }
  return undefined;
}

/** RFC 3161 §2.3: exactly one EKU extension, critical, with only id-kp-timeStamping. */
function ekuProblem({ pkijs }: Asn1Libs, cert: Certificate): TimestampProblem | undefined {
  const ekus = (cert.extensions ?? []).filter((e) => e.extnID === OID_EKU);
  if (ekus.length !== 1)
    return {
      code: 'TIMESTAMP_EKU_INVALID',
      message: `the TSA certificate has ${ekus.length} extended key usage extensions; RFC 3161 requires exactly one, with timeStamping`,
    };
  const ext = ekus[0] as NonNullable<(typeof ekus)[number]>;
  const usage = ext.parsedValue instanceof pkijs.ExtKeyUsage ? ext.parsedValue.keyPurposes : [];
  if (!ext.critical)
    return {
      code: 'TIMESTAMP_EKU_INVALID',
      message: "the TSA certificate's extended key usage is not critical (RFC 3161 §2.3)",
    };
  if (usage.length !== 1 || usage[0] !== OID_KP_TIME_STAMPING) {
    return {
      code: 'TIMESTAMP_EKU_INVALID',
      message: `the TSA certificate's extended key usage is [${usage.join(', ')}], not only timeStamping (${OID_KP_TIME_STAMPING})`,
    };
  }
  return undefined;
}

/** Longest path walked: real TSA paths have 2-4 certificates. */
const MAX_PATH = 8;

/**
 * A path from `leaf` to one of `anchors` through `pool`; undefined when one holds, else why not.
 * Each certificate must be valid at `at` (the token's time: a TSA certificate may have expired
 * since, which does not void tokens made while it was valid) and every issuer must be a CA.
 */
function buildPath(
  leaf: X509Certificate,
  pool: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  at: Date,
): string | undefined {
  const valid = (c: X509Certificate): boolean =>
    new Date(c.validFrom).getTime() <= at.getTime() && at.getTime() <= new Date(c.validTo).getTime();
  const isAnchor = (c: X509Certificate): boolean => anchors.some((a) => a.fingerprint256 === c.fingerprint256);
  const issues = (parent: X509Certificate, child: X509Certificate): boolean =>
    child.checkIssued(parent) && child.verify(parent.publicKey);
  let cur = leaf;
  const seen = new Set<string>();
  for (let depth = 0; depth < MAX_PATH; depth++) {
    if (!valid(cur))
      return `certificate "${cur.subject}" is not valid at the token's time ${at.toISOString()} (valid ${cur.validFrom} to ${cur.validTo})`;
    if (isAnchor(cur)) return undefined;
    seen.add(cur.fingerprint256);
    const anchor = anchors.find((a) => a.ca && issues(a, cur));
    if (anchor !== undefined) {
      if (!valid(anchor))
        return `trust anchor "${anchor.subject}" is not valid at the token's time ${at.toISOString()}`;
      return undefined;
    }
    const next = pool.find((p) => !seen.has(p.fingerprint256) && p.ca && issues(p, cur));
    if (next === undefined)
      return `no path from "${leaf.subject}" to a given trust anchor (stopped at "${cur.subject}", issued by "${cur.issuer}")`;
    cur = next;
  }
  return `certificate path from "${leaf.subject}" longer than ${MAX_PATH}`;
}

/** SHA-256 of bytes, lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hex(v: Uint8Array): string {
  return Buffer.from(v).toString('hex');
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

/** Reads PEM text with one or more certificates (a `--tsa-ca` file). Throws on no certificate. */
export function parsePemCertificates(text: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** Certificates as PEM text, one block after the other. */
export function certificatesToPem(ders: readonly Uint8Array[]): string {
  return ders.map((d) => new X509Certificate(Buffer.from(d)).toString()).join('');
}

/**
 * Reads a PEM file of trust anchors (`--tsa-ca`). Throws KEY_INVALID when it cannot be read or
 * holds no certificate.
 */
export function loadTsaCa(path: string): X509Certificate[] {
  let text: string;
  try {
    text = readRegularFile(path).toString('latin1'); // a FIFO is refused (ENOTREG), never waited on
  } catch (err) {
    throw new AuditpackError(
      'KEY_INVALID',
      `the TSA trust anchors ${quotePath(path)} cannot be read: ${(err as Error).message}`,
      {
        cause: err,
        details: { path },
      },
    );
  }
  let certs: X509Certificate[];
  try {
    certs = parsePemCertificates(text);
  } catch (err) {
    throw new AuditpackError('KEY_INVALID', `${quotePath(path)} is not a PEM certificate (${(err as Error).message})`, {
      cause: err,
      details: { path },
    });
  }
  if (certs.length === 0)
    throw new AuditpackError('KEY_INVALID', `${quotePath(path)} holds no PEM certificate`, { details: { path } });
  return certs;
}
