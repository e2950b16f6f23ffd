/**
 * A crypto desk's wallet private keys and venues' request signatures (s17 F4, rules 12): BIP32
 * extended private keys (`xprv` + 107 base58), WIF private keys (base58check-verified), and the
 * `*-SIGN` headers (Kraken `API-Sign`, `CB-ACCESS-SIGN`, `OK-ACCESS-SIGN`, `KC-API-SIGN`,
 * `X-BAPI-SIGN`) as object keys and in raw HTTP text.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { isWifPrivateKey } from '../../src/redaction/wif.js';

const r = compileRedactor();
const XPRV =
  'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi';
const WIF = '5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ';
const WIF_C = 'KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn';
const SIG = 'c2lnbmF0dXJlOnNpZ25hdHVyZTEyMzQ1Njc4OTA=';

describe('wallet private keys', () => {
  it.each(['xprv', 'tprv', 'yprv', 'zprv', 'uprv', 'vprv'])('a %s extended key, bare and in a message', (p) => {
    const key = p + XPRV.slice(4);
    expect(r.redactString(key)).toBe('[REDACTED]');
    expect(r.redactString(`derived deposit addresses from ${key}`)).toBe('derived deposit addresses from [REDACTED]');
  });

  it('an xpub (public) stays', () => {
    const xpub = `xpub${XPRV.slice(4)}`;
    expect(r.redactString(xpub)).toBe(xpub);
  });

  it('WIF keys with a valid checksum go, a look-alike stays', () => {
    expect(isWifPrivateKey(WIF)).toBe(true);
    expect(isWifPrivateKey(WIF_C)).toBe(true);
    expect(r.redactString(`wif ${WIF}`)).toBe('wif [REDACTED]');
    expect(r.redactString(`import=${WIF_C}`)).toBe('import=[REDACTED]');
    const wrong = `${WIF.slice(0, -1)}K`; // checksum broken: an id of the same shape
    expect(isWifPrivateKey(wrong)).toBe(false);
    expect(r.redactString(`order ${wrong}`)).toBe(`order ${wrong}`);
    const id = `L${'a'.repeat(51)}`;
    expect(r.redactString(id)).toBe(id);
  });

  it('through the logger, under any key', async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    a.log('wallet', 'Import', { wallet: XPRV, xprv: XPRV, key: WIF, note: `wif ${WIF_C}` });
    a.log('venue', 'Request', { headers: { 'API-Key': 'kraken-key-1', 'API-Sign': SIG, 'CB-ACCESS-SIGN': SIG } });
    await a.close();
    const text = sink.allLines().join('\n');
    expect(text).not.toContain(SIG);
    for (const s of [XPRV, WIF, WIF_C]) expect(text).not.toContain(s);
  });
});

describe('venue signing headers', () => {
  const HEADERS = ['API-Sign', 'CB-ACCESS-SIGN', 'OK-ACCESS-SIGN', 'KC-API-SIGN', 'X-BAPI-SIGN', 'x-bapi-sign'];
  it.each(HEADERS)('%s as a key and as a header line', (h) => {
    expect(r.isSensitiveKey(h)).toBe(true);
    expect(r.redactString(`POST /0/private/AddOrder HTTP/1.1\r\n${h}: ${SIG}\r\n`)).toBe(
      `POST /0/private/AddOrder HTTP/1.1\r\n${h}: [REDACTED]\r\n`,
    );
  });

  it('sign as a word elsewhere stays', () => {
    expect(r.isSensitiveKey('sign_in_count')).toBe(false);
    expect(r.isSensitiveKey('signal')).toBe(false);
    expect(r.redactString('sign: positive')).toBe('sign: positive');
  });
});
