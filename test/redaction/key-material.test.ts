/**
 * Key material whose secret sits under a name no key rule calls sensitive, or in a block that is not
 * a PEM `PRIVATE KEY` (at11 #04): a WireGuard `PresharedKey`, a JSON Web Key's private members (`d`,
 * `p`, `q`, `dp`, `dq`, `qi`; an `oct` key's `k`), an OpenVPN static key block. In config snapshots
 * and in logged text.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const PSK = 'Q3x9Lm2Pz8Rt5Vw1Yb7Nc4Hd6Jf0Kg2Ms8Ta3Ue5Wq=';
const JWKD = 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A';
const HMAC = 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T';
const OVPN = '6acef03f62675b4b1bbd03e53b187727';
const OVPN_BLOCK = `-----BEGIN OpenVPN Static key V1-----\n${OVPN}${OVPN}\n${OVPN}${OVPN}\n-----END OpenVPN Static key V1-----`;

describe('key material in text', () => {
  it.each([
    [`PresharedKey = ${PSK}`, 'PresharedKey = [REDACTED]'],
    [`preshared_key: ${PSK}`, 'preshared_key: [REDACTED]'],
    [`{"kty":"oct","kid":"s","k":"${HMAC}"}`, '{"kty":"oct","kid":"s","k":"[REDACTED]"}'],
    [
      `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKx","d":"${JWKD}"}`,
      '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKx","d":"[REDACTED]"}',
    ],
    [
      '{"kty":"RSA","n":"0vx7","e":"AQAB","d":"X1","p":"X2","q":"X3","dp":"X4","dq":"X5","qi":"X6"}',
      '{"kty":"RSA","n":"0vx7","e":"AQAB","d":"[REDACTED]","p":"[REDACTED]","q":"[REDACTED]","dp":"[REDACTED]","dq":"[REDACTED]","qi":"[REDACTED]"}',
    ],
    [`<tls-crypt>\n${OVPN_BLOCK}\n</tls-crypt>`, '<tls-crypt>\n[REDACTED]\n</tls-crypt>'],
    [`key: -----BEGIN OpenVPN Static key V1-----\n${OVPN}`, 'key: [REDACTED]'],
    ['-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----', '[REDACTED]'],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });

  it.each([
    '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    '{"kty":"OKP","crv":"Ed25519","kid":"orders-2026","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}',
    '{"d":"2026-12-03","p":"1.10","k":"v"}',
    'PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
  ])('%j is kept', (input) => {
    expect(r.redactString(input)).toBe(input);
  });
});

describe('key material in config files', () => {
  it('wg0.conf, a pretty-printed jwks.json and an OpenVPN config keep no key material', () => {
    const wg = `[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n[Peer]\nPublicKey = xTIBA5rbo=\nPresharedKey = ${PSK}\n`;
    const jwks = `{\n  "keys": [\n    {\n      "kty": "oct",\n      "kid": "session-hmac",\n      "k": "${HMAC}"\n    },\n    { "kty": "OKP", "crv": "Ed25519", "x": "11qY", "d": "${JWKD}" }\n  ]\n}\n`;
    const vpn = `remote vpn.example.com 1194\n<tls-crypt>\n${OVPN_BLOCK}\n</tls-crypt>\n`;
    const out = [
      redactConfigText(wg, 'ini', r).text,
      redactConfigText(jwks, 'json', r).text,
      redactConfigText(vpn, 'generic', r).text,
    ].join('\n');
    for (const s of [PSK, HMAC, JWKD, OVPN]) expect(out).not.toContain(s.slice(2, 22));
    expect(out).toContain('PublicKey = xTIBA5rbo=');
    expect(out).toContain('"kid": "session-hmac"');
    expect(out).toContain('remote vpn.example.com 1194');
  });
});

describe('key material in logged text', () => {
  it('a PresharedKey and a JWK in an event string are written redacted', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    audit.log('config', 'ConfigChanged', { config_type: 'vpn', note: `wg set wg0 peer X PresharedKey = ${PSK}` });
    audit.log('system', 'KeyRotated', { jwk: `{"kty":"oct","kid":"session-hmac","k":"${HMAC}"}`, block: OVPN_BLOCK });
    await audit.close();
    const all = sink.allLines().join('\n');
    for (const s of [PSK, HMAC, OVPN]) expect(all).not.toContain(s.slice(2, 22));
  });
});

describe('a JSON Web Key logged as an object (redaction rules 11)', () => {
  it('an oct key, an RSA key at top level and a JWK set: the private members go, the public stay', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    audit.log('system', 'KeyRotated', { jwk: { kty: 'oct', kid: 'session-hmac', k: HMAC } });
    audit.log('system', 'KeyRotated', {
      kty: 'RSA',
      n: '0vx7',
      e: 'AQAB',
      d: 'LEAKd1',
      p: 'LEAKp2',
      q: 'LEAKq3',
      dp: 'LEAKdp4',
      dq: 'LEAKdq5',
      qi: 'LEAKqi6',
      oth: [{ r: 'LEAKr7', d: 'LEAKd8', t: 'LEAKt9' }],
    });
    audit.log('system', 'KeysLoaded', { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qY', d: JWKD }] });
    audit.log('system', 'Quote', { d: '2026-12-03', p: '1.10', k: 'v' });
    await audit.close();
    const lines = sink.allLines();
    const all = lines.join('\n');
    for (const s of [HMAC, JWKD]) expect(all).not.toContain(s.slice(2, 22));
    expect(all).not.toMatch(/LEAK/);
    expect(all).toContain('"jwk":{"kty":"oct","kid":"session-hmac","k":"[REDACTED]"}');
    expect(all).toContain('"kty":"RSA","n":"0vx7","e":"AQAB","d":"[REDACTED]"');
    expect(all).toContain('"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qY","d":"[REDACTED]"}]');
    // Without `kty` these are ordinary fields.
    expect(all).toContain('"d":"2026-12-03","p":"1.10","k":"v"');
  });
});
