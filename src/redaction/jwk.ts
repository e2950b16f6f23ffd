/**
 * JSON Web Keys (RFC 7517) in text: a JWK's private members have one-letter names no key rule could
 * call sensitive — an RSA/EC/OKP key's `d` (and RSA's `p`, `q`, `dp`, `dq`, `qi`, RFC 7518 §6.3.2),
 * a symmetric (`"kty":"oct"`) key's `k`, the HMAC secret that signs JWTs (RFC 7518 §6.4.1). In a
 * text that holds `"kty"` (a JWK or a JWK set: `jwks.json`, a logged key), the string values of
 * those members go; `kty`, `kid`, `alg`, `crv` and the public `n`, `e`, `x`, `y` stay. Limit: another
 * JSON object in the same text with a member so named loses its value too.
 */

/** A private member and its string value (escapes kept inside): linear, no backtracking. */
const PRIVATE_MEMBER = /("(?:d|p|q|dp|dq|qi|k)"\s{0,16}:\s{0,16}")((?:[^"\\\n]|\\.){1,16384})"/g;

/** `s` with the private members of the JWKs in it replaced by `censor`; the same string if none. */
export function redactJwk(s: string, censor: string): string {
  if (!s.includes('"kty"')) return s;
  PRIVATE_MEMBER.lastIndex = 0;
  const out = s.replace(PRIVATE_MEMBER, (m, head: string, value: string) =>
    value === censor ? m : `${head}${censor}"`,
  );
  return out;
}
