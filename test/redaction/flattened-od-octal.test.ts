/**
 * A flattened `od -t x1` dump (octal offsets: `0000020` reads as hex too, a step of 32 up to `0000100`,
 * where the hex reading of the chain breaks) whose last line starts where that reading breaks and holds
 * fewer than 4 bytes: no chain took that line's offset or the closing one after it, the line before ran
 * on to the text's end and the words after the dump went. An RSA 2048 key in PKCS#8 (1,217 bytes: its
 * last line `0002300 f1`) from a loop of random keys in every layout and wrapping (2026-12-07).
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { jwkBytes } from '../helpers/jwk.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { leaked, odX1 } from './dump-formats.js';
import { createPrivateKey } from 'node:crypto';

const r = compileRedactor();
const DER = Buffer.from(
  '308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100dba11a8f348b0936faf8' +
    'f8e8e06ba1226d7e3b38339c9eae9df3f6d724d140cc2e064aff4d8a7783a275da621b726c844304d7a883a4138dca9d' +
    '1bc815bcf75d1b6d63db64ba062f6fad5dc029e0e57aff26269bee914058c376d50e2fdf70401d3d0be65b35e1361156' +
    'c769eb5b71761efcdb15118dee9ca15adf7b1b5127220bd58e558614451e0e3d02163eaecba2e516619a377a930a0ceb' +
    '2a52d5d6f219ebd2379bf10017c0f95ca81a67a9948aff3ab10427ea1d9d2d89ea4eb57e7fada3ca3b77d45fe9e19209' +
    'c8e9a5f5ccd59de850ebf85d28fc29746677738689afcdc9936da14a6e6f7d006054a44cdabf30f5eaafb4397b7dfc4d' +
    '39ff8fb2a10702030100010282010067df7873bd4a7aa7b5a815f4f1db0581065efabc1870dcfdc1f795c96800cd9023' +
    'be572f0ae9cf9f82b111816ff0bc910b2f599db9f0da4ca7c48954a6af5220876dc39a0a380edfd5861d7e5a7022a87a' +
    'cefcd8a7caabafaf765eca906ab128a98b6b3added8c1fa9b0acac942311f4e72ff89facc73f5075e1c82b6d9e828e2f' +
    '962f23aa0595accf1c036ca03e7c23c5f53fde43489ae4a56d8557e792fa56b86f51df335e8b44ed20eadc394e8ed754' +
    '1f969e098a85e5ed8d1cc4ce578f6c8c32d82d3a8f1d0483c883e6dcfb82f8931fddfd2729e31860bd98c708938ebe2e' +
    'f42715d03ffab57eca958787a599c016e0e2e78216379c892a9ceaf0c4332102818100f8a56a10463fda63d3ca78f2f8' +
    '4e1c0b3c53c4eca09867290e4243bffe8f0310708771deb23219649b874cfc9869a03b6736cc6265569be755396d68be' +
    'fb38f3291737d1d29ca52f5d1573efe1285bec60433e9b61afc8620110076fb63b898759200fe84def0651e4c6c938e7' +
    'b8dae13d2880778316bcc2bc60b135ccce34a702818100e21ffe32515987a2c0cd6435a027ab465aae5a7e0c3d8df7cb' +
    'c2bbc10a312af4d3ba51ca993bbaa9fbdae5e21f6429670363f4608b2a0fa897e99761de1430ed5e23bef7cbe2800794' +
    '936760d8671bf284f072e2d587a8c716eb78d2a55d7954f25d8955ea2809de8e48c6c25c978e523ab55857dba794ce2a' +
    '4dda3fb19cdca1028180291b97ec76e0c9a765757d07967bbb713419195e91b280a3ae02d096a66c587258585c40182f' +
    'e638d6e9c8959e51203791f9e25286348a73f588180990419289c90a58a52cefcef384ad2e4cc369dbc0b9ad84654602' +
    '3cdbcf172a5392ca4713846da393a186da01a21427626c1508c2e24c96e8ab588ffe960c5a5fedab4dd302818100d9e7' +
    '1e9bfa8c9e0a166556b5de799bb1165d81d289951fa3b475195cf2a762cfbee083450ad8e60e3c273af3e6702cfd99e4' +
    'ce6fe26b4bdf99547e8ecee502291b58b3043333375116b9dd1b142e785e02017b945f54752e3546008e6cd060c59d30' +
    'c9d142ee0664b3142a84cd99368ac30c51ef883a3b4958b6e12413d227410281806872d97714b98f0da520badd88fe31' +
    '3da5150a3f8df9e502fd1b6912f14dd3353f679701446d6a6e5054b0aba5656ae0932918c02be82f18b901f753b3a428' +
    'eb2cec22b7a7efc335cf27aadb04d04d2850e5be57ae6f245891f23dd312a5385bca8a7294b8eafa1bbc8c7ed7333214' +
    '0ed25de44e654539b431bc621cf96aa8f1',
  'hex',
);
const secret = jwkBytes(createPrivateKey({ key: DER, format: 'der', type: 'pkcs8' }), 'd');
const flat = odX1(DER).replace(/\n$/, '').replace(/\n/g, ' ');

describe('a flattened od -t x1 dump whose last line starts where the hex reading of its offsets breaks', () => {
  it('then words: the key goes, the closing offset and the words stay', () => {
    const text = `${flat} done, rotating keys`;
    expect(text.endsWith('0002300 f1 0002301 done, rotating keys')).toBe(true);
    expect(leaked(text, secret)).toBeGreaterThan(0);
    const out = redactOnce(r, text);
    expect(leaked(out, secret)).toBe(0);
    expect(out.endsWith(' 0002301 done, rotating keys')).toBe(true);
  });
  it('in a JSON string, then words: the key goes, the words stay', () => {
    const text = JSON.stringify({ msg: `${flat} done, rotating keys`, v: 1 });
    const out = redactOnce(r, text);
    expect(leaked(out, secret)).toBe(0);
    expect((JSON.parse(out) as { msg: string }).msg.endsWith(' done, rotating keys')).toBe(true);
  });
});
