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

// BIP32 test vector 1's master key under SLIP-132's multisig versions (at18 F3, rules 13).
const SLIP132 = {
  Yprv: 'YprvANkMzkodih9AKGoi75b8yBgRAzVm6H9JGAfvV5uVdfogeNzy4nwEYvEGXfQzUiCb2NVk8YVMSDXJ6Ct4NLwLQmFYbDzUJ12XDSEnATR3W3g',
  Zprv: 'ZprvAhadJRUYsNgeAZzpwSNmBGmvLxeD2u8oBHC9GUoP1gBZhUpCKT6oAytQYsNaUcrWS1cYt25utssqyVVd63MMCzw9TZgtsur1VAJRYzwAEqZ',
  Uprv: 'Uprv95RJn67y7xyEv63EmeSe8qJQV7uyKoBJbib3MWKx7eJARyk44AGz4fbiSqaeV5auPp2X8e77ba76Z4RoVZHHDpX97sCmxMka8XzCc9fe9K9',
  Vprv: 'Vprv16YtLrHXxePM6QH2pP6gJegXe6NyWYhkJkS5emb9diQdXPdfDxwD42xU9Bd6xrfuNz9CGdoZgVDQD26VwcBzwg23TFNCX6dsjQCrgPBnUZm',
};
const ZPUB =
  'Zpub6vZyhw1ShkEwP45J3TumYQietzUhSMreYW7k4sCza1iYaH9LrzR3inCtQ4WrZo16qk4YnUCqZddJaw3QyhqtxrXJya1GjEf4R2BfK2hh7NG';
// Testnet WIF keys (0xef): private key 1, compressed and uncompressed, and sha256("red18b").
const TESTNET_WIF = [
  'cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA',
  '91avARGdfge8E4tZfYLoxeJ5sGBdNJQH4kvjJoQFacbgwmaKkrx',
  'cUX2xESCVS9MzP5n27ZWwptJBt4GWoMLD7pdFKynaQ22x1HLdifn',
  '93A54uSCDLHrANmamCugQkUUumCAQWzAnnxCPH5i928wNA2SRG7',
];

describe('SLIP-132 multisig extended keys and testnet WIF (at18 F3, rules 13)', () => {
  it.each(Object.entries(SLIP132))('a %s key, bare, in a message and in a descriptor', (_, key) => {
    expect(r.redactString(key)).toBe('[REDACTED]');
    expect(r.redactString(`cosigner ${key}`)).toBe('cosigner [REDACTED]');
    expect(r.redactString(`wsh(multi(2,${key}/0/*))`)).toBe('wsh(multi(2,[REDACTED]/0/*))');
  });

  it('a Zpub (public) stays', () => {
    expect(r.redactString(`cosigner ${ZPUB}`)).toBe(`cosigner ${ZPUB}`);
  });

  it.each(TESTNET_WIF)('testnet WIF %s goes; with a broken checksum it stays', (wif) => {
    expect(isWifPrivateKey(wif)).toBe(true);
    expect(r.redactString(`importprivkey ${wif} rescan`)).toBe('importprivkey [REDACTED] rescan');
    const wrong = wif.slice(0, -1) + (wif.endsWith('2') ? '3' : '2');
    expect(isWifPrivateKey(wrong)).toBe(false);
    expect(r.redactString(`order ${wrong}`)).toBe(`order ${wrong}`);
  });

  it('ids of the testnet WIF length and alphabet stay', () => {
    for (const id of [`c${'a'.repeat(51)}`, `9${'Z'.repeat(50)}`, `client_${'b'.repeat(45)}`]) {
      expect(r.redactString(`id ${id}`)).toBe(`id ${id}`);
    }
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
