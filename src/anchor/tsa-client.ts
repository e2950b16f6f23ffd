/**
 * Asking a time-stamping authority for a token: RFC 3161 over HTTP (§3.4): POST a DER
 * TimeStampReq as `application/timestamp-query`, read a DER TimeStampResp as
 * `application/timestamp-reply`. The request is built with pkijs (no hand-written ASN.1).
 *
 * A TSA that does not answer must delay nothing: the whole exchange, connect to last byte, has one
 * deadline (default 10 s), and the answer is bounded in size. The answer is checked before it is
 * kept: a token over another digest, with another nonce, or that does not verify is refused.
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import { AuditpackError } from '../errors.js';
import { shownText as redactText } from './shown-text.js';
import { loadAsn1Libs, MAX_TOKEN_BYTES, OID_SHA256, sha256Hex, verifyTimestamp, type TimestampFacts } from './token.js';

/** Default deadline for one TSA exchange. */
export const DEFAULT_TSA_TIMEOUT_MS = 10_000;

/** Options of requestTimestamp. */
export interface RequestTimestampOptions {
  /** The TSA's URL (http or https). */
  readonly url: string;
  /** The bytes to be time-stamped (the TSA sees only their SHA-256). */
  readonly data: Uint8Array;
  /** Deadline for the whole exchange (default 10 s). */
  readonly timeoutMs?: number | undefined;
  /** When given, the answer must also chain to one of these (else TSA_FAILED). */
  readonly trustAnchors?: readonly X509Certificate[] | undefined;
}

/** A token the TSA granted. */
export interface GrantedTimestamp {
  /** The TimeStampResp exactly as the TSA sent it (DER). */
  readonly response: Buffer;
  readonly facts: TimestampFacts;
}

/** Builds the DER TimeStampReq for a SHA-256 digest: certReq true (the token carries the TSA certificate), a random nonce. */
export async function buildTimestampRequest(sha256: string, nonce: Uint8Array): Promise<Buffer> {
  const { asn1js, pkijs } = await loadAsn1Libs();
  const { AlgorithmIdentifier, MessageImprint, TimeStampReq } = pkijs;
  const digest = Buffer.from(sha256, 'hex');
  if (digest.length !== 32 || !/^[0-9a-f]{64}$/i.test(sha256))
    throw new AuditpackError('USAGE', `not a SHA-256 hex digest: ${JSON.stringify(sha256)}`);
  const req = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithmId: OID_SHA256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest }),
    }),
    certReq: true,
    nonce: new asn1js.Integer({ valueHex: nonce }),
  });
  return Buffer.from(req.toSchema().toBER());
}

/**
 * Asks the TSA at `url` for a token over `data`. Throws TSA_FAILED (with the reason) when the TSA
 * cannot be reached in time, answers with an error, or answers with a token that does not check.
 */
export async function requestTimestamp(options: RequestTimestampOptions): Promise<GrantedTimestamp> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new AuditpackError('CONFIG_INVALID', `the TSA URL (${options.url.length} characters) is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw notHttp(options.url, url);
  const shown = shownUrl(url);
  // Credentials in the URL (https://user:password@tsa/...) go as HTTP Basic authentication: fetch
  // refuses a URL that holds them, and its error would quote the whole URL.
  const headers: Record<string, string> = {
    'content-type': 'application/timestamp-query',
    accept: 'application/timestamp-reply',
  };
  if (url.username !== '' || url.password !== '') {
    headers.authorization = basicAuth(url, shown);
    url.username = '';
    url.password = '';
  }
  // A positive INTEGER: the top bit clear so DER does not read it as negative.
  const nonce = randomBytes(8);
  nonce[0] = ((nonce[0] as number) & 0x7f) | 0x01;
  const body = await buildTimestampRequest(sha256Hex(options.data), nonce);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TSA_TIMEOUT_MS;
  const fail = (reason: string, cause?: unknown): AuditpackError =>
    new AuditpackError('TSA_FAILED', `time-stamping authority ${shown}: ${reason}`, {
      details: { url: shown },
      ...(cause === undefined ? {} : { cause }),
    });

  const signal = AbortSignal.timeout(timeoutMs);
  let response: Buffer;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal,
      redirect: 'error',
    });
    if (res.status !== 200) throw fail(`HTTP ${res.status}`);
    const type = res.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/timestamp-reply'))
      throw fail(`answered with content type ${JSON.stringify(type)}, not application/timestamp-reply`);
    response = await readBounded(res, MAX_TOKEN_BYTES, () => fail(`answer larger than ${MAX_TOKEN_BYTES} bytes`));
  } catch (err) {
    if (err instanceof AuditpackError) throw err;
    if (signal.aborted) throw fail(`no answer within ${timeoutMs} ms`, err);
    // The network error's own text may quote the URL (query included): only its code, or the
    // text with every form of the URL replaced by the part that may be shown.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const text = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw fail(withoutUrl(text, options.url, url, shown));
  }

  const check = await verifyTimestamp(response, { data: options.data, trustAnchors: options.trustAnchors });
  if (check.facts === undefined || !check.ok)
    throw fail(`answer refused: ${check.problems.map((p) => `${p.code}: ${p.message}`).join('; ')}`);
  if (check.facts.nonce !== Buffer.from(nonce).toString('hex'))
    throw fail('answer refused: its nonce is not the one sent (a replayed or misrouted answer)');
  return { response, facts: check.facts };
}

/**
 * The refusal of a URL that is not http(s), quoting its scheme only when it is one (`ftp://`). A URL
 * given without its scheme, `trader:Pw@tsa.example/tsr`, parses with `trader:` as the scheme and the
 * password in an opaque path that `shownUrl` would show: neither is quoted.
 */
function notHttp(given: string, url: URL): AuditpackError {
  const scheme = given.toLowerCase().startsWith(`${url.protocol}//`) ? `, not ${url.protocol}//` : '';
  return new AuditpackError(
    'CONFIG_INVALID',
    `the TSA URL (${given.length} characters) must start with http:// or https://${scheme}`,
  );
}

/**
 * What may be shown of a TSA URL, in messages, in the `AnchorFailed` / `Anchored` events and on
 * stderr: its origin and path only (never its credentials, query or fragment), and the path with
 * secret shapes (a token in a path segment, as hosted APIs take it) redacted as any logged text is.
 */
export function shownUrl(url: URL): string {
  return `${url.origin}${redactText(url.pathname)}`;
}

/** The `Authorization` value for a URL's `user:password@` (percent-decoded, as a browser sends it). */
function basicAuth(url: URL, shown: string): string {
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    // Never quote them: the message reaches stderr and the log.
    throw new AuditpackError(
      'CONFIG_INVALID',
      `the TSA URL's user name or password is not valid percent-encoding (a "%" not followed by two hex digits): ${shown}`,
      { details: { url: shown } },
    );
  }
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * `text` with each form of the URL (as given, as parsed, without its fragment, its path alone)
 * replaced by what may be shown, any `user:password@`, query and fragment cut, and secret shapes
 * redacted.
 */
function withoutUrl(text: string, given: string, url: URL, shown: string): string {
  let out = text;
  const noHash = url.href.split('#')[0] as string;
  for (const form of [given, url.href, noHash, `${url.origin}${url.pathname}`])
    if (form !== '') out = out.split(form).join(shown);
  if (url.pathname.length > 1) out = out.split(url.pathname).join(shown.slice(url.origin.length));
  out = out.replace(/\/\/[^/@\s]*@/g, '//').replace(/[?#][^\s]*/g, '');
  return redactText(out);
}

async function readBounded(res: Response, max: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body === null) return Buffer.alloc(0);
  for await (const chunk of res.body) {
    size += (chunk as Uint8Array).length;
    if (size > max) throw tooLarge();
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks, size);
}
