/**
 * A JWT goes whole whatever its length (rules 14): the finder bounded each segment at 8,192
 * characters, so a longer payload or signature kept its tail in clear, and a longer header was not
 * found at all. A JWE in compact form has five segments (header.encrypted_key.iv.ciphertext.tag):
 * all five go, also with an empty encrypted key (`alg: dir`), and so does a JWS with a detached
 * (empty) payload, `header..signature`.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const HEADER = 'eyJhbGciOiJIUzI1NiJ9';
const PAYLOAD = 'eyJzdWIiOiIxMjM0NTY3ODkwIn0';
const SIG = 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
/** A run of the segment class, `n` long, that is not a repeat of one letter. */
const seg = (n: number, seed = 'Ab3_x-Yz9Q'): string => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);
// An RFC 7516 appendix A.1 style JWE (RSA-OAEP + A256GCM), and one with `alg: dir` (no encrypted key).
const JWE_HEADER = 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ';
const EK = 'OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQ';
const IV = '48V1_ALb6US04U3b';
const CT = '5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A';
const TAG = 'XFBoMYUZodetZdvTiFvSkQ';
const DIR_HEADER = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0';

describe('a JWT goes whole whatever its length', () => {
  it.each([
    ['payload', 8193],
    ['payload', 16_385],
    ['payload', 100_000],
    ['signature', 8193],
    ['signature', 40_000],
    ['header', 8193],
    ['header', 30_000],
  ])('a %s of %i characters', (part, n) => {
    const token =
      part === 'payload'
        ? `${HEADER}.${seg(n)}.${SIG}`
        : part === 'signature'
          ? `${HEADER}.${PAYLOAD}.${seg(n)}`
          : `eyJ${seg(n)}.${PAYLOAD}.${SIG}`;
    expect(r.redactString(`upstream sent ${token} back`)).toBe('upstream sent [REDACTED] back');
  });

  it('a short JWT as before, and its neighbours stay', () => {
    expect(r.redactString(`got ${HEADER}.${PAYLOAD}.${SIG}, ok`)).toBe('got [REDACTED], ok');
    expect(r.redactString(`got ${HEADER}.${PAYLOAD}. done`)).toBe('got [REDACTED] done'); // alg none
    expect(r.redactString(`got ${HEADER}.${PAYLOAD}.${SIG}.json here`)).toBe('got [REDACTED].json here');
    expect(r.redactString('eyJabc.defg and eyJabcd.efg stay')).toBe('eyJabc.defg and eyJabcd.efg stay');
  });
});

describe('a JWE in compact form loses its five segments', () => {
  it.each([
    ['RSA-OAEP', `${JWE_HEADER}.${EK}.${IV}.${CT}.${TAG}`],
    ['dir (empty encrypted key)', `${DIR_HEADER}..${IV}.${CT}.${TAG}`],
    ['a long ciphertext', `${JWE_HEADER}.${EK}.${IV}.${seg(50_000)}.${TAG}`],
  ])('%s', (_name, jwe) => {
    expect(r.redactString(`decrypting ${jwe} now`)).toBe('decrypting [REDACTED] now');
    expect(r.redactString(`{"kid":"x","enc":"${jwe}"}`)).toBe('{"kid":"x","enc":"[REDACTED]"}');
  });

  it('a JWS with a detached (empty) payload goes', () => {
    expect(r.redactString(`x-jws-signature: ${HEADER}..${SIG} sent`)).toBe('x-jws-signature: [REDACTED] sent');
    expect(r.redactString(`detached ${HEADER}..${SIG}`)).toBe('detached [REDACTED]');
    // `..` with a third segment too short for a signature stays, as `eyJabcd.efg` does.
    expect(r.redactString(`${HEADER}..abc stays`)).toBe(`${HEADER}..abc stays`);
  });
});
